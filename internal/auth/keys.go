package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/socle-geo/socle/internal/socle"
)

// KeyPrefix starts every API key, so that a key is recognised in a header
// and by secret scanners.
const KeyPrefix = "sk_"

// A key is "sk_" + a 12-hex-digit id + "_" + 32 random bytes (base64url).
// The id is the lookup prefix; the secret has 256 bits of entropy, so one
// SHA-256 is enough to store it (a slow password hash protects low-entropy
// secrets, which these are not).
const (
	idBytes     = 6
	secretBytes = 32
)

// NewKey makes a key: the secret to show once, and the record to store.
func NewKey(name string, roles, rights []string, now time.Time, ttl time.Duration) (string, socle.APIKey, error) {
	for _, r := range rights {
		if !isRight(r) {
			return "", socle.APIKey{}, &socle.Error{Code: socle.EINVALID, Message: "unknown right " + r, Allowed: Rights}
		}
	}
	var id [idBytes]byte
	var sec [secretBytes]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", socle.APIKey{}, err
	}
	if _, err := rand.Read(sec[:]); err != nil {
		return "", socle.APIKey{}, err
	}
	k := socle.APIKey{ID: hex.EncodeToString(id[:]), Name: name, Roles: roles, Rights: rights, CreatedAt: now.UTC()}
	secret := KeyPrefix + k.ID + "_" + base64.RawURLEncoding.EncodeToString(sec[:])
	k.Hash = HashKey(secret)
	if ttl > 0 {
		exp := k.CreatedAt.Add(ttl)
		k.ExpiresAt = &exp
	}
	return secret, k, nil
}

func isRight(r string) bool {
	for _, x := range Rights {
		if r == x {
			return true
		}
	}
	return false
}

// HashKey is the stored form of a key.
func HashKey(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// keyID returns the id part of a key, or false when s is not shaped as one.
func keyID(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, KeyPrefix)
	if !ok {
		return "", false
	}
	id, sec, ok := strings.Cut(rest, "_")
	if !ok || len(id) != 2*idBytes || base64.RawURLEncoding.DecodedLen(len(sec)) != secretBytes {
		return "", false
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", false
	}
	return id, true
}

// KeyStore finds stored keys.
type KeyStore interface {
	// APIKey returns the key with id, or an ENOTFOUND error.
	APIKey(ctx context.Context, id string) (socle.APIKey, error)
}

// Credential errors: each is a 401 to the caller; the reason is logged and
// audited, not shown.
var (
	ErrMalformed = errors.New("auth: malformed credential")
	ErrUnknown   = errors.New("auth: unknown key")
	ErrExpired   = errors.New("auth: expired credential")
	ErrRevoked   = errors.New("auth: revoked key")
	ErrInvalid   = errors.New("auth: invalid token")
)

// checkKey resolves an API key to its principal.
func checkKey(ctx context.Context, ks KeyStore, secret string, now time.Time) (*Principal, error) {
	id, ok := keyID(secret)
	if !ok {
		return nil, ErrMalformed
	}
	k, err := ks.APIKey(ctx, id)
	if err != nil {
		if socle.ErrorCode(err) == socle.ENOTFOUND {
			return nil, ErrUnknown
		}
		return nil, err
	}
	if subtle.ConstantTimeCompare(k.Hash, HashKey(secret)) != 1 {
		return nil, ErrUnknown
	}
	if k.RevokedAt != nil {
		return nil, ErrRevoked
	}
	if k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) {
		return nil, ErrExpired
	}
	return &Principal{ID: "key:" + k.ID, Name: k.Name, Roles: k.Roles, Rights: k.Rights}, nil
}
