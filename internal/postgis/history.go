package postgis

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/socle-geo/socle/internal/ledger"
	"github.com/socle-geo/socle/internal/socle"
)

// ExportHistory reads the territory's batches, rejects, updater changes and
// reverts, in one snapshot.
func (s *Store) ExportHistory(ctx context.Context) (*socle.History, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, dbError(ctx, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read only
	if _, err := tx.Exec(ctx, batchTimeout); err != nil {
		return nil, dbError(ctx, err)
	}
	h := &socle.History{}
	rows, err := tx.Query(ctx, `SELECT id, kind, coalesce(collection, ''), source, file_sha256, actor, status, started_at, finished_at, counts FROM batches ORDER BY started_at, id`)
	if err != nil {
		return nil, dbError(ctx, err)
	}
	for rows.Next() {
		var b socle.HistoryBatch
		var counts []byte
		if err := rows.Scan(&b.ID, &b.Kind, &b.Collection, &b.Source, &b.FileSHA256, &b.Actor, &b.Status, &b.StartedAt, &b.FinishedAt, &counts); err != nil {
			rows.Close()
			return nil, dbError(ctx, err)
		}
		b.StartedAt = b.StartedAt.UTC()
		if b.FinishedAt != nil {
			f := b.FinishedAt.UTC()
			b.FinishedAt = &f
		}
		b.Counts = counts
		h.Batches = append(h.Batches, b)
	}
	rows.Close()
	if rows, err = tx.Query(ctx, `SELECT batch, line, col, reason, raw FROM batch_rejects ORDER BY batch, line`); err != nil {
		return nil, dbError(ctx, err)
	}
	for rows.Next() {
		var r socle.HistoryReject
		var line int32
		if err := rows.Scan(&r.Batch, &line, &r.Column, &r.Reason, &r.Raw); err != nil {
			rows.Close()
			return nil, dbError(ctx, err)
		}
		r.Line = int(line)
		h.Rejects = append(h.Rejects, r)
	}
	rows.Close()
	if rows, err = tx.Query(ctx, `SELECT seq, batch, collection, feature_id, op, before FROM feature_changes ORDER BY seq`); err != nil {
		return nil, dbError(ctx, err)
	}
	for rows.Next() {
		var c socle.FeatureChange
		var before []byte
		if err := rows.Scan(&c.Seq, &c.Batch, &c.Collection, &c.FeatureID, &c.Op, &before); err != nil {
			rows.Close()
			return nil, dbError(ctx, err)
		}
		c.Before = before
		h.Changes = append(h.Changes, c)
	}
	rows.Close()
	if rows, err = tx.Query(ctx, `SELECT batch, actor, reverted_at, counts FROM update_reverts ORDER BY reverted_at, batch`); err != nil {
		return nil, dbError(ctx, err)
	}
	for rows.Next() {
		var r socle.HistoryRevert
		var counts []byte
		if err := rows.Scan(&r.Batch, &r.Actor, &r.RevertedAt, &counts); err != nil {
			rows.Close()
			return nil, dbError(ctx, err)
		}
		r.RevertedAt, r.Counts = r.RevertedAt.UTC(), counts
		h.Reverts = append(h.Reverts, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, dbError(ctx, err)
	}
	h.Consommation, err = ledger.ExportConsommation(ctx, ledger.PostgresTx(tx, dbError))
	return h, err
}

// ImportHistory adds the history of another store, in one transaction:
// batches already recorded (same id) are left as they are, with their
// rejects and Cerema rows; importing the same history twice adds nothing.
// A Cerema file it adds sets the communes' ZAN indicators again (their
// flux is the stored one: a copy brings it in the artificialisation
// collection).
func (s *Store) ImportHistory(ctx context.Context, h *socle.History) (socle.HistoryResult, error) {
	var res socle.HistoryResult
	tx, err := s.beginBatch(ctx)
	if err != nil {
		return res, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // no-op after commit
	jsonOr := func(b json.RawMessage) string {
		if len(b) == 0 {
			return "{}"
		}
		return string(b)
	}
	steps := []struct {
		tmp, create string
		cols        []string
		n           int
		row         func(i int) []any
		insert      string
		count       *int
	}{
		{"hist_batches", `(id text, kind text, collection text, source text, file_sha256 text, actor text, status text, started_at timestamptz, finished_at timestamptz, counts text)`,
			[]string{"id", "kind", "collection", "source", "file_sha256", "actor", "status", "started_at", "finished_at", "counts"}, len(h.Batches),
			func(i int) []any {
				b := h.Batches[i]
				var coll any
				if b.Collection != "" {
					coll = b.Collection
				}
				return []any{b.ID, b.Kind, coll, b.Source, b.FileSHA256, b.Actor, b.Status, b.StartedAt, b.FinishedAt, jsonOr(b.Counts)}
			},
			// The rejects follow the batches this import adds, only.
			`WITH added AS (INSERT INTO batches (id, kind, collection, source, file_sha256, actor, status, started_at, finished_at, counts)
				SELECT id, kind, collection, source, file_sha256, actor, status, started_at, finished_at, counts::jsonb FROM hist_batches
				ON CONFLICT (id) DO NOTHING RETURNING id)
			 INSERT INTO hist_added SELECT id FROM added`, &res.Batches},
		{"hist_rejects", `(batch text, line integer, col text, reason text, raw text)`, []string{"batch", "line", "col", "reason", "raw"}, len(h.Rejects),
			func(i int) []any { r := h.Rejects[i]; return []any{r.Batch, int32(r.Line), r.Column, r.Reason, r.Raw} },
			`INSERT INTO batch_rejects (batch, line, col, reason, raw) SELECT batch, line, col, reason, raw FROM hist_rejects WHERE batch IN (SELECT id FROM hist_added)`, &res.Rejects},
		// The log of the batches added, in its order.
		{"hist_changes", `(n bigint, batch text, collection text, feature_id text, op text, before text)`, []string{"n", "batch", "collection", "feature_id", "op", "before"}, len(h.Changes),
			func(i int) []any {
				c := h.Changes[i]
				var before any
				if len(c.Before) > 0 {
					before = string(c.Before)
				}
				return []any{int64(i), c.Batch, c.Collection, c.FeatureID, c.Op, before}
			},
			`INSERT INTO feature_changes (batch, collection, feature_id, op, before) SELECT batch, collection, feature_id, op, before::jsonb FROM hist_changes
				WHERE batch IN (SELECT id FROM hist_added) ORDER BY n`, &res.Changes},
		{"hist_reverts", `(batch text, actor text, reverted_at timestamptz, counts text)`, []string{"batch", "actor", "reverted_at", "counts"}, len(h.Reverts),
			func(i int) []any { r := h.Reverts[i]; return []any{r.Batch, r.Actor, r.RevertedAt, jsonOr(r.Counts)} },
			`INSERT INTO update_reverts (batch, actor, reverted_at, counts) SELECT batch, actor, reverted_at, counts::jsonb FROM hist_reverts
				ON CONFLICT DO NOTHING`, &res.Reverts},
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE hist_added (id text) ON COMMIT DROP`); err != nil {
		return res, dbError(ctx, err)
	}
	for _, st := range steps {
		if _, err := tx.Exec(ctx, "CREATE TEMP TABLE "+st.tmp+" "+st.create+" ON COMMIT DROP"); err != nil {
			return res, dbError(ctx, err)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{st.tmp}, st.cols, pgx.CopyFromSlice(st.n, func(i int) ([]any, error) { return st.row(i), nil })); err != nil {
			return res, importError(ctx, err)
		}
		tag, err := tx.Exec(ctx, st.insert)
		if err != nil {
			return res, importError(ctx, err)
		}
		*st.count = int(tag.RowsAffected())
	}
	conn := ledger.PostgresTx(tx, dbError)
	if res.Changes > 0 {
		if err := ledger.FloorAtHead(ctx, conn); err != nil {
			return res, err
		}
	}
	if len(h.Consommation) > 0 && res.Batches > 0 {
		ids, err := collectFlux(ctx, tx, `SELECT id FROM hist_added`, func(r pgx.Rows) (string, error) {
			var s string
			return s, r.Scan(&s)
		})
		if err != nil {
			return res, err
		}
		added := map[string]bool{}
		for _, id := range ids {
			added[id] = true
		}
		if res.Consommation, err = ledger.ImportConsommation(ctx, conn, h.Consommation, added); err != nil {
			return res, err
		}
		if res.Consommation > 0 {
			_, current, err := ledger.CurrentConsommation(ctx, conn)
			if err != nil {
				return res, err
			}
			if err := s.derive(ctx, tx, current, deriveIndicators); err != nil {
				return res, err
			}
		}
	}
	return res, dbError(ctx, tx.Commit(ctx))
}
