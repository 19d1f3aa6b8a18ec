package postgis

import (
	"context"
	"testing"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/testdb"
)

// TestLocksAreExclusiveAndDieWithTheirHolder: two instances on one
// database, one lock: the second cannot take it while the first holds it,
// and takes it once the first's session is gone (the process died, or its
// connection was lost).
func TestLocksAreExclusiveAndDieWithTheirHolder(t *testing.T) {
	ctx := context.Background()
	url := testdb.New(t)
	var stores []*Store
	for range 2 {
		s, err := Open(ctx, url, socle.DefaultCatalog(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	a, b := stores[0], stores[1]
	la, ok, err := a.TryLock(ctx, "purge-inputs")
	if err != nil || !ok {
		t.Fatalf("first lock: %v %v", ok, err)
	}
	if _, ok, err := b.TryLock(ctx, "purge-inputs"); err != nil || ok {
		t.Fatalf("a second instance took a held lock: %v %v", ok, err)
	}
	if l, ok, err := b.TryLock(ctx, "prune-changes"); err != nil || !ok {
		t.Fatalf("another lock: %v %v", ok, err)
	} else {
		l.Unlock()
	}
	if !la.Held(ctx) {
		t.Fatal("the holder lost its lock")
	}
	// The holder's session ends as when its process dies. Only this test's
	// database: other packages' tests share the server and hold advisory
	// locks of their own. pg_terminate_backend only signals the backend
	// unless given a timeout; with one it returns once the backend is gone,
	// so the lock is released before the next statement asks for it.
	if _, err := b.pool.Exec(ctx, `SELECT pg_terminate_backend(pid, 10000) FROM pg_locks
		WHERE locktype = 'advisory' AND pid <> pg_backend_pid()
		  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`); err != nil {
		t.Fatal(err)
	}
	if la.Held(ctx) {
		t.Error("a lock whose session ended still reads as held")
	}
	lb, ok, err := b.TryLock(ctx, "purge-inputs")
	if err != nil || !ok {
		t.Fatalf("the lock was not released with its holder: %v %v", ok, err)
	}
	lb.Unlock()
	if l, ok, err := a.TryLock(ctx, "purge-inputs"); err != nil || !ok {
		t.Fatalf("after unlock: %v %v", ok, err)
	} else {
		l.Unlock()
	}
}
