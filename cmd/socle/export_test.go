package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportPMTiles writes the sample territory's tiles as a PMTiles
// archive through the command line (the tiles themselves are checked
// against the served ones in internal/tilearchive).
func TestExportPMTiles(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "socle.gpkg")
	if code, _, stderr := runCLI(t, "import", "fixtures", "--data", data, "--fixtures", "../../fixtures"); code != 0 {
		t.Fatal(stderr)
	}
	out := filepath.Join(dir, "territoire.pmtiles")
	code, stdout, stderr := runCLI(t, "export", "pmtiles", "--data", data, "--collections", "roads,communes", "--minzoom", "8", "--maxzoom", "12", out)
	if code != 0 {
		t.Fatal(stderr)
	}
	if !strings.Contains(stdout, "roads,communes") || !strings.Contains(stdout, "zooms 8 to 12") {
		t.Errorf("output: %s", stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(b, []byte("PMTiles\x03")) {
		t.Fatalf("not a PMTiles v3 archive: %v %.10q", err, b)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".territoire*")); len(m) != 0 {
		t.Errorf("left behind: %v", m)
	}
	for _, args := range [][]string{
		{"export", "pmtiles", "--data", data, "--collections", "rivers", out},
		{"export", "pmtiles", "--data", data, "--minzoom", "9", "--maxzoom", "3", out},
		{"export", "mbtiles", out},
	} {
		if code, _, stderr := runCLI(t, args...); code == 0 || stderr == "" {
			t.Errorf("%v: %d %s", args, code, stderr)
		}
	}
}
