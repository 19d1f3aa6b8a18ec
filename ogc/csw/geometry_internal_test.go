package csw

import (
	"math"
	"testing"
)

func TestLCC1SP(t *testing.T) {
	inv := extraProjections[2192]
	lon, lat := inv(600000, 2200000)
	if math.Abs(lon-2.337229166666667) > 1e-9 || math.Abs(lat-46.8) > 1e-9 {
		t.Errorf("false origin → %v %v, want the natural origin 2.3372291667 46.8", lon, lat)
	}
	// 100 km north of the origin is about 0.9° of latitude further.
	_, lat2 := inv(600000, 2300000)
	if d := lat2 - lat; d < 0.89 || d > 0.91 {
		t.Errorf("100 km north moves %v°", d)
	}
	g, err := envelope([2]float64{-72310.84768270838, 2013215.2698528299}, [2]float64{279667.74290441966, 2690819.5081175645}, "urn:x-ogc:def:crs:EPSG:6.11:2192")
	if err != nil {
		t.Fatal(err)
	}
	b := g.bounds()
	t.Logf("EPSG:2192 envelope of the pycsw test → %.3f %.3f %.3f %.3f", b.minx, b.miny, b.maxx, b.maxy)
	// pycsw built it around the bounding box 44.79 -6.17, 51.13 -2.23 of a test record.
	if !g.Envelope || math.Abs(b.miny-44.79) > 0.01 || math.Abs(b.maxy-51.13) > 0.01 || b.minx > -6.17 || b.maxx < -2.23 {
		t.Errorf("envelope %+v is not over western France", b)
	}
}

func TestCRSAxisOrder(t *testing.T) {
	for _, tc := range []struct {
		srs      string
		srid     int
		yx, fail bool
	}{
		{"", 4326, true, false},
		{"EPSG:4326", 4326, false, false},
		{"http://www.opengis.net/gml/srs/epsg.xml#4326", 4326, false, false},
		{"urn:ogc:def:crs:EPSG::4326", 4326, true, false},
		{"urn:x-ogc:def:crs:EPSG:6.11:4326", 4326, true, false},
		{"http://www.opengis.net/def/crs/EPSG/0/4326", 4326, true, false},
		{"urn:ogc:def:crs:OGC:1.3:CRS84", 4326, false, false},
		{"http://www.opengis.net/def/crs/EPSG/0/2154", 2154, false, false},
		{"EPSG:2154", 2154, false, false},
		{"urn:ogc:def:crs:EPSG::3035", 3035, true, false},
		{"EPSG:226", 0, false, true},
		{"urn:ogc:def:crs:EPSG::27572", 0, false, true},
	} {
		srid, yx, err := crsOf(tc.srs)
		if (err != nil) != tc.fail || srid != tc.srid || yx != tc.yx {
			t.Errorf("crsOf(%q) = %d, %v, %v", tc.srs, srid, yx, err)
		}
	}
}

func TestSpatialPredicates(t *testing.T) {
	r := rect{1, 43, 2, 44}
	inside := envelopeGeometry(0, 42, 3, 45)
	cross := envelopeGeometry(1.5, 43.5, 5, 50)
	apart := envelopeGeometry(10, 10, 11, 11)
	// A U-shaped polygon around the box whose notch crosses it.
	u := Geometry{Ring: [][2]float64{{0, 42}, {3, 42}, {3, 45}, {1.6, 45}, {1.6, 42.5}, {1.4, 42.5}, {1.4, 45}, {0, 45}, {0, 42}}}
	pt := Geometry{Ring: [][2]float64{{1.5, 43.5}}}
	for _, tc := range []struct {
		name                        string
		g                           Geometry
		inter, within, contains, eq bool
	}{
		{"inside", inside, true, true, false, false},
		{"cross", cross, true, false, false, false},
		{"apart", apart, false, false, false, false},
		{"notch", u, true, false, false, false},
		{"point", pt, true, false, true, false},
		{"same", envelopeGeometry(1, 43, 2, 44), true, true, true, true},
	} {
		if got := intersects(r, tc.g); got != tc.inter {
			t.Errorf("%s: intersects = %v", tc.name, got)
		}
		if got := within(r, tc.g); got != tc.within {
			t.Errorf("%s: within = %v", tc.name, got)
		}
		if got := containsGeometry(r, tc.g); got != tc.contains {
			t.Errorf("%s: contains = %v", tc.name, got)
		}
		if got := equalsGeometry(r, tc.g); got != tc.eq {
			t.Errorf("%s: equals = %v", tc.name, got)
		}
	}
}
