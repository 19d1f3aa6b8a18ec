package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
)

// TestFeatureCacheFollowsChanges serves single features from the cache,
// revalidates them by ETag, and drops them when their collection changes
// (through the store's change notifications, as socle serve wires them) —
// a change to another collection leaves them be.
func TestFeatureCacheFollowsChanges(t *testing.T) {
	base(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	catalog := socle.DefaultCatalog()
	srv := server.New(env.store, catalog, quiet, server.Options{})
	ready := make(chan struct{}, 1)
	go env.store.ListenChanges(ctx, quiet, srv.Invalidate, func() {
		srv.FlushCaches()
		select {
		case ready <- struct{}{}:
		default:
		}
	})
	<-ready
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	const path = "/collections/roads/items/5?crs=http://www.opengis.net/def/crs/EPSG/0/2154"
	// The same feature through the roads dataset's API, cached on its own.
	const inDataset = "/datasets/roads" + path
	if r, _ := tileGet(t, hs.URL, inDataset); r.StatusCode != 200 || r.Header.Get("X-Cache") != "miss" {
		t.Fatalf("dataset API: %d %q", r.StatusCode, r.Header.Get("X-Cache"))
	}
	if r, _ := tileGet(t, hs.URL, inDataset); r.Header.Get("X-Cache") != "hit" {
		t.Fatalf("dataset API, again: %q", r.Header.Get("X-Cache"))
	}
	first, body := tileGet(t, hs.URL, path)
	if first.StatusCode != 200 || first.Header.Get("X-Cache") != "miss" || first.Header.Get("ETag") == "" {
		t.Fatalf("first GET: %d %q %q", first.StatusCode, first.Header.Get("X-Cache"), first.Header.Get("ETag"))
	}
	again, body2 := tileGet(t, hs.URL, path)
	if again.Header.Get("X-Cache") != "hit" || string(body2) != string(body) ||
		again.Header.Get("Content-Crs") != first.Header.Get("Content-Crs") || again.Header.Get("Content-Type") != "application/geo+json" {
		t.Fatalf("second GET: %q, same body %v, headers %v", again.Header.Get("X-Cache"), string(body2) == string(body), again.Header)
	}
	if r, b := tileGet(t, hs.URL, path, "If-None-Match", first.Header.Get("ETag")); r.StatusCode != http.StatusNotModified || len(b) != 0 {
		t.Errorf("revalidation: %d, %d bytes", r.StatusCode, len(b))
	}
	// Another language, another entry; HTML is never cached.
	if r, _ := tileGet(t, hs.URL, path, "Accept-Language", "en"); r.Header.Get("X-Cache") != "miss" || r.Header.Get("Content-Language") != "en" {
		t.Errorf("English: %q %q", r.Header.Get("X-Cache"), r.Header.Get("Content-Language"))
	}
	if r, _ := tileGet(t, hs.URL, "/collections/roads/items/5?f=html"); r.Header.Get("X-Cache") != "" {
		t.Errorf("HTML went through the cache: %q", r.Header.Get("X-Cache"))
	}
	// Bad requests are refused, not served from the cache or cached.
	for i := 0; i < 2; i++ {
		if r, _ := tileGet(t, hs.URL, "/collections/roads/items/5?crs=EPSG:9999"); r.StatusCode != 400 {
			t.Errorf("bad crs: %d", r.StatusCode)
		}
	}

	// Rename the road through the store, as an import would.
	roads, _ := catalog.Collection("roads")
	_, raw := tileGet(t, hs.URL, "/collections/roads/items/5?crs=http://www.opengis.net/def/crs/EPSG/0/2154")
	original := rowOf(t, roads, raw, nil)
	props := rowOf(t, roads, raw, map[string]any{"name": "Rue du cache périmé"})
	write := func(row socle.Row) {
		t.Helper()
		res, err := env.store.Import(context.Background(), socle.Batch{ID: socle.NewBatchID("test", time.Now()), Kind: "test"}, roads,
			socle.RowsOf([]socle.Row{row}, nil))
		if err != nil || res.Updated != 1 {
			t.Fatalf("%+v %v", res, err)
		}
	}
	write(props)
	defer write(original) // the other tests share this territory
	deadline := time.Now().Add(5 * time.Second)
	for {
		r, b := tileGet(t, hs.URL, inDataset)
		if r.Header.Get("X-Cache") == "miss" {
			if !strings.Contains(string(b), "Rue du cache périmé") {
				t.Errorf("the dataset API's new answer lacks the change: %s", b)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the dataset API still serves the cached feature after the change")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for {
		r, b := tileGet(t, hs.URL, path)
		if r.Header.Get("X-Cache") == "miss" {
			if !strings.Contains(string(b), "Rue du cache périmé") {
				t.Errorf("the new answer lacks the change: %s", b)
			}
			if r.Header.Get("ETag") == first.Header.Get("ETag") {
				t.Error("the ETag did not change with the data")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cached feature is still served after the change")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSharedHeaderValuesStayPerResponse: the header values that cached
// answers share between responses (headers.go) are not written into by
// what one response adds to them. A compressed answer to an allowed origin
// adds Accept-Encoding and Origin to its Vary; the next answer of the same
// cached feature, to a request that accepts no encoding, varies on what the
// first one did before. (An address: a single feature of at least the
// 1 KiB worth compressing.)
func TestSharedHeaderValuesStayPerResponse(t *testing.T) {
	base(t)
	srv := server.New(env.store, socle.DefaultCatalog(), quiet, server.Options{CORSOrigins: []string{"https://carto.example"}})
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	const path = "/collections/addresses/items/5"
	vary := func(r *http.Response) string { return strings.Join(r.Header.Values("Vary"), "|") }
	// No Accept-Encoding at all (the default client would add gzip).
	noEncoding := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	ask := func(zip bool, headers ...string) *http.Response {
		req, _ := http.NewRequest("GET", hs.URL+path, nil)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		client := noEncoding
		if zip {
			req.Header.Set("Accept-Encoding", "gzip")
			client = http.DefaultClient
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return nil
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	plain := ask(false)
	zipped := ask(true, "Origin", "https://carto.example", "Accept-Language", "en")
	again := ask(false)
	if plain == nil || zipped == nil || again == nil {
		t.FailNow()
	}
	if plain.StatusCode != 200 || again.Header.Get("X-Cache") != "hit" {
		t.Fatalf("%d, then X-Cache %q", plain.StatusCode, again.Header.Get("X-Cache"))
	}
	if v := vary(zipped); zipped.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(v, "Accept-Encoding") || !strings.Contains(v, "Origin") {
		t.Fatalf("compressed answer to an origin: Content-Encoding %q, Vary %q", zipped.Header.Get("Content-Encoding"), v)
	}
	if vary(again) != vary(plain) || strings.Contains(vary(again), "Origin") || strings.Contains(vary(again), "Accept-Encoding") {
		t.Errorf("Vary of the plain answer after the compressed one: %q, before it: %q", vary(again), vary(plain))
	}
	if zipped.Header.Get("Content-Language") != "en" || again.Header.Get("Content-Language") != "fr" {
		t.Errorf("Content-Language: %q then %q", zipped.Header.Get("Content-Language"), again.Header.Get("Content-Language"))
	}
	if len(again.Header.Values("Etag")) != 1 || len(again.Header.Values("Content-Type")) != 1 {
		t.Errorf("headers of the cached answer: %v", again.Header)
	}
	// At once: each answer varies on its own request's terms only (a
	// shared value with room to grow would be written by two at a time;
	// the race detector sees that too).
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				zip := (g+i)%2 == 0
				var resp *http.Response
				if zip {
					resp = ask(true)
				} else {
					resp = ask(false, "Accept-Language", "en")
				}
				if resp == nil {
					return
				}
				v := vary(resp)
				if strings.Contains(v, "Accept-Encoding") != zip || (resp.Header.Get("Content-Language") == "en") == zip {
					t.Errorf("gzip %v: Vary %q, Content-Language %q", zip, v, resp.Header.Get("Content-Language"))
					return
				}
			}
		}()
	}
	wg.Wait()
}
