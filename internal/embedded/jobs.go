package embedded

import (
	"context"
	"database/sql"
	"fmt"
)

// ingestJobsSQL is the airlock's job table, as in the PostGIS schema
// (migrations 00006 and 00012); the files are in update_inputs. A file made
// before 00012 gets its attempts column from ensureIngestAttempts.
const ingestJobsSQL = `
CREATE TABLE IF NOT EXISTS ingest_jobs (
  id TEXT PRIMARY KEY NOT NULL,
  kind TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  actor TEXT NOT NULL DEFAULT '',
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued',
  report TEXT,
  error TEXT NOT NULL DEFAULT '',
  created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS ingest_jobs_status_idx ON ingest_jobs (status, created_at);
`

// ingestListSQL indexes the job list (GET /ingest/jobs), newest first.
const ingestListSQL = `
CREATE INDEX IF NOT EXISTS ingest_jobs_actor_idx ON ingest_jobs (actor, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS ingest_jobs_created_idx ON ingest_jobs (created_at DESC, id DESC);
`

// ensureIngestAttempts adds the attempts column to a file made before it
// existed (PostGIS migration 00012), then the list's indexes.
func ensureIngestAttempts(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM pragma_table_info('ingest_jobs') WHERE name = 'attempts'").Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		if _, err := db.ExecContext(ctx, "ALTER TABLE ingest_jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0"); err != nil {
			return fmt.Errorf("embedded: add ingest_jobs.attempts: %w", err)
		}
	}
	_, err := db.ExecContext(ctx, ingestListSQL)
	return err
}
