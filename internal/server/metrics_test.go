package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
)

// TestMetrics: /metrics is for admins by default (the shared server has no
// authenticator: 401), and open when configured: Prometheus text with the
// requests by route and status, latency histograms, cache counters and the
// store's pools.
func TestMetrics(t *testing.T) {
	if r, _ := get(t, "/metrics"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous /metrics by default: %d", r.StatusCode)
	}
	srv := server.New(env.store, socle.DefaultCatalog(), quiet, server.Options{Metrics: server.MetricsOpen})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	for _, p := range []string{"/collections/roads/items/1", "/collections/roads/items/1", "/nowhere"} {
		resp, err := http.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = b.WriteString(readAll(resp))
	body := b.String()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	want := []string{
		`socle_http_requests_total{code="200",route="/collections/{collectionId}/items/{featureId}"} 2`,
		`socle_http_requests_total{code="404",route="unmatched"} 1`,
		`socle_http_request_duration_seconds_bucket{route="/collections/{collectionId}/items/{featureId}",le="+Inf"} 2`,
		`socle_cache_hits_total{cache="features"} 1`,
		`socle_cache_misses_total{cache="tiles"} 0`,
		"socle_tile_renders 0\n",
		"socle_tile_render_waiters 0\n",
	}
	if env.kind == "postgis" {
		want = append(want, `socle_db_pool_connections{role="primary",server="`)
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("/metrics lacks %s", w)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}
