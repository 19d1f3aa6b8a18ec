package embedded

import (
	"context"
	"database/sql"
	"fmt"
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
