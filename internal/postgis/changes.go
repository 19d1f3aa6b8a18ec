package postgis

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/socle-geo/socle/internal/ledger"
	"github.com/socle-geo/socle/internal/socle"
)

// Changes reads a page of a collection's change feed (see
// socle.ChangeFeed) in one read-only snapshot: the log and the stored
// features it is completed with are read as of one instant.
func (s *Store) Changes(ctx context.Context, q *socle.ChangesQuery, fn func(*socle.ChangeEntry) error) (socle.ChangesPage, error) {
	var page socle.ChangesPage
	sent := false
	err := s.read(ctx, &sent, func(conn *pgxpool.Conn) (err error) {
		page, err = s.changesOn(ctx, conn, q, func(e *socle.ChangeEntry) error {
			sent = true
			return fn(e)
		})
		return err
	})
	return page, err
}

func (s *Store) changesOn(ctx context.Context, conn *pgxpool.Conn, q *socle.ChangesQuery, fn func(*socle.ChangeEntry) error) (socle.ChangesPage, error) {
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return socle.ChangesPage{}, dbError(ctx, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read only
	current := func(ctx context.Context, ids []string, props []socle.Property) (map[string]*socle.Record, error) {
		c := q.Collection
		cols := fmt.Sprintf("t.%s, ST_AsBinary(t.geom)", ident(idColumn(c)))
		if len(props) > 0 {
			cols += ", " + typedColumns(props)
		}
		cast := "text[]"
		if c.IDType != socle.TypeString {
			cast = "text[]::bigint[]"
		}
		rows, err := tx.Query(ctx, fmt.Sprintf("SELECT %s FROM %s t WHERE t.%s = ANY($1::%s)", cols, table(c), ident(idColumn(c)), cast), ids)
		if err != nil {
			return nil, dbError(ctx, err)
		}
		defer rows.Close()
		out := make(map[string]*socle.Record, len(ids))
		for rows.Next() {
			r, err := scanRecord(rows, props)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(r.ID)] = r
		}
		return out, dbError(ctx, rows.Err())
	}
	return ledger.Changes(ctx, ledger.PostgresTx(tx, dbError), q, current, fn)
}
