package postgis

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/socle-geo/socle/internal/socle"
)

// batchesSQL lists the batches of some collections, newest first; the id
// breaks ties so that the order is stable.
const batchesSQL = `SELECT id, kind, coalesce(collection, ''), source, file_sha256, actor, status, started_at, finished_at, counts
	FROM batches WHERE collection = ANY($1)
	ORDER BY coalesce(finished_at, started_at) DESC, id DESC
	LIMIT $2`

// Batches returns the batches written to the given collections, newest
// first, at most limit of them (limit ≤ 0: all).
func (s *Store) Batches(ctx context.Context, collections []string, limit int) ([]socle.BatchRecord, error) {
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	var out []socle.BatchRecord
	err := s.read(ctx, nil, func(conn *pgxpool.Conn) error {
		out = out[:0]
		rows, err := conn.Query(ctx, batchesSQL, collections, lim)
		if err != nil {
			return dbError(ctx, err)
		}
		defer rows.Close()
		for rows.Next() {
			var (
				b        socle.BatchRecord
				finished *time.Time
				counts   []byte
			)
			if err := rows.Scan(&b.ID, &b.Kind, &b.Collection, &b.Source, &b.FileSHA256, &b.Actor, &b.Status, &b.StartedAt, &finished, &counts); err != nil {
				return dbError(ctx, err)
			}
			b.StartedAt = b.StartedAt.UTC()
			if finished != nil {
				f := finished.UTC()
				b.FinishedAt = &f
			}
			if err := json.Unmarshal(counts, &b.Counts); err != nil {
				return &socle.Error{Code: socle.EINTERNAL, Message: "database error", Err: err}
			}
			out = append(out, b)
		}
		if err := rows.Err(); err != nil {
			return dbError(ctx, err)
		}
		return nil
	})
	return out, err
}
