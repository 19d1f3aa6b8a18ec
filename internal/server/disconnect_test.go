package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
)

// TestClientsThatLeaveDoNotWedgeThePool reproduces what wedges
// pg_featureserv 1.3.1 for good: many clients drop their requests while
// those wait for a connection of a small pool. Afterwards every request must
// be served again, and while the pool is full the answer is a quick 503 with
// Retry-After, never a hang.
func TestClientsThatLeaveDoNotWedgeThePool(t *testing.T) {
	base(t)
	postgisOnly(t)
	ctx := context.Background()
	catalog := socle.DefaultCatalog()
	store, err := postgis.Open(ctx, env.dbURL, catalog, postgis.Options{MaxConns: 2, AcquireTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	srv := httptest.NewServer(server.New(store, catalog, quiet, server.Options{}).Handler())
	defer srv.Close()

	// A storm of clients that give up after a few milliseconds.
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, time.Duration(5+i%20)*time.Millisecond)
			defer cancel()
			req, _ := http.NewRequestWithContext(cctx, "GET", srv.URL+"/collections/addresses/items?limit=10000&sortby=-voie_nom", nil)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()

	// Then, while two slow readers hold both connections, others get 503s
	// with Retry-After quickly; when they finish, all is served again.
	statuses := map[int]int{}
	var mu sync.Mutex
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(srv.URL + "/collections/addresses/items?limit=10000")
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	for st := range statuses {
		if st != 200 && st != 503 {
			t.Errorf("under load: status %d (%v)", st, statuses)
		}
	}
	// The pool is whole again: sequential requests all succeed.
	for i := range 10 {
		resp, err := http.Get(srv.URL + "/collections/roads/items?limit=50")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("request %d after the storm: %d (the pool leaked connections)", i, resp.StatusCode)
		}
	}
}
