// Package auth says who a caller is and what it may do: API keys (made by
// the CLI, stored as hashes), OpenID Connect bearer tokens checked against a
// configured issuer's keys, and the principal both resolve to.
package auth

import (
	"slices"

	"github.com/socle-geo/socle/internal/socle"
)

// Rights beyond reading collections. Each is also a built-in role name: a
// caller holding the role holds the right (DESIGN.md).
const (
	RightAdmin             = "admin"
	RightIngestFibre       = "ingest:fibre"
	RightIngestRoadReports = "ingest:road-reports"
)

// Rights lists the rights a key may be given.
var Rights = []string{RightAdmin, RightIngestFibre, RightIngestRoadReports}

// Principal is the caller of a request.
type Principal struct {
	// ID names the caller in logs and the audit: "anonymous", "key:ID",
	// "oidc:SUBJECT".
	ID string
	// Name is a human label (a key's name, a token's preferred_username).
	Name   string
	Roles  []string
	Rights []string
}

// Anonymous is the caller without a credential.
var Anonymous = &Principal{ID: "anonymous"}

// Authenticated is true for any caller that presented a valid credential:
// a caller of the organisation.
func (p *Principal) Authenticated() bool { return p != nil && p.ID != Anonymous.ID }

// Has says whether p holds right; admin holds every right.
func (p *Principal) Has(right string) bool {
	if p == nil {
		return false
	}
	for _, r := range []string{right, RightAdmin} {
		if slices.Contains(p.Rights, r) || slices.Contains(p.Roles, r) {
			return true
		}
	}
	return false
}

// HasRole says whether p holds role.
func (p *Principal) HasRole(role string) bool { return p != nil && slices.Contains(p.Roles, role) }

// CanRead says whether p may see collection c at all: public to everyone,
// internal to any authenticated caller, restricted to its roles and admins.
func (p *Principal) CanRead(c *socle.Collection) bool {
	switch c.Access {
	case socle.AccessPublic, "":
		return true
	case socle.AccessInternal:
		return p.Authenticated()
	case socle.AccessRestricted:
		if p.Has(RightAdmin) {
			return true
		}
		for _, r := range c.ReadRoles {
			if p.HasRole(r) {
				return true
			}
		}
	}
	return false
}
