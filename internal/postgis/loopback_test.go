package postgis

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/socle-geo/socle/internal/testdb"
)

func TestPlainOnLoopback(t *testing.T) {
	t.Setenv("PGSSLMODE", "")
	for _, tc := range []struct {
		url string
		tls bool // TLS still tried first
	}{
		{"postgres://u@127.0.0.1:5432/db", false},
		{"postgres://u@localhost/db", false},
		{"postgres://u@[::1]:5432/db", false},
		{"host=127.0.0.1 user=u dbname=db", false},
		{"postgres://u@127.0.0.1:5432/db?sslmode=prefer", true},  // named: obeyed
		{"postgres://u@127.0.0.1:5432/db?sslmode=require", true}, // named: obeyed
		{"postgres://u@db.example.org/db", true},                 // not this machine
		{"postgres://u@127.0.0.1,db.example.org/db", true},       // one host elsewhere
	} {
		c, err := pgconn.ParseConfig(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		plainOnLoopback(c, tc.url)
		if got := c.TLSConfig != nil; got != tc.tls {
			t.Errorf("%s: TLS first = %v, want %v", tc.url, got, tc.tls)
		}
		if !tc.tls {
			for _, f := range c.Fallbacks {
				if f.Host == c.Host && f.Port == c.Port {
					t.Errorf("%s: the host is tried twice (%+v)", tc.url, f)
				}
			}
		}
	}
}

// TestLoopbackSessionsArePlain opens the store on the test server's URL
// and asks PostgreSQL whether the session is encrypted: not on the
// loopback without sslmode, yes when the URL asks for it (where the server
// offers TLS at all).
func TestLoopbackSessionsArePlain(t *testing.T) {
	t.Setenv("PGSSLMODE", "")
	url := testdb.New(t)
	if strings.Contains(url, "sslmode") {
		t.Skip("the test database URL names an sslmode")
	}
	ctx := context.Background()
	encrypted := func(url string) bool {
		t.Helper()
		pool, err := newPool(ctx, url, "socle-test", Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		var ssl bool
		if err := pool.QueryRow(ctx, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&ssl); err != nil {
			t.Fatal(err)
		}
		return ssl
	}
	c, err := pgconn.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	if !loopback(c.Host) {
		t.Skipf("the test database is not on this machine (%s)", c.Host)
	}
	if encrypted(url) {
		t.Error("a loopback session without sslmode is encrypted")
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	pool, err := newPool(ctx, url+sep+"sslmode=require", "socle-test", Options{})
	if err != nil {
		t.Skipf("the server offers no TLS: %v", err)
	}
	pool.Close()
	if !encrypted(url + sep + "sslmode=require") {
		t.Error("sslmode=require gave a plain session")
	}
}
