package postgis

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/socle-geo/socle/internal/socle"
)

// CreateIngestJob stores a deposited file and its queued job in one
// transaction: once it returns, neither is lost.
func (s *Store) CreateIngestJob(ctx context.Context, j socle.IngestJob, data []byte) error {
	return dbError(ctx, pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO update_inputs (sha256, kind, source, actor, size, data) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (sha256) DO NOTHING`, j.SHA256, j.Kind, j.Source, j.Actor, int64(len(data)), data); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO ingest_jobs (id, kind, source, actor, sha256, size, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, j.ID, j.Kind, j.Source, j.Actor, j.SHA256, j.Size, socle.JobQueued, j.Created)
		return err
	}))
}

const jobColumns = `id, kind, source, actor, sha256, size, status, report, error, created_at, updated_at`

func scanJob(row pgx.Row) (socle.IngestJob, error) {
	var j socle.IngestJob
	var report []byte
	err := row.Scan(&j.ID, &j.Kind, &j.Source, &j.Actor, &j.SHA256, &j.Size, &j.Status, &report, &j.Error, &j.Created, &j.Updated)
	j.Report = report
	return j, err
}

// IngestJob returns one job.
func (s *Store) IngestJob(ctx context.Context, id string) (socle.IngestJob, error) {
	j, err := scanJob(s.pool.QueryRow(ctx, `SELECT `+jobColumns+` FROM ingest_jobs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return j, socle.Errorf(socle.ENOTFOUND, "no ingest job %s", id)
	}
	return j, dbError(ctx, err)
}

// PendingIngestJobs lists the jobs not finished, oldest first.
func (s *Store) PendingIngestJobs(ctx context.Context) ([]socle.IngestJob, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+jobColumns+` FROM ingest_jobs WHERE status IN ('queued', 'running') ORDER BY created_at, id`)
	if err != nil {
		return nil, dbError(ctx, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (socle.IngestJob, error) { return scanJob(r) })
	return out, dbError(ctx, err)
}

// IngestJobData returns a job's deposited file.
func (s *Store) IngestJobData(ctx context.Context, id string) ([]byte, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT i.data FROM ingest_jobs j JOIN update_inputs i ON i.sha256 = j.sha256 WHERE j.id = $1`, id).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, socle.Errorf(socle.ENOTFOUND, "the file of ingest job %s is no longer stored", id)
	}
	return data, dbError(ctx, err)
}

// SetIngestJob records a job's new status, with its report or error.
func (s *Store) SetIngestJob(ctx context.Context, j socle.IngestJob) error {
	var report any
	if len(j.Report) > 0 {
		report = string(j.Report)
	}
	_, err := s.pool.Exec(ctx, `UPDATE ingest_jobs SET status = $2, report = $3::jsonb, error = $4, updated_at = $5 WHERE id = $1`,
		j.ID, j.Status, report, j.Error, j.Updated)
	return dbError(ctx, err)
}
