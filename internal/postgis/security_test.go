package postgis

import (
	"context"
	"testing"

	"github.com/socle-geo/socle/internal/storetest"
)

func TestSecurity(t *testing.T) {
	s := open(t, Options{})
	storetest.Security(t, s, func(ctx context.Context, sql string) error {
		_, err := s.pool.Exec(ctx, sql)
		return err
	})
	if _, err := s.pool.Exec(context.Background(), "TRUNCATE audit_log"); err == nil {
		t.Fatal("the audit log was truncated")
	}
}
