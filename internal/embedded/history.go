package embedded

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/socle-geo/socle/internal/ledger"
	"github.com/socle-geo/socle/internal/socle"
)

// ExportHistory reads the territory's batches, rejects, updater changes and
// reverts, in one read transaction.
func (s *Store) ExportHistory(ctx context.Context) (*socle.History, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, storeError(ctx, err)
	}
	defer tx.Rollback() //nolint:errcheck // read only
	h := &socle.History{}
	rows, err := tx.QueryContext(ctx, `SELECT id, kind, coalesce(collection, ''), source, file_sha256, actor, status, CAST(started_at AS TEXT),
		CAST(finished_at AS TEXT), counts FROM batches ORDER BY started_at, id`)
	if err != nil {
		return nil, storeError(ctx, err)
	}
	for rows.Next() {
		var b socle.HistoryBatch
		var started, counts string
		var finished sql.NullString
		if err := rows.Scan(&b.ID, &b.Kind, &b.Collection, &b.Source, &b.FileSHA256, &b.Actor, &b.Status, &started, &finished, &counts); err != nil {
			rows.Close()
			return nil, storeError(ctx, err)
		}
		if b.StartedAt, err = parseTimestamp(started); err != nil {
			rows.Close()
			return nil, err
		}
		if finished.Valid {
			f, err := parseTimestamp(finished.String)
			if err != nil {
				rows.Close()
				return nil, err
			}
			b.FinishedAt = &f
		}
		b.Counts = json.RawMessage(counts)
		h.Batches = append(h.Batches, b)
	}
	rows.Close()
	if rows, err = tx.QueryContext(ctx, `SELECT batch, line, col, reason, raw FROM batch_rejects ORDER BY batch, line`); err != nil {
		return nil, storeError(ctx, err)
	}
	for rows.Next() {
		var r socle.HistoryReject
		if err := rows.Scan(&r.Batch, &r.Line, &r.Column, &r.Reason, &r.Raw); err != nil {
			rows.Close()
			return nil, storeError(ctx, err)
		}
		h.Rejects = append(h.Rejects, r)
	}
	rows.Close()
	if rows, err = tx.QueryContext(ctx, `SELECT seq, batch, collection, feature_id, op, before FROM feature_changes ORDER BY seq`); err != nil {
		return nil, storeError(ctx, err)
	}
	for rows.Next() {
		var c socle.FeatureChange
		var before sql.NullString
		if err := rows.Scan(&c.Seq, &c.Batch, &c.Collection, &c.FeatureID, &c.Op, &before); err != nil {
			rows.Close()
			return nil, storeError(ctx, err)
		}
		if before.Valid {
			c.Before = json.RawMessage(before.String)
		}
		h.Changes = append(h.Changes, c)
	}
	rows.Close()
	if rows, err = tx.QueryContext(ctx, `SELECT batch, actor, CAST(reverted_at AS TEXT), counts FROM update_reverts ORDER BY reverted_at, batch`); err != nil {
		return nil, storeError(ctx, err)
	}
	for rows.Next() {
		var r socle.HistoryRevert
		var at, counts string
		if err := rows.Scan(&r.Batch, &r.Actor, &at, &counts); err != nil {
			rows.Close()
			return nil, storeError(ctx, err)
		}
		if r.RevertedAt, err = parseTimestamp(at); err != nil {
			rows.Close()
			return nil, err
		}
		r.Counts = json.RawMessage(counts)
		h.Reverts = append(h.Reverts, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, storeError(ctx, err)
	}
	h.Consommation, err = ledger.ExportConsommation(ctx, ledger.SQLiteTx(tx, storeError))
	return h, err
}

// ImportHistory adds the history of another store, in one transaction, as
// the PostGIS store's ImportHistory does: batches already recorded are
// left as they are, with their rejects and Cerema rows; importing twice
// adds nothing. A Cerema file it adds sets the communes' ZAN indicators
// again (their flux is the stored one: a copy brings it in the
// artificialisation collection).
func (s *Store) ImportHistory(ctx context.Context, h *socle.History) (socle.HistoryResult, error) {
	var res socle.HistoryResult
	err := s.inTx(ctx, socle.Batch{}, func(im *batchWriter) error {
		var err error
		if res, err = importHistory(ctx, im.tx, h); err != nil || res.Consommation == 0 {
			return err
		}
		_, current, err := ledger.CurrentConsommation(ctx, ledger.SQLiteTx(im.tx, storeError))
		if err != nil {
			return err
		}
		return im.derive(ctx, current, deriveIndicators)
	})
	return res, err
}

// importHistory writes h in tx (see ImportHistory), the figures left as
// they are.
func importHistory(ctx context.Context, tx *sql.Tx, h *socle.History) (socle.HistoryResult, error) {
	var res socle.HistoryResult
	jsonOr := func(b json.RawMessage) string {
		if len(b) == 0 {
			return "{}"
		}
		return string(b)
	}
	exec := func(st *sql.Stmt, args ...any) (int, error) {
		r, err := st.ExecContext(ctx, args...)
		if err != nil {
			return 0, storeError(ctx, err)
		}
		n, _ := r.RowsAffected()
		return int(n), nil
	}
	prepare := func(q string) (*sql.Stmt, error) {
		st, err := tx.PrepareContext(ctx, q)
		return st, storeError(ctx, err)
	}
	insBatch, err := prepare(`INSERT INTO batches (id, kind, collection, source, file_sha256, actor, status, started_at, finished_at, counts)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`)
	if err != nil {
		return res, err
	}
	defer insBatch.Close()
	added := map[string]bool{}
	for _, b := range h.Batches {
		var coll, finished any
		if b.Collection != "" {
			coll = b.Collection
		}
		if b.FinishedAt != nil {
			finished = formatTimestamp(*b.FinishedAt)
		}
		n, err := exec(insBatch, b.ID, b.Kind, coll, b.Source, b.FileSHA256, b.Actor, b.Status, formatTimestamp(b.StartedAt), finished, jsonOr(b.Counts))
		if err != nil {
			return res, err
		}
		if n > 0 {
			added[b.ID] = true
			res.Batches++
		}
	}
	insReject, err := prepare(`INSERT INTO batch_rejects (batch, line, col, reason, raw) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return res, err
	}
	defer insReject.Close()
	for _, r := range h.Rejects {
		if !added[r.Batch] {
			continue
		}
		if _, err := exec(insReject, r.Batch, r.Line, r.Column, r.Reason, r.Raw); err != nil {
			return res, err
		}
		res.Rejects++
	}
	// The log of the batches added, in its order.
	insChange, err := prepare(`INSERT INTO feature_changes (batch, collection, feature_id, op, before) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		return res, err
	}
	defer insChange.Close()
	for i, c := range h.Changes {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return res, err
			}
		}
		if !added[c.Batch] {
			continue
		}
		var before any
		if len(c.Before) > 0 {
			before = string(c.Before)
		}
		n, err := exec(insChange, c.Batch, c.Collection, c.FeatureID, c.Op, before)
		if err != nil {
			return res, err
		}
		res.Changes += n
	}
	insRevert, err := prepare(`INSERT INTO update_reverts (batch, actor, reverted_at, counts) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return res, err
	}
	defer insRevert.Close()
	for _, r := range h.Reverts {
		n, err := exec(insRevert, r.Batch, r.Actor, formatTimestamp(r.RevertedAt), jsonOr(r.Counts))
		if err != nil {
			return res, err
		}
		res.Reverts += n
	}
	conn := ledger.SQLiteTx(tx, storeError)
	if res.Changes > 0 {
		if err := ledger.FloorAtHead(ctx, conn); err != nil {
			return res, err
		}
	}
	res.Consommation, err = ledger.ImportConsommation(ctx, conn, h.Consommation, added)
	return res, err
}
