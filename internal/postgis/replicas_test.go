package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/pgcluster"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/ogc/crs"
)

// replicated returns a migrated store on a primary of its own with one
// streaming standby for reads, both built for the test.
func replicated(t *testing.T, opts Options) (*Store, *pgcluster.Node, *pgcluster.Node) {
	t.Helper()
	p := pgcluster.Primary(t)
	sb := p.Standby("standby1")
	p.Exec("postgres", "CREATE DATABASE socle")
	opts.ReadURLs = append(opts.ReadURLs, sb.URL("socle"))
	s, err := Open(context.Background(), p.URL("socle"), socle.DefaultCatalog(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background(), quiet); err != nil {
		t.Fatal(err)
	}
	return s, p, sb
}

func TestParseLSN(t *testing.T) {
	for in, want := range map[string]uint64{"0/0": 0, "16/B374D848": 0x16B374D848, "FFFFFFFF/FFFFFFFF": 1<<64 - 1} {
		if got, ok := parseLSN(in); !ok || got != want {
			t.Errorf("%s: %x %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "0", "x/0", "0/", "100000000/0"} {
		if _, ok := parseLSN(in); ok {
			t.Errorf("%q parsed", in)
		}
	}
}

// TestReadsGoToTheStandbyAndNeverBehindANotifiedChange: reads are served
// by the standby (seen in its pg_stat_activity); once a change is notified,
// a standby that has not replayed it (replay paused) serves no read, so no
// cache can be filled with the data before the change.
func TestReadsGoToTheStandbyAndNeverBehindANotifiedChange(t *testing.T) {
	s, p, sb := replicated(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rows := addressRows(t, 50, 1)
	load(t, s, "addresses", rows)
	changes := make(chan socle.Change, 16)
	ready := make(chan struct{}, 4)
	go s.ListenChanges(ctx, quiet, func(ch socle.Change) { changes <- ch }, func() { ready <- struct{}{} })
	<-ready
	sb.WaitReplay(p)

	c, _ := s.catalog.Collection("addresses")
	street := func() string {
		t.Helper()
		f, err := s.Feature(ctx, storetest.Feature(t, c, "7"))
		if err != nil {
			t.Fatal(err)
		}
		var props struct {
			VoieNom string `json:"voie_nom"`
		}
		if err := json.Unmarshal(f.Properties, &props); err != nil {
			t.Fatal(err)
		}
		return props.VoieNom
	}
	before := street()
	if n := sb.Query("socle", "SELECT count(*)::text FROM pg_stat_activity WHERE application_name = 'socle-read' AND datname = 'socle'"); n == "0" {
		t.Fatal("no read connection on the standby")
	}
	if n := p.Query("socle", "SELECT count(*)::text FROM pg_stat_activity WHERE application_name = 'socle-read'"); n != "0" {
		t.Fatalf("%s read connections on the primary", n)
	}

	sb.Exec("postgres", "SELECT pg_wal_replay_pause()")
	rows[6].Properties["voie_nom"] = "Rue du Lendemain"
	load(t, s, "addresses", rows)
	select {
	case <-changes:
	case <-time.After(10 * time.Second):
		t.Fatal("no notification")
	}
	if got := sb.Query("socle", "SELECT voie_nom FROM socle.addresses WHERE id = 7"); got != before {
		t.Fatalf("the standby replayed while paused: %q", got)
	}
	behind := s.ReadsBehind()
	if got := street(); got != "Rue du Lendemain" {
		t.Fatalf("read after the notification: %q, the data before it", got)
	}
	if s.ReadsBehind() == behind {
		t.Error("the read was not counted as sent past a standby behind")
	}
	st := s.ReplicaStatus(ctx)
	if len(st) != 1 || st[0].Down || st[0].LagBytes <= 0 {
		t.Errorf("status while replay is paused: %+v", st)
	}

	sb.Exec("postgres", "SELECT pg_wal_replay_resume()")
	sb.WaitReplay(p)
	behind = s.ReadsBehind()
	if got := street(); got != "Rue du Lendemain" {
		t.Fatalf("after replay: %q", got)
	}
	if s.ReadsBehind() != behind {
		t.Error("a standby that replayed the change is still passed over")
	}
	if st := s.ReplicaStatus(ctx); len(st) != 1 || st[0].Down || st[0].LagBytes != 0 || st[0].LagSeconds != 0 {
		t.Errorf("status after replay: %+v", st)
	}
}

// hammer reads with 4 clients until stop is closed and returns the errors
// seen and the number of reads.
func hammer(t *testing.T, s *Store, stop <-chan struct{}) (func() ([]error, int), func()) {
	t.Helper()
	roads, _ := s.catalog.Collection("roads")
	var (
		mu   sync.Mutex
		errs []error
		n    int
		wg   sync.WaitGroup
	)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				var err error
				if (i+k)%2 == 0 {
					_, err = s.Feature(context.Background(), storetest.Feature(t, roads, fmt.Sprint(1+k%20)))
					if err != nil {
						err = fmt.Errorf("feature: %w", err)
					}
				} else {
					_, err = s.Items(context.Background(), storetest.Items(t, roads, socle.ItemsRequest{Limit: 5}), func(*socle.Feature) error { return nil })
					if err != nil {
						err = fmt.Errorf("items: %w", err)
					}
				}
				mu.Lock()
				n++
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		}()
	}
	return func() ([]error, int) {
			wg.Wait()
			mu.Lock()
			defer mu.Unlock()
			return errs, n
		}, func() {
			mu.Lock()
			defer mu.Unlock()
			n = 0
		}
}

func roadRows(t *testing.T, n int) []socle.Row {
	t.Helper()
	var rows []socle.Row
	for i := 1; i <= n; i++ {
		a, _ := crs.TransformGeometry(orb.LineString{{1.50 + float64(i)*0.001, 43.53}, {1.501 + float64(i)*0.001, 43.531}}, toLambert)
		rows = append(rows, socle.Row{ID: int64(i), Geometry: a, Properties: map[string]any{"name": fmt.Sprintf("Route %d", i), "road_class": "local", "surface": "asphalt", "width": 5.0, "commune_insee": "31254"}})
	}
	return rows
}

// TestStandbyLostUnderLoad: a standby that stops under load costs no
// failed read; its reads go to the primary, and back to it once it is up.
func TestStandbyLostUnderLoad(t *testing.T) {
	s, p, sb := replicated(t, Options{AcquireTimeout: 5 * time.Second})
	load(t, s, "roads", roadRows(t, 20))
	sb.WaitReplay(p)
	stop := make(chan struct{})
	wait, _ := hammer(t, s, stop)
	time.Sleep(300 * time.Millisecond)
	sb.Stop("fast")
	time.Sleep(500 * time.Millisecond)
	if st := s.ReplicaStatus(context.Background()); len(st) != 1 || !st[0].Down {
		t.Errorf("status of a stopped standby: %+v", st)
	}
	sb.Start()
	time.Sleep(replicaDownFor + 500*time.Millisecond)
	close(stop)
	errs, n := wait()
	if len(errs) > 0 {
		t.Fatalf("%d of %d reads failed while a standby stopped: %v", len(errs), n, errs)
	}
	if c := sb.Query("socle", "SELECT count(*)::text FROM pg_stat_activity WHERE application_name = 'socle-read'"); c == "0" {
		t.Error("reads did not come back to the restarted standby")
	}
	t.Logf("%d reads, none failed", n)
}

// TestDatabaseRestartIsNoError: a fast restart of the database under load
// costs no failed read (a dead pooled connection is retried on a fresh
// one, a refused connection asked again within the acquire timeout), and
// a write that meets it is EUNAVAILABLE (503 with Retry-After), never an
// internal error.
func TestDatabaseRestartIsNoError(t *testing.T) {
	p := pgcluster.Primary(t)
	p.Exec("postgres", "CREATE DATABASE socle")
	s, err := Open(context.Background(), p.URL("socle"), socle.DefaultCatalog(), Options{AcquireTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background(), quiet); err != nil {
		t.Fatal(err)
	}
	load(t, s, "roads", roadRows(t, 20))
	stop := make(chan struct{})
	wait, _ := hammer(t, s, stop)
	time.Sleep(300 * time.Millisecond)
	p.Stop("fast")
	roads, _ := s.catalog.Collection("roads")
	_, werr := s.Import(context.Background(), socle.Batch{ID: "while-down", Kind: "test"}, roads, socle.RowsOf(roadRows(t, 1), nil))
	p.Start()
	time.Sleep(500 * time.Millisecond)
	close(stop)
	errs, n := wait()
	if len(errs) > 0 {
		t.Fatalf("%d of %d reads failed across a restart; first: %v", len(errs), n, errs[0])
	}
	if werr != nil && socle.ErrorCode(werr) != socle.EUNAVAILABLE {
		t.Errorf("a write while the database is down: %v (%s)", werr, socle.ErrorCode(werr))
	}
	t.Logf("%d reads, none failed; write while down: %v", n, werr)
}
