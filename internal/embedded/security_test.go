package embedded

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/auth"
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

// BenchmarkAuthenticateKey measures what an API key costs a request: one
// lookup by id and a SHA-256.
func BenchmarkAuthenticateKey(b *testing.B) {
	s, _ := openTemp(b)
	secret, k, err := auth.NewKey("bench", []string{"roads"}, nil, time.Now(), time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.CreateAPIKey(context.Background(), k); err != nil {
		b.Fatal(err)
	}
	a := &auth.Authenticator{Keys: s}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-API-Key", secret)
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.Authenticate(context.Background(), r); err != nil {
			b.Fatal(err)
		}
	}
}
