package crs

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// srids are the SRIDs a Transformer supports, in the golden file's order.
var srids = []int{4326, 4258, 2154, 3857, 3035}

func geographic(srid int) bool { return srid == 4326 || srid == 4258 }

// Tolerances against PostGIS: a millimetre, or 1e-8° (about 1.1 mm).
const (
	tolMetres  = 1e-3
	tolDegrees = 1e-8
)

// Bounds of the difference between the exact inverse of LAEA and PROJ's
// before 9.7, a truncated series (see laea.go): 1.6 mm, 1.5e-8°.
const (
	seriesMetres  = 2e-3
	seriesDegrees = 2e-8
)

// row is a point in one SRID and its transforms by PostGIS to every SRID.
type row struct {
	line int
	set  int // 1 to 4 within the areas of use, 5 the edges
	src  int
	in   [2]float64
	out  [5][2]float64 // by index in srids
}

// golden is the committed PostGIS output (see testdata/postgis_golden.sql).
type golden struct {
	rows []row
	// projSeries is true when PROJ was older than 9.7, whose inverse of
	// LAEA is the truncated series.
	projSeries bool
	version    string
}

var projVersion = regexp.MustCompile(`PROJ="(\d+)\.(\d+)`)

// seriesPROJ tells from postgis_full_version() whether PROJ is older than
// 9.7.
func seriesPROJ(version string) (bool, error) {
	m := projVersion.FindStringSubmatch(version)
	if m == nil {
		return false, fmt.Errorf("no PROJ version in %q", version)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	return major < 9 || major == 9 && minor < 7, nil
}

func loadGolden(t testing.TB) golden {
	t.Helper()
	f, err := os.Open("testdata/postgis_golden.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var g golden
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "# POSTGIS=") {
			g.version = line
			if g.projSeries, err = seriesPROJ(line); err != nil {
				t.Fatal(err)
			}
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r, err := parseRow(strings.Split(line, ","))
		if err != nil {
			t.Fatalf("testdata/postgis_golden.csv:%d: %v", n, err)
		}
		r.line = n
		g.rows = append(g.rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if g.version == "" || len(g.rows) < 1000 {
		t.Fatalf("testdata/postgis_golden.csv: %d rows, version %q", len(g.rows), g.version)
	}
	return g
}

func parseRow(fields []string) (row, error) {
	var r row
	if len(fields) != 14 {
		return r, fmt.Errorf("%d fields, want 14", len(fields))
	}
	v := make([]float64, 14)
	for i, s := range fields {
		var err error
		if v[i], err = strconv.ParseFloat(s, 64); err != nil {
			return r, err
		}
	}
	r.set, r.src = int(v[0]), int(v[1])
	r.in = [2]float64{v[2], v[3]}
	for i := range srids {
		r.out[i] = [2]float64{v[4+2*i], v[5+2*i]}
	}
	return r, nil
}

// diff is the distance between two positions of srid: metres, or the
// largest difference of longitude or latitude in degrees. Positions on
// either side of the antimeridian (a 360° difference in longitude, or 2πR
// in Web Mercator x) are equal: which side PROJ lands on there depends on
// the last bit.
func diff(srid int, a, b [2]float64) float64 {
	dx, dy := a[0]-b[0], a[1]-b[1]
	switch {
	case geographic(srid):
		if math.Abs(math.Abs(a[0])-180) < 1e-9 && math.Abs(math.Abs(b[0])-180) < 1e-9 {
			dx = math.Abs(math.Abs(a[0]) - math.Abs(b[0]))
		}
		return math.Max(math.Abs(dx), math.Abs(dy))
	case srid == 3857:
		half := math.Pi * webMercator.r
		if math.Abs(math.Abs(a[0])-half) < 1e-3 && math.Abs(math.Abs(b[0])-half) < 1e-3 {
			dx = math.Abs(a[0]) - math.Abs(b[0])
		}
	}
	return math.Hypot(dx, dy)
}

func tolerance(srid int) float64 {
	if geographic(srid) {
		return tolDegrees
	}
	return tolMetres
}

// scale widens the tolerance at the edges (set 5: poles, antimeridian,
// southern hemisphere), where projected coordinates reach 1e9 m and the
// formulas are ill-conditioned: a millimetre per 1,000 km of coordinate
// (1e-9 relative). Within the areas of use the tolerance is absolute.
func scale(r row, srid int, want [2]float64) float64 {
	if r.set < 5 || geographic(srid) {
		return 1
	}
	return math.Max(1, math.Max(math.Abs(want[0]), math.Abs(want[1]))/1e6)
}

func unit(srid int) string {
	if geographic(srid) {
		return "°"
	}
	return " m"
}

// worst holds the largest difference by group (0: sets 1 to 4, within the
// areas of use; 1: set 5, the edges), source and target SRID.
type worst map[[3]int]float64

func (w worst) add(r row, from, to int, d float64) {
	g := 0
	if r.set == 5 {
		g = 1
	}
	k := [3]int{g, from, to}
	w[k] = math.Max(w[k], d)
}

// log writes the table; errors are in the target's unit, or the source's
// for round trips (inFrom).
func (w worst) log(t *testing.T, title string, inFrom bool) {
	t.Helper()
	var b strings.Builder
	for g, name := range []string{"areas of use (sets 1-4)", "edges (set 5)"} {
		if _, ok := w[[3]int{g, 4326, 4326}]; !ok {
			continue // no such point
		}
		fmt.Fprintf(&b, "%s, %s (from→to):\n", title, name)
		for _, from := range srids {
			for _, to := range srids {
				u := unit(to)
				if inFrom {
					u = unit(from)
				}
				fmt.Fprintf(&b, "  %d→%d %8.1e%s", from, to, w[[3]int{g, from, to}], u)
			}
			b.WriteString("\n")
		}
	}
	t.Log(b.String())
}

// checkPairs transforms every row to every SRID with transformers made by
// mk and compares with PostGIS's result, within tol(from, to) (scaled at
// the edges). It returns the largest differences.
func checkPairs(t *testing.T, rows []row, mk func(from, to int) (Transformer, error), tol func(from, to int) float64) worst {
	t.Helper()
	w := worst{}
	fails := 0
	for _, from := range srids {
		for j, to := range srids {
			tr, err := mk(from, to)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if r.src != from {
					continue
				}
				x, y, err := tr.Transform(r.in[0], r.in[1])
				if err != nil {
					t.Errorf("line %d: %d→%d (%v, %v): %v", r.line, from, to, r.in[0], r.in[1], err)
					continue
				}
				d := diff(to, [2]float64{x, y}, r.out[j])
				w.add(r, from, to, d)
				if !(d <= tol(from, to)*scale(r, to, r.out[j])) {
					if fails++; fails <= 20 {
						t.Errorf("line %d: %d→%d (%.17g, %.17g) = (%.17g, %.17g), PostGIS (%.17g, %.17g): off by %.3g%s",
							r.line, from, to, r.in[0], r.in[1], x, y, r.out[j][0], r.out[j][1], d, unit(to))
					}
				}
			}
		}
	}
	return w
}

// comparePostGIS checks the transformers against rows PostGIS computed,
// with PROJ older than 9.7 when projSeries.
func comparePostGIS(t *testing.T, rows []row, projSeries bool) {
	if projSeries {
		// Every pair to the millimetre, with PROJ's own inverse of LAEA.
		w := checkPairs(t, rows, func(from, to int) (Transformer, error) { return newTransformer(from, to, true) },
			func(_, to int) float64 { return tolerance(to) })
		w.log(t, "with PROJ < 9.7's inverse of LAEA", false)
		// The exact inverse departs from it by the series' error alone.
		w = checkPairs(t, rows, NewTransformer, func(from, to int) float64 {
			if from == 3035 && to != 3035 {
				if geographic(to) {
					return seriesDegrees
				}
				return seriesMetres
			}
			return tolerance(to)
		})
		w.log(t, "NewTransformer (exact inverse of LAEA)", false)
		return
	}
	w := checkPairs(t, rows, NewTransformer, func(_, to int) float64 { return tolerance(to) })
	w.log(t, "NewTransformer", false)
}

func TestGolden(t *testing.T) {
	g := loadGolden(t)
	t.Logf("%d rows from %s", len(g.rows), g.version)
	comparePostGIS(t, g.rows, g.projSeries)
}

// TestRoundTrip transforms every golden point from its SRID to each other
// and back.
func TestRoundTrip(t *testing.T) {
	g := loadGolden(t)
	w := worst{}
	for _, from := range srids {
		for _, to := range srids {
			there, _ := NewTransformer(from, to)
			back, _ := NewTransformer(to, from)
			for _, r := range g.rows {
				if r.src != from {
					continue
				}
				x, y, err := there.Transform(r.in[0], r.in[1])
				if err == nil {
					x, y, err = back.Transform(x, y)
				}
				if err != nil {
					t.Errorf("line %d: %d→%d→%d: %v", r.line, from, to, from, err)
					continue
				}
				want := r.in
				if geographic(from) && !geographic(to) {
					// A projection wraps longitudes to [-180°, 180°].
					want[0] = adjlon(want[0]*deg2rad) * rad2deg
				}
				d := diff(from, [2]float64{x, y}, want)
				w.add(r, from, to, d)
				if !(d <= tolerance(from)/10*scale(r, from, want)) {
					t.Errorf("line %d: %d→%d→%d (%.17g, %.17g) came back as (%.17g, %.17g): off by %.3g%s",
						r.line, from, to, from, r.in[0], r.in[1], x, y, d, unit(from))
				}
			}
		}
	}
	w.log(t, "round trip from→to→from, error in from", true)
}

// TestEdges checks what ST_Transform (PostGIS 3.3.2, PROJ 9.1.1) gave at the
// edges of the domains.
func TestEdges(t *testing.T) {
	for _, tc := range []struct {
		from, to int
		x, y     float64
		want     [2]float64
		err      error
	}{
		// No clamp in Web Mercator.
		{4326, 3857, 10, 85, [2]float64{1113194.9079327357, 19971868.880408566}, nil},
		{4326, 3857, 10, 85.1, [2]float64{1113194.9079327357, 20100884.94371197}, nil},
		{4326, 3857, 10, 89, [2]float64{1113194.9079327357, 30240971.95838615}, nil},
		{4326, 3857, 0, 90, [2]float64{0, 242528680.94374272}, nil},
		{4326, 3857, 0, -90, [2]float64{0, -242528680.94374272}, nil},
		{4326, 2154, 0, 90, [2]float64{700000, 12655612.049875997}, nil},
		{4326, 2154, 0, -89.9, [2]float64{-72992229.83617283, -1926051141.0720787}, nil},
		{4326, 3035, 0, -90, [2]float64{4321000, -8828174.51112901}, nil},
		{2154, 4326, 1e9, 1e9, [2]float64{-171.4242591565305, -89.84396048114509}, nil},
		{3857, 4326, 3e7, 1e9, [2]float64{-90.50541476414358, 90}, nil},
		// 4326 -> 4258 is PROJ's noop: no check, no wrap.
		{4326, 4258, 0, 91, [2]float64{0, 91}, nil},
		{4326, 4258, 720, 0, [2]float64{720, 0}, nil},
		{4258, 4326, 190, 50, [2]float64{190, 50}, nil},
		// Errors.
		{4326, 2154, 0, -90, [2]float64{}, ErrOutsideDomain},
		{4326, 3035, -170, -52, [2]float64{}, ErrOutsideDomain},
		{3035, 4326, 1e8, 1e8, [2]float64{}, ErrOutsideDomain},
		{4326, 2154, 0, 91, [2]float64{}, ErrInvalidCoordinate},
		{4326, 3857, 0, 91, [2]float64{}, ErrInvalidCoordinate},
		{4326, 3035, 0, 91, [2]float64{}, ErrInvalidCoordinate},
		{4326, 2154, 720, 0, [2]float64{}, ErrInvalidCoordinate},
		{4326, 3857, 600, 0, [2]float64{}, ErrInvalidCoordinate},
		// PostGIS passes NaN and infinities on; Transform refuses them.
		{4326, 2154, math.NaN(), 45, [2]float64{}, ErrInvalidCoordinate},
		{2154, 4326, 700000, math.Inf(1), [2]float64{}, ErrInvalidCoordinate},
	} {
		tr, err := NewTransformer(tc.from, tc.to)
		if err != nil {
			t.Fatal(err)
		}
		x, y, err := tr.Transform(tc.x, tc.y)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("%d→%d (%v, %v) = (%v, %v), %v; want %v", tc.from, tc.to, tc.x, tc.y, x, y, err, tc.err)
			}
			continue
		}
		if err != nil || diff(tc.to, [2]float64{x, y}, tc.want) > tolerance(tc.to)*math.Max(1, math.Abs(tc.want[1])/1e7) {
			t.Errorf("%d→%d (%v, %v) = (%.17g, %.17g), %v; PostGIS gave %.17g", tc.from, tc.to, tc.x, tc.y, x, y, err, tc.want)
		}
	}
}

func TestUnsupportedSRID(t *testing.T) {
	for _, p := range [][2]int{{4326, 27572}, {900913, 4326}, {0, 2154}, {2154, -1}} {
		if tr, err := NewTransformer(p[0], p[1]); err == nil {
			t.Errorf("NewTransformer(%d, %d) = %v, want an error", p[0], p[1], tr)
		}
	}
	for _, from := range srids {
		for _, to := range srids {
			if _, err := NewTransformer(from, to); err != nil {
				t.Errorf("NewTransformer(%d, %d): %v", from, to, err)
			}
		}
	}
}

// TestLAEAInverse checks the exact inverse of LAEA against its forward over
// the whole domain of EPSG:3035, and the size of the series' error.
func TestLAEAInverse(t *testing.T) {
	var worstExact, worstSeries float64
	for lat := -80.0; lat <= 90; lat += 0.25 {
		for lon := -40.0; lon <= 60; lon += 2.5 {
			lam, phi := (lon-10)*deg2rad, lat*deg2rad
			x, y, err := laeaEurope.forward(lam, phi)
			if err != nil {
				t.Fatal(err)
			}
			l, p, err := laeaEurope.inverse(x, y)
			if err != nil {
				t.Fatal(err)
			}
			_, ps, _ := laeaEuropeSeries.inverse(x, y)
			// On the ground: a longitude error counts by cos φ.
			d := math.Max(math.Abs(l-lam)*math.Cos(phi), math.Abs(p-phi))
			worstExact = math.Max(worstExact, d)
			worstSeries = math.Max(worstSeries, math.Abs(ps-phi))
		}
	}
	t.Logf("LAEA inverse: exact within %.2g rad (%.2g m), series within %.2g rad (%.2g m)",
		worstExact, worstExact*grs80.a, worstSeries, worstSeries*grs80.a)
	if worstExact > 1e-14 {
		t.Errorf("exact inverse of LAEA off by %g rad", worstExact)
	}
	if worstSeries > seriesMetres/grs80.a {
		t.Errorf("series inverse of LAEA off by %g rad, more than documented", worstSeries)
	}
}

// TestConcurrent runs transformers from several goroutines (for -race).
func TestConcurrent(t *testing.T) {
	tr, _ := NewTransformer(2154, 3035)
	done := make(chan [2]float64)
	for i := 0; i < 4; i++ {
		go func() {
			x, y, _ := tr.Transform(574000, 6275000)
			done <- [2]float64{x, y}
		}()
	}
	first := <-done
	for i := 1; i < 4; i++ {
		if got := <-done; got != first {
			t.Errorf("concurrent results differ: %v, %v", got, first)
		}
	}
}
