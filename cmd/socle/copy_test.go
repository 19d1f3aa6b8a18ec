package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/socle-geo/socle/internal/testdb"
)

// TestCopyBetweenStores moves the sample territory from a GeoPackage to
// PostGIS and back to a new GeoPackage through the command line.
func TestCopyBetweenStores(t *testing.T) {
	db := testdb.New(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.gpkg"), filepath.Join(dir, "b.gpkg")
	if code, _, stderr := runCLI(t, "import", "fixtures", "--data", a, "--fixtures", "../../fixtures"); code != 0 {
		t.Fatal(stderr)
	}
	code, out, stderr := runCLI(t, "copy", "--data", a, db)
	if code != 0 {
		t.Fatal(stderr)
	}
	// The history goes along: the four fixture imports and the
	// recomputation of the ZAN figures the land cover's made (and the
	// copy's own).
	for _, want := range []string{"communes: copied 36 features (inserted 36", "addresses: copied 3019 features (inserted 3019", "copy to postgres://",
		"history: 5 batches"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, stderr = runCLI(t, "copy", "--database-url", db, "--collections", "roads,addresses", b)
	if code != 0 {
		t.Fatal(stderr)
	}
	if !strings.Contains(out, "roads: copied 1467 features (inserted 1467") || strings.Contains(out, "communes") || strings.Contains(out, "history") {
		t.Errorf("subset copy:\n%s", out)
	}
	if code, _, stderr := runCLI(t, "copy", "--data", a, a); code == 0 || !strings.Contains(stderr, "the target is the source") {
		t.Errorf("copy onto itself: %d %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "copy", "--data", a, "--collections", "rivers", filepath.Join(dir, "c.gpkg")); code == 0 || !strings.Contains(stderr, "rivers") {
		t.Errorf("unknown collection: %d %s", code, stderr)
	}
}
