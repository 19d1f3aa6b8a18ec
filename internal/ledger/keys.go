package ledger

import (
	"context"
	"strings"
	"time"

	"github.com/socle-geo/socle/internal/socle"
)

// The API keys (table api_keys): only the SHA-256 of a key is stored.

func (l *Ledger) keyColumns() string {
	d := l.db.Dialect()
	return "id, name, " + d.List("roles") + ", " + d.List("rights") + ", hash, created_at, expires_at, revoked_at"
}

func scanKey(rows Rows) (socle.APIKey, error) {
	var k socle.APIKey
	var roles, rights StringList
	var created Time
	var expires, revoked NullTime
	err := rows.Scan(&k.ID, &k.Name, &roles, &rights, &k.Hash, &created, &expires, &revoked)
	k.Roles, k.Rights, k.CreatedAt, k.ExpiresAt, k.RevokedAt = roles, rights, created.T, expires.T, revoked.T
	return k, err
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// CreateAPIKey stores a new key (its hash, never the key).
func (l *Ledger) CreateAPIKey(ctx context.Context, k socle.APIKey) error {
	_, err := l.db.Exec(ctx, `INSERT INTO api_keys (id, name, roles, rights, hash, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Name, orEmpty(k.Roles), orEmpty(k.Rights), k.Hash, k.CreatedAt, k.ExpiresAt, k.RevokedAt)
	return l.db.Err(ctx, err)
}

// APIKey returns the key with id, or ENOTFOUND.
func (l *Ledger) APIKey(ctx context.Context, id string) (socle.APIKey, error) {
	rows, err := l.db.Query(ctx, `SELECT `+l.keyColumns()+` FROM api_keys WHERE id = ?`, id)
	if err != nil {
		return socle.APIKey{}, l.db.Err(ctx, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return socle.APIKey{}, l.db.Err(ctx, err)
		}
		return socle.APIKey{}, socle.Errorf(socle.ENOTFOUND, "no key %s", id)
	}
	k, err := scanKey(rows)
	return k, l.db.Err(ctx, err)
}

// APIKeys lists every key, revoked ones included, oldest first.
func (l *Ledger) APIKeys(ctx context.Context) ([]socle.APIKey, error) {
	rows, err := l.db.Query(ctx, `SELECT `+l.keyColumns()+` FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, l.db.Err(ctx, err)
	}
	defer rows.Close()
	var out []socle.APIKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, l.db.Err(ctx, err)
		}
		out = append(out, k)
	}
	return out, l.db.Err(ctx, rows.Err())
}

// RevokeAPIKey revokes the key with id at the given time; revoking a
// revoked key keeps its first revocation time.
func (l *Ledger) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	n, err := l.db.Exec(ctx, `UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`, at, id)
	if err != nil {
		return l.db.Err(ctx, err)
	}
	if n == 0 {
		return socle.Errorf(socle.ENOTFOUND, "no key %s", id)
	}
	return nil
}

// The audit log (table audit_log): append-only, which triggers enforce in
// both databases.

// AppendAudit appends one entry to the audit log.
func (l *Ledger) AppendAudit(ctx context.Context, e socle.AuditEntry) error {
	_, err := l.db.Exec(ctx, `INSERT INTO audit_log (at, actor, action, target, remote, status, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		e.Time, e.Actor, e.Action, e.Target, e.Remote, e.Status, e.Detail)
	return l.db.Err(ctx, err)
}

// Audit returns the entries q selects, newest first.
func (l *Ledger) Audit(ctx context.Context, q socle.AuditQuery) ([]socle.AuditEntry, error) {
	d := l.db.Dialect()
	var where []string
	var args []any
	add := func(clause string, v any) {
		where = append(where, clause)
		args = append(args, v)
	}
	if q.Actor != "" {
		add("actor = ?", q.Actor)
	}
	if q.Action != "" {
		add("action = ?", q.Action)
	}
	if q.Target != "" {
		add("target = ?", q.Target)
	}
	if q.Since != nil {
		add(d.TimeCmp("at", ">="), *q.Since)
	}
	if q.Until != nil {
		add(d.TimeCmp("at", "<"), *q.Until)
	}
	if q.Before > 0 {
		add("seq < ?", q.Before)
	}
	query := `SELECT seq, at, actor, action, target, remote, status, detail FROM audit_log`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY seq DESC LIMIT ?"
	args = append(args, q.Limit)
	rows, err := l.db.Query(ctx, query, args...)
	if err != nil {
		return nil, l.db.Err(ctx, err)
	}
	defer rows.Close()
	var out []socle.AuditEntry
	for rows.Next() {
		var e socle.AuditEntry
		var at Time
		var status int64
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Target, &e.Remote, &status, &e.Detail); err != nil {
			return nil, l.db.Err(ctx, err)
		}
		e.Time, e.Status = at.T, int(status)
		out = append(out, e)
	}
	return out, l.db.Err(ctx, rows.Err())
}
