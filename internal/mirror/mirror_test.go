package mirror_test

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/mirror"
	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/internal/zan"
)

var quiet = slog.New(slog.DiscardHandler)

func fixtures() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "fixtures")
}

// remote is a Socle loaded with the sample territory, served over HTTP.
func remote(t *testing.T) (*embedded.Store, string) {
	t.Helper()
	st, err := embedded.Open(context.Background(), filepath.Join(t.TempDir(), "remote.gpkg"), socle.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	im := importer.Importer{Store: st, Catalog: socle.DefaultCatalog(), Log: quiet, Actor: "test"}
	if _, err := im.ImportFixtures(context.Background(), fixtures()); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(server.New(st, socle.DefaultCatalog(), quiet, server.Options{DefaultLimit: 10, MaxLimit: 10000, FeatureCacheBytes: -1, TileCacheBytes: -1}).Handler())
	t.Cleanup(hs.Close)
	return st, hs.URL
}

func local(t *testing.T) *embedded.Store {
	t.Helper()
	st, err := embedded.Open(context.Background(), filepath.Join(t.TempDir(), "local.gpkg"), socle.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func syncOnce(t *testing.T, st mirror.Store, opt mirror.Options) map[string]mirror.Result {
	t.Helper()
	res, err := mirror.Sync(context.Background(), st, socle.DefaultCatalog(), opt)
	if err != nil {
		t.Fatalf("sync from %s: %v", opt.URL, err)
	}
	out := map[string]mirror.Result{}
	for _, r := range res {
		out[r.Collection] = r
	}
	return out
}

// TestTerritories: an observatory syncs two territories into one store.
// Their roads, numbered alike by each, stay apart (keyed by territory and
// remote id); a change and a removal in one reach only its copies.
func TestTerritories(t *testing.T) {
	a1, url1 := remote(t)
	_, url2 := remote(t)
	region := local(t)
	roads, _ := socle.DefaultCatalog().Collection("roads")
	one := syncOnce(t, region, mirror.Options{URL: url1, Territory: "a1", Collections: []string{"roads"}, PageSize: 100})
	two := syncOnce(t, region, mirror.Options{URL: url2, Territory: "a2", Collections: []string{"roads"}, PageSize: 100})
	n := one["roads"].Inserted
	if n == 0 || two["roads"].Inserted != n || two["roads"].Mode != "full" {
		t.Fatalf("first syncs: %+v %+v", one, two)
	}
	dump := storetest.Dump(t, region, roads)
	if len(dump) != 2*n || !strings.Contains(strings.Join(dump, "\n"), `"source_id":"a2:1"`) {
		t.Fatalf("the region holds %d roads, want %d", len(dump), 2*n)
	}

	// On the first territory: a road renamed, another removed.
	ctx := context.Background()
	rows := storetest.Rows(t, a1, roads)[:2]
	rows[0].Properties = maps.Clone(rows[0].Properties)
	rows[0].Properties["name"] = "Rue du territoire 1"
	rows[1] = socle.Row{ID: rows[1].ID, Retire: true}
	if _, err := a1.Import(ctx, socle.Batch{ID: socle.NewBatchID("test", time.Now()), Kind: "test"}, roads, socle.RowsOf([]socle.Row{rows[1], rows[0]}, nil)); err != nil {
		t.Fatal(err)
	}
	res := syncOnce(t, region, mirror.Options{URL: url1, Territory: "a1", Collections: []string{"roads"}})["roads"]
	if res.Mode != "changes" || res.Updated != 1 || res.Retired != 1 || res.Entries != 2 {
		t.Errorf("second sync of a1: %+v", res)
	}
	after := strings.Join(storetest.Dump(t, region, roads), "\n")
	if got := strings.Count(after, "\n") + 1; got != 2*n-1 {
		t.Errorf("the region holds %d roads, want %d", got, 2*n-1)
	}
	if !strings.Contains(after, `"name":"Rue du territoire 1","road_class"`) || strings.Contains(after, fmt.Sprintf(`"source_id":"a1:%v"`, rows[1].ID)) ||
		!strings.Contains(after, fmt.Sprintf(`"source_id":"a2:%v"`, rows[1].ID)) {
		t.Errorf("the change reached the wrong copies")
	}
	// Nothing new: no batch.
	if res := syncOnce(t, region, mirror.Options{URL: url2, Territory: "a2", Collections: []string{"roads"}})["roads"]; res.BatchID != "" || res.Entries != 0 {
		t.Errorf("a sync with nothing new: %+v", res)
	}
}

// TestRefusals: what a sync refuses before it writes anything.
func TestRefusals(t *testing.T) {
	_, url := remote(t)
	st := local(t)
	locked := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(401)
		fmt.Fprint(w, `{"title":"Unauthorized","status":401,"detail":"an API key is required"}`)
	}))
	defer locked.Close()
	for _, tc := range []struct {
		opt  mirror.Options
		want string
	}{
		{mirror.Options{URL: "ftp://example.org"}, "not the http(s) URL"},
		{mirror.Options{URL: url, Collections: []string{"rivers"}}, "no collection rivers here"},
		{mirror.Options{URL: url, Collections: []string{"road_reports"}}, "serves no collection road_reports"},
		{mirror.Options{URL: url, Territory: "a:b"}, "territory"},
		{mirror.Options{URL: locked.URL}, "an API key is required"},
		{mirror.Options{URL: "http://127.0.0.1:1"}, "does not answer"},
	} {
		_, err := mirror.Sync(context.Background(), st, socle.DefaultCatalog(), tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.opt, err, tc.want)
		}
	}
}

// TestReferenceFollows: the remote's Cerema reference reaches the copy. The
// copy recomputes its ZAN figures from the land cover it synced, so without
// the file its communes' allowance would fall back to the land-cover
// estimate; the sync rebuilds the file from the communes' yearly figures,
// loads it once (a second sync with nothing new loads nothing), and
// follows a new file on the remote.
func TestReferenceFollows(t *testing.T) {
	ctx := context.Background()
	rem, url := remote(t)
	communes, _ := socle.DefaultCatalog().Collection("communes")
	load := func(id, body string) {
		t.Helper()
		cons, err := zan.ReadConsommation(strings.NewReader("idcom;idcomtxt;naf11art12;naf12art13;naf13art14;naf14art15;naf15art16;naf16art17;naf17art18;naf18art19;naf19art20;naf20art21;naf21art22\n" + body))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rem.ImportConsommation(ctx, socle.Batch{ID: id, Source: "cerema.csv", Actor: "test"}, cons); err != nil {
			t.Fatal(err)
		}
	}
	load("cerema-1", "31004;Auzeville-Tolosane;12345;23456;34567;45678;56789;67890;78901;89012;90123;11111;2222\n"+
		"31025;Belberaud;1000;2000;3000;4000;5000;6000;7000;8000;9000;10000;500\n")
	zanProps := func(s socle.FeatureReader) map[string]string {
		t.Helper()
		out := map[string]string{}
		for id, p := range storetest.ZANFigures(t, s, communes) {
			out[id] = fmt.Sprintf("%v %s %v %v %v", p["zan_source"], p["artificialised_ha_by_year"], p["artificialised_ha_2011_2021"], p["zan_budget_ha_2021_2031"], p["zan_budget_used_pct"])
		}
		return out
	}
	want := zanProps(rem)
	if !strings.HasPrefix(want["31004"], "cerema ") || !strings.HasPrefix(want["31025"], "cerema ") {
		t.Fatalf("the remote's figures: %v", want)
	}
	st := local(t)
	res := syncOnce(t, st, mirror.Options{URL: url, PageSize: 1000})
	ref, ok := res[mirror.ReferenceCollection]
	if !ok || ref.Inserted != 2 || ref.BatchID == "" {
		t.Fatalf("the reference's sync: %+v", res)
	}
	if got := zanProps(st); !maps.Equal(got, want) {
		for id := range want {
			if got[id] != want[id] {
				t.Errorf("commune %s: %s, want %s", id, got[id], want[id])
			}
		}
	}
	if res := syncOnce(t, st, mirror.Options{URL: url, PageSize: 1000}); len(res) == 0 {
		t.Fatal("no result")
	} else if r, ok := res[mirror.ReferenceCollection]; ok {
		t.Errorf("a sync with nothing new loaded the reference again: %+v", r)
	}
	// A new file on the remote: only 31025, other figures.
	load("cerema-2", "31025;Belberaud;1100;2000;3000;4000;5000;6000;7000;8000;9000;10000;500\n")
	want = zanProps(rem)
	if strings.HasPrefix(want["31004"], "cerema ") {
		t.Fatalf("the remote's 31004 after the second file: %s", want["31004"])
	}
	res = syncOnce(t, st, mirror.Options{URL: url, PageSize: 1000})
	if r := res[mirror.ReferenceCollection]; r.Inserted != 1 {
		t.Errorf("the new reference's sync: %+v", r)
	}
	if got := zanProps(st); !maps.Equal(got, want) {
		for id := range want {
			if got[id] != want[id] {
				t.Errorf("after the second file, commune %s: %s, want %s", id, got[id], want[id])
			}
		}
	}
}
