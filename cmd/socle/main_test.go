package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/testdb"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestConfigurationProblemsAreListedTogether(t *testing.T) {
	code, _, stderr := runCLI(t, "serve", "--addr", "nowhere", "--log-level", "loud", "--default-limit", "0",
		"--database-url", "mysql://x", "--base-url", "ftp://x")
	if code == 0 {
		t.Fatal("a bad configuration started")
	}
	for _, want := range []string{"addr", "log-level", "default-limit", "database-url", "base-url"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the error does not mention %s:\n%s", want, stderr)
		}
	}
}

func TestEnvironmentAndConfigFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "socle.yaml")
	if err := os.WriteFile(cfg, []byte("log-level: verbose\nmax-limit: 50\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOCLE_DEFAULT_LIMIT", "100")
	code, _, stderr := runCLI(t, "migrate", "--config", cfg)
	if code == 0 || !strings.Contains(stderr, "log-level") || !strings.Contains(stderr, "default-limit") {
		t.Errorf("file and environment were not both read:\n%s", stderr)
	}
}

func TestUnknownCommand(t *testing.T) {
	if code, _, stderr := runCLI(t, "frobnicate"); code != 2 || !strings.Contains(stderr, "unknown command") {
		t.Errorf("%d %s", code, stderr)
	}
}

// TestImportLayerTwice imports a GeoJSON file twice through the command
// line: the second run changes nothing, and a bad record is reported.
func TestImportLayerTwice(t *testing.T) {
	db := testdb.New(t)
	file := filepath.Join(t.TempDir(), "roads.geojson")
	geojson := `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2154"}},"features":[
{"type":"Feature","id":1,"geometry":{"type":"LineString","coordinates":[[577000,6270000],[577100,6270050]]},
 "properties":{"name":"Rue de l’Église","road_class":"Route à 1 chaussée","surface":"revêtue","width":5.5,"commune_insee":"31254"}},
{"type":"Feature","id":2,"geometry":{"type":"Point","coordinates":[577000,6270000]},"properties":{"name":"x"}}]}`
	if err := os.WriteFile(file, []byte(geojson), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "import", "layer", "roads", file, "--database-url", db, "--log-level", "error")
	if code != 0 {
		t.Fatalf("first import: %d\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(out, "inserted 1") || !strings.Contains(out, "rejected 1") || !strings.Contains(out, "expected a LineString") {
		t.Errorf("first import summary:\n%s", out)
	}
	code, out, stderr = runCLI(t, "import", "layer", "roads", file, "--database-url", db, "--log-level", "error")
	if code != 0 || !strings.Contains(out, "inserted 0, updated 0, unchanged 1") {
		t.Errorf("second import: %d\n%s\n%s", code, out, stderr)
	}
	code, _, stderr = runCLI(t, "import", "layer", "rivers", file, "--database-url", db, "--log-level", "error")
	if code == 0 || !strings.Contains(stderr, "unknown collection rivers") {
		t.Errorf("unknown collection: %d %s", code, stderr)
	}
}

// TestServeAndGracefulShutdown starts the real command, waits until it
// answers, and stops it as SIGTERM would (its context is cancelled).
func TestServeAndGracefulShutdown(t *testing.T) {
	db := testdb.New(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--database-url", db, "--log-level", "warn"}, io.Discard, &stderr)
	}()
	var resp *http.Response
	// Creating the PostGIS extension alone can take seconds on a loaded machine.
	for i := 0; i < 600; i++ {
		if resp, err = http.Get("http://" + addr + "/readyz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("the server never answered: %v\n%s", err, stderr.String())
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/readyz: %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}
