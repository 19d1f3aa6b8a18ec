// Package testdb gives tests a fresh PostGIS database of their own.
//
// The server is chosen by SOCLE_TEST_DATABASE_URL (a URL whose user may
// create databases). Without it, tests that need a database are skipped
// loudly, and fail when CI is set: in CI a missing database is a failure.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the variable that points tests at a PostgreSQL server.
const EnvVar = "SOCLE_TEST_DATABASE_URL"

// AdminURL returns the configured server URL, or skips (fails in CI).
func AdminURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvVar)
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI must run the database tests", EnvVar)
		}
		t.Skipf("SKIPPED: %s is not set; set it to a PostgreSQL URL with PostGIS available, e.g. postgres://postgres@127.0.0.1:5432/postgres", EnvVar)
	}
	return u
}

// New creates an empty database for the calling test (or package) and drops
// it when tb ends. It returns its URL.
func New(tb testing.TB) string {
	tb.Helper()
	dbURL, drop, err := Create(AdminURL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(drop)
	return dbURL
}

// Create makes a fresh database on the server at admin and returns its URL
// and a function that drops it. For TestMain, where there is no testing.TB.
func Create(admin string) (string, func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", nil, fmt.Errorf("testdb: connect to %s: %w", EnvVar, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "socle_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", nil, fmt.Errorf("testdb: %w", err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	}
	return u.String(), drop, nil
}

// Available reports whether a test database is configured.
func Available() bool { return os.Getenv(EnvVar) != "" }
