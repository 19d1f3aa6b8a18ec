package ledger

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/socle-geo/socle/internal/socle"
)

// RevertTarget checks, inside the transaction of a revert, that batch may
// be reverted now, and returns its kind and collection. It must exist and
// be revertable (socle.CheckRevertable), and what it changed must be what
// is stored: no later batch (but one reverted since, a revert, or a
// recomputation of derived figures, which follows whatever is stored) may have
// changed a feature it changed — revert that one first. An updater batch
// also waits for the later batches of its kind that changed anything: their
// aggregates (a road's condition over every report) rest on it.
func RevertTarget(ctx context.Context, tx Conn, batch string) (kind, collection string, err error) {
	l := &Ledger{db: tx}
	var status string
	// The start as the database holds it, compared with others as it is.
	var started any
	err = l.queryRow(ctx, tx, `SELECT kind, coalesce(collection, ''), status, started_at FROM batches WHERE id = ?`,
		[]any{batch}, &kind, &collection, &status, &started)
	if isNoRows(err) {
		return "", "", socle.Errorf(socle.ENOTFOUND, "no batch %s", batch)
	}
	if err != nil {
		return "", "", tx.Err(ctx, err)
	}
	if err := socle.CheckRevertable(kind, status, batch); err != nil {
		return "", "", err
	}
	if _, prunedBefore, err := l.floor(ctx); err != nil {
		return "", "", err
	} else if prunedBefore != nil {
		var n int
		if err := l.queryRow(ctx, tx, `SELECT count(*) FROM batches WHERE id = ? AND `+tx.Dialect().TimeCmp("finished_at", "<"), []any{batch, *prunedBefore}, &n); err != nil {
			return "", "", tx.Err(ctx, err)
		}
		if n > 0 {
			return "", "", socle.Errorf(socle.ECONFLICT, "batch %s finished before %s: its changes are no longer kept, it cannot be reverted", batch, prunedBefore.UTC().Format("2006-01-02T15:04:05Z"))
		}
	}
	var later string
	err = l.queryRow(ctx, tx, `SELECT c2.batch FROM feature_changes c1
		JOIN feature_changes c2 ON c2.collection = c1.collection AND c2.feature_id = c1.feature_id AND c2.seq > c1.seq
		JOIN batches b2 ON b2.id = c2.batch
		WHERE c1.batch = ? AND c2.batch <> ? AND b2.status <> 'reverted' AND b2.kind <> ? AND b2.kind <> ?
		ORDER BY c2.seq DESC LIMIT 1`, []any{batch, batch, socle.KindRevert, socle.KindDerive}, &later)
	if err == nil {
		return "", "", laterFirst(batch, later)
	}
	if !isNoRows(err) {
		return "", "", tx.Err(ctx, err)
	}
	if strings.HasPrefix(kind, "update-") {
		err = l.queryRow(ctx, tx, `SELECT b.id FROM batches b WHERE b.kind = ? AND b.status = 'done'
			AND (b.started_at > ? OR (b.started_at = ? AND b.id > ?))
			AND EXISTS (SELECT 1 FROM feature_changes c WHERE c.batch = b.id)
			ORDER BY b.started_at DESC LIMIT 1`, []any{kind, started, started, batch}, &later)
		if err == nil {
			return "", "", laterFirst(batch, later)
		}
		if !isNoRows(err) {
			return "", "", tx.Err(ctx, err)
		}
	}
	return kind, collection, nil
}

func laterFirst(batch, later string) error {
	return &socle.Error{Code: socle.ECONFLICT, Message: fmt.Sprintf("batch %s, applied after %s, changed data that rests on it: revert %s first", later, batch, later)}
}

func isNoRows(err error) bool { return errors.Is(err, ErrNoRows) || errors.Is(err, pgx.ErrNoRows) }

// RevertPlan is what reverting a batch does to one feature: its first
// change in the batch, whose Op says what to undo and whose Before is what
// to put back.
type RevertPlan = socle.FeatureChange

// Plan returns, by collection, the first change the batch made to each
// feature, in the order of the log.
func Plan(ctx context.Context, tx Conn, batch string) (map[string][]RevertPlan, error) {
	rows, err := tx.Query(ctx, `SELECT seq, collection, feature_id, op, before FROM feature_changes c
		WHERE batch = ? AND seq = (SELECT min(seq) FROM feature_changes d WHERE d.batch = c.batch AND d.collection = c.collection AND d.feature_id = c.feature_id)
		ORDER BY seq`, batch)
	if err != nil {
		return nil, tx.Err(ctx, err)
	}
	defer rows.Close()
	out := map[string][]RevertPlan{}
	for rows.Next() {
		var p RevertPlan
		var before JSON
		if err := rows.Scan(&p.Seq, &p.Collection, &p.FeatureID, &p.Op, &before); err != nil {
			return nil, tx.Err(ctx, err)
		}
		p.Batch, p.Before = batch, []byte(before)
		out[p.Collection] = append(out[p.Collection], p)
	}
	return out, tx.Err(ctx, rows.Err())
}

// MarkReverted records that batch was reverted by the revert batch, who
// did it and what it did.
func MarkReverted(ctx context.Context, tx Conn, batch, actor string, at any, res socle.RevertResult) error {
	if _, err := tx.Exec(ctx, `UPDATE batches SET status = 'reverted' WHERE id = ?`, batch); err != nil {
		return tx.Err(ctx, err)
	}
	counts := fmt.Sprintf(`{"revert_batch": %q, "restored": %d, "removed": %d, "reinserted": %d}`, res.RevertBatch, res.Restored, res.Removed, res.Reinserted)
	_, err := tx.Exec(ctx, `INSERT INTO update_reverts (batch, actor, reverted_at, counts) VALUES (?, ?, ?, `+tx.Dialect().JSONArg+`)`, batch, actor, at, counts)
	return tx.Err(ctx, err)
}
