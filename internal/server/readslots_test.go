package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/tiles"
)

// TestEmbeddedReadsWaitTheirTurn: with the embedded store's reads bounded
// (LimitReads, as `socle serve --data` sets them), a page or a tile that
// finds every slot taken waits for one; past --request-timeout it is the
// busy 503 with Retry-After, never a 500; a single feature and a tile at a
// scale nothing is drawn at do not wait;
// once the slot is free, the same requests are served.
func TestEmbeddedReadsWaitTheirTurn(t *testing.T) {
	base(t)
	if env.kind != "embedded" {
		t.Skip("the embedded store's own bound; PostGIS's is its pool (TestTileWhenThePoolIsExhausted)")
	}
	ctx := context.Background()
	catalog := socle.DefaultCatalog()
	gp := env.store.(*embedded.Store)
	gp.LimitReads(1)
	t.Cleanup(func() { gp.LimitReads(0) })
	srv := httptest.NewServer(server.New(gp, catalog, quiet, server.Options{
		RequestTimeout: 300 * time.Millisecond, FeatureCacheBytes: -1, TileCacheBytes: -1}).Handler())
	t.Cleanup(srv.Close)

	// A page holds the one slot while it streams.
	roads, _ := catalog.Collection("roads")
	q, err := socle.ResolveItems(roads, socle.ItemsRequest{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	holding, release := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		first := true
		_, err := gp.Items(ctx, q, func(*socle.Feature) error {
			if first {
				first = false
				close(holding)
				<-release
			}
			return nil
		})
		held <- err
	}()
	<-holding

	isBusy(t, "a page waiting for a slot past the request timeout", fetchTile(ctx, srv.URL+"/collections/roads/items?limit=5"))
	isBusy(t, "a tile waiting for a slot past the request timeout", fetchTile(ctx, srv.URL+roadsTile(0)))
	if a := fetchTile(ctx, srv.URL+"/collections/roads/items/1"); a.err != nil || a.status != http.StatusOK {
		t.Fatalf("a single feature while the slot is held: %d %v %.200s", a.status, a.err, a.body)
	}
	// A tile at a scale none of its layers is drawn at is empty, known
	// without a slot (addresses are drawn from 3.5 m a pixel).
	x, y := xyz(1.512, 43.535, 12)
	if a := fetchTile(ctx, srv.URL+fmt.Sprintf("/collections/addresses/tiles/WebMercatorQuad/12/%d/%d?f=mvt", y, x)); a.err != nil || a.status != http.StatusOK || len(a.body) != 0 {
		t.Fatalf("an empty tile while the slot is held: %d %v, %d bytes", a.status, a.err, len(a.body))
	}
	// The same asked of the store itself (the server answers it without
	// the store; an export or a seeding asks the store).
	sets, err := tiles.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range sets {
		if set.ID != "WebMercatorQuad" {
			continue
		}
		tl, err := set.Parse("12", strconv.Itoa(y), strconv.Itoa(x))
		if err != nil {
			t.Fatal(err)
		}
		addresses, _ := catalog.Collection("addresses")
		short, stop := context.WithTimeout(ctx, 300*time.Millisecond)
		data, err := gp.Tile(short, socle.TileQuery{Tile: tl, Collections: []*socle.Collection{addresses}})
		stop()
		if err != nil || len(data) != 0 {
			t.Fatalf("the store's empty tile while the slot is held: %v, %d bytes", err, len(data))
		}
	}
	// A read whose client leaves while it waits gives up its turn.
	gone, leave := context.WithTimeout(ctx, 100*time.Millisecond)
	defer leave()
	if _, err := gp.Items(gone, q, func(*socle.Feature) error { return nil }); err != context.DeadlineExceeded {
		t.Fatalf("a read whose context ended while it waited: %v", err)
	}

	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if a := fetchTile(ctx, srv.URL+"/collections/roads/items?limit=5"); a.err != nil || a.status != http.StatusOK {
		t.Fatalf("the page once the slot is free: %d %v %.200s", a.status, a.err, a.body)
	}
	isTile(t, "the tile once the slot is free", fetchTile(ctx, srv.URL+roadsTile(0)))
}
