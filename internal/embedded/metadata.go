package embedded

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/socle-geo/socle/internal/socle"
)

// Batches returns the batches written to the given collections, newest
// first (the id breaking ties, as the PostGIS store orders them), at most
// limit of them (limit ≤ 0: all).
func (s *Store) Batches(ctx context.Context, collections []string, limit int) ([]socle.BatchRecord, error) {
	if len(collections) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(collections)+1)
	for _, c := range collections {
		args = append(args, c)
	}
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	args = append(args, limit)
	q := `SELECT id, kind, coalesce(collection, ''), source, file_sha256, actor, status, started_at, finished_at, counts
		FROM batches WHERE collection IN (?` + strings.Repeat(", ?", len(collections)-1) + `)
		ORDER BY coalesce(finished_at, started_at) DESC, id DESC
		LIMIT ?`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, storeError(ctx, err)
	}
	defer rows.Close()
	var out []socle.BatchRecord
	for rows.Next() {
		var (
			b               socle.BatchRecord
			started, counts string
			finished        sql.NullString
		)
		if err := rows.Scan(&b.ID, &b.Kind, &b.Collection, &b.Source, &b.FileSHA256, &b.Actor, &b.Status, &started, &finished, &counts); err != nil {
			return nil, storeError(ctx, err)
		}
		if b.StartedAt, err = parseTimestamp(started); err != nil {
			return nil, storeError(ctx, err)
		}
		if finished.Valid {
			f, err := parseTimestamp(finished.String)
			if err != nil {
				return nil, storeError(ctx, err)
			}
			b.FinishedAt = &f
		}
		if err := json.Unmarshal([]byte(counts), &b.Counts); err != nil {
			return nil, storeError(ctx, err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, storeError(ctx, err)
	}
	return out, nil
}
