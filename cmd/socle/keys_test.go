package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
