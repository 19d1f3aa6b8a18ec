package transfer_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/transfer"
	"github.com/socle-geo/socle/ogc/cql2"
)

// TestWriteSelection writes a filtered selection with some properties:
// every page of it, or one page; the file holds exactly those features and
// columns, GDAL reads it, and a bound too small leaves no file.
func TestWriteSelection(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := fixtureStore(t, dir)
	cat := socle.DefaultCatalog()
	c, _ := cat.Collection("addresses")
	filter, err := cql2.ParseText("commune_insee IN ('31254','31113') AND numero < 20")
	if err != nil {
		t.Fatal(err)
	}
	q, err := socle.ResolveItems(c, socle.ItemsRequest{Filter: filter, Limit: 10, Properties: []string{"cle_interop", "numero", "voie_nom", "commune_insee", "date_der_maj"}})
	if err != nil {
		t.Fatal(err)
	}
	var want int
	page, err := a.Records(ctx, q, func(*socle.Record) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	want = int(page.NumberMatched)
	if want <= 10 {
		t.Fatalf("the filter selects %d addresses: too few to page", want)
	}
	for _, tc := range []struct {
		all  bool
		want int
	}{{true, want}, {false, 10}} {
		path := filepath.Join(dir, "selection.gpkg")
		os.Remove(path)
		n, err := transfer.WriteSelection(ctx, a, transfer.Selection{Query: q, All: tc.all}, path, transfer.Options{Source: "test"})
		if err != nil || n != tc.want {
			t.Fatalf("all=%v: %d features, %v; want %d", tc.all, n, err, tc.want)
		}
		// Read back: the same features and only the selected columns.
		layer := *c
		layer.Properties = q.Properties
		layer.Keys, layer.Temporal, layer.BatchProperty = []string{"cle_interop"}, "date_der_maj", ""
		st, err := embedded.Open(ctx, path, &socle.Catalog{Collections: []*socle.Collection{&layer}})
		if err != nil {
			t.Fatal(err)
		}
		sum, err := st.Summary(ctx, &layer)
		st.Close()
		if err != nil || sum.Count != int64(tc.want) {
			t.Errorf("all=%v: the file holds %d features (%v), want %d", tc.all, sum.Count, err, tc.want)
		}
		if _, err := exec.LookPath("ogrinfo"); err == nil {
			out, err := exec.Command("ogrinfo", "-ro", "-so", path, "addresses").CombinedOutput()
			if err != nil {
				t.Fatalf("ogrinfo: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "voie_nom: String") || strings.Contains(string(out), "fibre_status") {
				t.Errorf("columns:\n%s", out)
			}
		}
	}
	// Too large: no file, nothing left beside it.
	path := filepath.Join(dir, "big", "selection.gpkg")
	os.MkdirAll(filepath.Dir(path), 0o755)
	_, err = transfer.WriteSelection(ctx, a, transfer.Selection{Query: q, All: true, MaxBytes: 2000}, path, transfer.Options{})
	if !errors.Is(err, transfer.ErrTooLarge) {
		t.Fatalf("bounded: %v", err)
	}
	if m, _ := os.ReadDir(filepath.Dir(path)); len(m) != 0 {
		t.Errorf("a refused selection left %v", m)
	}
}
