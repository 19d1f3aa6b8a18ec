package postgis

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/auth"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/internal/testdb"
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

// BenchmarkAuthenticateKey measures what an API key costs a request: one
// lookup by id and a SHA-256.
func BenchmarkAuthenticateKey(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, testdb.New(b), socle.DefaultCatalog(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx, quiet); err != nil {
		b.Fatal(err)
	}
	secret, k, err := auth.NewKey("bench", []string{"roads"}, nil, time.Now(), time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.CreateAPIKey(ctx, k); err != nil {
		b.Fatal(err)
	}
	a := &auth.Authenticator{Keys: s}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-API-Key", secret)
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.Authenticate(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}
