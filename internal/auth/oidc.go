package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// OIDCConfig names the trusted issuer and how its tokens' claims map to
// roles.
type OIDCConfig struct {
	// Issuer is the issuer URL (e.g. a Keycloak realm); its discovery
	// document gives the JWKS.
	Issuer string `yaml:"issuer"`
	// Audience, when set, must be among the token's aud values.
	Audience string `yaml:"audience"`
	// RolesClaim is the dotted path of the claim holding roles, a list or a
	// space-separated string (default "roles"; Keycloak: "realm_access.roles").
	RolesClaim string `yaml:"roles_claim"`
	// RoleMap renames claim values to Socle roles; when it is set, values it
	// does not name are dropped, so an issuer's other roles grant nothing.
	RoleMap map[string]string `yaml:"role_map"`
	// NameClaim labels the caller (default "preferred_username").
	NameClaim string `yaml:"name_claim"`
}

// OIDC validates bearer JWTs from one issuer. Discovery happens at the first
// token, so that the server starts while the issuer is down; the key set is
// fetched again when a token names a key it does not know (key rotation).
type OIDC struct {
	cfg    OIDCConfig
	client *http.Client
	now    func() time.Time

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
}

// NewOIDC returns a validator for cfg's issuer; client may be nil.
func NewOIDC(cfg OIDCConfig, client *http.Client, now func() time.Time) *OIDC {
	if cfg.RolesClaim == "" {
		cfg.RolesClaim = "roles"
	}
	if cfg.NameClaim == "" {
		cfg.NameClaim = "preferred_username"
	}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	return &OIDC{cfg: cfg, client: client, now: now}
}

func (o *OIDC) verifierFor(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.verifier != nil {
		return o.verifier, nil
	}
	ctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, o.client), 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(ctx, o.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("auth: oidc discovery of %s: %w", o.cfg.Issuer, err)
	}
	o.verifier = p.Verifier(&oidc.Config{
		ClientID:             o.cfg.Audience,
		SkipClientIDCheck:    o.cfg.Audience == "",
		SupportedSigningAlgs: []string{oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512, oidc.PS256, oidc.EdDSA},
		Now:                  o.now,
	})
	return o.verifier, nil
}

// Verify checks a token's signature, issuer, audience and expiry and
// returns its principal.
func (o *OIDC) Verify(ctx context.Context, raw string) (*Principal, error) {
	v, err := o.verifierFor(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := v.Verify(ctx, raw)
	if err != nil {
		var exp *oidc.TokenExpiredError
		if errors.As(err, &exp) {
			return nil, ErrExpired
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	p := &Principal{ID: "oidc:" + tok.Subject, Roles: o.roles(claims)}
	p.Name, _ = lookup(claims, o.cfg.NameClaim).(string)
	return p, nil
}

// roles reads the roles claim and maps it.
func (o *OIDC) roles(claims map[string]any) []string {
	var raw []string
	switch v := lookup(claims, o.cfg.RolesClaim).(type) {
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				raw = append(raw, s)
			}
		}
	case string:
		raw = strings.Fields(v)
	}
	if o.cfg.RoleMap == nil {
		return raw
	}
	var out []string
	for _, r := range raw {
		if m, ok := o.cfg.RoleMap[r]; ok {
			out = append(out, m)
		}
	}
	return out
}

// lookup follows a dotted path through nested JSON objects.
func lookup(claims map[string]any, path string) any {
	var cur any = claims
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}
