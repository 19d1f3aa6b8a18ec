package storetest

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb/geojson"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/cql2"
)

// ATSDir is OGC's CQL2 abstract test suite and its Natural Earth data as
// the cql2 package keeps them, from a package directory of internal/ (where
// the stores' tests run).
const ATSDir = "../../ogc/cql2/testdata/ogc"

// atsDisputed are the ATS rows whose expected counts the shipped data does
// not support (see ogc/cql2's atsSkip, which checks the counts the data
// gives): a store must give the Go evaluator's own count.
var atsDisputed = map[string]bool{
	"ACCENTI(name) LIKE accenti('Ch%')":                 true,
	"ACCENTI(CASEI(name)) LIKE accenti(casei('Chiș%'))": true,
	"ACCENTI(CASEI(name)) LIKE accenti(casei('cHis%'))": true,
}

// atsGeometry is the geometry property of the ATS text, which Socle names
// socle.GeometryProperty.
var atsGeometry = regexp.MustCompile(`\bgeom\b`)

// ATSLayer is one of the suite's Natural Earth layers as a collection
// (stored in EPSG:4326, every property queryable, its types read from the
// values), with each feature's values typed as the collection says, in the
// order of its properties (dates and timestamps as time.Time).
type ATSLayer struct {
	Collection *socle.Collection
	Features   []*geojson.Feature
	Values     [][]any
}

// ATSLayers reads the suite's three layers, by name.
func ATSLayers(t testing.TB) map[string]*ATSLayer {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(ATSDir, "data", "*.geojson"))
	if err != nil || len(files) != 3 {
		t.Fatalf("ATS data: %v %v", files, err)
	}
	layers := map[string]*ATSLayer{}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".geojson")
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		fc, err := geojson.UnmarshalFeatureCollection(b)
		if err != nil {
			t.Fatal(err)
		}
		types := map[string]socle.Type{}
		for _, f := range fc.Features {
			for k, v := range f.Properties {
				switch v.(type) {
				case string:
					types[k] = socle.TypeString
				case bool:
					types[k] = socle.TypeBoolean
				case float64:
					if types[k] == "" {
						types[k] = socle.TypeNumber
					}
				}
			}
		}
		if name == "ne_110m_populated_places_simple" {
			types["date"], types["start"], types["end"] = socle.TypeDate, socle.TypeDateTime, socle.TypeDateTime
		}
		var cols []string
		for k := range types {
			cols = append(cols, k)
		}
		sort.Strings(cols)
		l := &ATSLayer{Collection: &socle.Collection{ID: name, SRID: 4326, IDType: socle.TypeInteger}, Features: fc.Features}
		for _, col := range cols {
			l.Collection.Properties = append(l.Collection.Properties, socle.Property{Name: col, Type: types[col], Queryable: true, Nullable: true})
		}
		for _, f := range fc.Features {
			vals := make([]any, len(cols))
			for j, col := range cols {
				vals[j] = f.Properties[col]
				s, ok := vals[j].(string)
				if !ok {
					continue
				}
				var err error
				switch types[col] {
				case socle.TypeDate:
					vals[j], err = time.Parse(time.DateOnly, s)
				case socle.TypeDateTime:
					vals[j], err = time.Parse("2006-01-02T15:04:05", s)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			l.Values = append(l.Values, vals)
		}
		layers[name] = l
	}
	return layers
}

// Eval returns the layer's features as the Go evaluator reads them.
func (l *ATSLayer) Eval() []cql2.Feature {
	fs := make([]cql2.Feature, len(l.Features))
	for i := range l.Features {
		fs[i] = atsFeature{l, i}
	}
	return fs
}

// GoCount counts the layer's features e selects by the Go evaluator.
func (l *ATSLayer) GoCount(e cql2.Expr) (int, error) {
	n := 0
	for _, f := range l.Eval() {
		ok, err := cql2.Evaluate(e, f)
		if err != nil {
			return 0, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// atsFeature is feature i of a layer for the Go evaluator, its values
// typed as the stores hold them.
type atsFeature struct {
	l *ATSLayer
	i int
}

func (a atsFeature) Property(name string) (any, bool) {
	if name == "geom" {
		return a.l.Features[a.i].Geometry, true
	}
	for j, p := range a.l.Collection.Properties {
		if p.Name == name {
			return a.l.Values[a.i][j], true
		}
	}
	return nil, false
}

// ATSCase is one row of the suite: a predicate, or a combination of
// predicates, on a layer, and the count it selects.
type ATSCase struct {
	Class, Layer string
	Text         string // as the suite writes it (geometry property geom)
	Want         int
	// Disputed: the count the shipped data gives differs from the
	// suite's; a store's count must be the Go evaluator's.
	Disputed bool
}

// Filter is the case's text with Socle's name of the geometry property.
func (c ATSCase) Filter() string {
	return atsGeometry.ReplaceAllString(c.Text, socle.GeometryProperty)
}

// ATSCases reads the suite's predicates and basic combinations.
func ATSCases(t testing.TB) []ATSCase {
	t.Helper()
	var cases []ATSCase
	for _, row := range atsRows(t, "cql2-ats-predicates.csv") {
		want, _ := strconv.Atoi(row[4])
		cases = append(cases, ATSCase{Class: row[0], Layer: row[2], Text: row[3], Want: want, Disputed: atsDisputed[row[3]]})
	}
	for _, row := range atsRows(t, "cql2-ats-basic-combinations.csv") {
		want, _ := strconv.Atoi(row[4])
		text := fmt.Sprintf("(NOT (%s) AND %s) OR (%s and %s) or not (%s OR %s)", row[1], row[0], row[2], row[3], row[0], row[3])
		cases = append(cases, ATSCase{Class: "basic-cql2 (combinations)", Layer: "ne_110m_populated_places_simple", Text: text, Want: want})
	}
	return cases
}

func atsRows(t testing.TB, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(ATSDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}

// ATSTally counts the cases passed and failed by conformance class.
type ATSTally struct{ pass, fail map[string]int }

// Add records a case's outcome.
func (y *ATSTally) Add(class string, ok bool) {
	if y.pass == nil {
		y.pass, y.fail = map[string]int{}, map[string]int{}
	}
	if ok {
		y.pass[class]++
	} else {
		y.fail[class]++
	}
}

// Report logs the counts by class and fails the test when fewer than 300
// cases passed: the suite did not run.
func (y *ATSTally) Report(t testing.TB) {
	t.Helper()
	var classes []string
	for c := range y.pass {
		classes = append(classes, c)
	}
	for c := range y.fail {
		if y.pass[c] == 0 {
			classes = append(classes, c)
		}
	}
	sort.Strings(classes)
	total := 0
	for _, c := range classes {
		t.Logf("%-36s pass %3d fail %d", c, y.pass[c], y.fail[c])
		total += y.pass[c]
	}
	if total < 300 {
		t.Errorf("only %d ATS rows passed: the suite did not run", total)
	}
}
