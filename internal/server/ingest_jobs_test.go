package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/testdb"
)

// crashEnv names the store a child process of the test binary runs the
// airlock over ("postgis|URL" or "embedded|path"), dying as a job starts.
const crashEnv = "SOCLE_TEST_CRASH_WORKER"

// crashWorker runs in the child process (TestMain calls it when crashEnv
// is set): the airlock takes up the pending job and the process dies in
// its run, exit status 3, as a file that crashes the worker (not a panic
// the airlock recovers) kills socle serve.
func crashWorker() {
	kind, dsn, _ := strings.Cut(os.Getenv(crashEnv), "|")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	catalog := socle.DefaultCatalog()
	var st server.IngestStore
	if kind == "embedded" {
		gp, err := embedded.Open(ctx, dsn, catalog)
		if err != nil {
			os.Exit(5)
		}
		st = gp
	} else {
		pg, err := postgis.Open(ctx, dsn, catalog, postgis.Options{})
		if err != nil {
			os.Exit(5)
		}
		st = pg
	}
	a, err := server.NewAirlock(st, catalog, nil, quiet)
	if err != nil {
		os.Exit(5)
	}
	server.SetBeforeRun(a, func(socle.IngestJob) { os.Exit(3) })
	a.Run(ctx)
	os.Exit(4) // no job started
}

// TestIngestJobThatKillsTheProcess: a deposit whose run kills the process
// is taken up at each start; the third start that dies is the last: at the
// next, the job ends failed with the reason, its file still stored, and
// the server serves on. On both stores, with real processes.
func TestIngestJobThatKillsTheProcess(t *testing.T) {
	base(t)
	ctx := context.Background()
	catalog := socle.DefaultCatalog()
	var dsn string
	var open func() airlockStore
	if env.kind == "embedded" {
		dsn = filepath.Join(t.TempDir(), "socle.gpkg")
		open = func() airlockStore {
			gp, err := embedded.Open(ctx, dsn, catalog)
			if err != nil {
				t.Fatal(err)
			}
			return gp
		}
	} else {
		dsn = testdb.New(t)
		open = func() airlockStore {
			pg, err := postgis.Open(ctx, dsn, catalog, postgis.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := pg.Migrate(ctx, quiet); err != nil {
				t.Fatal(err)
			}
			return pg
		}
	}
	data := []byte("x,y,imb_id,num_voie,cp_no_voie,type_voie,nom_voie,code_insee,imb_etat,code_l331\n1.5,43.5,IMB/31/X/0001,1,,,RUE X,31254,signe,FI31\n")
	sum := sha256.Sum256(data)
	now := time.Now().UTC()
	job := socle.IngestJob{ID: "crash-1", Kind: "fibre", Source: "crash.csv", Actor: "key-crash", SHA256: hex.EncodeToString(sum[:]),
		Size: int64(len(data)), Status: socle.JobQueued, Created: now, Updated: now}
	st := open()
	if err := st.CreateIngestJob(ctx, job, data); err != nil {
		t.Fatal(err)
	}
	closeStore(st)
	for i := 1; i <= socle.MaxIngestAttempts; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+env.kind+"|"+dsn)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 3 {
			t.Fatalf("start %d: the worker did not die in the job: %v\n%s", i, err, out)
		}
		st := open()
		j, err := st.IngestJob(ctx, job.ID)
		closeStore(st)
		if err != nil || j.Attempts != i || j.Status != socle.JobRunning {
			t.Fatalf("after start %d: %+v %v", i, j, err)
		}
	}
	st = open()
	defer closeStore(st)
	s := startAirlock(t, st, "", true)
	deadline := time.Now().Add(2 * time.Minute)
	var j socle.IngestJob
	for {
		var err error
		if j, err = st.IngestJob(ctx, job.ID); err != nil {
			t.Fatal(err)
		}
		if j.Status != socle.JobRunning && j.Status != socle.JobQueued {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job is still %s after %d attempts", j.Status, j.Attempts)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if j.Status != socle.JobFailed || j.Attempts != socle.MaxIngestAttempts || !strings.Contains(j.Error, "started 3 times") {
		t.Errorf("the job after its attempts: %+v", j)
	}
	if got, err := st.IngestJobData(ctx, job.ID); err != nil || string(got) != string(data) {
		t.Errorf("the file is not kept: %v", err)
	}
	// The server serves on, and an admin finds the failed job.
	if resp, b := s.do(t, "GET", "", "/collections", "", ""); resp.StatusCode != 200 {
		t.Errorf("/collections: %d %s", resp.StatusCode, b)
	}
	resp, b := s.do(t, "GET", "admin", "/ingest/jobs?status=failed", "", "")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"id":"crash-1"`) || !strings.Contains(string(b), `"attempts":3`) {
		t.Errorf("admin's failed jobs: %d %s", resp.StatusCode, b)
	}
}

// TestIngestJobList: GET /ingest/jobs lists the caller's jobs (an
// admin's: everyone's), newest first, paged, filtered by status; it is in
// the OpenAPI document.
func TestIngestJobList(t *testing.T) {
	open := openFresh(t)
	st := open()
	defer closeStore(st)
	s := startAirlock(t, st, "", false) // the worker stopped: jobs stay queued
	_, props, lon, lat := s.someAddress(t)
	mine := map[string]bool{}
	for i, caller := range []string{"fibre", "fibre", "other fibre", "fibre"} {
		resp, b := s.do(t, "POST", caller, "/ingest/fibre?filename=f"+string(rune('a'+i))+".csv", "text/csv", fibreCSV(props, lon+float64(i)*1e-6, lat, "signe"))
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("deposit: %d %s", resp.StatusCode, b)
		}
		if caller == "fibre" {
			var j jobDoc
			_ = json.Unmarshal(b, &j)
			mine[j.ID] = true
		}
		time.Sleep(2 * time.Millisecond) // distinct creation times
	}
	type page struct {
		Jobs []struct {
			ID      string    `json:"id"`
			Status  string    `json:"status"`
			Created time.Time `json:"created"`
		} `json:"jobs"`
		NumberMatched int `json:"numberMatched"`
		Links         []struct {
			Href string `json:"href"`
			Rel  string `json:"rel"`
		} `json:"links"`
	}
	list := func(caller, query string) (int, page) {
		t.Helper()
		resp, b := s.do(t, "GET", caller, "/ingest/jobs"+query, "", "")
		var p page
		if resp.StatusCode == 200 {
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
		}
		return resp.StatusCode, p
	}
	// The uploader sees its own jobs only, newest first.
	st1, p := list("fibre", "")
	if st1 != 200 || len(p.Jobs) != 3 || p.NumberMatched != 3 {
		t.Fatalf("fibre's jobs: %d %+v", st1, p)
	}
	for i, j := range p.Jobs {
		if !mine[j.ID] {
			t.Errorf("fibre sees another caller's job %s", j.ID)
		}
		if i > 0 && j.Created.After(p.Jobs[i-1].Created) {
			t.Errorf("not newest first: %+v", p.Jobs)
		}
	}
	if _, p := list("other fibre", ""); len(p.Jobs) != 1 || mine[p.Jobs[0].ID] {
		t.Errorf("other fibre's jobs: %+v", p)
	}
	if _, p := list("admin", ""); len(p.Jobs) != 4 {
		t.Errorf("admin's jobs: %+v", p)
	}
	if _, p := list("roads", ""); len(p.Jobs) != 0 {
		t.Errorf("a caller without deposits sees %+v", p)
	}
	// Paged, and filtered by status.
	_, first := list("fibre", "?limit=2")
	var next string
	for _, l := range first.Links {
		if l.Rel == "next" {
			next = l.Href[strings.Index(l.Href, "/ingest/"):]
		}
	}
	if len(first.Jobs) != 2 || next == "" {
		t.Fatalf("first page %+v", first)
	}
	resp, b := s.do(t, "GET", "fibre", next, "", "")
	var second page
	_ = json.Unmarshal(b, &second)
	if resp.StatusCode != 200 || len(second.Jobs) != 1 || second.Jobs[0].ID == first.Jobs[0].ID || second.Jobs[0].ID == first.Jobs[1].ID {
		t.Errorf("second page %d %+v", resp.StatusCode, second)
	}
	if _, p := list("fibre", "?status=queued"); len(p.Jobs) != 3 {
		t.Errorf("queued: %+v", p)
	}
	if _, p := list("fibre", "?status=done,failed"); len(p.Jobs) != 0 || p.NumberMatched != 0 {
		t.Errorf("done: %+v", p)
	}
	for query, want := range map[string]int{"?status=lost": 400, "?limit=0": 400, "?offset=-2": 400, "?bogus=1": 400} {
		if st, _ := list("fibre", query); st != want {
			t.Errorf("%s: %d, want %d", query, st, want)
		}
	}
	if st, _ := list("", ""); st != 401 {
		t.Errorf("anonymous: %d", st)
	}
	// The OpenAPI document shows the list.
	_, b = s.do(t, "GET", "fibre", "/api", "", "")
	if !strings.Contains(string(b), `"/ingest/jobs"`) || !strings.Contains(string(b), "getIngestJobs") {
		t.Errorf("the OpenAPI document lacks GET /ingest/jobs")
	}
}
