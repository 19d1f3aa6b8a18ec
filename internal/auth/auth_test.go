package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/socle-geo/socle/internal/auth"
	"github.com/socle-geo/socle/internal/socle"
)

type keyMap map[string]socle.APIKey

func (m keyMap) APIKey(_ context.Context, id string) (socle.APIKey, error) {
	k, ok := m[id]
	if !ok {
		return k, socle.Errorf(socle.ENOTFOUND, "no key %s", id)
	}
	return k, nil
}

func request(headers ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return r
}

func TestAPIKeys(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	secret, k, err := auth.NewKey("fibre operator", []string{"reader"}, []string{auth.RightIngestFibre}, now, 90*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(k.Hash), secret) || len(k.Hash) != 32 || !strings.HasPrefix(secret, "sk_"+k.ID+"_") {
		t.Fatalf("key %q, record %+v", secret, k)
	}
	expSecret, expired, _ := auth.NewKey("old", nil, nil, now.Add(-48*time.Hour), time.Hour)
	revSecret, revoked, _ := auth.NewKey("gone", nil, nil, now, 0)
	revokedAt := now.Add(-time.Minute)
	revoked.RevokedAt = &revokedAt
	store := keyMap{k.ID: k, expired.ID: expired, revoked.ID: revoked}
	a := &auth.Authenticator{Keys: store, Now: func() time.Time { return now }}

	for _, tc := range []struct {
		name    string
		headers []string
		id      string
		err     error
	}{
		{"none", nil, "anonymous", nil},
		{"bearer", []string{"Authorization", "Bearer " + secret}, "key:" + k.ID, nil},
		{"lowercase scheme", []string{"Authorization", "bearer " + secret}, "key:" + k.ID, nil},
		{"x-api-key", []string{"X-API-Key", secret}, "key:" + k.ID, nil},
		{"wrong secret, right id", []string{"X-API-Key", secret[:len(secret)-4] + "AAAA"}, "", auth.ErrUnknown},
		{"unknown id", []string{"X-API-Key", "sk_000000000000_" + secret[len(secret)-43:]}, "", auth.ErrUnknown},
		{"truncated", []string{"X-API-Key", secret[:20]}, "", auth.ErrMalformed},
		{"basic scheme", []string{"Authorization", "Basic dXNlcjpwYXNz"}, "", auth.ErrMalformed},
		{"jwt without issuer", []string{"Authorization", "Bearer a.b.c"}, "", auth.ErrMalformed},
		{"expired", []string{"X-API-Key", expSecret}, "", auth.ErrExpired},
		{"revoked", []string{"X-API-Key", revSecret}, "", auth.ErrRevoked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := a.Authenticate(context.Background(), request(tc.headers...))
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if err == nil && p.ID != tc.id {
				t.Fatalf("principal %+v, want %s", p, tc.id)
			}
		})
	}
	p, _ := a.Authenticate(context.Background(), request("X-API-Key", secret))
	if !p.Has(auth.RightIngestFibre) || p.Has(auth.RightIngestRoadReports) || p.Has(auth.RightAdmin) || !p.HasRole("reader") {
		t.Fatalf("rights of %+v", p)
	}
	if _, _, err := auth.NewKey("x", nil, []string{"root"}, now, 0); socle.ErrorCode(err) != socle.EINVALID {
		t.Fatalf("unknown right: %v", err)
	}
}

func TestCanRead(t *testing.T) {
	pub := &socle.Collection{ID: "a", Access: socle.AccessPublic}
	internal := &socle.Collection{ID: "b", Access: socle.AccessInternal}
	restricted := &socle.Collection{ID: "c", Access: socle.AccessRestricted, ReadRoles: []string{"roads"}}
	for _, tc := range []struct {
		p    *auth.Principal
		want [3]bool
	}{
		{auth.Anonymous, [3]bool{true, false, false}},
		{&auth.Principal{ID: "key:1"}, [3]bool{true, true, false}},
		{&auth.Principal{ID: "key:2", Roles: []string{"roads"}}, [3]bool{true, true, true}},
		{&auth.Principal{ID: "key:3", Rights: []string{auth.RightIngestFibre}}, [3]bool{true, true, false}},
		{&auth.Principal{ID: "key:4", Rights: []string{auth.RightAdmin}}, [3]bool{true, true, true}},
		{&auth.Principal{ID: "oidc:5", Roles: []string{auth.RightAdmin}}, [3]bool{true, true, true}},
	} {
		got := [3]bool{tc.p.CanRead(pub), tc.p.CanRead(internal), tc.p.CanRead(restricted)}
		if got != tc.want {
			t.Errorf("%s: %v, want %v", tc.p.ID, got, tc.want)
		}
	}
}

// issuer is an OpenID provider run inside the test: discovery and a JWKS
// of keys it can rotate.
type issuer struct {
	srv  *httptest.Server
	mu   sync.Mutex
	keys map[string]*rsa.PrivateKey // by kid, published
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	is := &issuer{keys: map[string]*rsa.PrivateKey{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": is.srv.URL, "jwks_uri": is.srv.URL + "/jwks", "authorization_endpoint": is.srv.URL + "/auth",
			"token_endpoint": is.srv.URL + "/token", "id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		is.mu.Lock()
		defer is.mu.Unlock()
		var set jose.JSONWebKeySet
		for kid, k := range is.keys {
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"})
		}
		_ = json.NewEncoder(w).Encode(set)
	})
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	is.rotate(t, "k1")
	return is
}

// rotate publishes a new key under kid and withdraws the others.
func (is *issuer) rotate(t *testing.T, kid string) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	is.keys = map[string]*rsa.PrivateKey{kid: k}
	return k
}

func (is *issuer) key(kid string) *rsa.PrivateKey {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.keys[kid]
}

func sign(t *testing.T, key any, alg jose.SignatureAlgorithm, kid string, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", kid).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestOIDC(t *testing.T) {
	now := time.Now()
	is := newIssuer(t)
	other := newIssuer(t)
	o := auth.NewOIDC(auth.OIDCConfig{Issuer: is.srv.URL, Audience: "socle", RolesClaim: "realm_access.roles",
		RoleMap: map[string]string{"sig-roads": "roads", "sig-admin": auth.RightAdmin}}, nil, nil)
	a := &auth.Authenticator{Keys: keyMap{}, OIDC: o}
	claims := func(iss string, exp time.Time, extra ...any) map[string]any {
		c := map[string]any{"iss": iss, "sub": "u-42", "aud": []string{"socle"}, "iat": now.Unix(), "exp": exp.Unix(),
			"preferred_username": "agent", "realm_access": map[string]any{"roles": []string{"sig-roads", "offline_access"}}}
		for i := 0; i+1 < len(extra); i += 2 {
			c[extra[i].(string)] = extra[i+1]
		}
		return c
	}
	verify := func(tok string) (*auth.Principal, error) {
		return a.Authenticate(context.Background(), request("Authorization", "Bearer "+tok))
	}
	hour := now.Add(time.Hour)

	p, err := verify(sign(t, is.key("k1"), jose.RS256, "k1", claims(is.srv.URL, hour)))
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "oidc:u-42" || p.Name != "agent" || len(p.Roles) != 1 || p.Roles[0] != "roads" {
		t.Fatalf("principal %+v: want roles mapped through role_map, unmapped ones dropped", p)
	}

	forger, _ := rsa.GenerateKey(rand.Reader, 2048)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	good := sign(t, is.key("k1"), jose.RS256, "k1", claims(is.srv.URL, hour))
	parts := strings.Split(good, ".")
	for _, tc := range []struct {
		name string
		tok  string
		err  error
	}{
		{"expired", sign(t, is.key("k1"), jose.RS256, "k1", claims(is.srv.URL, now.Add(-time.Minute))), auth.ErrExpired},
		{"another issuer", sign(t, other.key("k1"), jose.RS256, "k1", claims(other.srv.URL, hour)), auth.ErrInvalid},
		{"another issuer's key, our iss", sign(t, other.key("k1"), jose.RS256, "k1", claims(is.srv.URL, hour)), auth.ErrInvalid},
		{"forged: unknown key under a known kid", sign(t, forger, jose.RS256, "k1", claims(is.srv.URL, hour)), auth.ErrInvalid},
		{"forged: EC key", sign(t, ec, jose.ES256, "k1", claims(is.srv.URL, hour)), auth.ErrInvalid},
		{"wrong audience", sign(t, is.key("k1"), jose.RS256, "k1", claims(is.srv.URL, hour, "aud", "other-app")), auth.ErrInvalid},
		{"tampered payload", parts[0] + "." + strings.TrimRight(parts[1], "A") + "B." + parts[2], auth.ErrInvalid},
		{"alg none", "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + ".", auth.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if p, err := verify(tc.tok); !errors.Is(err, tc.err) {
				t.Fatalf("got %+v, %v; want %v", p, err, tc.err)
			}
		})
	}

	t.Run("key rotation", func(t *testing.T) {
		old := is.key("k1")
		k2 := is.rotate(t, "k2")
		if _, err := verify(sign(t, k2, jose.RS256, "k2", claims(is.srv.URL, hour))); err != nil {
			t.Fatalf("token signed with the new key: %v", err)
		}
		// After the refetch the withdrawn key is no longer trusted. go-oidc
		// wakes the waiting verifier before it swaps its key cache, so the
		// old set can answer for a moment longer: ask until it is gone.
		withdrawn := sign(t, old, jose.RS256, "k1", claims(is.srv.URL, hour))
		var err error
		for range 100 {
			if _, err = verify(withdrawn); errors.Is(err, auth.ErrInvalid) {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("token signed with the withdrawn key still accepted: %v", err)
	})

	t.Run("issuer down at start", func(t *testing.T) {
		down := httptest.NewServer(http.NotFoundHandler())
		url := down.URL
		down.Close()
		a := &auth.Authenticator{Keys: keyMap{}, OIDC: auth.NewOIDC(auth.OIDCConfig{Issuer: url}, nil, nil)}
		_, err := a.Authenticate(context.Background(), request("Authorization", "Bearer "+good))
		if err == nil || errors.Is(err, auth.ErrInvalid) {
			t.Fatalf("want a discovery failure (503, not 401), got %v", err)
		}
	})
}
