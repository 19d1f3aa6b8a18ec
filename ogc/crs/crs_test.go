package crs

import "testing"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want CRS
	}{
		{"http://www.opengis.net/def/crs/OGC/1.3/CRS84", CRS84},
		{"https://www.opengis.net/def/crs/OGC/1.3/CRS84", CRS84},
		{"CRS84", CRS84},
		{"http://www.opengis.net/def/crs/EPSG/0/4326", WGS84},
		{"EPSG:4326", WGS84},
		{"[EPSG:2154]", Lambert},
		{"urn:ogc:def:crs:EPSG::2154", Lambert},
		{"urn:ogc:def:crs:EPSG:6.6:3857", Mercator},
		{"http://www.opengis.net/def/crs/EPSG/0/4258", ETRS89},
		{"http://www.opengis.net/def/crs/EPSG/0/3035", LAEA},
	} {
		got, err := Parse(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "EPSG:27572", "http://www.opengis.net/def/crs/EPSG/0/", "4326", "http://evil/EPSG/0/4326", "EPSG:2154;DROP"} {
		if c, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", bad, c)
		}
	}
}

func TestAxisOrderAndPrecision(t *testing.T) {
	for _, c := range Supported {
		wantYX := c == WGS84 || c == ETRS89 || c == LAEA
		if c.YX != wantYX {
			t.Errorf("%s: YX = %v", c.URI, c.YX)
		}
		if c.Geographic && c.Decimals() != 7 || !c.Geographic && c.Decimals() != 2 {
			t.Errorf("%s: %d decimals", c.URI, c.Decimals())
		}
	}
}
