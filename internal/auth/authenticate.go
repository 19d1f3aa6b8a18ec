package auth

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// Authenticator resolves a request's credential to a principal.
type Authenticator struct {
	Keys KeyStore
	// OIDC is nil when no issuer is configured: then JWTs are refused.
	OIDC *OIDC
	Now  func() time.Time
}

// Credential returns the credential a request carries ("" for none):
// Authorization: Bearer, or X-API-Key (what QGIS can send).
func Credential(r *http.Request) string {
	if k := r.Header.Get("X-API-Key"); k != "" {
		return strings.TrimSpace(k)
	}
	h := r.Header.Get("Authorization")
	if scheme, v, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(v)
	}
	if h != "" {
		return h // another scheme: refused as malformed, never ignored
	}
	return ""
}

// Authenticate returns Anonymous for a request without a credential, the
// caller's principal for a valid one, and an error (ErrMalformed,
// ErrUnknown, ErrExpired, ErrRevoked, ErrInvalid, or a store failure) for
// any other.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request) (*Principal, error) {
	cred := Credential(r)
	if cred == "" {
		return Anonymous, nil
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	if strings.HasPrefix(cred, KeyPrefix) {
		return checkKey(ctx, a.Keys, cred, now())
	}
	if strings.Count(cred, ".") == 2 && a.OIDC != nil {
		return a.OIDC.Verify(ctx, cred)
	}
	return nil, ErrMalformed
}
