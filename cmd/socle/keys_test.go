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
	"sync"
	"testing"
	"time"
)

func TestKeysCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "socle.gpkg")
	code, out, errs := runCLI(t, "keys", "create", "--data", data, "--name", "fibre operator", "--roles", "reader", "--rights", "ingest:fibre", "--expires", "30d")
	if code != 0 {
		t.Fatalf("create: %d %s", code, errs)
	}
	secret := strings.TrimSpace(out)
	if !strings.HasPrefix(secret, "sk_") || strings.Count(out, "\n") != 1 {
		t.Fatalf("create printed %q: want the key alone on stdout", out)
	}
	id := strings.Split(secret, "_")[1]
	if !strings.Contains(errs, "shown once") || !strings.Contains(errs, id) {
		t.Fatalf("create told %q", errs)
	}
	// The key itself is nowhere in the file: only its hash.
	b, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), secret) || strings.Contains(string(b), secret[len(secret)-20:]) {
		t.Fatal("the key is stored in clear")
	}
	code, out, _ = runCLI(t, "keys", "list", "--data", data)
	if code != 0 || !strings.Contains(out, id) || !strings.Contains(out, "ingest:fibre") || !strings.Contains(out, "active") || strings.Contains(out, secret) {
		t.Fatalf("list: %d\n%s", code, out)
	}
	if code, _, errs = runCLI(t, "keys", "revoke", id, "--data", data); code != 0 {
		t.Fatalf("revoke: %s", errs)
	}
	if _, out, _ = runCLI(t, "keys", "list", "--data", data); !strings.Contains(out, "revoked") {
		t.Fatalf("list after revoke:\n%s", out)
	}
	for _, args := range [][]string{
		{"keys", "revoke", "000000000000"},
		{"keys", "create", "--rights", "root", "--name", "x"},
		{"keys", "create", "--name", "x", "--expires", "soon"},
		{"keys", "create"},
		{"keys", "rotate"},
	} {
		if code, _, errs := runCLI(t, append(args, "--data", data)...); code == 0 || errs == "" {
			t.Errorf("%v: exit %d, %q", args, code, errs)
		}
	}
}

func TestSecurityConfiguration(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "socle.yaml")
	write := func(s string) {
		if err := os.WriteFile(cfg, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(dir, "socle.gpkg")
	write(`max-limit: 500
security:
  collections:
    roads: {access: restricted, roles: [roads], personal: [name]}
    land_cover: {access: internal}
  oidc: {issuer: "https://sso.example.org/realms/agglo", roles_claim: realm_access.roles, role_map: {sig-voirie: roads}}
`)
	if code, _, errs := runCLI(t, "keys", "list", "--config", cfg, "--data", data); code != 0 {
		t.Fatalf("a valid security section was refused: %s", errs)
	}
	write(`security:
  collections:
    roads: {access: secret, personal: [nope]}
    nowhere: {access: public}
    communes: {access: restricted}
    land_cover: {acess: internal}
`)
	code, _, errs := runCLI(t, "keys", "list", "--config", cfg, "--data", data)
	for _, want := range []string{"acess"} {
		if code == 0 || !strings.Contains(errs, want) {
			t.Errorf("misspelt key: %d %s", code, errs)
		}
	}
	write(`security:
  collections:
    roads: {access: secret, personal: [nope]}
    nowhere: {access: public}
    communes: {access: restricted}
`)
	code, _, errs = runCLI(t, "keys", "list", "--config", cfg, "--data", data)
	for _, want := range []string{"secret", "nope", "nowhere", "communes"} {
		if code == 0 || !strings.Contains(errs, want) {
			t.Errorf("the error does not mention %s: %s", want, errs)
		}
	}
}

// TestServeSecured runs the real command on the embedded store with a
// restricted collection: keys made and revoked by the CLI while it serves,
// the audit of both, and a slow client cut off.
func TestServeSecured(t *testing.T) {
	dir := t.TempDir()
	data, cfg := filepath.Join(dir, "socle.gpkg"), filepath.Join(dir, "socle.yaml")
	if err := os.WriteFile(cfg, []byte("security:\n  collections:\n    roads: {access: restricted, roles: [roads]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var stderr syncBuffer
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--data", data, "--config", cfg, "--log-level", "warn",
			"--read-header-timeout", "300ms"}, io.Discard, &stderr)
	}()
	defer func() {
		cancel()
		<-done
	}()
	for i := 0; ; i++ {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if i == 600 {
			t.Fatalf("the server never answered: %v\n%s", err, stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	status := func(path, key string) int {
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		if key != "" {
			req.Header.Set("X-API-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	create := func(args ...string) string {
		code, out, errs := runCLI(t, append([]string{"keys", "create", "--data", data, "--config", cfg}, args...)...)
		if code != 0 {
			t.Fatalf("keys create: %s", errs)
		}
		return strings.TrimSpace(out)
	}
	key, admin := create("--name", "voirie", "--roles", "roads"), create("--name", "ops", "--rights", "admin")
	if st := status("/collections/roads/items", ""); st != 404 {
		t.Errorf("anonymous: %d", st)
	}
	if st := status("/collections/roads/items", key); st != 200 {
		t.Errorf("with the key: %d", st)
	}
	if code, _, errs := runCLI(t, "keys", "revoke", strings.Split(key, "_")[1], "--data", data); code != 0 {
		t.Fatal(errs)
	}
	if st := status("/collections/roads/items", key); st != 401 {
		t.Errorf("revoked key: %d", st)
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/admin/audit?action=key.revoke", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), strings.Split(key, "_")[1]) || !strings.Contains(string(body), `"actor":"cli:`) {
		t.Errorf("audit of the revocation: %d %s", resp.StatusCode, body)
	}
	// A client that never finishes its headers is disconnected.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /collections HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	// A guard well under the 10 s default, far above the 300 ms configured.
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 512)
	n, err := conn.Read(buf)
	for err == nil {
		n, err = conn.Read(buf)
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the slow client kept its connection (%d bytes read)", n)
	}
}

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
