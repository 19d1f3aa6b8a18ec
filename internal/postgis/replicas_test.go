package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
//
// A page whose server ends its session after the first rows went to the
// client cannot be retried (they are the response's first bytes): it
// fails as unavailable (503), and its HTTP client retries it. That is rare
// (the server must stop while a 5-row page is on the wire: one read of
// 16,063 in one run of TestStandbyLostUnderLoad) and counted apart,
// logged, never an error here; a read that fails before its first row, or
// with anything but unavailable, is one.
func hammer(t *testing.T, s *Store, stop <-chan struct{}) (func() ([]error, int), func()) {
	t.Helper()
	roads, _ := s.catalog.Collection("roads")
	var (
		mu        sync.Mutex
		errs      []error
		n         int
		midStream int
		wg        sync.WaitGroup
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
					rows := 0
					_, err = s.Items(context.Background(), storetest.Items(t, roads, socle.ItemsRequest{Limit: 5}), func(*socle.Feature) error { rows++; return nil })
					if err != nil && rows > 0 && socle.ErrorCode(err) == socle.EUNAVAILABLE {
						mu.Lock()
						midStream++
						mu.Unlock()
						t.Logf("a page lost its connection after %d rows were sent: %v", rows, err)
						err = nil
					}
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
			if midStream > 0 {
				t.Logf("%d of %d reads lost their connection after their first rows (503 to an HTTP client)", midStream, n)
			}
			return errs, n
		}, func() {
			mu.Lock()
			defer mu.Unlock()
			n = 0
		}
}

func roadRows(t *testing.T, n int) []socle.Row { return roadRowsFrom(t, 1, n) }

// roadRowsFrom makes n short roads with ids from first on.
func roadRowsFrom(t *testing.T, first, n int) []socle.Row {
	t.Helper()
	var rows []socle.Row
	for i := first; i < first+n; i++ {
		x, y := 1.50+float64(i%100)*0.001, 43.53+float64(i/100)*0.001
		a, _ := crs.TransformGeometry(orb.LineString{{x, y}, {x + 0.001, y + 0.001}}, toLambert)
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

// TestFailover: the primary stops under load and its standby is promoted.
// Reads never fail (the standby serves them throughout); while there is no
// primary a write is EUNAVAILABLE (503 with Retry-After); then Socle finds
// the new primary through its multi-host URL (target_session_attrs=
// read-write), writes resume, the change notifications resume, and the
// batch in flight when the primary stopped, run again until it succeeds,
// is applied exactly once; nothing committed before the stop is lost.
func TestFailover(t *testing.T) {
	p := pgcluster.Primary(t)
	sb := p.Standby("standby1")
	p.Exec("postgres", "CREATE DATABASE socle")
	primaryURL := fmt.Sprintf("postgres://postgres@127.0.0.1:%d,127.0.0.1:%d/socle?sslmode=disable&target_session_attrs=read-write&connect_timeout=2", p.Port, sb.Port)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := Open(ctx, primaryURL, socle.DefaultCatalog(), Options{AcquireTimeout: 5 * time.Second, ReadURLs: []string{sb.URL("socle")}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	roads, _ := s.catalog.Collection("roads")
	load(t, s, "roads", roadRows(t, 20))
	changes := make(chan socle.Change, 64)
	ready := make(chan struct{}, 8)
	go s.ListenChanges(ctx, quiet, func(ch socle.Change) { changes <- ch }, func() { ready <- struct{}{} })
	<-ready

	// Two keys; one revoked on the primary is seen revoked through the
	// standby within its replay lag.
	for _, id := range []string{"k1", "k2"} {
		if err := s.CreateAPIKey(ctx, socle.APIKey{ID: id, Name: id, Hash: make([]byte, 32), CreatedAt: time.Now().UTC()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RevokeAPIKey(ctx, "k2", time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	revokedSeen := time.Now().Add(10 * time.Second)
	for {
		k, err := s.reads.replicas[0].books.APIKey(ctx, "k2")
		if err == nil && k.RevokedAt != nil {
			break
		}
		if time.Now().After(revokedSeen) {
			t.Fatalf("the standby does not see the revocation after 10 s: %+v %v", k, err)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A batch committed just before the stop.
	before := roadRows(t, 20)
	for _, r := range before {
		r.Properties["name"] = "Avant " + fmt.Sprint(r.ID)
	}
	load(t, s, "roads", before)
	stop := make(chan struct{})
	wait, _ := hammer(t, s, stop)

	// The batch in flight: 3,000 roads, written while the primary stops.
	inflight := roadRowsFrom(t, 1001, 3000)
	apply := func() (socle.ImportResult, error) {
		return s.Import(ctx, socle.Batch{ID: socle.NewBatchID("failover", time.Now()), Kind: "test"}, roads, socle.RowsOf(inflight, nil))
	}
	first := make(chan error, 1)
	go func() { _, err := apply(); first <- err }()
	time.Sleep(50 * time.Millisecond)
	p.Stop("fast")
	firstErr := <-first
	if firstErr != nil && socle.ErrorCode(firstErr) != socle.EUNAVAILABLE {
		t.Errorf("the batch in flight failed with %v (%s), want EUNAVAILABLE", firstErr, socle.ErrorCode(firstErr))
	}
	// No primary: reads go on from the standby, writes are EUNAVAILABLE.
	_, err = s.Import(ctx, socle.Batch{ID: "no-primary", Kind: "test"}, roads, socle.RowsOf(roadRowsFrom(t, 9000, 1), nil))
	if socle.ErrorCode(err) != socle.EUNAVAILABLE {
		t.Errorf("a write with no primary: %v (%s)", err, socle.ErrorCode(err))
	}
	// Ready (a load balancer keeps sending reads), though the primary is gone.
	if err := s.Ping(ctx); err != nil {
		t.Errorf("ping with no primary: %v", err)
	}
	if s.PrimaryAnswers(ctx) {
		t.Error("the stopped primary answers")
	}
	// Keys are read on the standby: authenticated callers go on.
	if k, err := s.APIKey(ctx, "k1"); err != nil || k.RevokedAt != nil {
		t.Errorf("a key with no primary: %+v %v", k, err)
	}
	if k, err := s.APIKey(ctx, "k2"); err != nil || k.RevokedAt == nil {
		t.Errorf("a revoked key with no primary: %+v %v", k, err)
	}
	if _, err := s.APIKey(ctx, "nokey"); socle.ErrorCode(err) != socle.ENOTFOUND {
		t.Errorf("an unknown key with no primary: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	sb.Promote()
	// The client of the batch in flight retries until it is acknowledged.
	var res socle.ImportResult
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err = apply()
		if err == nil {
			break
		}
		if socle.ErrorCode(err) != socle.EUNAVAILABLE || time.Now().After(deadline) {
			t.Fatalf("writes did not resume on the promoted standby: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	again, err := apply()
	if err != nil {
		t.Fatal(err)
	}
	close(stop)
	errs, n := wait()
	if len(errs) > 0 {
		t.Errorf("%d of %d reads failed across the failover: %v", len(errs), n, errs[:min(3, len(errs))])
	}
	t.Logf("%d reads across the failover; batch in flight: %v, then %+v, then %+v", n, firstErr, res, again)
	if again.Inserted != 0 || again.Updated != 0 {
		t.Errorf("the batch applied again changed something: %+v", again)
	}
	// Applied exactly once: each road inserted once in the log, whatever
	// attempt committed it.
	if got := sb.Query("socle", `SELECT count(*)::text FROM socle.feature_changes WHERE collection = 'roads' AND op = 'insert' AND feature_id::bigint BETWEEN 1001 AND 4000`); got != "3000" {
		t.Errorf("%s inserts of the batch in flight logged, want 3000", got)
	}
	if got := sb.Query("socle", `SELECT count(*)::text FROM socle.roads WHERE name LIKE 'Avant %'`); got != "20" {
		t.Errorf("the batch committed before the stop: %s of 20 roads kept", got)
	}
	if st := s.ReplicaStatus(ctx); len(st) != 1 || !st[0].Primary {
		t.Errorf("status of the promoted standby: %+v", st)
	}
	// The notifications come from the new primary, once the listener has
	// reconnected to it (its backoff may outlast the writes' retries: a
	// change committed before it listens again is not notified, the reset
	// that follows the reconnection stands for it).
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("the listener did not reconnect to the promoted standby")
	}
	for len(changes) > 0 {
		<-changes
	}
	load(t, s, "roads", roadRows(t, 20))
	select {
	case ch := <-changes:
		if ch.Collection != "roads" {
			t.Errorf("notification: %+v", ch)
		}
	case <-time.After(30 * time.Second):
		t.Error("no notification from the promoted standby")
	}
}

func TestStaleness(t *testing.T) {
	var rr readRouter
	t0 := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	for i, l := range []uint64{100, 200, 200, 300} {
		rr.observe(l, t0.Add(time.Duration(i)*time.Second))
	}
	now := t0.Add(10 * time.Second)
	for replayed, want := range map[uint64]time.Duration{300: 0, 400: 0, 250: 9 * time.Second, 200: 9 * time.Second, 150: 10 * time.Second, 50: 10 * time.Second} {
		if got := rr.staleness(replayed, now); got != want {
			t.Errorf("replayed %d: %s, want %s", replayed, got, want)
		}
	}
}

// TestAuditHeldWhileNoPrimary: audit entries written while no primary
// accepts writes (it stopped, no standby promoted yet) are held in memory,
// in order, and written with their own times once the standby is promoted;
// past the hold's bound an entry is refused, and the log then says how many
// were not kept. Entries written after come after them.
func TestAuditHeldWhileNoPrimary(t *testing.T) {
	p := pgcluster.Primary(t)
	sb := p.Standby("standby1")
	p.Exec("postgres", "CREATE DATABASE socle")
	primaryURL := fmt.Sprintf("postgres://postgres@127.0.0.1:%d,127.0.0.1:%d/socle?sslmode=disable&target_session_attrs=read-write&connect_timeout=2", p.Port, sb.Port)
	ctx := context.Background()
	const hold = 4
	s, err := Open(ctx, primaryURL, socle.DefaultCatalog(), Options{AcquireTimeout: 2 * time.Second, ReadURLs: []string{sb.URL("socle")}, AuditHold: hold})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	entry := func(i int) socle.AuditEntry {
		return socle.AuditEntry{Time: t0.Add(time.Duration(i) * time.Second), Actor: "k1", Action: "read", Target: "cadastre", Remote: "203.0.113.7", Status: 200, Detail: fmt.Sprintf("GET /collections/cadastre/items?n=%d", i)}
	}
	if err := s.AppendAudit(ctx, entry(0)); err != nil {
		t.Fatal(err)
	}

	p.Stop("fast")
	for i := 1; i <= hold; i++ {
		if err := s.AppendAudit(ctx, entry(i)); err != nil {
			t.Fatalf("entry %d with no primary: %v, want it held", i, err)
		}
	}
	if n := s.AuditHeld(); n != hold {
		t.Fatalf("%d entries held, want %d", n, hold)
	}
	// The hold is full: two more are refused, and said to be.
	for i := hold + 1; i <= hold+2; i++ {
		if err := s.AppendAudit(ctx, entry(i)); socle.ErrorCode(err) != socle.EUNAVAILABLE {
			t.Fatalf("entry %d past the hold: %v, want EUNAVAILABLE", i, err)
		}
	}

	sb.Promote()
	deadline := time.Now().Add(60 * time.Second)
	for s.AuditHeld() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d entries still held 60 s after the promotion", s.AuditHeld())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Written after the held ones and the count of those not kept.
	if err := s.AppendAudit(ctx, entry(99)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Audit(ctx, socle.AuditQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(got) // oldest first
	var order []string
	for _, e := range got {
		if e.Action == "audit.lost" {
			order = append(order, "lost")
			if !strings.HasPrefix(e.Detail, "2 audit entries not kept between "+entry(hold+1).Time.Format(time.RFC3339)+" and "+entry(hold+2).Time.Format(time.RFC3339)) {
				t.Errorf("the entry of those not kept: %+v", e)
			}
			continue
		}
		order = append(order, e.Detail[strings.LastIndex(e.Detail, "=")+1:])
		if i, _ := strconv.Atoi(order[len(order)-1]); !e.Time.Equal(entry(i).Time) || e.Actor != "k1" || e.Remote != "203.0.113.7" {
			t.Errorf("entry %d written as %+v", i, e)
		}
	}
	if want := []string{"0", "1", "2", "3", "4", "lost", "99"}; !slices.Equal(order, want) {
		t.Errorf("audit log %v, want %v", order, want)
	}
	if err := s.Close(); err != nil {
		t.Errorf("close with nothing held: %v", err)
	}
}

// TestAuditHeldLostAtClose: entries still held when the store closes (no
// primary came back) are reported by Close, not silently dropped.
func TestAuditHeldLostAtClose(t *testing.T) {
	s, p, _ := replicated(t, Options{AcquireTimeout: time.Second})
	p.Stop("fast")
	if err := s.AppendAudit(context.Background(), socle.AuditEntry{Time: time.Now().UTC(), Actor: "k1", Action: "read", Target: "cadastre"}); err != nil {
		t.Fatalf("entry with no primary: %v, want it held", err)
	}
	if err := s.Close(); err == nil || !strings.Contains(err.Error(), "1 audit entries not written") {
		t.Errorf("close with an entry held: %v", err)
	}
}
