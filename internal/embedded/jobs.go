package embedded

import (
	"context"
	"database/sql"
	"errors"

	"github.com/socle-geo/socle/internal/socle"
)

// ingestJobsSQL is the airlock's job table, as in the PostGIS schema
// (migration 00006); the files are in update_inputs.
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
  updated_at DATETIME NOT NULL
);
CREATE INDEX IF NOT EXISTS ingest_jobs_status_idx ON ingest_jobs (status, created_at);
`

// CreateIngestJob stores a deposited file and its queued job in one
// transaction: once it returns, neither is lost.
func (s *Store) CreateIngestJob(ctx context.Context, j socle.IngestJob, data []byte) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return storeError(ctx, err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	if _, err := tx.ExecContext(ctx, `INSERT INTO update_inputs (sha256, kind, source, actor, size, data, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING`, j.SHA256, j.Kind, j.Source, j.Actor, len(data), data, formatTimestamp(s.now(), true)); err != nil {
		return storeError(ctx, err)
	}
	created := formatTimestamp(j.Created, true)
	if _, err := tx.ExecContext(ctx, `INSERT INTO ingest_jobs (id, kind, source, actor, sha256, size, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, j.ID, j.Kind, j.Source, j.Actor, j.SHA256, j.Size, socle.JobQueued, created, created); err != nil {
		return storeError(ctx, err)
	}
	return storeError(ctx, tx.Commit())
}

const jobColumns = `id, kind, source, actor, sha256, size, status, report, error, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanJob(row scanner) (socle.IngestJob, error) {
	var j socle.IngestJob
	var report sql.NullString
	var created, updated string
	if err := row.Scan(&j.ID, &j.Kind, &j.Source, &j.Actor, &j.SHA256, &j.Size, &j.Status, &report, &j.Error, &created, &updated); err != nil {
		return j, err
	}
	if report.Valid {
		j.Report = []byte(report.String)
	}
	var err error
	if j.Created, err = parseTimestamp(created); err != nil {
		return j, err
	}
	j.Updated, err = parseTimestamp(updated)
	return j, err
}

// IngestJob returns one job.
func (s *Store) IngestJob(ctx context.Context, id string) (socle.IngestJob, error) {
	j, err := scanJob(s.db.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM ingest_jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return j, socle.Errorf(socle.ENOTFOUND, "no ingest job %s", id)
	}
	return j, storeError(ctx, err)
}

// PendingIngestJobs lists the jobs not finished, oldest first.
func (s *Store) PendingIngestJobs(ctx context.Context) ([]socle.IngestJob, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+jobColumns+` FROM ingest_jobs WHERE status IN ('queued', 'running') ORDER BY created_at, id`)
	if err != nil {
		return nil, storeError(ctx, err)
	}
	defer rows.Close()
	var out []socle.IngestJob
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, storeError(ctx, err)
		}
		out = append(out, j)
	}
	return out, storeError(ctx, rows.Err())
}

// IngestJobData returns a job's deposited file.
func (s *Store) IngestJobData(ctx context.Context, id string) ([]byte, error) {
	var data []byte
	err := s.db.QueryRowContext(ctx, `SELECT i.data FROM ingest_jobs j JOIN update_inputs i ON i.sha256 = j.sha256 WHERE j.id = ?`, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, socle.Errorf(socle.ENOTFOUND, "the file of ingest job %s is no longer stored", id)
	}
	return data, storeError(ctx, err)
}

// SetIngestJob records a job's new status, with its report or error.
func (s *Store) SetIngestJob(ctx context.Context, j socle.IngestJob) error {
	var report any
	if len(j.Report) > 0 {
		report = string(j.Report)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	_, err := s.db.ExecContext(ctx, `UPDATE ingest_jobs SET status = ?, report = ?, error = ?, updated_at = ? WHERE id = ?`,
		j.Status, report, j.Error, formatTimestamp(j.Updated, true), j.ID)
	return storeError(ctx, err)
}
