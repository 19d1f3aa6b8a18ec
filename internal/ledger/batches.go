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
// be reverted now and returns its kind and collection: it must exist, be
// an updater batch that completed and was not reverted
// (socle.CheckRevertable), and no later batch of its kind may have changed
// data since (revert that one first). cat names the collections whose rows
// batches add (their BatchProperty).
func RevertTarget(ctx context.Context, tx Conn, cat *socle.Catalog, batch string) (kind, collection string, err error) {
	var status string
	// The start as the database holds it, compared with others as it is.
	var started any
	err = (&Ledger{db: tx}).queryRow(ctx, tx, `SELECT kind, coalesce(collection, ''), status, started_at FROM batches WHERE id = ?`,
		[]any{batch}, &kind, &collection, &status, &started)
	if errors.Is(err, ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
		return "", "", socle.Errorf(socle.ENOTFOUND, "no batch %s", batch)
	}
	if err != nil {
		return "", "", tx.Err(ctx, err)
	}
	if err := socle.CheckRevertable(kind, status, batch); err != nil {
		return "", "", err
	}
	// Data a later batch changed rests on this one's.
	changed := []string{"EXISTS (SELECT 1 FROM update_history h WHERE h.batch = b.id)"}
	for _, c := range cat.Collections {
		if c.BatchProperty != "" {
			changed = append(changed, fmt.Sprintf("EXISTS (SELECT 1 FROM %s x WHERE x.%s = b.id)", c.ID, c.BatchProperty))
		}
	}
	var later string
	err = (&Ledger{db: tx}).queryRow(ctx, tx, `SELECT b.id FROM batches b WHERE b.kind = ? AND b.status = 'done'
		AND (b.started_at > ? OR (b.started_at = ? AND b.id > ?))
		AND (`+strings.Join(changed, " OR ")+`)
		ORDER BY b.started_at DESC LIMIT 1`, []any{kind, started, started, batch}, &later)
	switch {
	case err == nil:
		return "", "", &socle.Error{Code: socle.ECONFLICT, Message: fmt.Sprintf("batch %s, applied after %s, changed data that rests on it: revert %s first", later, batch, later)}
	case errors.Is(err, ErrNoRows) || errors.Is(err, pgx.ErrNoRows):
		return kind, collection, nil
	}
	return "", "", tx.Err(ctx, err)
}
