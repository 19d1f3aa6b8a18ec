package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/internal/testdb"
)

// TestMain lets the test binary run as the socle command in a process of
// its own (SOCLE_TEST_MAIN=1), for the tests of several processes.
func TestMain(m *testing.M) {
	if os.Getenv("SOCLE_TEST_MAIN") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// socleProcess starts the socle command as a process of its own.
func socleProcess(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "SOCLE_TEST_MAIN=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

// socleRun runs the socle command in a process of its own to its end.
func socleRun(t *testing.T, args ...string) string {
	t.Helper()
	cmd, out := socleProcess(t, args...)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("socle %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out.String()
}

// serveProcess starts socle serve in a process and waits until it answers.
func serveProcess(t *testing.T, args ...string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd, out := socleProcess(t, append([]string{"serve", "--addr", addr, "--log-level", "warn"}, args...)...)
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	for range 600 {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return "http://" + addr
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("socle serve never answered:\n%s", out)
	return ""
}

// servedFeatures reads every feature of a collection from an API, in
// Lambert-93 as a copy is made, by id.
func servedFeatures(t *testing.T, base, collection string) map[string]string {
	t.Helper()
	out := map[string]string{}
	next := base + "/collections/" + collection + "/items?limit=10000&crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F2154"
	for next != "" {
		resp, err := http.Get(next)
		if err != nil {
			t.Fatal(err)
		}
		var fc struct {
			Features []struct {
				ID         json.RawMessage `json:"id"`
				Geometry   json.RawMessage `json:"geometry"`
				Properties json.RawMessage `json:"properties"`
			} `json:"features"`
			Links []struct{ Href, Rel string } `json:"links"`
		}
		err = json.NewDecoder(resp.Body).Decode(&fc)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %v", next, resp.StatusCode, err)
		}
		for _, f := range fc.Features {
			out[string(f.ID)] = string(f.Geometry) + " " + string(f.Properties)
		}
		next = ""
		for _, l := range fc.Links {
			if l.Rel == "next" {
				next = l.Href
			}
		}
	}
	return out
}

// sameCollections compares what two APIs serve of the synced collections,
// feature for feature.
func sameCollections(t *testing.T, what, a, b string) {
	t.Helper()
	for _, c := range []string{"addresses", "roads", "land_cover", "communes"} {
		fa, fb := servedFeatures(t, a, c), servedFeatures(t, b, c)
		if len(fa) == 0 {
			t.Fatalf("%s: %s is empty", what, c)
		}
		if maps.Equal(fa, fb) {
			continue
		}
		n := 0
		for _, id := range slices.Sorted(maps.Keys(fa)) {
			if fa[id] != fb[id] && n < 3 {
				t.Errorf("%s: %s %s differs:\n  A %.400s\n  B %.400s", what, c, id, fa[id], fb[id])
				n++
			}
		}
		for id := range fb {
			if _, ok := fa[id]; !ok && n < 6 {
				t.Errorf("%s: %s %s is only in B: %.200s", what, c, id, fb[id])
				n++
			}
		}
		t.Errorf("%s: %s: %d features in A, %d in B", what, c, len(fa), len(fb))
	}
}

// serveFile serves a GeoPackage in this process, to read what a sync made.
func serveFile(t *testing.T, file string) (string, func()) {
	t.Helper()
	st, err := embedded.Open(context.Background(), file, socle.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(server.New(st, socle.DefaultCatalog(), slog.New(slog.DiscardHandler), server.Options{DefaultLimit: 10, MaxLimit: 10000, FeatureCacheBytes: -1, TileCacheBytes: -1}).Handler())
	return hs.URL, func() { hs.Close(); st.Close() }
}

// stallingProxy forwards to target, and from its n-th request on holds the
// requests until released: a sync to kill in the middle. reached is closed
// when the n-th request arrives.
func stallingProxy(t *testing.T, target string, n int64) (url string, reached <-chan struct{}, release func()) {
	var count atomic.Int64
	stop, at := make(chan struct{}), make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := count.Add(1); c >= n {
			if c == n {
				close(at)
			}
			select {
			case <-stop:
			case <-r.Context().Done():
				return
			}
		}
		resp, err := http.Get(target + r.URL.RequestURI())
		if err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	return hs.URL, at, func() { close(stop); hs.Close() }
}

// TestSyncTwoProcesses: a Socle B (a GeoPackage) keeps a copy of a Socle A
// (PostGIS) served by another process. The first sync loads every
// collection; imports, a fibre batch, a replaced millésime and a revert
// on A reach B at the next sync, which equals A feature for feature; a sync
// killed in the middle and run again ends the same.
func TestSyncTwoProcesses(t *testing.T) {
	dbA := testdb.New(t)
	dir := t.TempDir()
	fileB := filepath.Join(dir, "b.gpkg")
	socleRun(t, "import", "fixtures", "--database-url", dbA, "--fixtures", "../../fixtures", "--log-level", "error")
	a := serveProcess(t, "--database-url", dbA)

	out := socleRun(t, "sync", a, "--data", fileB, "--log-level", "error", "--report", "-")
	var rep struct {
		Collections []mirrorResult `json:"collections"`
	}
	if err := json.NewDecoder(strings.NewReader(out[strings.Index(out, "{"):])).Decode(&rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	// Not artificialisation: each store computes it from its land cover.
	if len(rep.Collections) != 4 {
		t.Fatalf("first sync: %s", out)
	}
	for _, r := range rep.Collections {
		if r.Mode != "full" || r.Inserted == 0 || r.Token == "" {
			t.Errorf("first sync of %s: %+v", r.Collection, r)
		}
	}
	b, closeB := serveFile(t, fileB)
	sameCollections(t, "after the first sync", a, b)
	closeB()

	// Writes on A: roads renamed and one added (an import), a fibre batch
	// (an updater batch: derived values), a millésime replaced by half of
	// it, and the revert of the roads import.
	ctx := context.Background()
	stA, err := postgis.Open(ctx, dbA, socle.DefaultCatalog(), postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer stA.Close()
	cat := socle.DefaultCatalog()
	roads, _ := cat.Collection("roads")
	landCover, _ := cat.Collection("land_cover")
	roadRows := storetest.Rows(t, stA, roads)
	var edit []socle.Row
	for i := range 4 {
		r := roadRows[i]
		r.Properties = maps.Clone(r.Properties)
		r.Properties["name"] = fmt.Sprintf("Rue synchronisée %d", i)
		edit = append(edit, r)
	}
	extra := roadRows[5]
	extra.ID = nil
	extra.Properties = maps.Clone(extra.Properties)
	extra.Properties["source_id"] = "TRONSYNC0001"
	edit = append(edit, extra)
	roadsBatch := socle.NewBatchID("import-layer", time.Now())
	if _, err := stA.Import(ctx, socle.Batch{ID: roadsBatch, Kind: "import-layer", Actor: "test"}, roads, socle.RowsOf(edit, nil)); err != nil {
		t.Fatal(err)
	}
	fibre := filepath.Join(dir, "immeubles.csv")
	if err := os.WriteFile(fibre, []byte("x;y;imb_id;num_voie;cp_no_voie;type_voie;nom_voie;code_insee;code_poste;nom_com;imb_etat;code_l331\n"+
		"1,5961723;43,4320025;IMB/1;0002;;ALL;DE LA MARCAISSONNE;31004;31750;AYGUESVIVES;deploye;FTEL\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := socleRun(t, "update", "fibre", fibre, "--database-url", dbA, "--log-level", "error"); !strings.Contains(out, "changed 1") {
		t.Fatalf("fibre: %s", out)
	}
	ofYear, scope := storetest.Millesime(t, stA, landCover)
	if res, err := stA.Import(ctx, socle.Batch{ID: socle.NewBatchID("import-layer", time.Now()), Kind: "import-layer", Actor: "test", Replace: true,
		Scope: scope}, landCover, socle.RowsOf(ofYear[:len(ofYear)/2], nil)); err != nil || res.Retired == 0 {
		t.Fatalf("replace: %+v %v", res, err)
	}
	if out := socleRun(t, "revert", roadsBatch, "--database-url", dbA, "--log-level", "error"); !strings.Contains(out, "reverted") {
		t.Fatalf("revert: %s", out)
	}

	// A sync killed in the middle of its downloads changes nothing; run
	// again, it ends as a sync that was never killed.
	proxy, reached, release := stallingProxy(t, a, 4)
	cmd, kout := socleProcess(t, "sync", proxy, "--data", fileB, "--log-level", "error", "--page-size", "50")
	select {
	case <-reached:
	case <-time.After(2 * time.Minute):
		t.Fatalf("the sync never made its 4th request: %s", kout)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	release()
	if strings.Contains(kout.String(), "done in") {
		t.Fatalf("the sync to kill ended first: %s", kout)
	}
	out = socleRun(t, "sync", a, "--data", fileB, "--log-level", "error", "--report", "-")
	if err := json.NewDecoder(strings.NewReader(out[strings.Index(out, "{"):])).Decode(&rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	modes := map[string]string{}
	for _, r := range rep.Collections {
		modes[r.Collection] = r.Mode
		if r.Collection == "roads" && (r.Updated != 0 || r.Inserted != 0) {
			// The import and its revert cancel out in a coalesced feed.
			t.Errorf("roads after an import and its revert: %+v", r)
		}
	}
	if modes["addresses"] != "changes" || modes["land_cover"] != "changes" {
		t.Errorf("second sync: %s", out)
	}
	b, closeB = serveFile(t, fileB)
	sameCollections(t, "after the second sync", a, b)
	closeB()
	// Nothing changed: a third sync writes no batch.
	out = socleRun(t, "sync", a, "--data", fileB, "--log-level", "error")
	if n := len(regexp.MustCompile(`batch none`).FindAllString(out, -1)); n != 4 {
		t.Errorf("a sync with nothing to do: %s", out)
	}
}

// mirrorResult is a collection's part of a sync report.
type mirrorResult struct {
	Collection string `json:"collection"`
	Mode       string `json:"mode"`
	Token      string `json:"token"`
	Inserted   int    `json:"inserted"`
	Updated    int    `json:"updated"`
	Retired    int    `json:"retired"`
}
