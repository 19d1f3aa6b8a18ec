package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/auth"
)

// FuzzAuthenticate: whatever a client sends, the answer is the one key's
// principal only for that exact key, anonymous only without a credential,
// and a credential error otherwise, never a panic.
func FuzzAuthenticate(f *testing.F) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	secret, k, err := auth.NewKey("k", []string{"roads"}, nil, now, 0)
	if err != nil {
		f.Fatal(err)
	}
	a := &auth.Authenticator{Keys: keyMap{k.ID: k}, Now: func() time.Time { return now }}
	for _, seed := range []string{"", secret, "Bearer " + secret, "bearer  " + secret + " ", "Basic Zm9vOmJhcg==", "Bearer sk_", "Bearer sk_" + k.ID + "_",
		"Bearer a.b.c", "Bearer " + secret[:len(secret)-1] + "B", "Bearer sk_zzzzzzzzzzzz_" + secret[len(secret)-43:], "Bearer \x00"} {
		f.Add(seed, "")
		f.Add("", seed)
	}
	f.Fuzz(func(t *testing.T, authorization, apiKey string) {
		r := request()
		r.Header["Authorization"] = []string{authorization}
		r.Header["X-Api-Key"] = []string{apiKey}
		p, err := a.Authenticate(context.Background(), r)
		cred := auth.Credential(r)
		switch {
		case err == nil && p.Authenticated():
			if cred != secret {
				t.Fatalf("%q authenticated as %s", cred, p.ID)
			}
		case err == nil:
			if cred != "" {
				t.Fatalf("credential %q ignored", cred)
			}
		case !errors.Is(err, auth.ErrMalformed) && !errors.Is(err, auth.ErrUnknown):
			t.Fatalf("%q: %v", cred, err)
		}
	})
}
