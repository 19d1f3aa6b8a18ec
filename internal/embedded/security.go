package embedded

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/socle-geo/socle/internal/socle"
)

// securitySchema holds API keys (hashes only) and the audit log, which
// triggers keep append-only for every writer of the file.
const securitySchema = `
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  roles TEXT NOT NULL DEFAULT '[]',
  rights TEXT NOT NULL DEFAULT '[]',
  hash BLOB NOT NULL CHECK (length(hash) = 32),
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL DEFAULT '',
  remote TEXT NOT NULL DEFAULT '',
  status INTEGER NOT NULL,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
`

// ensureSecurity creates the security tables of a file that lacks them.
func ensureSecurity(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, securitySchema); err != nil {
		return fmt.Errorf("embedded: security tables: %w", err)
	}
	return nil
}

const secStamp = time.RFC3339Nano

func secTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(secStamp)
}

func parseSecTime(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := time.Parse(secStamp, s.String)
	return &t, err
}

func securityErr(err error) error {
	if err == nil {
		return nil
	}
	return &socle.Error{Code: socle.EUNAVAILABLE, Message: "the data file cannot be read or written", Err: err}
}

const apiKeyColumns = `id, name, roles, rights, hash, created_at, expires_at, revoked_at`

func scanAPIKey(sc interface{ Scan(...any) error }) (socle.APIKey, error) {
	var k socle.APIKey
	var roles, rights, created string
	var expires, revoked sql.NullString
	if err := sc.Scan(&k.ID, &k.Name, &roles, &rights, &k.Hash, &created, &expires, &revoked); err != nil {
		return k, err
	}
	var errs [5]error
	errs[0] = json.Unmarshal([]byte(roles), &k.Roles)
	errs[1] = json.Unmarshal([]byte(rights), &k.Rights)
	k.CreatedAt, errs[2] = time.Parse(secStamp, created)
	k.ExpiresAt, errs[3] = parseSecTime(expires)
	k.RevokedAt, errs[4] = parseSecTime(revoked)
	return k, errors.Join(errs[:]...)
}

// CreateAPIKey stores a new key (its hash, never the key).
func (s *Store) CreateAPIKey(ctx context.Context, k socle.APIKey) error {
	roles, _ := json.Marshal(nonNilStrings(k.Roles))
	rights, _ := json.Marshal(nonNilStrings(k.Rights))
	_, err := s.db.ExecContext(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Name, string(roles), string(rights), k.Hash, k.CreatedAt.UTC().Format(secStamp), secTime(k.ExpiresAt), secTime(k.RevokedAt))
	return securityErr(err)
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// APIKey returns the key with id, or ENOTFOUND.
func (s *Store) APIKey(ctx context.Context, id string) (socle.APIKey, error) {
	k, err := scanAPIKey(s.db.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return k, socle.Errorf(socle.ENOTFOUND, "no key %s", id)
	}
	return k, securityErr(err)
}

// APIKeys lists every key, revoked ones included, oldest first.
func (s *Store) APIKeys(ctx context.Context) ([]socle.APIKey, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, securityErr(err)
	}
	defer rows.Close()
	var out []socle.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, securityErr(err)
		}
		out = append(out, k)
	}
	return out, securityErr(rows.Err())
}

// RevokeAPIKey revokes the key with id at the given time; revoking a
// revoked key keeps its first revocation time.
func (s *Store) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?`, at.UTC().Format(secStamp), id)
	if err != nil {
		return securityErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return socle.Errorf(socle.ENOTFOUND, "no key %s", id)
	}
	return nil
}

// AppendAudit appends one entry to the audit log.
func (s *Store) AppendAudit(ctx context.Context, e socle.AuditEntry) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO audit_log (at, actor, action, target, remote, status, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		e.Time.UTC().Format(secStamp), e.Actor, e.Action, e.Target, e.Remote, e.Status, e.Detail)
	return securityErr(err)
}

// Audit returns the entries q selects, newest first.
func (s *Store) Audit(ctx context.Context, q socle.AuditQuery) ([]socle.AuditEntry, error) {
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
	// Times are stored as UTC RFC 3339 text, whose order is time order
	// only at a fixed width: compare parsed values instead.
	if q.Since != nil {
		add("julianday(at) >= julianday(?)", q.Since.UTC().Format(secStamp))
	}
	if q.Until != nil {
		add("julianday(at) < julianday(?)", q.Until.UTC().Format(secStamp))
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
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, securityErr(err)
	}
	defer rows.Close()
	var out []socle.AuditEntry
	for rows.Next() {
		var e socle.AuditEntry
		var at string
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Target, &e.Remote, &e.Status, &e.Detail); err != nil {
			return nil, securityErr(err)
		}
		if e.Time, err = time.Parse(secStamp, at); err != nil {
			return nil, securityErr(err)
		}
		out = append(out, e)
	}
	return out, securityErr(rows.Err())
}
