package cql2_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socle-geo/socle/ogc/cql2"
)

const examplesDir = "testdata/ogc/examples"

// example is one CQL2 example of the standard: its text form and, for all
// but the "-alt01" variants, the JSON form of the same expression.
type example struct {
	name string
	text string
	json []byte // nil when the standard gives no JSON for this name
}

func loadExamples(t testing.TB) []example {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(examplesDir, "text", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no text examples: %v", err)
	}
	var out []example
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ex := example{name: name, text: string(text)}
		base, _, _ := strings.Cut(name, "-alt")
		if j, err := os.ReadFile(filepath.Join(examplesDir, "json", base+".json")); err == nil {
			ex.json = j
		}
		out = append(out, ex)
	}
	return out
}

func TestExamplesCorpus(t *testing.T) {
	t.Parallel()
	exs := loadExamples(t)
	jsonFiles, _ := filepath.Glob(filepath.Join(examplesDir, "json", "*.json"))
	if len(exs) != 120 || len(jsonFiles) != 109 {
		t.Fatalf("found %d text and %d JSON examples, want 120 and 109 (the JSON folder also holds validate.sh)", len(exs), len(jsonFiles))
	}
	for _, f := range jsonFiles {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		if _, err := os.Stat(filepath.Join(examplesDir, "text", name+".txt")); err != nil {
			t.Errorf("JSON example %s has no text twin", name)
		}
	}
}

// TestExamples parses every example in both encodings, checks that the two
// encodings of one name give the same tree, and that printing either
// encoding parses back to that tree.
func TestExamples(t *testing.T) {
	t.Parallel()
	schema := compileSchema(t)
	for _, ex := range loadExamples(t) {
		t.Run(ex.name, func(t *testing.T) {
			fromText, err := cql2.ParseText(ex.text)
			if err != nil {
				t.Fatalf("ParseText(%q): %v", ex.text, err)
			}
			if err := cql2.Check(fromText); err != nil {
				t.Errorf("Check: %v", err)
			}
			if ex.json != nil {
				fromJSON, err := cql2.ParseJSON(ex.json)
				if err != nil {
					t.Fatalf("ParseJSON: %v", err)
				}
				if !cql2.Equal(fromText, fromJSON) {
					t.Errorf("text and JSON differ:\ntext: %s\njson: %s", fromText, fromJSON)
				}
			}
			printed := cql2.Text(fromText)
			again, err := cql2.ParseText(printed)
			if err != nil {
				t.Fatalf("ParseText(Text(e) = %q): %v", printed, err)
			}
			if !cql2.Equal(fromText, again) {
				t.Errorf("text round trip differs:\n%s\n%s", printed, again)
			}
			js, err := cql2.JSON(fromText)
			if err != nil {
				t.Fatal(err)
			}
			if err := validateJSON(schema, js); err != nil {
				t.Errorf("printed JSON does not validate: %v\n%s", err, js)
			}
			again, err = cql2.ParseJSON(js)
			if err != nil {
				t.Fatalf("ParseJSON(JSON(e) = %s): %v", js, err)
			}
			if !cql2.Equal(fromText, again) {
				t.Errorf("JSON round trip differs:\n%s\n%s", js, again)
			}
		})
	}
}

// TestExampleJSONValidates checks the schema harness itself: the standard's
// own JSON examples validate and a broken one does not.
func TestExampleJSONValidates(t *testing.T) {
	t.Parallel()
	schema := compileSchema(t)
	for _, ex := range loadExamples(t) {
		if ex.json == nil {
			continue
		}
		if err := validateJSON(schema, ex.json); err != nil {
			t.Errorf("%s: %v", ex.name, err)
		}
	}
	if validateJSON(schema, []byte(`{"op":"and","args":[true]}`)) == nil {
		t.Error("an AND of one argument validates")
	}
}
