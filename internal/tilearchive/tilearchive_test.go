package tilearchive_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/socle-geo/socle/fixtures"
	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/testdb"
	"github.com/socle-geo/socle/internal/tilearchive"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// reader is the independent PMTiles reader (the pmtiles npm package) of
// internal/format/pmtiles's tests.
func reader(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "format", "pmtiles", "testdata", "reader")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "pmtiles")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the PMTiles reader is not installed: CI must run internal/format/pmtiles/testdata/reader/install.sh first")
		}
		t.Skip("SKIPPED: the PMTiles reader is not installed: run internal/format/pmtiles/testdata/reader/install.sh")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("SKIPPED: node is not installed")
	}
	return filepath.Join(dir, "read.mjs")
}

// TestExportEqualsServedTiles exports the sample territory's tiles, reads
// every tile of the archive back with the pmtiles npm package, and finds
// each equal, byte for byte, to the tile the server serves at the same
// address (and the tiles absent from the archive empty on the server).
// Both stores.
func TestExportEqualsServedTiles(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		cat := socle.DefaultCatalog()
		st, err := embedded.Open(context.Background(), filepath.Join(t.TempDir(), "socle.gpkg"), cat)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		exportEqualsServed(t, st, cat)
	})
	t.Run("postgis", func(t *testing.T) {
		cat := socle.DefaultCatalog()
		pg, err := postgis.Open(context.Background(), testdb.New(t), cat, postgis.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer pg.Close()
		if err := pg.Migrate(context.Background(), quiet); err != nil {
			t.Fatal(err)
		}
		exportEqualsServed(t, pg, cat)
	})
}

func exportEqualsServed(t *testing.T, st socle.Store, cat *socle.Catalog) {
	read := reader(t)
	ctx := context.Background()
	dir := t.TempDir()
	im := &importer.Importer{Store: st, Catalog: cat, Log: quiet, Actor: "test"}
	if _, err := im.ImportFixturesFS(ctx, fixtures.FS); err != nil {
		t.Fatal(err)
	}
	served := server.ServedCatalog(cat)
	var archive bytes.Buffer
	const maxZ = 14
	res, err := tilearchive.Export(ctx, st, tilearchive.Layers(served), &archive, tilearchive.Options{MinZoom: 0, MaxZoom: maxZ, Name: "Sicoval"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Written == 0 || res.Written > res.Tiles {
		t.Fatalf("%+v", res)
	}
	list := tilearchive.Tiles(res.Bounds, 0, maxZ)
	ask := make([][3]uint32, len(list))
	for i, tl := range list {
		ask[i] = [3]uint32{uint32(tl.Z), tl.X, tl.Y}
	}
	path, listPath := filepath.Join(dir, "t.pmtiles"), filepath.Join(dir, "tiles.json")
	js, _ := json.Marshal(ask)
	os.WriteFile(path, archive.Bytes(), 0o644)
	os.WriteFile(listPath, js, 0o644)
	out, err := exec.Command("node", read, path, listPath).Output()
	if err != nil {
		t.Fatalf("node %s: %v", read, err)
	}
	var got struct {
		Header struct {
			MinZoom, MaxZoom int
			TileType         int
		}
		Metadata struct {
			Name         string
			VectorLayers []struct{ ID string } `json:"vector_layers"`
		}
		Tiles []struct{ Data *string }
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %.500s", err, out)
	}
	if got.Header.TileType != 1 || got.Header.MaxZoom != maxZ || got.Metadata.Name != "Sicoval" || len(got.Metadata.VectorLayers) != len(tilearchive.Layers(served)) {
		t.Errorf("header %+v, metadata %+v", got.Header, got.Metadata)
	}
	srv := httptest.NewServer(server.New(st, cat, quiet, server.Options{BaseURL: "http://socle.test"}).Handler())
	defer srv.Close()
	written := 0
	for i, tl := range list {
		resp, err := http.Get(fmt.Sprintf("%s/tiles/WebMercatorQuad/%d/%d/%d", srv.URL, tl.Z, tl.Y, tl.X))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var have []byte
		if d := got.Tiles[i].Data; d != nil {
			have, _ = base64.StdEncoding.DecodeString(*d)
			written++
		}
		if !bytes.Equal(have, want) {
			t.Errorf("tile %d/%d/%d: %d bytes in the archive, %d served", tl.Z, tl.X, tl.Y, len(have), len(want))
		}
	}
	if written != res.Written {
		t.Errorf("the reader finds %d tiles, the export wrote %d", written, res.Written)
	}
}

// TestExportRefusesBadZooms: zooms out of range are a clear error.
func TestExportRefusesBadZooms(t *testing.T) {
	for _, z := range [][2]int{{5, 3}, {-1, 4}, {0, 30}} {
		_, err := tilearchive.Export(context.Background(), nil, nil, io.Discard, tilearchive.Options{MinZoom: z[0], MaxZoom: z[1]})
		if socle.ErrorCode(err) != socle.EINVALID {
			t.Errorf("zooms %v: %v", z, err)
		}
	}
}
