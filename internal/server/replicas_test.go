package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/auth"
	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/pgcluster"
	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
)

// TestTwoInstancesOnAStandbyServeNoStaleCache: two instances, each with
// its caches, read from a streaming standby whose replay is held back
// (pg_wal_replay_pause). A change written through one reaches both
// through the primary's notifications, and neither then serves, nor
// caches, the feature or the tile as they were before it.
func TestTwoInstancesOnAStandbyServeNoStaleCache(t *testing.T) {
	postgisOnly(t)
	p := pgcluster.Primary(t)
	sb := p.Standby("standby1")
	p.Exec("postgres", "CREATE DATABASE socle")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	catalog := socle.DefaultCatalog()
	type instance struct {
		store   *postgis.Store
		url     string
		changed chan socle.Change
	}
	var inst []*instance
	for i := range 2 {
		st, err := postgis.Open(ctx, p.URL("socle"), catalog, postgis.Options{ReadURLs: []string{sb.URL("socle")}})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.Migrate(ctx, quiet); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			im := &importer.Importer{Store: st, Catalog: catalog, Log: quiet, Actor: "test"}
			if _, err := im.ImportFixtures(ctx, filepath.Join(repoRoot(), "fixtures")); err != nil {
				t.Fatal(err)
			}
		}
		srv := server.New(st, catalog, quiet, server.Options{})
		in := &instance{store: st, changed: make(chan socle.Change, 16)}
		ready := make(chan struct{}, 4)
		go st.ListenChanges(ctx, quiet, func(ch socle.Change) { srv.Invalidate(ch); in.changed <- ch }, func() { srv.FlushCaches(); ready <- struct{}{} })
		<-ready
		ts := httptest.NewServer(srv.Handler())
		defer ts.Close()
		in.url = ts.URL
		inst = append(inst, in)
	}
	sb.WaitReplay(p)

	fetch := func(url string) []byte {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
		}
		return b
	}
	var f struct {
		Geometry struct {
			Coordinates [][]float64 `json:"coordinates"`
		} `json:"geometry"`
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(fetch(inst[0].url+"/collections/roads/items/1"), &f); err != nil || len(f.Geometry.Coordinates) == 0 {
		t.Fatalf("road 1: %v", err)
	}
	lon, lat := f.Geometry.Coordinates[0][0], f.Geometry.Coordinates[0][1]
	const z = 15
	n := math.Exp2(z)
	x := int((lon + 180) / 360 * n)
	y := int((1 - math.Log(math.Tan(lat*math.Pi/180)+1/math.Cos(lat*math.Pi/180))/math.Pi) / 2 * n)
	tile := fmt.Sprintf("/collections/roads/tiles/WebMercatorQuad/%d/%d/%d", z, y, x)
	feature := "/collections/roads/items/1"
	// Both instances cache the feature and the tile as they are.
	var tilesBefore [][]byte
	for _, in := range inst {
		fetch(in.url + feature)
		tilesBefore = append(tilesBefore, fetch(in.url+tile))
		fetch(in.url + tile)
	}

	sb.Exec("postgres", "SELECT pg_wal_replay_pause()")
	roads, _ := catalog.Collection("roads")
	rec, err := inst[0].store.FeatureRecord(ctx, storetest.Feature(t, roads, "1"))
	if err != nil {
		t.Fatal(err)
	}
	props := map[string]any{}
	for i, pr := range roads.Properties {
		if pr.Name == "name" {
			props[pr.Name] = "Chemin du Lendemain"
		} else if i < len(rec.Values) {
			props[pr.Name] = rec.Values[i]
		}
	}
	if _, err := inst[0].store.Import(ctx, socle.Batch{ID: socle.NewBatchID("test", time.Now()), Kind: "test"}, roads,
		socle.RowsOf([]socle.Row{{ID: rec.ID, Geometry: rec.Geometry, Properties: props}}, nil)); err != nil {
		t.Fatal(err)
	}
	for i, in := range inst {
		select {
		case <-in.changed:
		case <-time.After(20 * time.Second):
			t.Fatalf("instance %d: no notification", i)
		}
	}
	if got := sb.Query("socle", "SELECT name FROM socle.roads WHERE id = 1"); got == "Chemin du Lendemain" {
		t.Fatal("the standby replayed the change while paused: the test proves nothing")
	}
	check := func(when string) {
		t.Helper()
		for i, in := range inst {
			for range 2 { // the second answer may come from the cache
				if err := json.Unmarshal(fetch(in.url+feature), &f); err != nil || f.Properties.Name != "Chemin du Lendemain" {
					t.Errorf("%s, instance %d: road 1 named %q", when, i, f.Properties.Name)
				}
				if bytes.Equal(fetch(in.url+tile), tilesBefore[i]) {
					t.Errorf("%s, instance %d: the tile is the one before the change", when, i)
				}
			}
		}
	}
	check("standby paused")
	sb.Exec("postgres", "SELECT pg_wal_replay_resume()")
	sb.WaitReplay(p)
	check("standby replayed")
}

// TestRestrictedReadsAuditedAcrossFailover: with the primary stopped and no
// standby promoted yet, a key's read of a restricted collection is served
// from the standby and its audit entry held (/readyz says so); once the
// standby is promoted the entry is in the audit log, with the read's time
// and status.
func TestRestrictedReadsAuditedAcrossFailover(t *testing.T) {
	postgisOnly(t)
	p := pgcluster.Primary(t)
	sb := p.Standby("standby1")
	p.Exec("postgres", "CREATE DATABASE socle")
	ctx := context.Background()
	catalog := securedCatalog(t)
	primaryURL := fmt.Sprintf("postgres://postgres@127.0.0.1:%d,127.0.0.1:%d/socle?sslmode=disable&target_session_attrs=read-write&connect_timeout=2", p.Port, sb.Port)
	st, err := postgis.Open(ctx, primaryURL, catalog, postgis.Options{AcquireTimeout: 2 * time.Second, ReadURLs: []string{sb.URL("socle")}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	im := &importer.Importer{Store: st, Catalog: catalog, Log: quiet, Actor: "test"}
	if _, err := im.ImportFixtures(ctx, filepath.Join(repoRoot(), "fixtures")); err != nil {
		t.Fatal(err)
	}
	secret, key, err := auth.NewKey("voirie", []string{"roads"}, nil, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateAPIKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(server.New(st, catalog, quiet, server.Options{Auth: &auth.Authenticator{Keys: st}, Audit: st}).Handler())
	defer srv.Close()
	metrics := httptest.NewServer(server.New(st, catalog, quiet, server.Options{Metrics: server.MetricsOpen}).Handler())
	defer metrics.Close()
	sb.WaitReplay(p)

	p.Stop("fast")
	before := time.Now().UTC()
	resp, body := tileGet(t, srv.URL, "/collections/roads/items?limit=3", "Authorization", "Bearer "+secret)
	if resp.StatusCode != 200 {
		t.Fatalf("a restricted read with no primary: %d %s", resp.StatusCode, body)
	}
	if n := st.AuditHeld(); n != 1 {
		t.Fatalf("%d audit entries held, want the read's", n)
	}
	if resp, body := tileGet(t, srv.URL, "/readyz"); resp.StatusCode != 200 || !bytes.Contains(body, []byte("audit: 1 entries held until a primary accepts writes")) {
		t.Errorf("/readyz: %d\n%s", resp.StatusCode, body)
	}
	if resp, body := tileGet(t, metrics.URL, "/metrics"); resp.StatusCode != 200 || !bytes.Contains(body, []byte("\nsocle_audit_held 1\n")) {
		t.Errorf("/metrics: %d, no socle_audit_held 1", resp.StatusCode)
	}

	sb.Promote()
	deadline := time.Now().Add(60 * time.Second)
	for st.AuditHeld() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the held audit entry is not written 60 s after the promotion")
		}
		time.Sleep(50 * time.Millisecond)
	}
	entries, err := st.Audit(ctx, socle.AuditQuery{Target: "roads", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Actor != "key:"+key.ID || entries[0].Status != 200 || entries[0].Action != "read" ||
		entries[0].Time.Before(before.Add(-time.Second)) || entries[0].Time.After(before.Add(30*time.Second)) {
		t.Errorf("audit log after the promotion: %+v", entries)
	}
}
