package geomrel

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

func sq(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
}

func TestRelateMatrix(t *testing.T) {
	t.Parallel()
	holed := orb.Polygon{sq(0, 0, 4, 4)[0], {{1, 1}, {1, 2}, {2, 2}, {2, 1}, {1, 1}}}
	holedCCW := orb.Polygon{sq(0, 0, 4, 4)[0], sq(1, 1, 2, 2)[0]}
	tests := []struct {
		name string
		a, b orb.Geometry
		want string
	}{
		{"overlapping squares", sq(0, 0, 2, 2), sq(1, 1, 3, 3), "212101212"},
		{"adjacent squares", sq(0, 0, 1, 1), sq(1, 0, 2, 1), "FF2F11212"},
		{"corner-touching squares", sq(0, 0, 1, 1), sq(1, 1, 2, 2), "FF2F01212"},
		{"equal squares, other start and orientation", sq(0, 0, 1, 1), orb.Polygon{{{1, 1}, {1, 0}, {0, 0}, {0, 1}, {1, 1}}}, "2FFF1FFF2"},
		{"square strictly inside", sq(0, 0, 4, 4), sq(1, 1, 2, 2), "212FF1FF2"},
		{"point inside", orb.Point{0.5, 0.5}, sq(0, 0, 1, 1), "0FFFFF212"},
		{"point on boundary", orb.Point{0.5, 0}, sq(0, 0, 1, 1), "F0FFFF212"},
		{"point outside", orb.Point{5, 5}, sq(0, 0, 1, 1), "FF0FFF212"},
		{"point at polygon vertex", sq(0, 0, 1, 1), orb.Point{1, 1}, "FF20F1FF2"},
		{"line crossing polygon", orb.LineString{{-1, 0.5}, {2, 0.5}}, sq(0, 0, 1, 1), "101FF0212"},
		{"line inside polygon", orb.LineString{{0.2, 0.5}, {0.8, 0.5}}, sq(0, 0, 1, 1), "1FF0FF212"},
		{"line along polygon edge", orb.LineString{{0, 0}, {1, 0}}, sq(0, 0, 1, 1), "F1FF0F212"},
		{"line through polygon corners", orb.LineString{{-1, -1}, {2, 2}}, sq(0, 0, 1, 1), "101FF0212"},
		{"line touching polygon at endpoint", orb.LineString{{1, 0.5}, {2, 0.5}}, sq(0, 0, 1, 1), "FF1F00212"},
		{"line partly on boundary, partly inside", orb.LineString{{0, 0}, {1, 0}, {0.5, 0.5}}, sq(0, 0, 1, 1), "11F00F212"},
		{"crossing lines", orb.LineString{{0, 0}, {2, 2}}, orb.LineString{{0, 2}, {2, 0}}, "0F1FF0102"},
		{"collinear overlapping lines", orb.LineString{{0, 0}, {2, 0}}, orb.LineString{{1, 0}, {3, 0}}, "1010F0102"},
		{"equal lines, reversed, extra vertex", orb.LineString{{0, 0}, {1, 0}, {2, 0}}, orb.LineString{{2, 0}, {0, 0}}, "1FFF0FFF2"},
		{"multipoint on line", orb.MultiPoint{{0, 0}, {1, 0}}, orb.LineString{{0, 0}, {2, 0}}, "00FFFF102"},
		{"point in hole", holed, orb.Point{1.5, 1.5}, "FF2FF10F2"},
		{"point in hole, CCW hole", holedCCW, orb.Point{1.5, 1.5}, "FF2FF10F2"},
		{"polygon filling the hole", holed, sq(1, 1, 2, 2), "FF2F112F2"},
		{"edge shared in part", sq(0, 0, 2, 2), orb.Polygon{{{2, 0}, {3, 0}, {3, 1}, {2, 1}, {2, 0.5}, {2, 0}}}, "FF2F11212"},
		{"disjoint boxes", sq(0, 0, 1, 1), sq(5, 5, 6, 6), "FF2FF1212"},
		{"square in a corner of a square", sq(0, 0, 1, 1), sq(0, 0, 2, 2), "2FF11F212"},
		{"lines meeting at endpoints", orb.LineString{{0, 0}, {1, 1}}, orb.LineString{{1, 1}, {2, 0}}, "FF1F00102"},
		{"line ending on a line", orb.LineString{{0, 0}, {1, 0}}, orb.LineString{{1, -1}, {1, 1}}, "FF10F0102"},
		{"equal points", orb.Point{1, 2}, orb.Point{1, 2}, "0FFFFFFF2"},
		{"multipoint half inside", orb.MultiPoint{{0.5, 0.5}, {5, 5}}, sq(0, 0, 1, 1), "0F0FFF212"},
		{"empty and point", orb.MultiPoint{}, orb.Point{1, 1}, "FFFFFF0F2"},
		{"bound as polygon", orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{2, 2}}, sq(1, 1, 3, 3), "212101212"},
		{"multipolygon touching both", orb.MultiPolygon{sq(0, 0, 1, 1), sq(2, 0, 3, 1)}, sq(1, 0, 2, 1), "FF2F11212"},
		{"closed line has no boundary", orb.LineString{{0, 0}, {1, 0}, {1, 1}, {0, 0}}, orb.Point{0, 0}, "0F1FFFFF2"},
		{"collection of point and polygon", orb.Collection{orb.Point{5, 5}, sq(0, 0, 1, 1)}, orb.Point{5, 5}, "0F2FF1FF2"},
	}
	for _, tt := range tests {
		m, err := Relate(tt.a, tt.b)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if m.String() != tt.want {
			t.Errorf("%s: Relate = %s, want %s", tt.name, m, tt.want)
		}
		mt, _ := Relate(tt.b, tt.a)
		if transpose(mt) != m {
			t.Errorf("%s: Relate(b, a) = %s is not the transpose of %s", tt.name, mt, m)
		}
	}
}

func transpose(m Matrix) Matrix {
	var t Matrix
	for i := range 3 {
		for j := range 3 {
			t[3*j+i] = m[3*i+j]
		}
	}
	return t
}

func TestPredicates(t *testing.T) {
	t.Parallel()
	type pred func(a, b orb.Geometry) (bool, error)
	tests := []struct {
		name string
		p    pred
		a, b orb.Geometry
		want bool
	}{
		{"intersects overlapping", Intersects, sq(0, 0, 2, 2), sq(1, 1, 3, 3), true},
		{"disjoint far", Disjoint, sq(0, 0, 1, 1), orb.Point{3, 3}, true},
		{"touches adjacent", Touches, sq(0, 0, 1, 1), sq(1, 0, 2, 1), true},
		{"touches not for points", Touches, orb.Point{1, 1}, orb.Point{1, 1}, false},
		{"within point", Within, orb.Point{0.5, 0.5}, sq(0, 0, 1, 1), true},
		{"within not on boundary only", Within, orb.Point{0, 0.5}, sq(0, 0, 1, 1), false},
		{"within line on boundary and inside", Within, orb.LineString{{0, 0}, {1, 0}, {0.5, 0.5}}, sq(0, 0, 1, 1), true},
		{"contains", Contains, sq(0, 0, 4, 4), sq(1, 1, 2, 2), true},
		{"contains itself", Contains, sq(0, 0, 4, 4), sq(0, 0, 4, 4), true},
		{"equals", Equals, orb.MultiPolygon{sq(0, 0, 1, 1)}, sq(0, 0, 1, 1), true},
		{"equals empties", Equals, orb.Collection{}, orb.MultiPolygon{}, true},
		{"overlaps areas", Overlaps, sq(0, 0, 2, 2), sq(1, 1, 3, 3), true},
		{"overlaps not when contained", Overlaps, sq(0, 0, 4, 4), sq(1, 1, 2, 2), false},
		{"overlaps lines", Overlaps, orb.LineString{{0, 0}, {2, 0}}, orb.LineString{{1, 0}, {3, 0}}, true},
		{"crosses line/area", Crosses, orb.LineString{{-1, 0.5}, {2, 0.5}}, sq(0, 0, 1, 1), true},
		{"crosses area/line", Crosses, sq(0, 0, 1, 1), orb.LineString{{-1, 0.5}, {2, 0.5}}, true},
		{"crosses lines", Crosses, orb.LineString{{0, 0}, {2, 2}}, orb.LineString{{0, 2}, {2, 0}}, true},
		{"crosses not when inside", Crosses, orb.LineString{{0.2, 0.5}, {0.8, 0.5}}, sq(0, 0, 1, 1), false},
		{"crosses not for areas", Crosses, sq(0, 0, 2, 2), sq(1, 1, 3, 3), false},
	}
	for _, tt := range tests {
		got, err := tt.p(tt.a, tt.b)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestNonFinite(t *testing.T) {
	t.Parallel()
	nan := orb.Point{0, 0}
	nan[0] = nan[0] / nan[0]
	if _, err := Relate(nan, orb.Point{0, 0}); err != ErrNonFinite {
		t.Fatalf("err = %v, want ErrNonFinite", err)
	}
}

func TestOrientExact(t *testing.T) {
	t.Parallel()
	// Points on the line y = x/3 at coordinates that are not exactly
	// representable: the naive determinant has the wrong sign for some.
	a := orb.Point{0.1, 0.1 / 3}
	b := orb.Point{12.3, 4.1}
	for i := range 1000 {
		c := orb.Point{0.5 + float64(i)*1e-3, 0}
		c[1] = c[0] / 3
		naive := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
		if got, exact := orient(a, b, c), orientExact(a, b, c); got != exact {
			t.Fatalf("orient(%v) = %d, exact %d (naive %g)", c, got, exact, naive)
		}
	}
}

// TestFacesBySampling checks the area entries of the matrix of random grid
// polygons against point sampling: a sample inside A and inside B proves a
// 2-dimensional interior intersection, and so on.
func TestFacesBySampling(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	randGeom := func(p func() orb.Polygon) orb.Geometry {
		switch r.IntN(4) {
		case 0:
			// A square with a square hole.
			x, y := float64(r.IntN(4)), float64(r.IntN(4))
			w := 3 + float64(r.IntN(3))
			return orb.Polygon{sq(x, y, x+w, y+w)[0], sq(x+1, y+1, x+w-1, y+w-1)[0]}
		case 1:
			// Two squares side by side, touching or not.
			x, y := float64(r.IntN(4)), float64(r.IntN(6))
			gap := float64(r.IntN(2))
			return orb.MultiPolygon{sq(x, y, x+2, y+2), sq(x+2+gap, y, x+4+gap, y+3)}
		}
		return p()
	}
	randPoly := func() orb.Polygon {
		switch r.IntN(3) {
		case 0:
			x, y := float64(r.IntN(6)), float64(r.IntN(6))
			return sq(x, y, x+1+float64(r.IntN(4)), y+1+float64(r.IntN(4)))
		case 1:
			p := orb.Ring{}
			for range 3 {
				p = append(p, orb.Point{float64(r.IntN(9)), float64(r.IntN(9))})
			}
			p = append(p, p[0])
			return orb.Polygon{p}
		default:
			// An L shape.
			x, y := float64(r.IntN(5)), float64(r.IntN(5))
			return orb.Polygon{{{x, y}, {x + 3, y}, {x + 3, y + 1}, {x + 1, y + 1}, {x + 1, y + 3}, {x, y + 3}, {x, y}}}
		}
	}
	for n := range 3000 {
		a, b := randGeom(randPoly), randGeom(randPoly)
		m, err := Relate(a, b)
		if err != nil {
			t.Fatal(err)
		}
		mt, _ := Relate(b, a)
		if transpose(mt) != m {
			t.Fatalf("case %d: %v / %v: not symmetric: %s vs %s", n, a, b, m, mt)
		}
		ga, _ := prepare(a)
		gb, _ := prepare(b)
		for i := 0; i < 40; i++ {
			for j := 0; j < 40; j++ {
				p := orb.Point{-0.3 + float64(i)*0.25 + 0.01, -0.3 + float64(j)*0.25 + 0.013}
				la, lb := ga.locate(p), gb.locate(p)
				if la == locB || lb == locB {
					continue
				}
				idx := 3*(2-int(la)) + (2 - int(lb))
				if m[idx] != Dim2 {
					t.Fatalf("case %d: %v / %v: sample %v (%d,%d) but matrix %s", n, a, b, p, la, lb, m)
				}
			}
		}
		// Intersects must agree with a brute-force check.
		brute := false
		for _, ra := range rings(a) {
			for _, rb := range rings(b) {
				for i := 0; i+1 < len(ra) && !brute; i++ {
					for j := 0; j+1 < len(rb) && !brute; j++ {
						brute = segmentsMeet(ra[i], ra[i+1], rb[j], rb[j+1])
					}
				}
			}
		}
		brute = brute || ga.locate(rings(b)[0][0]) != locE || gb.locate(rings(a)[0][0]) != locE
		if got := !m.Matches("FF*FF****"); got != brute {
			t.Fatalf("case %d: %v / %v: intersects %v, brute force %v (%s)", n, a, b, got, brute, m)
		}
	}
}

// TestLinesBySampling checks the line entries of the matrix of random grid
// polylines against polygons and other polylines by locating exactly
// representable points along each segment.
func TestLinesBySampling(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	randLine := func() orb.LineString {
		l := orb.LineString{}
		for range 2 + r.IntN(3) {
			l = append(l, orb.Point{float64(r.IntN(7)), float64(r.IntN(7))})
		}
		return l
	}
	for n := range 3000 {
		a := randLine()
		var b orb.Geometry = randLine()
		if n%2 == 0 {
			x, y := float64(r.IntN(5)), float64(r.IntN(5))
			b = sq(x, y, x+1+float64(r.IntN(3)), y+1+float64(r.IntN(3)))
		}
		m, err := Relate(a, b)
		if err != nil {
			t.Fatal(err)
		}
		mt, _ := Relate(b, a)
		if transpose(mt) != m {
			t.Fatalf("case %d: %v / %v: not symmetric: %s vs %s", n, a, b, m, mt)
		}
		ga, _ := prepare(a)
		gb, _ := prepare(b)
		for i := 0; i+1 < len(a); i++ {
			if a[i] == a[i+1] {
				continue
			}
			for _, f := range []float64{0.25, 0.5, 0.75} {
				p := orb.Point{a[i][0] + f*(a[i+1][0]-a[i][0]), a[i][1] + f*(a[i+1][1]-a[i][1])}
				la, lb := ga.locate(p), gb.locate(p)
				if la != locI || lb == locB {
					continue // vertices of other segments or boundaries: dimension may be 0
				}
				if lb == locI && gb.dim < 2 {
					continue // a line meets a line or a point in a point
				}
				if m[3*0+(2-int(lb))] < Dim1 {
					t.Fatalf("case %d: %v / %v: sample %v in I(A) and %d of B but matrix %s", n, a, b, p, lb, m)
				}
			}
		}
	}
}

func rings(g orb.Geometry) []orb.Ring {
	switch g := g.(type) {
	case orb.Polygon:
		return g
	case orb.MultiPolygon:
		var rs []orb.Ring
		for _, p := range g {
			rs = append(rs, p...)
		}
		return rs
	}
	return nil
}

func segmentsMeet(a, b, c, d orb.Point) bool {
	o1, o2, o3, o4 := orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
	if o1*o2 < 0 && o3*o4 < 0 {
		return true
	}
	return onSegment(c, a, b) || onSegment(d, a, b) || onSegment(a, c, d) || onSegment(b, c, d)
}
