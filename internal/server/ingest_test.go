package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/socle-geo/socle/internal/auth"
	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/testdb"
)

// airlockStore is a store the airlock writes into and the keys live in.
type airlockStore interface {
	server.Store
	server.IngestStore
	server.AuditLog
	securityStore
}

// closeStore closes either store (their Close differ).
func closeStore(st airlockStore) {
	switch c := st.(type) {
	case interface{ Close() error }:
		_ = c.Close()
	case interface{ Close() }:
		c.Close()
	}
}

// openFresh returns a function opening a store of the kind under test, on
// its own database or file filled with the fixtures once: ingest tests
// change the layers, which the shared store's golden tests must not see.
func openFresh(t *testing.T) func() airlockStore {
	t.Helper()
	base(t)
	ctx := context.Background()
	catalog := socle.DefaultCatalog()
	var open func() airlockStore
	if env.kind == "embedded" {
		path := filepath.Join(t.TempDir(), "socle.gpkg")
		open = func() airlockStore {
			gp, err := embedded.Open(ctx, path, catalog)
			if err != nil {
				t.Fatal(err)
			}
			return gp
		}
	} else {
		dbURL := testdb.New(t)
		open = func() airlockStore {
			pg, err := postgis.Open(ctx, dbURL, catalog, postgis.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := pg.Migrate(ctx, quiet); err != nil {
				t.Fatal(err)
			}
			return pg
		}
	}
	st := open()
	defer closeStore(st)
	im := &importer.Importer{Store: st.(importer.Writer), Catalog: catalog, Log: quiet, Actor: "test"}
	if _, err := im.ImportFixtures(ctx, filepath.Join(repoRoot(), "fixtures")); err != nil {
		t.Fatal(err)
	}
	return open
}

type airlockServer struct {
	url   string
	creds map[string][]string
	stop  func()
}

// startAirlock serves st with an airlock; run false leaves the worker
// stopped, as a process that died before processing.
func startAirlock(t *testing.T, st airlockStore, key string, run bool) *airlockServer {
	t.Helper()
	catalog := socle.DefaultCatalog()
	a, err := server.NewAirlock(st, catalog, []byte(key), quiet)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	if run {
		go func() { a.Run(ctx); close(done) }()
	} else {
		close(done)
	}
	now := time.Now()
	creds := map[string][]string{}
	for name, rights := range map[string][]string{"fibre": {auth.RightIngestFibre}, "roads": {auth.RightIngestRoadReports},
		"other fibre": {auth.RightIngestFibre}, "admin": {auth.RightAdmin}} {
		secret, k, err := auth.NewKey(name, nil, rights, now, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CreateAPIKey(context.Background(), k); err != nil {
			t.Fatal(err)
		}
		creds[name] = []string{"Authorization", "Bearer " + secret}
	}
	srv := httptest.NewServer(server.New(st, catalog, quiet, server.Options{FeatureCacheBytes: -1, TileCacheBytes: -1, MaxBodyBytes: 1 << 20,
		Auth: &auth.Authenticator{Keys: st}, Audit: st, Airlock: a}).Handler())
	s := &airlockServer{url: srv.URL, creds: creds}
	s.stop = func() { srv.Close(); cancel(); <-done }
	t.Cleanup(s.stop)
	return s
}

func (s *airlockServer) do(t *testing.T, method, caller, path, ctype, body string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c := s.creds[caller]; c != nil {
		req.Header.Set(c[0], c[1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = fmt.Fprint(&b, readAll(resp))
	return resp, []byte(b.String())
}

func readAll(resp *http.Response) string {
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			return sb.String()
		}
	}
}

type jobDoc struct {
	ID     string          `json:"id"`
	Status string          `json:"status"`
	Report json.RawMessage `json:"report"`
	Error  string          `json:"error"`
}

// waitJob polls a job until it ends (a deadline, not a timed assertion:
// only a job that never ends fails).
func (s *airlockServer) waitJob(t *testing.T, caller, location string) jobDoc {
	t.Helper()
	path := location[strings.Index(location, "/ingest/"):]
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, b := s.do(t, "GET", caller, path, "", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		var j jobDoc
		if err := json.Unmarshal(b, &j); err != nil {
			t.Fatal(err)
		}
		if j.Status == socle.JobDone || j.Status == socle.JobFailed {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %s", j.ID, j.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// someAddress returns one address of the fixtures with its position.
func (s *airlockServer) someAddress(t *testing.T) (id string, props map[string]any, lon, lat float64) {
	t.Helper()
	_, b := s.do(t, "GET", "", "/collections/addresses/items?limit=1", "", "")
	var fc struct {
		Features []struct {
			ID         any            `json:"id"`
			Properties map[string]any `json:"properties"`
			Geometry   struct {
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil || len(fc.Features) == 0 {
		t.Fatalf("no address: %v %s", err, b)
	}
	f := fc.Features[0]
	return fmt.Sprint(f.ID), f.Properties, f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]
}

func fibreCSV(props map[string]any, lon, lat float64, state string) string {
	return "x,y,imb_id,num_voie,cp_no_voie,type_voie,nom_voie,code_insee,imb_etat,code_l331\n" +
		fmt.Sprintf("%.7f,%.7f,IMB/31/X/0001,%v,%v,,%v,%v,%s,FI31\n", lon, lat, props["numero"], strOr(props["suffixe"]), props["voie_nom"], props["commune_insee"], state)
}

func strOr(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// TestIngestFibre: a deposit is accepted (202, Location, job), processed
// in the background, and the address shows its new fibre status.
func TestIngestFibre(t *testing.T) {
	open := openFresh(t)
	st := open()
	defer closeStore(st)
	s := startAirlock(t, st, "", true)
	id, props, lon, lat := s.someAddress(t)
	// The address, and a building at a number the street lacks: a candidate.
	csv := fibreCSV(props, lon, lat, "deploye") + fmt.Sprintf("%.7f,%.7f,IMB/31/X/0002,9997,,,%v,%v,cible,FI31\n", lon+0.0004, lat, props["voie_nom"], props["commune_insee"])
	resp, b := s.do(t, "POST", "fibre", "/ingest/fibre?filename=immeubles.csv", "text/csv; charset=utf-8", csv)
	if resp.StatusCode != http.StatusAccepted || !strings.Contains(resp.Header.Get("Location"), "/ingest/jobs/") {
		t.Fatalf("upload: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), b)
	}
	j := s.waitJob(t, "fibre", resp.Header.Get("Location"))
	if j.Status != socle.JobDone || !strings.Contains(string(j.Report), `"features_changed":1`) {
		t.Fatalf("job: %+v %s", j, j.Report)
	}
	_, b = s.do(t, "GET", "", "/collections/addresses/items/"+id, "", "")
	if !strings.Contains(string(b), `"fibre_status":"deploye"`) {
		t.Fatalf("address %s after the job: %s", id, b)
	}
	// The candidate is served to authenticated callers (internal), with
	// its reason and batch; the public does not know the collection.
	var batch struct {
		Batch string `json:"batch"`
	}
	_ = json.Unmarshal(j.Report, &batch)
	_, b = s.do(t, "GET", "fibre", "/collections/address_candidates/items?imb_id=IMB/31/X/0002", "", "")
	if !strings.Contains(string(b), `"numberMatched":1`) || !strings.Contains(string(b), `"numero":9997`) ||
		!strings.Contains(string(b), `"fibre_batch":"`+batch.Batch+`"`) || !strings.Contains(string(b), `"reason":"`) {
		t.Errorf("candidate after the job (batch %q): %s", batch.Batch, b)
	}
	if r, _ := s.do(t, "GET", "", "/collections/address_candidates/items", "", ""); r.StatusCode != 404 {
		t.Errorf("anonymous read of the candidates: %d", r.StatusCode)
	}
	// Only the uploader and admins see the job.
	path := resp.Header.Get("Location")[strings.Index(resp.Header.Get("Location"), "/ingest/"):]
	for caller, want := range map[string]int{"admin": 200, "other fibre": 404, "roads": 404, "": 401} {
		if r, _ := s.do(t, "GET", caller, path, "", ""); r.StatusCode != want {
			t.Errorf("%q GET job: %d, want %d", caller, r.StatusCode, want)
		}
	}
	if r, _ := s.do(t, "GET", "admin", "/ingest/jobs/nosuchjob", "", ""); r.StatusCode != 404 {
		t.Errorf("unknown job: %d", r.StatusCode)
	}
	// The upload is audited with who and what.
	_, b = s.do(t, "GET", "admin", "/admin/audit?limit=100", "", "")
	if !strings.Contains(string(b), "ingest.fibre") || !strings.Contains(string(b), "immeubles.csv") {
		t.Errorf("audit lacks the deposit: %s", b)
	}
}

// TestIngestBadUploads: each bad deposit gets its 4xx problem, a malformed
// file a failed job, never a 500.
func TestIngestBadUploads(t *testing.T) {
	open := openFresh(t)
	st := open()
	defer closeStore(st)
	s := startAirlock(t, st, "", true)
	for _, c := range []struct {
		name, path, ctype, body string
		want                    int
	}{
		{"empty", "/ingest/fibre", "text/csv", "", 400},
		{"wrong type", "/ingest/fibre", "application/pdf", "x,y\n1,2\n", 415},
		{"no type", "/ingest/fibre", "", "x,y\n1,2\n", 415},
		{"octet-stream not CSV", "/ingest/fibre", "application/octet-stream", "%PDF-1.4\x00\x01", 415},
		{"oversized", "/ingest/fibre", "text/csv", strings.Repeat("x,y\n", 1<<19), 413},
		{"road reports without a key", "/ingest/road-reports", "text/csv", "time,lon,lat,vehicle_id,heading,condition,comment\n", 503},
	} {
		caller := "fibre"
		if strings.Contains(c.path, "road") {
			caller = "roads"
		}
		resp, b := s.do(t, "POST", caller, c.path, c.ctype, c.body)
		if resp.StatusCode != c.want || !strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
			t.Errorf("%s: %d %s, want %d problem", c.name, resp.StatusCode, b, c.want)
		}
	}
	// Malformed files are accepted, then fail with the reason.
	resp, b := s.do(t, "POST", "fibre", "/ingest/fibre", "application/octet-stream", "colonne;autre\nnimporte;quoi\n")
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("octet-stream CSV: %d %s", resp.StatusCode, b)
	}
	if j := s.waitJob(t, "fibre", resp.Header.Get("Location")); j.Status != socle.JobFailed || j.Error == "" {
		t.Errorf("malformed fibre file: %+v", j)
	}
}

// TestIngestRoadReportsPseudonymised: vehicle ids never come back.
func TestIngestRoadReportsPseudonymised(t *testing.T) {
	open := openFresh(t)
	st := open()
	defer closeStore(st)
	s := startAirlock(t, st, "a secret key of the test, long enough", true)
	_, _, lon, lat := s.someAddress(t)
	csv := "time,lon,lat,vehicle_id,heading,condition,comment\n" +
		fmt.Sprintf("2026-11-02T08:00:00Z,%.6f,%.6f,BENNE-VEHICULE-42,,degrade,\n", lon, lat) +
		"pas une date,1,2,BENNE-VEHICULE-42,,bon,\n"
	resp, b := s.do(t, "POST", "roads", "/ingest/road-reports", "text/csv", csv)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	j := s.waitJob(t, "roads", resp.Header.Get("Location"))
	raw, _ := json.Marshal(j)
	if j.Status != socle.JobDone || strings.Contains(string(b)+string(raw), "BENNE-VEHICULE-42") {
		t.Fatalf("job %s: %s / %s", j.Status, b, raw)
	}
	if !strings.Contains(string(j.Report), `"rejected":1`) {
		t.Errorf("the bad row is not reported rejected: %s", j.Report)
	}
	// The report is served to admins (and the role roads) with the
	// pseudonym only; the depositing key, without that role, does not see it.
	_, b = s.do(t, "GET", "admin", "/collections/road_reports/items", "", "")
	if !strings.Contains(string(b), `"numberMatched":1`) || !strings.Contains(string(b), `"condition":2`) ||
		!strings.Contains(string(b), `"vehicle":"`) || strings.Contains(string(b), "BENNE-VEHICULE-42") {
		t.Errorf("road_reports after the job: %s", b)
	}
	for _, caller := range []string{"", "roads"} {
		if r, _ := s.do(t, "GET", caller, "/collections/road_reports/items", "", ""); r.StatusCode != 404 {
			t.Errorf("%q read of the reports: %d", caller, r.StatusCode)
		}
	}
}

// TestIngestSurvivesRestart: a job stored but not processed when the
// process stops runs at the next start.
func TestIngestSurvivesRestart(t *testing.T) {
	open := openFresh(t)
	st := open()
	s := startAirlock(t, st, "", false)
	id, props, lon, lat := s.someAddress(t)
	resp, b := s.do(t, "POST", "fibre", "/ingest/fibre", "text/csv", fibreCSV(props, lon, lat, "signe"))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	loc := resp.Header.Get("Location")
	s.stop()
	closeStore(st)

	st = open()
	defer closeStore(st)
	s2 := startAirlock(t, st, "", true)
	s2.creds["fibre"] = s.creds["fibre"] // the key is in the store
	if j := s2.waitJob(t, "fibre", loc); j.Status != socle.JobDone {
		t.Fatalf("job after restart: %+v", j)
	}
	_, b = s2.do(t, "GET", "", "/collections/addresses/items/"+id, "", "")
	if !strings.Contains(string(b), `"fibre_status":"signe"`) {
		t.Fatalf("address %s after restart: %s", id, b)
	}
}

// TestIngestSecurityMatrix: the airlock's rows of the security matrix. The
// worker is not started: deposits stay queued and the shared layers do
// not change.
func TestIngestSecurityMatrix(t *testing.T) {
	base(t)
	st, ok := env.store.(server.IngestStore)
	if !ok {
		t.Fatalf("%T has no airlock", env.store)
	}
	a, err := server.NewAirlock(st, socle.DefaultCatalog(), []byte("a secret key of the test, long enough"), quiet)
	if err != nil {
		t.Fatal(err)
	}
	s := newSecured(t, server.Options{Airlock: a})
	post := func(caller, path, ctype, body string) (*http.Response, []byte) {
		req, _ := http.NewRequest("POST", s.url+path, strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		if c := s.creds[caller]; c != nil {
			req.Header.Set(c[0], c[1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp, []byte(readAll(resp))
	}
	fibre := "x,y,imb_id,num_voie,nom_voie,imb_etat\n1.5,43.5,IMB1,1,rue nulle part,deploye\n"
	reports := "time,lon,lat,vehicle_id,heading,condition,comment\n2026-11-02T08:00:00Z,1.5,43.5,VEHICULE-7,,bon,\n"
	// The job the ingest-only key deposits, for the GET rows.
	resp, b := post("ingest-only", "/ingest/fibre", "text/csv", fibre)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("ingest-only deposit: %d %s", resp.StatusCode, b)
	}
	loc := resp.Header.Get("Location")
	jobPath := loc[strings.Index(loc, "/ingest/"):]
	for _, caller := range callers {
		wantFibre, wantReports, wantJob := 403, 403, 404
		switch {
		case caller == "anonymous" || badCredential[caller]:
			wantFibre, wantReports, wantJob = 401, 401, 401
		case caller == "ingest-only":
			wantFibre, wantJob = 202, 200
		case caller == "admin":
			wantFibre, wantReports, wantJob = 202, 202, 200
		}
		if resp, b := post(caller, "/ingest/fibre", "text/csv", fibre); resp.StatusCode != wantFibre {
			t.Errorf("%s POST /ingest/fibre: %d, want %d: %s", caller, resp.StatusCode, wantFibre, b)
		}
		resp, b := post(caller, "/ingest/road-reports", "text/csv", reports)
		if resp.StatusCode != wantReports {
			t.Errorf("%s POST /ingest/road-reports: %d, want %d: %s", caller, resp.StatusCode, wantReports, b)
		}
		if strings.Contains(string(b), "VEHICULE-7") {
			t.Errorf("%s: a vehicle id came back: %s", caller, b)
		}
		if resp, b := s.get(t, caller, jobPath); resp.StatusCode != wantJob {
			t.Errorf("%s GET %s: %d, want %d: %s", caller, jobPath, resp.StatusCode, wantJob, b)
		}
	}
	// The OpenAPI document declares the deposits and their credential.
	_, b = s.get(t, "admin", "/api")
	var api struct {
		Paths map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(b, &api); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/ingest/fibre", "/ingest/road-reports"} {
		if api.Paths[p]["post"]["security"] == nil {
			t.Errorf("/api: %s without its security requirement", p)
		}
	}
	if api.Paths["/ingest/jobs/{jobId}"]["get"]["security"] == nil {
		t.Errorf("/api: the job resource without its security requirement")
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Errorf("invalid OpenAPI document: %v", err)
	}
	// Each deposit is audited: who, what.
	entries, err := s.store.Audit(context.Background(), socle.AuditQuery{Action: "ingest.fibre", Limit: 100})
	if err != nil || len(entries) < 2 {
		t.Fatalf("audit of the deposits: %v %d", err, len(entries))
	}
	for _, e := range entries {
		if e.Actor == "" || e.Actor == "anonymous" || !strings.Contains(e.Detail, "sha256") {
			t.Errorf("audit entry lacks who or what: %+v", e)
		}
	}
}
