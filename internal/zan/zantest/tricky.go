package zantest

// TrickyPolygons are the slightly dirty polygons of real land cover
// (duplicate vertices, rings that touch or cross themselves, spikes, holes
// out of place, overlapping or nested parts, slivers, edges a hair apart),
// each intersected with a second polygon. PostGIS is the reference: want
// is ST_Area(ST_Intersection(ST_MakeValid(a), ST_MakeValid(b))) as PostGIS
// 3.3.2 with GEOS 3.11.1 computes it (internal/zan checks IntersectionArea
// against these; the PostGIS twin's tests compare them live).
var TrickyPolygons = []struct {
	Name string
	A    string
	B    string
	Want float64 // m²
}{
	{"duplicate vertices", "POLYGON((0 0,10 0,10 0,10 10,0 10,0 0))",
		"POLYGON((5 5,15 5,15 15,5 15,5 5))", 25},
	{"self-touching ring (inverted hole)", "POLYGON((0 0,10 0,10 10,5 10,7 5,3 5,5 10,0 10,0 0))",
		"POLYGON((0 0,10 0,10 10,0 10,0 0))", 90},
	{"bow-tie", "POLYGON((0 0,10 10,10 0,0 10,0 0))",
		"POLYGON((0 0,10 0,10 10,0 10,0 0))", 50},
	{"figure eight touching at a vertex", "POLYGON((0 0,5 5,10 0,10 10,5 5,0 10,0 0))",
		"POLYGON((0 0,10 0,10 10,0 10,0 0))", 50},
	{"inward spike", "POLYGON((0 0,10 0,10 10,10 20,10 10,0 10,0 0))",
		"POLYGON((-5 -5,20 -5,20 20,-5 20,-5 -5))", 100},
	{"outward spike on an edge", "POLYGON((0 0,10 0,10 10,0 10,0 5,-5 5,0 5,0 0))",
		"POLYGON((-5 -5,20 -5,20 20,-5 20,-5 -5))", 100},
	{"hole touching the shell", "POLYGON((0 0,10 0,10 10,0 10,0 0),(5 0,7 5,3 5,5 0))",
		"POLYGON((0 0,10 0,10 10,0 10,0 0))", 90},
	{"hole outside the shell", "POLYGON((0 0,10 0,10 10,0 10,0 0),(20 20,30 20,30 30,20 30,20 20))",
		"POLYGON((0 0,40 0,40 40,0 40,0 0))", 200},
	{"hole crossing the shell", "POLYGON((0 0,10 0,10 10,0 10,0 0),(5 5,15 5,15 8,5 8,5 5))",
		"POLYGON((0 0,40 0,40 40,0 40,0 0))", 100},
	{"hole equal to the shell", "POLYGON((0 0,10 0,10 10,0 10,0 0),(0 0,10 0,10 10,0 10,0 0))",
		"POLYGON((0 0,40 0,40 40,0 40,0 0))", 100},
	{"overlapping multipolygon parts", "MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0)),((5 0,20 0,20 10,5 10,5 0)))",
		"POLYGON((0 0,20 0,20 10,0 10,0 0))", 200},
	{"nested multipolygon parts", "MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0)),((2 2,4 2,4 4,2 4,2 2)))",
		"POLYGON((0 0,20 0,20 10,0 10,0 0))", 96},
	{"near-coincident edges (1e-9 m)", "POLYGON((0 0,10 0,10 10,0 10,0 0))",
		"POLYGON((10.000000001 0,20 0,20 10,9.999999999 10,10.000000001 0))", 0.000000003},
	{"sliver 1 mm wide", "POLYGON((0 0,100 0,100 0.001,0 0))",
		"POLYGON((0 0,50 0,50 50,0 50,0 0))", 0.0125},
	{"T-junction vertex on a shared edge", "POLYGON((0 0,10 0,10 5,10 10,0 10,0 0))",
		"POLYGON((10 0,20 0,20 10,10 10,10 2,10 0))", 0},
	{"Lambert-93 parcels redrawn 0.1 mm apart", "POLYGON((570000.12345 6270000.6789,570100.98765 6270003.4321,570098.5555 6270101.1111,569998.7777 6270097.2222,570000.12345 6270000.6789))",
		"POLYGON((570050.00005 6270001.9999,570150.1234 6270005.4321,570148.5555 6270103.1111,570048.5 6270099.8765,570050.00005 6270001.9999))", 4916.420358959},
	{"Lambert-93 shared edge shifted 1e-7 m", "POLYGON((570000 6270000,570100.1 6270000,570100.1 6270100.3,570000 6270100.3,570000 6270000))",
		"POLYGON((570100.1000001 6270000,570200 6270000,570200 6270100.3,570100.0999999 6270100.3,570100.1000001 6270000))", 0.000002508},
	{"ring of a multipolygon touching another part along an edge", "MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0)),((10 0,20 0,20 10,10 10,10 0)))",
		"POLYGON((5 0,15 0,15 10,5 10,5 0))", 100},
}
