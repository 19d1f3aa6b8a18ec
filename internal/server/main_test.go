package server_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/testdb"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fixedNow is the clock of golden responses.
var fixedNow = time.Date(2026, 1, 15, 9, 30, 0, 0, time.UTC)

// goldenBase is the base URL golden responses are made with.
const goldenBase = "http://socle.test"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// env is the package's shared test territory: one store loaded with the
// fixtures, one real HTTP server over it.
var env struct {
	// dbURL is the PostGIS database under test; empty when the embedded
	// store is under test, which needs no database server.
	dbURL string
	// kind is "postgis" or "embedded" (SOCLE_TEST_STORE): one conformance
	// suite runs against both stores.
	kind  string
	store testStore
	srv   *httptest.Server
	err   error
}

// testStore is what the tests need of either store.
type testStore interface {
	server.Store
	importer.Writer
	socle.Reverter
	ListenChanges(ctx context.Context, log *slog.Logger, onChange func(socle.Change), onReset func())
}

// postgisOnly skips tests of PostGIS mechanics when the embedded store is
// under test.
func postgisOnly(t *testing.T) {
	t.Helper()
	if env.kind != "postgis" {
		t.Skip("PostGIS mechanics; the embedded store is under test")
	}
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func TestMain(m *testing.M) {
	if os.Getenv(crashEnv) != "" {
		crashWorker() // a child process of TestIngestJobThatKillsTheProcess
	}
	flag.Parse()
	env.kind = "postgis"
	if os.Getenv("SOCLE_TEST_STORE") == "embedded" {
		env.kind = "embedded"
	}
	if *update && env.kind != "postgis" {
		// The golden files and the CRS oracle are the expected answers of
		// both stores; written from the embedded store, they would check it
		// against itself.
		fmt.Fprintln(os.Stderr, "-update refused: golden files are written from PostGIS only; run it without SOCLE_TEST_STORE=embedded")
		os.Exit(2)
	}
	code := func() int {
		// Servers make their bulk downloads in the temporary directory, and
		// not every test closes its server: the package gets a directory of
		// its own, removed at the end, so that a run leaves nothing behind.
		tmp, err := os.MkdirTemp("", "socle-server-test-")
		if err != nil {
			env.err = err
			return m.Run()
		}
		defer os.RemoveAll(tmp)
		os.Setenv("TMPDIR", tmp)
		ctx := context.Background()
		catalog := socle.DefaultCatalog()
		if env.kind == "embedded" {
			// No database: the golden files are the oracle.
			dir, err := os.MkdirTemp("", "socle-test-")
			if err != nil {
				env.err = err
				return m.Run()
			}
			defer os.RemoveAll(dir)
			gp, err := embedded.Open(ctx, filepath.Join(dir, "socle.gpkg"), catalog)
			if err != nil {
				env.err = err
				return m.Run()
			}
			defer gp.Close()
			env.store = gp
		} else {
			admin := os.Getenv(testdb.EnvVar)
			if admin == "" {
				env.err = fmt.Errorf("%s is not set", testdb.EnvVar)
				return m.Run() // tests skip (or fail in CI) through testdb.AdminURL
			}
			dbURL, drop, err := testdb.Create(admin)
			if err != nil {
				env.err = err
				return m.Run()
			}
			defer drop()
			env.dbURL = dbURL
			pg, err := postgis.Open(ctx, dbURL, catalog, postgis.Options{})
			if err != nil {
				env.err = err
				return m.Run()
			}
			defer pg.Close()
			if err := pg.Migrate(ctx, quiet); err != nil {
				env.err = err
				return m.Run()
			}
			env.store = pg
		}
		store := env.store
		im := &importer.Importer{Store: store, Catalog: catalog, Log: quiet, Actor: "test"}
		if _, err := im.ImportFixtures(ctx, filepath.Join(repoRoot(), "fixtures")); err != nil {
			env.err = fmt.Errorf("import fixtures: %w", err)
			return m.Run()
		}
		srv := server.New(store, catalog, quiet, server.Options{BaseURL: goldenBase, Now: func() time.Time { return fixedNow }, CORSOrigins: []string{"*"},
			// Tests write through the store and read at once: the feature
			// cache, which follows changes a few milliseconds behind, has
			// its own test (TestFeatureCacheFollowsChanges).
			FeatureCacheBytes: -1})
		// As socle serve does: caches follow the store's changes.
		lctx, stop := context.WithCancel(ctx)
		defer stop()
		ready := make(chan struct{}, 8)
		go store.ListenChanges(lctx, quiet, srv.Invalidate, func() {
			srv.FlushCaches()
			select {
			case ready <- struct{}{}:
			default:
			}
		})
		<-ready
		env.srv = httptest.NewServer(srv.Handler())
		defer env.srv.Close()
		return m.Run()
	}()
	os.Exit(code)
}

// base returns the test server's URL; on PostGIS it skips without a
// database (fails in CI).
func base(t *testing.T) string {
	t.Helper()
	if env.kind == "postgis" {
		testdb.AdminURL(t)
	}
	if env.err != nil {
		t.Fatal(env.err)
	}
	return env.srv.URL
}

// get fetches path with optional headers (name, value pairs).
func get(t *testing.T, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	return do(t, http.MethodGet, path, headers...)
}

func do(t *testing.T, method, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, base(t)+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}
