package territory

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// Reference values from PROJ 9.1.1: echo "lat lon" | cs2cs -f %.4f EPSG:4326 EPSG:2154.
// The last point is a row of the real BAL of Mont-Bonvillers (54084), whose
// x;y columns read 906010.92;6917321.29 for long;lat 5.833622;49.322203.
func TestLambert93(t *testing.T) {
	cases := []struct{ lon, lat, x, y float64 }{
		{3, 46.5, 700000, 6600000},
		{1.5, 43.5, 578642.4812, 6267921.1028},
		{1.44, 43.60, 574008.3645, 6279127.4077},
		{1.70, 43.45, 594730.4173, 6262077.4606},
		{5.833622, 49.322203, 906010.9177, 6917321.2901},
	}
	for _, c := range cases {
		p := ToLambert93(orb.Point{c.lon, c.lat})
		if math.Abs(p[0]-c.x) > 1e-3 || math.Abs(p[1]-c.y) > 1e-3 {
			t.Errorf("ToLambert93(%v, %v) = %.4f, %.4f; want %.4f, %.4f", c.lon, c.lat, p[0], p[1], c.x, c.y)
		}
		q := FromLambert93(p)
		if math.Abs(q[0]-c.lon) > 1e-10 || math.Abs(q[1]-c.lat) > 1e-10 {
			t.Errorf("FromLambert93(ToLambert93(%v, %v)) = %v", c.lon, c.lat, q)
		}
	}
}

func square(x0, y0, x1, y1 float64) []orb.Point {
	return []orb.Point{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

func TestClipConvex(t *testing.T) {
	// A "U": two arms 0–2 and 8–10 wide, joined below y = 2.
	u := []orb.Point{{0, 0}, {10, 0}, {10, 10}, {8, 10}, {8, 2}, {2, 2}, {2, 10}, {0, 10}, {0, 0}}
	cases := []struct {
		name   string
		clip   []orb.Point
		pieces int
		area   float64
	}{
		{"across both arms", square(-1, 5, 11, 7), 2, 8},
		{"across the base and arms", square(1, 1, 9, 6), 1, 8 + 2*4},
		{"inside an arm", square(0.5, 4, 1.5, 5), 1, 1},
		{"in the gap", square(3, 4, 7, 9), 0, 0},
		{"around everything", square(-5, -5, 15, 15), 1, 10*10 - 6*8},
		{"slanted", []orb.Point{{-1, 3}, {11, 5.5}, {11, 6.5}, {-1, 4}, {-1, 3}}, 2, -1},
	}
	for _, c := range cases {
		pieces, err := clipConvex(u, c.clip)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(pieces) != c.pieces {
			t.Errorf("%s: %d pieces, want %d", c.name, len(pieces), c.pieces)
			continue
		}
		total := 0.0
		for _, p := range pieces {
			if a := signedArea(p); a <= 0 {
				t.Errorf("%s: piece area %v, want > 0 (CCW)", c.name, a)
			}
			if !ringIsSimple(p) {
				t.Errorf("%s: piece %v is not simple", c.name, p)
			}
			total += signedArea(p)
		}
		if c.area >= 0 && math.Abs(total-c.area) > 1e-9 {
			t.Errorf("%s: area %v, want %v", c.name, total, c.area)
		}
	}
	// A subject vertex exactly on the clip boundary is reported, not guessed.
	if _, err := clipConvex(u, square(2, 5, 5, 8)); !errors.Is(err, errDegenerate) {
		t.Errorf("vertex on edge: err = %v, want errDegenerate", err)
	}
}

// Two cells sharing an edge must produce bit-identical points on it.
func TestClipConvexSharedEdge(t *testing.T) {
	subj := []orb.Point{{0.1, 0.3}, {7.3, -0.2}, {6.1, 5.7}, {0.4, 6.3}, {0.1, 0.3}}
	left := []orb.Point{{-1, -1}, {3.3, -1.2}, {3.1, 7.4}, {-1, 7}, {-1, -1}}
	right := []orb.Point{{3.3, -1.2}, {9, -1}, {9, 8}, {3.1, 7.4}, {3.3, -1.2}}
	a, err1 := clipConvex(subj, left)
	b, err2 := clipConvex(subj, right)
	if err1 != nil || err2 != nil || len(a) != 1 || len(b) != 1 {
		t.Fatalf("clip: %v %v %d %d", err1, err2, len(a), len(b))
	}
	shared := 0
	for _, p := range a[0] {
		for _, q := range b[0] {
			if p == q {
				shared++
			}
		}
	}
	if shared < 2 {
		t.Errorf("pieces share %d points, want the 2 crossings of the common edge", shared)
	}
	if got, want := signedArea(a[0])+signedArea(b[0]), signedArea(subj); math.Abs(got-want) > 1e-9 {
		t.Errorf("areas sum to %v, want %v", got, want)
	}
}

func TestCutPolyline(t *testing.T) {
	pts := []orb.Point{{0, 0}, {100, 0}, {100, 250}, {40, 250}}
	parts := cutPolyline(pts, 3)
	if len(parts) != 3 {
		t.Fatalf("%d parts", len(parts))
	}
	for i, p := range parts {
		if l := polylineLength(p); math.Abs(l-410.0/3) > 1e-9 {
			t.Errorf("part %d length %v, want 410/3", i, l)
		}
		if i > 0 && parts[i-1][len(parts[i-1])-1] != p[0] {
			t.Errorf("part %d does not start where part %d ends", i, i-1)
		}
	}
	if parts[0][0] != pts[0] || parts[2][len(parts[2])-1] != pts[3] {
		t.Error("parts do not span the polyline")
	}
}

func TestNumberSlots(t *testing.T) {
	r := newRNG(1, "test")
	var slots []slot
	for i := range 200 {
		slots = append(slots, slot{d: float64(i) * 20, left: i%3 != 0})
	}
	for _, metric := range []bool{false, true} {
		got := numberSlots(slots, metric, 4000, r)
		last := map[bool]int{}
		lastD := map[bool]float64{true: -1, false: -1}
		seen := map[[2]any]bool{}
		for _, s := range got {
			if (s.numero%2 == 1) != s.left {
				t.Fatalf("metric=%v: numero %d on the left=%v side", metric, s.numero, s.left)
			}
			if s.numero < last[s.left] || (s.numero == last[s.left] && s.suffix == "") || s.d < lastD[s.left] {
				t.Fatalf("metric=%v: numbers do not increase along the street: %d after %d", metric, s.numero, last[s.left])
			}
			k := [2]any{s.numero, s.suffix}
			if seen[k] {
				t.Fatalf("metric=%v: duplicate %v", metric, k)
			}
			seen[k] = true
			last[s.left], lastD[s.left] = s.numero, s.d
		}
	}
}

func TestWithDe(t *testing.T) {
	for in, want := range map[string]string{
		"Labège": "de Labège", "Escalquens": "d'Escalquens", "La Ramée": "de la Ramée",
		"Le Moulin": "du Moulin", "Les Crêtes": "des Crêtes", "L'Oustalet": "de l'Oustalet",
		"En Bosc": "d'En Bosc", "Issus": "d'Issus",
	} {
		if got := withDe(in); got != want {
			t.Errorf("withDe(%q) = %q, want %q", in, got, want)
		}
	}
}
