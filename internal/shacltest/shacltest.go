// Package shacltest validates RDF documents in tests against the official
// DCAT-AP 2.1.1 SHACL shapes (testdata/dcat-ap/shapes, see SOURCES.md
// there) with a real SHACL validator: rdf-validate-shacl on Node.js, run by
// testdata/dcat-ap/validator/validate.mjs. Nothing is fetched at test time:
// the shapes, the EU code lists and the npm packages are local (the
// packages are installed once by `npm ci` in testdata/dcat-ap/validator,
// which scripts/setup runs).
//
// Without node or the installed validator a test is skipped loudly, and
// fails in CI (CI set).
package shacltest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Profile is a set of DCAT-AP 2.1.1 shapes, as the EU's ITB validator
// groups them.
type Profile string

const (
	// Base: mandatory properties, cardinalities, literal datatypes and node
	// kinds (dcat-ap_2.1.1_shacl_shapes.ttl).
	Base Profile = "base"
	// Range: the class of every object (dcat-ap_2.1.1_shacl_range.ttl)
	// with no background ontology (the ITB's "Ranges Zero"): each object
	// must carry its rdf:type in the document itself, e.g. a licence IRI
	// typed dct:LicenseDocument, a contact point typed vcard:Kind.
	Range Profile = "range"
	// Codelists: the EU controlled vocabularies (language, file type,
	// access right, data theme, frequency) of
	// dcat-ap_2.1.1_shacl_mdr-vocabularies.shape.ttl, against the vendored
	// membership of those code lists.
	Codelists Profile = "codelists"
	// Recommended: DCAT-AP's recommended properties; warnings only.
	Recommended Profile = "recommended"
)

// Strict is what Validate checks: a document a DCAT-AP 2 harvester takes
// without complaint.
var Strict = []Profile{Base, Range, Codelists}

// Format is the syntax of the document to validate.
type Format string

// The syntaxes the validator reads.
const (
	JSONLD   Format = "jsonld"
	Turtle   Format = "turtle"
	NTriples Format = "ntriples"
	RDFXML   Format = "rdfxml"
)

// Result is one SHACL validation result, its IRIs shortened to the usual
// prefixes (dcat:, dct:, foaf:, vcard:, and ":" for the DCAT-AP shapes'
// namespace http://data.europa.eu/r5r#).
type Result struct {
	Severity   string `json:"severity"`   // Violation, Warning or Info
	FocusNode  string `json:"focusNode"`  // the node that fails, blank nodes described
	Path       string `json:"path"`       // the property, e.g. dct:title
	Value      string `json:"value"`      // the offending value, if any
	Message    string `json:"message"`    // the shape's or the validator's message
	Shape      string `json:"shape"`      // e.g. :Dataset_Shape/dct:title
	Constraint string `json:"constraint"` // e.g. MinCountConstraintComponent
}

func (r Result) String() string {
	s := r.Severity + ": " + r.FocusNode
	if r.Path != "" {
		s += " " + r.Path
	}
	if r.Value != "" {
		s += " = " + r.Value
	}
	return s + ": " + r.Message + " [" + r.Shape + ", " + r.Constraint + "]"
}

// Report is the outcome of one validation.
type Report struct {
	Profiles []Profile
	Triples  int // triples read from the document
	Results  []Result
}

// Conforms reports whether no result is a violation: warnings and infos do
// not count, as in the ITB validator's verdict.
func (r Report) Conforms() bool { return len(r.Violations()) == 0 }

// Violations are the results of severity Violation.
func (r Report) Violations() []Result {
	var v []Result
	for _, x := range r.Results {
		if x.Severity == "Violation" {
			v = append(v, x)
		}
	}
	return v
}

// String lists every result, violations first, one a line.
func (r Report) String() string {
	var b strings.Builder
	v := r.Violations()
	fmt.Fprintf(&b, "DCAT-AP 2.1.1 SHACL %v: %d triples, %d violations, %d other results\n", r.Profiles, r.Triples, len(v), len(r.Results)-len(v))
	for _, x := range v {
		b.WriteString(x.String() + "\n")
	}
	for _, x := range r.Results {
		if x.Severity != "Violation" {
			b.WriteString(x.String() + "\n")
		}
	}
	return b.String()
}

// Has reports whether a result of the given severity names that path
// (e.g. "dct:title"); "" matches any severity.
func (r Report) Has(severity, path string) bool {
	for _, x := range r.Results {
		if x.Path == path && (severity == "" || x.Severity == severity) {
			return true
		}
	}
	return false
}

// Validate validates a JSON-LD document against the Strict profiles and
// returns whether it conforms (no violation) with the readable report.
func Validate(t testing.TB, jsonld []byte) (conforms bool, report string) {
	t.Helper()
	r := Check(t, jsonld, JSONLD, Strict...)
	return r.Conforms(), r.String()
}

// Check validates a document in the given syntax against the given
// profiles (Base when none). A document that does not parse gives a
// report with one violation saying why; a broken validator fails the test.
func Check(t testing.TB, doc []byte, format Format, profiles ...Profile) Report {
	t.Helper()
	if len(profiles) == 0 {
		profiles = []Profile{Base}
	}
	node, script := validator(t, Dir(t))
	names := make([]string, len(profiles))
	for i, p := range profiles {
		names[i] = string(p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script, "--format", string(format), "--profile", strings.Join(names, ","))
	cmd.Dir = filepath.Dir(script)
	cmd.Stdin = bytes.NewReader(doc)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.ExitCode() == 3:
		return Report{Profiles: profiles, Results: []Result{{
			Severity: "Violation", Constraint: "parse",
			Message: "the document is not valid " + string(format) + ": " + strings.TrimSpace(stderr.String()),
		}}}
	default:
		t.Fatalf("shacltest: %s: %v\n%s", script, err, stderr.String())
	}
	var out struct {
		Triples int      `json:"triples"`
		Results []Result `json:"results"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("shacltest: the validator's answer is not JSON: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	return Report{Profiles: profiles, Triples: out.Triples, Results: out.Results}
}

// Dir is testdata/dcat-ap of the repository: the shapes, the code lists
// and the validator.
func Dir(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir, err := filepath.Abs(filepath.Join(filepath.Dir(file), "..", "..", "testdata", "dcat-ap"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// Setup is the command that installs the validator.
const Setup = "(cd testdata/dcat-ap/validator && npm ci --no-audit --no-fund --ignore-scripts)"

// validator finds node and the installed validator under dir, or skips
// (fails in CI).
func validator(t testing.TB, dir string) (node, script string) {
	t.Helper()
	missing := func(what string) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatalf("shacltest: %s: CI must run the SHACL validation (scripts/setup installs it: %s)", what, Setup)
		}
		msg := "SKIPPED: " + what + ": DCAT-AP SHACL validation not run; install it with " + Setup
		fmt.Fprintf(os.Stderr, "--- %s: %s\n", t.Name(), msg)
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node (Node.js) not found")
		return "", ""
	}
	script = filepath.Join(dir, "validator", "validate.mjs")
	if _, err := os.Stat(script); err != nil {
		missing(script + " not found")
		return "", ""
	}
	if _, err := os.Stat(filepath.Join(dir, "validator", "node_modules", "rdf-validate-shacl", "package.json")); err != nil {
		missing("the validator's npm packages are not installed in " + filepath.Join(dir, "validator", "node_modules"))
		return "", ""
	}
	return node, script
}
