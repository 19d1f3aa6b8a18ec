package postgis

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/socle-geo/socle/internal/socle"
)

const apiKeyColumns = `id, name, roles, rights, hash, created_at, expires_at, revoked_at`

func scanAPIKey(row pgx.Row) (socle.APIKey, error) {
	var k socle.APIKey
	err := row.Scan(&k.ID, &k.Name, &k.Roles, &k.Rights, &k.Hash, &k.CreatedAt, &k.ExpiresAt, &k.RevokedAt)
	return k, err
}

// CreateAPIKey stores a new key (its hash, never the key).
func (s *Store) CreateAPIKey(ctx context.Context, k socle.APIKey) error {
	if k.Roles == nil {
		k.Roles = []string{}
	}
	if k.Rights == nil {
		k.Rights = []string{}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		k.ID, k.Name, k.Roles, k.Rights, k.Hash, k.CreatedAt, k.ExpiresAt, k.RevokedAt)
	return dbError(ctx, err)
}

// APIKey returns the key with id, or ENOTFOUND.
func (s *Store) APIKey(ctx context.Context, id string) (socle.APIKey, error) {
	k, err := scanAPIKey(s.pool.QueryRow(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return k, socle.Errorf(socle.ENOTFOUND, "no key %s", id)
	}
	return k, dbError(ctx, err)
}

// APIKeys lists every key, revoked ones included, oldest first.
func (s *Store) APIKeys(ctx context.Context) ([]socle.APIKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, dbError(ctx, err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (socle.APIKey, error) { return scanAPIKey(r) })
	return keys, dbError(ctx, err)
}

// RevokeAPIKey revokes the key with id at the given time; revoking a
// revoked key keeps its first revocation time.
func (s *Store) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1`, id, at)
	if err != nil {
		return dbError(ctx, err)
	}
	if tag.RowsAffected() == 0 {
		return socle.Errorf(socle.ENOTFOUND, "no key %s", id)
	}
	return nil
}

// AppendAudit appends one entry to the audit log.
func (s *Store) AppendAudit(ctx context.Context, e socle.AuditEntry) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO audit_log (at, actor, action, target, remote, status, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		e.Time, e.Actor, e.Action, e.Target, e.Remote, e.Status, e.Detail)
	return dbError(ctx, err)
}

// Audit returns the entries q selects, newest first.
func (s *Store) Audit(ctx context.Context, q socle.AuditQuery) ([]socle.AuditEntry, error) {
	var where []string
	args := pgx.NamedArgs{"limit": q.Limit}
	add := func(clause, name string, v any) {
		where = append(where, clause)
		args[name] = v
	}
	if q.Actor != "" {
		add("actor = @actor", "actor", q.Actor)
	}
	if q.Action != "" {
		add("action = @action", "action", q.Action)
	}
	if q.Target != "" {
		add("target = @target", "target", q.Target)
	}
	if q.Since != nil {
		add("at >= @since", "since", *q.Since)
	}
	if q.Until != nil {
		add("at < @until", "until", *q.Until)
	}
	if q.Before > 0 {
		add("seq < @before", "before", q.Before)
	}
	sql := `SELECT seq, at, actor, action, target, remote, status, detail FROM audit_log`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY seq DESC LIMIT @limit"
	rows, err := s.pool.Query(ctx, sql, args)
	if err != nil {
		return nil, dbError(ctx, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (socle.AuditEntry, error) {
		var e socle.AuditEntry
		err := r.Scan(&e.Seq, &e.Time, &e.Actor, &e.Action, &e.Target, &e.Remote, &e.Status, &e.Detail)
		return e, err
	})
	return out, dbError(ctx, err)
}
