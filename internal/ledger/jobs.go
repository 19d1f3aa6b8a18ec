package ledger

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/socle-geo/socle/internal/socle"
)

// The field files as they arrived (table update_inputs) and the airlock's
// jobs (table ingest_jobs), whose files they are.

// SaveUpdateInput stores a field file before it is processed; a file
// already stored (same SHA-256) is left as it is.
func (l *Ledger) SaveUpdateInput(ctx context.Context, in socle.UpdateInput) error {
	return l.db.Err(ctx, l.saveInput(ctx, l.db, in))
}

func (l *Ledger) saveInput(ctx context.Context, db Conn, in socle.UpdateInput) error {
	_, err := db.Exec(ctx, `INSERT INTO update_inputs (sha256, kind, source, actor, size, data, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (sha256) DO NOTHING`, in.SHA256, in.Kind, in.Source, in.Actor, int64(len(in.Data)), in.Data, l.Now().UTC())
	return err
}

// PurgeUpdateInputs deletes the stored files received before t, but not
// those of a deposit still waiting to be processed, and says how many.
func (l *Ledger) PurgeUpdateInputs(ctx context.Context, before time.Time) (int, error) {
	n, err := l.db.Exec(ctx, `DELETE FROM update_inputs WHERE `+l.db.Dialect().TimeCmp("received_at", "<")+`
		AND sha256 NOT IN (SELECT sha256 FROM ingest_jobs WHERE status IN ('queued', 'running'))`, before)
	return int(n), l.db.Err(ctx, err)
}

// CreateIngestJob stores a deposited file and its queued job in one
// transaction: once it returns, neither is lost.
func (l *Ledger) CreateIngestJob(ctx context.Context, j socle.IngestJob, data []byte) error {
	return l.db.Err(ctx, l.db.InTx(ctx, func(tx Conn) error {
		if err := l.saveInput(ctx, tx, socle.UpdateInput{SHA256: j.SHA256, Kind: j.Kind, Source: j.Source, Actor: j.Actor, Data: data}); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO ingest_jobs (id, kind, source, actor, sha256, size, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, j.ID, j.Kind, j.Source, j.Actor, j.SHA256, j.Size, socle.JobQueued, j.Created, j.Created)
		return err
	}))
}

const jobColumns = `id, kind, source, actor, sha256, size, status, report, error, created_at, updated_at, attempts`

func scanJob(rows Rows) (socle.IngestJob, error) {
	var j socle.IngestJob
	var report JSON
	var created, updated Time
	err := rows.Scan(&j.ID, &j.Kind, &j.Source, &j.Actor, &j.SHA256, &j.Size, &j.Status, &report, &j.Error, &created, &updated, &j.Attempts)
	if len(report) > 0 {
		j.Report = []byte(report)
	}
	j.Created, j.Updated = created.T, updated.T
	return j, err
}

func (l *Ledger) jobs(ctx context.Context, where string, args ...any) ([]socle.IngestJob, error) {
	rows, err := l.db.Query(ctx, `SELECT `+jobColumns+` FROM ingest_jobs `+where, args...)
	if err != nil {
		return nil, l.db.Err(ctx, err)
	}
	defer rows.Close()
	var out []socle.IngestJob
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, l.db.Err(ctx, err)
		}
		out = append(out, j)
	}
	return out, l.db.Err(ctx, rows.Err())
}

// IngestJob returns one job, or ENOTFOUND.
func (l *Ledger) IngestJob(ctx context.Context, id string) (socle.IngestJob, error) {
	js, err := l.jobs(ctx, `WHERE id = ?`, id)
	if err != nil {
		return socle.IngestJob{}, err
	}
	if len(js) == 0 {
		return socle.IngestJob{}, socle.Errorf(socle.ENOTFOUND, "no ingest job %s", id)
	}
	return js[0], nil
}

// PendingIngestJobs lists the jobs not finished, oldest first.
func (l *Ledger) PendingIngestJobs(ctx context.Context) ([]socle.IngestJob, error) {
	return l.jobs(ctx, `WHERE status IN ('queued', 'running') ORDER BY created_at, id`)
}

// IngestJobData returns a job's deposited file.
func (l *Ledger) IngestJobData(ctx context.Context, id string) ([]byte, error) {
	var data []byte
	err := l.queryRow(ctx, l.db, `SELECT i.data FROM ingest_jobs j JOIN update_inputs i ON i.sha256 = j.sha256 WHERE j.id = ?`, []any{id}, &data)
	if errors.Is(err, ErrNoRows) || errors.Is(l.db.Err(ctx, err), ErrNoRows) {
		return nil, socle.Errorf(socle.ENOTFOUND, "the file of ingest job %s is no longer stored", id)
	}
	return data, l.db.Err(ctx, err)
}

// SetIngestJob records a job's new status, with its report or error.
func (l *Ledger) SetIngestJob(ctx context.Context, j socle.IngestJob) error {
	var report any
	if len(j.Report) > 0 {
		report = string(j.Report)
	}
	_, err := l.db.Exec(ctx, `UPDATE ingest_jobs SET status = ?, report = `+l.db.Dialect().JSONArg+`, error = ?, updated_at = ?, attempts = ? WHERE id = ?`,
		j.Status, report, j.Error, j.Updated, j.Attempts, j.ID)
	return l.db.Err(ctx, err)
}

// IngestJobs lists the jobs q selects, newest first, and how many it
// matches in all.
func (l *Ledger) IngestJobs(ctx context.Context, q socle.IngestJobQuery) ([]socle.IngestJob, int, error) {
	var conds []string
	var args []any
	if q.Actor != "" {
		conds, args = append(conds, "actor = ?"), append(args, q.Actor)
	}
	if len(q.Status) > 0 {
		conds = append(conds, "status IN (?"+strings.Repeat(", ?", len(q.Status)-1)+")")
		for _, st := range q.Status {
			args = append(args, st)
		}
	}
	where := ""
	if len(conds) > 0 {
		where = "WHERE " + strings.Join(conds, " AND ")
	}
	var matched int64
	if err := l.queryRow(ctx, l.db, `SELECT count(*) FROM ingest_jobs `+where, args, &matched); err != nil {
		return nil, 0, l.db.Err(ctx, err)
	}
	js, err := l.jobs(ctx, where+` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, q.Limit, q.Offset)...)
	return js, int(matched), err
}
