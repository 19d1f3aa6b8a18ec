package featurestreamtest

import (
	"os"
	"os/exec"
	"testing"
)

// Tool runs an external reader (ogrinfo, ogr2ogr, python3, node) and
// returns its standard output. Without the tool the test is skipped
// loudly, except in CI (CI set), where it fails: CI must run the real
// readers. A failing run fails the test with the tool's output.
func Tool(t testing.TB, tool string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not found: CI must run the tests with real readers", tool)
		}
		t.Skipf("SKIPPED: %s not installed (scripts/setup installs it)", tool)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), "CPL_DEBUG=OFF")
	var stderr []byte
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = ee.Stderr
	}
	if err != nil {
		t.Fatalf("%s %q: %v\n%s%s", tool, args, err, out, stderr)
	}
	return string(out)
}
