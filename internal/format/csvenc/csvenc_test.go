package csvenc_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"

	"github.com/socle-geo/socle/internal/format/csvenc"
	"github.com/socle-geo/socle/ogc/featurestream"
	"github.com/socle-geo/socle/ogc/featurestream/featurestreamtest"
)

// encode writes the features with opts and returns the bytes.
func encode(t testing.TB, cols []featurestream.Column, feats []featurestream.Feature, opts csvenc.Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	e, err := csvenc.NewEncoder(&buf, cols, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range feats {
		if err := e.Encode(&feats[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// want is the text a reader must find in each cell of the sample: the
// value as a spreadsheet reads it, "" for null. Readers differ on a line
// break inside a quoted cell: Python keeps CRLF, Go's encoding/csv and
// GDAL make it LF (crlf false).
func want(f featurestream.Feature, crlf bool) []string {
	row := []string{strconv.FormatInt(f.ID.(int64), 10)}
	for i, c := range featurestreamtest.Columns {
		v := f.Values[i]
		switch v := v.(type) {
		case nil:
			if c.Type != featurestream.TypeObject {
				row = append(row, "")
			}
		case string:
			if !crlf {
				v = strings.ReplaceAll(v, "\r\n", "\n")
			}
			row = append(row, v)
		case int64:
			row = append(row, strconv.FormatInt(v, 10))
		case float64:
			row = append(row, string(featurestream.AppendDecimal(nil, v, 0)))
		case bool:
			row = append(row, strconv.FormatBool(v))
		case time.Time:
			if c.Type == featurestream.TypeDate {
				row = append(row, v.Format("2006-01-02"))
			} else {
				row = append(row, v.Format(time.RFC3339Nano))
			}
		}
	}
	return row
}

var sampleHeader = []string{"id", "name", "numero", "width", "paved", "date_der_maj", "observed_at", "geometry"}

// TestGoReadsIt parses the output with encoding/csv, with both separators
// and with a BOM: every cell and every coordinate comes back.
func TestGoReadsIt(t *testing.T) {
	feats := featurestreamtest.Sample()
	for _, opts := range []csvenc.Options{{}, {Separator: ';', BOM: true}} {
		out := encode(t, featurestreamtest.Columns, feats, opts)
		if opts.BOM != bytes.HasPrefix(out, []byte("\uFEFF")) {
			t.Errorf("BOM %v: output starts %q", opts.BOM, out[:3])
		}
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(out, []byte("\uFEFF"))))
		if opts.Separator != 0 {
			r.Comma = rune(opts.Separator)
		}
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatalf("%+v: %v\n%s", opts, err, out)
		}
		if !reflect.DeepEqual(rows[0], sampleHeader) {
			t.Errorf("header %q", rows[0])
		}
		if len(rows) != len(feats)+1 {
			t.Fatalf("%d rows for %d features", len(rows)-1, len(feats))
		}
		for i, f := range feats {
			got := rows[i+1]
			if w := want(f, false); !reflect.DeepEqual(got[:len(got)-1], w) {
				t.Errorf("row %d:\n got %q\nwant %q", i+1, got[:len(got)-1], w)
			}
			g := got[len(got)-1]
			if f.Geometry == nil {
				if g != "" {
					t.Errorf("row %d: null geometry as %q", i+1, g)
				}
				continue
			}
			back, err := wkt.Unmarshal(g)
			if err != nil {
				t.Errorf("row %d: WKT %q: %v", i+1, g, err)
			} else if !orb.Equal(back, f.Geometry) {
				t.Errorf("row %d: WKT %q is not %v", i+1, g, f.Geometry)
			}
		}
		if !bytes.HasSuffix(out, []byte("\r\n")) || bytes.Count(out, []byte("\r\n")) < len(feats)+1 {
			t.Error("rows do not end in CRLF (RFC 4180)")
		}
	}
}

func TestEmptyAndNull(t *testing.T) {
	cols := []featurestream.Column{{Name: "a", Type: featurestream.TypeString}, {Name: "b", Type: featurestream.TypeString}}
	out := encode(t, cols, []featurestream.Feature{{ID: "x;1", Values: []any{"", nil}}}, csvenc.Options{Separator: ';', Geometry: csvenc.NoGeometry})
	if want := "id;a;b\r\n\"x;1\";\"\";\r\n"; string(out) != want {
		t.Errorf("got %q, want %q (an empty string is \"\", a null nothing)", out, want)
	}
	out = encode(t, cols, nil, csvenc.Options{})
	if want := "id,a,b,geometry\r\n"; string(out) != want {
		t.Errorf("no feature: %q, want the header alone", out)
	}
}

func TestOptions(t *testing.T) {
	cols := []featurestream.Column{
		{Name: "label", Type: featurestream.TypeString},
		{Name: "ha", Type: featurestream.TypeNumber},
		{Name: "by_year", Type: featurestream.TypeObject},
	}
	feats := []featurestream.Feature{
		{ID: int64(1), Geometry: orb.Point{1.4437251, 43.5466918}, Values: []any{"=1+1", 12.5, json.RawMessage(`{"2021": 1.25, "2022": "n/a", "2023": {"x": 1}, "2024": true, "2025": 3}`)}},
		{ID: int64(2), Geometry: orb.Point{1.5, 43.6}, Values: []any{"-3", -0.5, nil}},
	}
	for _, c := range []struct {
		name string
		opts csvenc.Options
		want string
	}{
		{"french spreadsheet", csvenc.Options{Separator: ';', DecimalComma: true, Geometry: csvenc.XY, Decimals: 7, FormulaGuard: true},
			"id;label;ha;x;y\r\n1;'=1+1;12,5;1,4437251;43,5466918\r\n2;'-3;-0,5;1,5;43,6\r\n"},
		{"decimal comma quoted under comma separator", csvenc.Options{DecimalComma: true, Geometry: csvenc.NoGeometry, IDColumn: "-"},
			"label,ha\r\n=1+1,\"12,5\"\r\n-3,\"-0,5\"\r\n"},
		{"flattened object", csvenc.Options{Geometry: csvenc.NoGeometry, IDColumn: "fid", ObjectKeys: map[string][]string{"by_year": {"2021", "2022", "2023", "2024", "2025", "2026"}}},
			"fid,label,ha,by_year.2021,by_year.2022,by_year.2023,by_year.2024,by_year.2025,by_year.2026\r\n1,=1+1,12.5,1.25,n/a,,true,3,\r\n2,-3,-0.5,,,,,,\r\n"},
		{"rounded WKT", csvenc.Options{Decimals: 2, Geometry: csvenc.WKT, IDColumn: "-"},
			"label,ha,geometry\r\n=1+1,12.5,POINT(1.44 43.55)\r\n-3,-0.5,POINT(1.5 43.6)\r\n"},
	} {
		if got := string(encode(t, cols, feats, c.opts)); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

func TestErrors(t *testing.T) {
	cols := []featurestream.Column{{Name: "geometry", Type: featurestream.TypeString}}
	if _, err := csvenc.NewEncoder(&bytes.Buffer{}, cols, csvenc.Options{}); err == nil {
		t.Error("a column named like the geometry column was accepted")
	}
	if _, err := csvenc.NewEncoder(&bytes.Buffer{}, cols, csvenc.Options{Separator: '\t'}); err == nil {
		t.Error("tab separator accepted")
	}
	if _, err := csvenc.NewEncoder(&bytes.Buffer{}, cols, csvenc.Options{Geometry: csvenc.NoGeometry, ObjectKeys: map[string][]string{"geometry": {"a"}}}); err == nil {
		t.Error("ObjectKeys on a string column accepted")
	}
	e, err := csvenc.NewEncoder(&bytes.Buffer{}, cols, csvenc.Options{Geometry: csvenc.XY, IDColumn: "-"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Encode(&featurestream.Feature{Geometry: orb.LineString{{0, 0}, {1, 1}}, Values: []any{"a"}}); err == nil {
		t.Error("x, y of a line string accepted")
	}
	if err := e.Encode(&featurestream.Feature{Values: []any{int64(1)}}); err == nil {
		t.Error("an integer in a string column accepted")
	}
}

// TestPythonReadsIt reads both dialects with Python's csv module: as a
// program would (given the separator, encoding utf-8-sig) and as a
// spreadsheet import does (the dialect sniffed from the file).
func TestPythonReadsIt(t *testing.T) {
	dir := t.TempDir()
	feats := featurestreamtest.Sample()
	script := `
import csv, json, sys
path, sep = sys.argv[1], sys.argv[2]
with open(path, newline="", encoding="utf-8-sig") as f:
    text = f.read()
dialect = csv.Sniffer().sniff(text.splitlines()[0])
rows = list(csv.reader(text.splitlines(keepends=True), delimiter=sep))
json.dump({"sniffed": dialect.delimiter, "rows": rows}, sys.stdout)
`
	for _, opts := range []csvenc.Options{{}, {Separator: ';', BOM: true}} {
		sep := ","
		if opts.Separator == ';' {
			sep = ";"
		}
		path := filepath.Join(dir, "sample"+sep+".csv")
		if err := os.WriteFile(path, encode(t, featurestreamtest.Columns, feats, opts), 0o644); err != nil {
			t.Fatal(err)
		}
		out := featurestreamtest.Tool(t, "python3", "-c", script, path, sep)
		var got struct {
			Sniffed string
			Rows    [][]string
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if got.Sniffed != sep {
			t.Errorf("csv.Sniffer found %q, not %q", got.Sniffed, sep)
		}
		if len(got.Rows) != len(feats)+1 || !reflect.DeepEqual(got.Rows[0], sampleHeader) {
			t.Fatalf("python read %d rows, header %q", len(got.Rows), got.Rows[0])
		}
		for i, f := range feats {
			row := got.Rows[i+1]
			if w := want(f, true); !reflect.DeepEqual(row[:len(row)-1], w) {
				t.Errorf("python, row %d:\n got %q\nwant %q", i+1, row[:len(row)-1], w)
			}
		}
	}
}

// TestGDALReadsIt opens the CSV with GDAL's CSV driver, geometry from the
// WKT column (or x, y), and checks the count, the field types GDAL detects,
// the names and every coordinate of the GeoJSON GDAL makes of it.
func TestGDALReadsIt(t *testing.T) {
	dir := t.TempDir()
	feats := featurestreamtest.Sample()
	for _, c := range []struct {
		opts  csvenc.Options
		oo    []string
		feats []featurestream.Feature
	}{
		{csvenc.Options{}, []string{"-oo", "GEOM_POSSIBLE_NAMES=geometry", "-oo", "KEEP_GEOM_COLUMNS=NO"}, feats},
		{csvenc.Options{Separator: ';', BOM: true}, []string{"-oo", "GEOM_POSSIBLE_NAMES=geometry", "-oo", "KEEP_GEOM_COLUMNS=NO"}, feats},
		{csvenc.Options{Geometry: csvenc.XY}, []string{"-oo", "X_POSSIBLE_NAMES=x", "-oo", "Y_POSSIBLE_NAMES=y", "-oo", "KEEP_GEOM_COLUMNS=NO"},
			[]featurestream.Feature{feats[0], feats[6], feats[7]}},
	} {
		path := filepath.Join(dir, "features.csv")
		if err := os.WriteFile(path, encode(t, featurestreamtest.Columns, c.feats, c.opts), 0o644); err != nil {
			t.Fatal(err)
		}
		// AUTODETECT_TYPE: GDAL finds every column's type from its text.
		info := featurestreamtest.Tool(t, "ogrinfo", append([]string{"-ro", "-al", "-so", "-oo", "AUTODETECT_TYPE=YES", path}, c.oo...)...)
		if !strings.Contains(info, "Feature Count: "+strconv.Itoa(len(c.feats))) {
			t.Errorf("%+v: ogrinfo:\n%s", c.opts, info)
		}
		for _, field := range []string{"name: String", "numero: Integer", "width: Real", "paved: Integer(Boolean)", "date_der_maj: Date", "observed_at: DateTime"} {
			if !strings.Contains(info, field) {
				t.Errorf("%+v: ogrinfo lists no field %q:\n%s", c.opts, field, info)
			}
		}
		js := featurestreamtest.Tool(t, "ogr2ogr", append([]string{"-f", "GeoJSON", "/vsistdout/", path}, c.oo...)...)
		var fc struct {
			Features []struct {
				Properties map[string]any
				Geometry   json.RawMessage
			}
		}
		if err := json.Unmarshal([]byte(js), &fc); err != nil {
			t.Fatalf("%v\n%s", err, js)
		}
		if len(fc.Features) != len(c.feats) {
			t.Fatalf("GDAL read %d features, want %d", len(fc.Features), len(c.feats))
		}
		for i, f := range c.feats {
			got := fc.Features[i]
			if w := want(f, false)[1]; got.Properties["name"] != w && w != "" {
				t.Errorf("%+v feature %d: name %q, want %q", c.opts, i, got.Properties["name"], w)
			}
			if f.Geometry == nil {
				if string(got.Geometry) != "null" {
					t.Errorf("feature %d: geometry %s, want null", i, got.Geometry)
				}
				continue
			}
			g, err := featurestreamtest.ParseGeoJSONGeometry(got.Geometry)
			if err != nil {
				t.Fatal(err)
			}
			if !orb.Equal(g, f.Geometry) {
				t.Errorf("%+v feature %d: GDAL read %s, want %v", c.opts, i, got.Geometry, f.Geometry)
			}
		}
	}
}
