package socle

import "time"

// APIKey is a stored API key: its id (the lookup prefix of the secret), who
// it stands for, and the SHA-256 of the whole secret. The secret itself is
// shown once at creation and never stored.
type APIKey struct {
	ID        string
	Name      string
	Roles     []string
	Rights    []string
	Hash      []byte
	CreatedAt time.Time
	// ExpiresAt is nil for a key that does not expire.
	ExpiresAt *time.Time
	// RevokedAt is set once the key is revoked; a revoked key stays listed.
	RevokedAt *time.Time
}

// AuditEntry is one line of the audit log: who did what, when, from where,
// and with what result. Stores only ever append entries.
type AuditEntry struct {
	// Seq orders entries; the store assigns it.
	Seq    int64
	Time   time.Time
	Actor  string // "anonymous", "key:ID", "oidc:SUBJECT", "cli:USER"
	Action string // e.g. "read", "import", "ingest", "revert", "key.create", "key.revoke"
	Target string // what was acted on: a collection, a key id, a batch
	Remote string // the client's address, or "cli"
	Status int    // the HTTP status, or 0/1 for a command's success/failure
	Detail string
}

// AuditQuery selects audit entries, newest first.
type AuditQuery struct {
	Actor, Action, Target string
	Since, Until          *time.Time
	// Before pages backwards: only entries with Seq < Before (0: from the newest).
	Before int64
	Limit  int
}
