package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
)

// A tile request under load either succeeds or is a 503 with Retry-After
// and a problem body. These tests make the load deterministic: a
// transaction of the test's own holds an ACCESS EXCLUSIVE lock on the roads
// table, so every roads tile render waits on it, holding its pooled
// connection, for as long as the test wants.

// lockRoads locks the roads table until the returned function is called.
func lockRoads(t *testing.T) (release func()) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, env.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE "+postgis.Schema+".roads IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	done := false
	release = func() {
		if !done {
			done = true
			_ = tx.Rollback(ctx)
			_ = conn.Close(ctx)
		}
	}
	t.Cleanup(release)
	return release
}

// blockedRenders counts the tile statements waiting on the test's lock.
func blockedRenders(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, env.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%ST_AsMVT%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitBlockedRenders waits until n tile statements wait on the lock.
func waitBlockedRenders(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for blockedRenders(t) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d tile statements blocked, want %d", blockedRenders(t), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitTileWaiters waits until the server at url has renders tile renders
// under way with waiters requests waiting on them, as its /metrics says.
func waitTileWaiters(t *testing.T, url string, renders, waiters int) {
	t.Helper()
	want := []string{fmt.Sprintf("socle_tile_renders %d\n", renders), fmt.Sprintf("socle_tile_render_waiters %d\n", waiters)}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(resp)
		resp.Body.Close()
		if strings.Contains(body, want[0]) && strings.Contains(body, want[1]) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("tile renders and waiters: want %q, %q; /metrics:\n%s", want[0], want[1], body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tileServer is a real HTTP server over a PostGIS store of its own, without
// a tile cache (every request renders).
func tileServer(t *testing.T, popts postgis.Options, sopts server.Options) string {
	t.Helper()
	base(t)
	postgisOnly(t)
	catalog := socle.DefaultCatalog()
	store, err := postgis.Open(context.Background(), env.dbURL, catalog, popts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	sopts.TileCacheBytes = -1
	sopts.Metrics = server.MetricsOpen // waitTileWaiters reads the renders' gauges
	srv := httptest.NewServer(server.New(store, catalog, quiet, sopts).Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// roadsTile is the path of a z12 roads tile around Labège, dx tiles east.
func roadsTile(dx int) string {
	x, y := xyz(1.512, 43.535, 12)
	return fmt.Sprintf("/collections/roads/tiles/WebMercatorQuad/12/%d/%d?f=mvt", y, x+dx)
}

type tileAnswer struct {
	status     int
	retryAfter string
	ctype      string
	problem    server.Problem
	body       []byte
	err        error
}

func fetchTile(ctx context.Context, url string) tileAnswer {
	return fetchTileWith(http.DefaultClient, ctx, url)
}

func fetchTileWith(client *http.Client, ctx context.Context, url string) tileAnswer {
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := client.Do(req)
	if err != nil {
		return tileAnswer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	a := tileAnswer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), ctype: resp.Header.Get("Content-Type"), body: b, err: err}
	if resp.StatusCode >= 400 {
		_ = json.Unmarshal(b, &a.problem)
	}
	return a
}

// isBusy checks the documented answer of a tile request the server cannot
// serve now: 503, Retry-After, a problem body saying so.
func isBusy(t *testing.T, what string, a tileAnswer) {
	t.Helper()
	if a.err != nil {
		t.Fatalf("%s: %v", what, a.err)
	}
	if a.status != http.StatusServiceUnavailable || a.retryAfter == "" || a.ctype != "application/problem+json" || a.problem.Status != 503 || a.problem.Detail == "" {
		t.Fatalf("%s: %d Retry-After %q %s %s, want a 503 problem with Retry-After", what, a.status, a.retryAfter, a.ctype, a.body)
	}
}

func isTile(t *testing.T, what string, a tileAnswer) {
	t.Helper()
	if a.err != nil {
		t.Fatalf("%s: %v", what, a.err)
	}
	if a.status != http.StatusOK || a.ctype != server.MediaMVT || len(a.body) == 0 {
		t.Fatalf("%s: %d %s %.200s, want a roads tile", what, a.status, a.ctype, a.body)
	}
	if _, ok := decodeTile(t, a.body)["roads"]; !ok {
		t.Fatalf("%s: no roads layer", what)
	}
}

// TestTileWhenThePoolIsExhausted: while the only connection is taken, a
// tile request waits --acquire-timeout and gets the documented 503 with
// Retry-After and a problem body; once the connection is free, the same
// request is served.
func TestTileWhenThePoolIsExhausted(t *testing.T) {
	url := tileServer(t, postgis.Options{MaxConns: 1, AcquireTimeout: 300 * time.Millisecond}, server.Options{})
	release := lockRoads(t)
	holder := make(chan tileAnswer, 1)
	go func() { holder <- fetchTile(context.Background(), url+roadsTile(0)) }()
	waitBlockedRenders(t, 1) // the pool's one connection is in a render

	start := time.Now()
	a := fetchTile(context.Background(), url+roadsTile(1))
	isBusy(t, "another tile while the pool is full", a)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the 503 took %v: it should come after the acquire timeout", d)
	}

	release()
	isTile(t, "the tile that held the connection", <-holder)
	isTile(t, "the refused tile, asked again", fetchTile(context.Background(), url+roadsTile(1)))
}

// TestTileSharedRenderOutlivesItsFirstClient: requests for the same tile
// share one render; when the client that started it leaves, the others
// still get the tile (they used to get a 500 "context canceled": the
// non-2xx answers of the uncached tile benchmarks, where the warm-up's
// connections close while the measured run's requests wait on their
// renders).
func TestTileSharedRenderOutlivesItsFirstClient(t *testing.T) {
	url := tileServer(t, postgis.Options{MaxConns: 2, AcquireTimeout: 5 * time.Second}, server.Options{})
	release := lockRoads(t)
	first, leave := context.WithCancel(context.Background())
	defer leave()
	firstDone := make(chan tileAnswer, 1)
	go func() { firstDone <- fetchTile(first, url+roadsTile(0)) }()
	waitBlockedRenders(t, 1)
	second := make(chan tileAnswer, 1)
	go func() { second <- fetchTile(context.Background(), url+roadsTile(0)) }()
	waitTileWaiters(t, url, 1, 2) // the second request joins the render
	leave()
	<-firstDone
	// The render goes on for the request still waiting on it.
	waitTileWaiters(t, url, 1, 1)
	select {
	case a := <-second:
		t.Fatalf("the second request ended with its first client: %d %s", a.status, a.body)
	default:
	}
	if n := blockedRenders(t); n != 1 {
		t.Fatalf("%d tile statements blocked after the first client left, want the one shared render", n)
	}
	release()
	isTile(t, "the request that shared the render", <-second)
}

// TestTileRenderStopsWhenItsLastClientLeaves: a render nobody waits for
// any more is cancelled and gives its connection back.
func TestTileRenderStopsWhenItsLastClientLeaves(t *testing.T) {
	url := tileServer(t, postgis.Options{MaxConns: 1, AcquireTimeout: 5 * time.Second}, server.Options{})
	lockRoads(t)
	ctx, leave := context.WithCancel(context.Background())
	done := make(chan struct{})
	for range 3 {
		go func() { fetchTile(ctx, url+roadsTile(0)); done <- struct{}{} }()
	}
	waitBlockedRenders(t, 1)
	waitTileWaiters(t, url, 1, 3)
	leave()
	for range 3 {
		<-done
	}
	waitBlockedRenders(t, 0)
	// The pool's one connection is free: a tile of another layer is served.
	x, y := xyz(1.512, 43.535, 12)
	a := fetchTile(context.Background(), url+fmt.Sprintf("/collections/communes/tiles/WebMercatorQuad/12/%d/%d?f=mvt", y, x))
	if a.err != nil || a.status != http.StatusOK {
		t.Fatalf("a communes tile after the roads clients left: %d %v %s", a.status, a.err, a.body)
	}
}

// TestTileStatementTimeout: a tile whose statement outlasts
// --statement-timeout under load is a 503 with Retry-After (a tile is a
// bounded piece of work; the client cannot narrow it, it can retry).
func TestTileStatementTimeout(t *testing.T) {
	url := tileServer(t, postgis.Options{MaxConns: 2, AcquireTimeout: 5 * time.Second, StatementTimeout: 300 * time.Millisecond}, server.Options{})
	release := lockRoads(t)
	isBusy(t, "a tile past the statement timeout", fetchTile(context.Background(), url+roadsTile(0)))
	release()
	isTile(t, "the tile once the load is gone", fetchTile(context.Background(), url+roadsTile(0)))
}

// TestTileRequestTimeout: a tile request whose --request-timeout passes
// while it waits on its render is a 503 with Retry-After, not a 500.
func TestTileRequestTimeout(t *testing.T) {
	url := tileServer(t, postgis.Options{MaxConns: 2, AcquireTimeout: 5 * time.Second}, server.Options{RequestTimeout: 300 * time.Millisecond})
	release := lockRoads(t)
	isBusy(t, "a tile past the request timeout", fetchTile(context.Background(), url+roadsTile(0)))
	// And two requests for one tile, the second waiting on the render the
	// first started.
	firstDone := make(chan tileAnswer, 1)
	go func() { firstDone <- fetchTile(context.Background(), url+roadsTile(1)) }()
	waitTileWaiters(t, url, 1, 1)
	isBusy(t, "a tile waiting on a shared render past the request timeout", fetchTile(context.Background(), url+roadsTile(1)))
	isBusy(t, "the request that started that render", <-firstDone)
	release()
	isTile(t, "the tile once the load is gone", fetchTile(context.Background(), url+roadsTile(0)))
}

// TestTilesUnderLoad is the uncached tile benchmark in small: many clients
// cycle through the z12 roads tiles around Labège against a two-connection
// pool, and a seventh of them give up in the middle of their requests (as wrk's
// connections do at the end of a run). Every answer a client receives is a
// tile or the documented 503 with Retry-After and a problem body.
func TestTilesUnderLoad(t *testing.T) {
	url := tileServer(t, postgis.Options{MaxConns: 2, AcquireTimeout: 100 * time.Millisecond}, server.Options{})
	x, y := xyz(1.512, 43.535, 12)
	var paths []string
	for dy := -2; dy <= 2; dy++ {
		for dx := -2; dx <= 2; dx++ {
			paths = append(paths, fmt.Sprintf("/collections/roads/tiles/WebMercatorQuad/12/%d/%d?f=mvt", y+dy, x+dx))
		}
	}
	// Clients that leave and clients that stay do not share connections:
	// net/http may hand a dial begun for a request that left, and its
	// error, to another request waiting for a connection.
	staying := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	leaving := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer staying.CloseIdleConnections()
	defer leaving.CloseIdleConnections()
	var mu sync.Mutex
	statuses := map[int]int{}
	left := 0
	stop := time.Now().Add(3 * time.Second)
	var wg sync.WaitGroup
	for w := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; time.Now().Before(stop); i++ {
				client, ctx, cancel := staying, context.Background(), context.CancelFunc(func() {})
				if i%7 == 0 {
					// This client leaves after a few milliseconds (7 and
					// the 25 tiles are coprime: every tile has some).
					client = leaving
					ctx, cancel = context.WithTimeout(ctx, time.Duration(1+i%7)*time.Millisecond)
				}
				a := fetchTileWith(client, ctx, url+paths[i%len(paths)])
				cancel()
				mu.Lock()
				switch {
				case a.err != nil && ctx.Err() != nil:
					left++
				case a.err != nil:
					t.Errorf("%s: %v", paths[i%len(paths)], a.err)
				case a.status == http.StatusServiceUnavailable && (a.retryAfter == "" || a.problem.Status != 503):
					t.Errorf("a 503 without Retry-After or problem body: %s %s", a.retryAfter, a.body)
				case a.status != http.StatusOK && a.status != http.StatusServiceUnavailable:
					t.Errorf("%s: %d %s", paths[i%len(paths)], a.status, a.body)
				}
				if a.err == nil {
					statuses[a.status]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("answers by status %v; %d clients left before theirs", statuses, left)
	if statuses[http.StatusOK] == 0 {
		t.Error("no tile served")
	}
}

// TestPageRequestTimeout: a feature page whose request timeout passes
// while PostgreSQL holds it gets the busy 503 with Retry-After too, never
// a 500 (the timeout is the server's load, not its fault).
func TestPageRequestTimeout(t *testing.T) {
	url := tileServer(t, postgis.Options{MaxConns: 2, AcquireTimeout: 5 * time.Second}, server.Options{RequestTimeout: 300 * time.Millisecond, FeatureCacheBytes: -1})
	release := lockRoads(t)
	isBusy(t, "a page past the request timeout", fetchTile(context.Background(), url+"/collections/roads/items?limit=5"))
	isBusy(t, "a feature past the request timeout", fetchTile(context.Background(), url+"/collections/roads/items/1"))
	release()
	if a := fetchTile(context.Background(), url+"/collections/roads/items?limit=5"); a.err != nil || a.status != http.StatusOK {
		t.Fatalf("the page once the load is gone: %d %v %.200s", a.status, a.err, a.body)
	}
}
