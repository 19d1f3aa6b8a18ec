// Package xsdtest validates XML documents in tests against the schemas in
// testdata/schemas (the subset of the project's reference schemas that the
// two wrapper schemas reach, see testdata/schemas/SOURCES.md), offline,
// with xmllint and the OASIS catalog there, always through the wrapper
// schemas: loaded any other way, OGC's circular includes make libxml2 load
// files twice.
//
// Without xmllint a test is skipped loudly, and fails in CI (CI set): a
// clean clone validates or says why it did not.
package xsdtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Wrapper schemas of testdata/schemas/wrappers.
const (
	// ISO19139 validates ISO 19139 records (gmd, gco, gmx, srv, GML 3.2.1).
	ISO19139 = "iso19139-all.xsd"
	// CSW validates what a CSW 2.0.2 + ISO AP + INSPIRE endpoint answers,
	// exception reports included.
	CSW = "csw202-iso-inspire.xsd"
)

// schemaPath is where the schemas are, from the module root.
var schemaPath = filepath.Join("internal", "xsdtest", "testdata", "schemas")

// SchemaDir returns the absolute path of the vendored schemas, found from
// the test's working directory (its package directory, inside the module).
// They are part of the repository: a checkout without them fails.
func SchemaDir(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			schemas := filepath.Join(dir, schemaPath)
			if _, err := os.Stat(filepath.Join(schemas, "catalog.xml")); err != nil {
				t.Fatalf("xsdtest: the schemas are missing from the repository: %v", err)
			}
			return schemas
		}
		if filepath.Dir(dir) == dir {
			t.Fatalf("xsdtest: no go.mod above %s", wd)
		}
	}
}

// xmllintPath finds xmllint (Debian package libxml2-utils).
func xmllintPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("xmllint not found (install libxml2-utils): %v", err)
		}
		t.Skip("SKIPPED: xmllint not found (install libxml2-utils): schema validation not run")
	}
	return p
}

// Files validates files against a wrapper schema in one xmllint run and
// returns whether each file validates, with xmllint's messages (the
// "Skipping import" warnings left out).
func Files(t testing.TB, wrapper string, files ...string) (map[string]bool, string) {
	t.Helper()
	bin := xmllintPath(t)
	schemas := SchemaDir(t)
	args := []string{"--noout", "--nonet", "--schema", filepath.Join(schemas, "wrappers", wrapper)}
	abs := make([]string, len(files))
	for i, f := range files {
		a, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		abs[i] = a
	}
	cmd := exec.Command(bin, append(args, abs...)...)
	cmd.Dir = schemas
	cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+filepath.Join(schemas, "catalog.xml"))
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("xmllint: %v", err)
		}
	}
	verdict := map[string]bool{}
	var msgs strings.Builder
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, "Skipping import") || strings.TrimSpace(line) == "" {
			continue
		}
		matched := false
		for i, a := range abs {
			switch line {
			case a + " validates":
				verdict[files[i]] = true
				matched = true
			case a + " fails to validate":
				verdict[files[i]] = false
				matched = true
			}
		}
		if !matched {
			msgs.WriteString(line)
			msgs.WriteByte('\n')
		}
	}
	for _, f := range files {
		if _, ok := verdict[f]; !ok {
			t.Fatalf("xmllint said nothing of %s:\n%s", f, out.String())
		}
	}
	return verdict, msgs.String()
}

// Docs validates documents held in memory, by name, against a wrapper
// schema in one xmllint run, and fails the test for each that does not
// validate, with xmllint's messages.
func Docs(t testing.TB, wrapper string, docs map[string][]byte) {
	t.Helper()
	if len(docs) == 0 {
		return
	}
	dir := t.TempDir()
	var files []string
	names := map[string]string{}
	i := 0
	for name, body := range docs {
		f := filepath.Join(dir, strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "_").Replace(name))
		if _, dup := names[f]; dup {
			f += "-" + string(rune('a'+i%26))
		}
		i++
		if err := os.WriteFile(f, body, 0o644); err != nil {
			t.Fatal(err)
		}
		names[f] = name
		files = append(files, f)
	}
	verdict, msgs := Files(t, wrapper, files...)
	for _, f := range files {
		if !verdict[f] {
			t.Errorf("%s does not validate against %s:\n%s", names[f], wrapper, msgs)
		}
	}
}

// Doc validates one document held in memory.
func Doc(t testing.TB, wrapper, name string, body []byte) {
	t.Helper()
	Docs(t, wrapper, map[string][]byte{name: body})
}
