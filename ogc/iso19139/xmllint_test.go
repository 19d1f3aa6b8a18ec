package iso19139_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sharedDir is the reference material beside the repository
// (../../../shared from this package).
func sharedDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "schemas", "catalog.xml")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("shared/ not found beside the repository: %v", err)
		}
		t.Skipf("SKIPPED: %s not found: schema validation not run", dir)
	}
	return dir
}

// xmllintPath finds xmllint (Debian package libxml2-utils).
func xmllintPath(t *testing.T) string {
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

// xmllint validates files against a wrapper schema of shared/schemas/
// wrappers, offline through the OASIS catalog, in one run, and returns
// whether each file validates, with xmllint's messages.
func xmllint(t *testing.T, wrapper string, files ...string) (map[string]bool, string) {
	t.Helper()
	bin := xmllintPath(t)
	shared := sharedDir(t)
	args := []string{"--noout", "--nonet", "--schema", filepath.Join(shared, "schemas", "wrappers", wrapper)}
	abs := make([]string, len(files))
	for i, f := range files {
		a, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		abs[i] = a
	}
	cmd := exec.Command(bin, append(args, abs...)...)
	cmd.Dir = shared
	cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+filepath.Join(shared, "schemas", "catalog.xml"))
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if err != nil {
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
