package source

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// Fuzz targets for the parsers written here. Each reads whatever it is
// given to the end: any error is fine, a panic or a hang is not. Run one
// with e.g. go test -run '^$' -fuzz FuzzShapefile -fuzztime 60s
// -fuzzminimizetime 100x ./internal/source (the default minimisation, a
// minute per new input, starves the targets whose seeds are whole files);
// crashers land in testdata/fuzz/ and are kept as regression seeds.

func readFile(f *testing.F, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// drain reads a reader to its end, bounded.
func drain(r reader) {
	defer r.close()
	for i := 0; i < 100000; i++ {
		_, err := r.next()
		var re *RecordError
		if err != nil && !errors.As(err, &re) {
			return
		}
	}
}

func FuzzWKB(f *testing.F) {
	for _, s := range []string{
		"\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\xf0?\x00\x00\x00\x00\x00\x00\x00@",
		"\x01\xea\x03\x00\x00\x02\x00\x00\x00" + string(make([]byte, 48)),
		"\x00\xe0\x00\x00\x07\x00\x00\x08j\x00\x00\x00\x00",
		"\x01\x06\x00\x00\x00\x01\x00\x00\x00\x01\x03\x00\x00\x00\x01\x00\x00\x00\x04\x00\x00\x00" + string(make([]byte, 64)),
	} {
		f.Add([]byte(s))
		f.Add(append([]byte("GP\x00\x01\x00\x00\x00\x00"), s...))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		decodeWKB(b)
		g, err := decodeGPKGGeometry(b)
		if err == nil {
			checkGeometry(g)
		}
	})
}

func FuzzWKTGeometry(f *testing.F) {
	for _, s := range []string{"POINT (1 2)", "MULTIPOLYGON Z (((0 0 1, 1 0 1, 1 1 1, 0 0 1)), ((5 5 0, 6 5 0, 6 6 0, 5 5 0)))",
		"GEOMETRYCOLLECTION (POINT EMPTY, LINESTRING (1 2, 3 4))", "SRID=2154;MULTIPOINT ((1 2), (3 4))", "TIN (((0 0, 1 0, 1 1, 0 0)))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if g, err := parseWKTGeometry(s); err == nil {
			checkGeometry(g)
		}
	})
}

func FuzzCRSWKT(f *testing.F) {
	f.Add(ntfLambert2)
	f.Add(string(readFile(f, "gen/communes-l93-utf8.prj")))
	f.Add(string(readFile(f, "gen/communes-l93-ignf.prj")))
	f.Add(string(readFile(f, "gen/communes-l93-epsg.prj")))
	f.Add(string(readFile(f, "gen/roads-5490.prj")))
	f.Fuzz(func(t *testing.T, s string) {
		crsFromWKT(s)
		ParseCRS(s)
	})
}

// memShape is a Shapefile held in memory.
type memShape map[string][]byte

func (m memShape) name() string { return "fuzz" }

func (m memShape) open(ext string) (io.ReadCloser, int64, error) {
	b, ok := m[ext]
	if !ok {
		return nil, 0, fs.ErrNotExist
	}
	return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
}

func FuzzShapefile(f *testing.F) {
	for _, base := range []string{"communes-l93-1252", "lines-z", "multipatch", "points-m", "polygons-z"} {
		f.Add(readFile(f, "gen/"+base+".shp"), readFile(f, "gen/"+base+".shx"), readFile(f, "gen/"+base+".dbf"), "1252")
	}
	f.Fuzz(func(t *testing.T, shp, shx, dbf []byte, cpg string) {
		o, err := openShapefile(memShape{".shp": shp, ".shx": shx, ".dbf": dbf, ".cpg": []byte(cpg)})
		if err != nil {
			return
		}
		drain(o.r)
	})
}

func FuzzShape(f *testing.F) {
	for _, base := range []string{"communes-l93-1252", "lines-z", "multipatch", "points-m", "polygons-z"} {
		b := readFile(f, "gen/"+base+".shp")
		if len(b) > 108 {
			f.Add(b[108:])
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if g, err := decodeShape(b); err == nil {
			checkGeometry(g)
		}
	})
}

func FuzzDBF(f *testing.F) {
	for _, base := range []string{"communes-l93-1252", "communes-l93-utf8", "lines-z", "roads-5490"} {
		f.Add(readFile(f, "gen/"+base+".dbf"))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := newDBF(bytes.NewReader(b), int64(len(b)), nil, false, "")
		if err != nil {
			return
		}
		for i := 0; i < 10000; i++ {
			if _, _, err := d.next(); err == io.EOF || errors.Is(err, errDBFTruncated) {
				return
			}
		}
	})
}

func FuzzFlatGeobuf(f *testing.F) {
	for _, name := range []string{"communes-l93.fgb", "communes-4326.fgb", "polygons-z.fgb"} {
		f.Add(readFile(f, "gen/"+name))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := readFGBHeader(bytes.NewReader(b), int64(len(b)), io.NopCloser(nil), "fuzz")
		if err != nil {
			return
		}
		drain(o.r)
	})
}

// fuzzFile writes b to a file named name and opens it.
func fuzzFile(t *testing.T, name string, b []byte) {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(p, Options{})
	if err != nil {
		return
	}
	defer s.Close()
	s.Fields()
	for i := 0; i < 100000; i++ {
		_, err := s.Next()
		var re *RecordError
		if err != nil && !errors.As(err, &re) {
			return
		}
	}
}

func FuzzGeoJSON(f *testing.F) {
	f.Add(readFile(f, "gen/communes-l93.geojson"))
	f.Add(readFile(f, "lines-z.geojson"))
	f.Add([]byte(`{"type":"Feature","id":"a","properties":{"n":[1,{"x":2}]},"geometry":{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2]}]}}`))
	f.Add([]byte(`{"type":"FeatureCollection","features":[],"crs":{"type":"name","properties":{"name":"IGNF:LAMB93"}}}`))
	f.Fuzz(func(t *testing.T, b []byte) { fuzzFile(t, "f.geojson", b) })
}

func FuzzCSV(f *testing.F) {
	f.Add(readFile(f, "gen/points-l93-1252.csv"))
	f.Add(readFile(f, "gen/points-lonlat.csv"))
	f.Add([]byte("id;WKT\n1;POINT (1.5 43.5)\n2;\"POLYGON ((1 43, 2 43, 2 44, 1 43))\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) { fuzzFile(t, "f.csv", b) })
}
