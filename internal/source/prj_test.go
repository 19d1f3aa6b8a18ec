package source

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// TestCRSFromWKT recognises the WKT that IGN, ESRI, GDAL and PROJ write.
func TestCRSFromWKT(t *testing.T) {
	for _, c := range []struct {
		name string
		wkt  string
		want int
	}{
		{"IGN, no authority", `PROJCS["RGF93 Lambert 93",GEOGCS["RGF93",DATUM["Reseau Geodesique Francais 1993",SPHEROID["GRS 1980",6378137,298.2572221010002]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic_2SP"],PARAMETER["standard_parallel_1",44],PARAMETER["standard_parallel_2",49],PARAMETER["latitude_of_origin",46.5],PARAMETER["central_meridian",3],PARAMETER["false_easting",700000],PARAMETER["false_northing",6600000],UNIT["Meter",1]]`, 2154},
		{"ESRI", `PROJCS["RGF_1993_Lambert_93",GEOGCS["GCS_RGF_1993",DATUM["D_RGF_1993",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic"],PARAMETER["False_Easting",700000.0],PARAMETER["False_Northing",6600000.0],PARAMETER["Central_Meridian",3.0],PARAMETER["Standard_Parallel_1",49.0],PARAMETER["Standard_Parallel_2",44.0],PARAMETER["Latitude_Of_Origin",46.5],UNIT["Meter",1.0]]`, 2154},
		{"misleading name, CC46 parameters", `PROJCS["Lambert 93",GEOGCS["RGF93",DATUM["RGF93",SPHEROID["GRS 1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic_2SP"],PARAMETER["standard_parallel_1",45.25],PARAMETER["standard_parallel_2",46.75],PARAMETER["latitude_of_origin",46],PARAMETER["central_meridian",3],PARAMETER["false_easting",1700000],PARAMETER["false_northing",5200000],UNIT["metre",1]]`, 3946},
		{"authority", `PROJCS["RGF93 v1 / Lambert-93",GEOGCS["RGF93 v1",DATUM["Reseau_Geodesique_Francais_1993_v1",SPHEROID["GRS 1980",6378137,298.257222101,AUTHORITY["EPSG","7019"]],AUTHORITY["EPSG","6171"]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4171"]],PROJECTION["Lambert_Conformal_Conic_2SP"],PARAMETER["latitude_of_origin",46.5],PARAMETER["central_meridian",3],PARAMETER["standard_parallel_1",49],PARAMETER["standard_parallel_2",44],PARAMETER["false_easting",700000],PARAMETER["false_northing",6600000],UNIT["metre",1],AUTHORITY["EPSG","2154"]]`, 2154},
		{"authority alone decides", `PROJCS["x",GEOGCS["y",DATUM["z",SPHEROID["a",1,1]]],AUTHORITY["EPSG","3035"]]`, 3035},
		{"WKT 2", `PROJCRS["RGF93 v1 / Lambert-93",BASEGEOGCRS["RGF93 v1",DATUM["Reseau Geodesique Francais 1993 v1",ELLIPSOID["GRS 1980",6378137,298.257222101,LENGTHUNIT["metre",1]]],PRIMEM["Greenwich",0,ANGLEUNIT["degree",0.0174532925199433]]],CONVERSION["Lambert-93",METHOD["Lambert Conic Conformal (2SP)",ID["EPSG",9802]],PARAMETER["Latitude of false origin",46.5,ANGLEUNIT["degree",0.0174532925199433]],PARAMETER["Longitude of false origin",3,ANGLEUNIT["degree",0.0174532925199433]],PARAMETER["Latitude of 1st standard parallel",49,ANGLEUNIT["degree",0.0174532925199433]],PARAMETER["Latitude of 2nd standard parallel",44,ANGLEUNIT["degree",0.0174532925199433]],PARAMETER["Easting at false origin",700000,LENGTHUNIT["metre",1]],PARAMETER["Northing at false origin",6600000,LENGTHUNIT["metre",1]]],CS[Cartesian,2],AXIS["easting (X)",east,ORDER[1],LENGTHUNIT["metre",1]],AXIS["northing (Y)",north,ORDER[2],LENGTHUNIT["metre",1]]]`, 2154},
		{"ESRI CC43", `PROJCS["RGF_1993_CC43",GEOGCS["GCS_RGF_1993",DATUM["D_RGF_1993",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic"],PARAMETER["False_Easting",1700000.0],PARAMETER["False_Northing",2200000.0],PARAMETER["Central_Meridian",3.0],PARAMETER["Standard_Parallel_1",42.25],PARAMETER["Standard_Parallel_2",43.75],PARAMETER["Latitude_Of_Origin",43.0],UNIT["Meter",1.0]]`, 3943},
		{"ESRI UTM 20N RGAF09", `PROJCS["RGAF09_UTM_zone_20N",GEOGCS["GCS_RGAF09",DATUM["D_Reseau_Geodesique_des_Antilles_Francaises_2009",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",-63.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`, 5490},
		{"UTM 40S", `PROJCS["RGR92 / UTM zone 40S",GEOGCS["RGR92",DATUM["Reseau_Geodesique_de_la_Reunion_1992",SPHEROID["GRS 1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",57],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",10000000],UNIT["metre",1]]`, 2975},
		{"UTM 38S", `PROJCS["RGM04_UTM_zone_38S",GEOGCS["GCS_RGM04",DATUM["D_RGM04",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",10000000.0],PARAMETER["Central_Meridian",45.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`, 4471},
		{"UTM 22N", `PROJCS["RGFG95_UTM_Zone_22N",GEOGCS["GCS_RGFG95",DATUM["D_RGFG95",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",-51.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`, 2972},
		{"ESRI Web Mercator", `PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Mercator_Auxiliary_Sphere"],PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",0.0],PARAMETER["Standard_Parallel_1",0.0],PARAMETER["Auxiliary_Sphere_Type",0.0],UNIT["Meter",1.0]]`, 3857},
		{"ESRI LAEA", `PROJCS["ETRS_1989_LAEA",GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Azimuthal_Equal_Area"],PARAMETER["False_Easting",4321000.0],PARAMETER["False_Northing",3210000.0],PARAMETER["Central_Meridian",10.0],PARAMETER["Latitude_Of_Origin",52.0],UNIT["Meter",1.0]]`, 3035},
		{"ESRI WGS 84", `GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]`, 4326},
		{"RGF93 geographic", `GEOGCS["RGF93",DATUM["Reseau_Geodesique_Francais_1993",SPHEROID["GRS 1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]`, 4171},
		{"ETRS89", `GEOGCS["ETRS89",DATUM["European_Terrestrial_Reference_System_1989",SPHEROID["GRS 1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4258"]]`, 4258},
		{"NTF Lambert II", ntfLambert2, 0},
		{"Lambert-93 in feet", `PROJCS["x",GEOGCS["RGF93",DATUM["RGF93",SPHEROID["GRS 1980",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic_2SP"],PARAMETER["standard_parallel_1",44],PARAMETER["standard_parallel_2",49],PARAMETER["latitude_of_origin",46.5],PARAMETER["central_meridian",3],PARAMETER["false_easting",700000],PARAMETER["false_northing",6600000],UNIT["foot",0.3048]]`, 0},
		{"Lambert-93 on Clarke", `PROJCS["x",GEOGCS["NTF",DATUM["NTF",SPHEROID["Clarke 1880 (IGN)",6378249.2,293.466021293627]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic_2SP"],PARAMETER["standard_parallel_1",44],PARAMETER["standard_parallel_2",49],PARAMETER["latitude_of_origin",46.5],PARAMETER["central_meridian",3],PARAMETER["false_easting",700000],PARAMETER["false_northing",6600000],UNIT["metre",1]]`, 0},
	} {
		got, _, err := crsFromWKT(c.wkt)
		if err != nil || got != c.want {
			t.Errorf("%s: %d, %v; want %d", c.name, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "PROJCS[", `PROJCS["x",`, "[]", `GEOGCS["x"]]`} {
		if _, _, err := crsFromWKT(bad); err == nil {
			t.Errorf("crsFromWKT(%q): no error", bad)
		}
	}
}

func TestParseCRS(t *testing.T) {
	for in, want := range map[string]int{
		"EPSG:2154": 2154, "epsg:3943": 3943, "2154": 2154, "urn:ogc:def:crs:EPSG::2154": 2154,
		"urn:ogc:def:crs:EPSG:6.3:5490": 5490, "http://www.opengis.net/def/crs/EPSG/0/3857": 3857,
		"CRS84": 4326, "urn:ogc:def:crs:OGC:1.3:CRS84": 4326, "[EPSG:4258]": 4258, "IGNF:LAMB93": 2154,
		"urn:ogc:def:crs:IGNF::RGF93CC46": 3946,
	} {
		if got, err := ParseCRS(in); err != nil || got != want {
			t.Errorf("ParseCRS(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "EPSG:27572", "Lambert", "EPSG:", "IGNF:LAMBE"} {
		if got, err := ParseCRS(bad); err == nil {
			t.Errorf("ParseCRS(%q) = %d, want an error", bad, got)
		}
	}
}

// TestGroupRings assigns holes by containment, wherever they are listed.
func TestGroupRings(t *testing.T) {
	square := func(x, y, s float64, cw bool) orb.Ring {
		r := orb.Ring{{x, y}, {x + s, y}, {x + s, y + s}, {x, y + s}, {x, y}}
		if cw {
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
		}
		return r
	}
	big := square(0, 0, 100, true)
	small := square(200, 0, 10, true)
	holeBig := square(10, 10, 5, false)
	holeSmall := square(202, 2, 2, false)
	island := square(12, 12, 1, true) // inside holeBig: a polygon of its own
	g := groupRings([]orb.Ring{big, small, holeSmall, holeBig, island})
	mp, ok := g.(orb.MultiPolygon)
	if !ok || len(mp) != 3 {
		t.Fatalf("got %#v", g)
	}
	if len(mp[0]) != 2 || mp[0][1][0] != holeBig[0] || len(mp[1]) != 2 || mp[1][1][0] != holeSmall[0] || len(mp[2]) != 1 {
		t.Errorf("rings grouped wrongly: %v", mp)
	}
	// A lone counter-clockwise ring is an outer ring, as GDAL reads it.
	if p, ok := groupRings([]orb.Ring{holeBig}).(orb.Polygon); !ok || len(p) != 1 {
		t.Errorf("lone hole: %#v", p)
	}
	// A hole touching its outer ring at a vertex.
	touch := orb.Ring{{0, 0}, {20, 0}, {10, 10}, {0, 0}}
	if p, ok := groupRings([]orb.Ring{big, touch}).(orb.Polygon); !ok || len(p) != 2 {
		t.Errorf("touching hole: %#v", groupRings([]orb.Ring{big, touch}))
	}
	if a := ringArea(square(0, 0, 2, false)); math.Abs(a-8) > 1e-12 {
		t.Errorf("ringArea = %v", a)
	}
}

func TestWKTGeometry(t *testing.T) {
	for in, want := range map[string]string{
		"POINT (1 2)":                                              "P",
		"point z (1 2 3)":                                          "P",
		"SRID=2154;POINT(1 2)":                                     "P",
		"LINESTRING M (1 2 3, 4 5 6)":                              "L2",
		"POLYGON ((0 0, 1 0, 1 1, 0 0))":                           "PG(R4)",
		"MULTIPOINT ((1 2), (3 4))":                                "MP2",
		"MULTIPOINT (1 2, 3 4)":                                    "MP2",
		"MULTILINESTRING ((1 2, 3 4), (5 6, 7 8, 9 10))":           "ML(L2L3)",
		"MULTIPOLYGON ZM (((0 0 1 2, 1 0 1 2, 1 1 1 2, 0 0 1 2)))": "MPG(PG(R4))",
		"GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (1 2, 3 4), POINT EMPTY)": "GC(PL2)",
		"POINT EMPTY":                  "nil",
		"TIN (((0 0, 1 0, 1 1, 0 0)))": "MPG(PG(R4))",
	} {
		g, err := parseWKTGeometry(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if sig, _ := flatten(g); sig != want {
			t.Errorf("%s: %s, want %s", in, sig, want)
		}
	}
	for _, bad := range []string{"", "POINT", "POINT (1)", "POINT (1 2 3 4 5)", "LINESTRING (1 2, 3 4 5)", "POINT (1 2", "POINT (1 2) x", "CIRCULARSTRING (0 0, 1 1, 2 0)", "POINT (nan 1)", "POINT (inf 1)"} {
		if g, err := parseWKTGeometry(bad); err == nil {
			t.Errorf("%q: %v, want an error", bad, g)
		}
	}
}

func TestWKB(t *testing.T) {
	// ISO WKB LineString Z, little-endian, then the same as EWKB with
	// an SRID, big-endian.
	iso := []byte{1, 0xEA, 0x03, 0, 0, 2, 0, 0, 0}
	f := func(b []byte, v float64, be bool) []byte {
		bits := math.Float64bits(v)
		for i := 0; i < 8; i++ {
			if be {
				b = append(b, byte(bits>>(56-8*i)))
			} else {
				b = append(b, byte(bits>>(8*i)))
			}
		}
		return b
	}
	for _, v := range []float64{1, 2, 3, 4, 5, 6} {
		iso = f(iso, v, false)
	}
	g, err := decodeWKB(iso)
	if ls, ok := g.(orb.LineString); err != nil || !ok || ls[1] != (orb.Point{4, 5}) {
		t.Errorf("ISO Z: %v, %v", g, err)
	}
	ewkb := []byte{0, 0xE0, 0, 0, 1, 0, 0, 0x08, 0x6A}
	for _, v := range []float64{1, 2, 3, 4} {
		ewkb = f(ewkb, v, true)
	}
	g, err = decodeWKB(ewkb)
	if p, ok := g.(orb.Point); err != nil || !ok || p != (orb.Point{1, 2}) {
		t.Errorf("EWKB ZM with SRID: %v, %v", g, err)
	}
	for _, bad := range [][]byte{nil, {1}, {1, 1, 0, 0}, {1, 2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}, {2, 1, 0, 0, 0}, {1, 8, 0, 0, 0}, append(iso, 0)} {
		if g, err := decodeWKB(bad); err == nil {
			t.Errorf("% x: %v, want an error", bad, g)
		}
	}
}
