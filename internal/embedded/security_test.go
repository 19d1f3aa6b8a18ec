package embedded

import (
	"context"
	"testing"

	"github.com/socle-geo/socle/internal/storetest"
)

func TestSecurity(t *testing.T) {
	s, path := openTemp(t)
	storetest.Security(t, s, func(ctx context.Context, sql string) error {
		_, err := s.db.ExecContext(ctx, sql)
		return err
	})
	// The tables survive a reopen.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(context.Background(), path, s.catalog)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if keys, err := s2.APIKeys(context.Background()); err != nil || len(keys) != 2 {
		t.Fatalf("keys after reopen: %d, %v", len(keys), err)
	}
}
