package ledger

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/zan"
)

// Derived figures (issue 13): the artificialisation flux and the communes'
// ZAN indicators are recomputed after every batch that changes what they
// rest on — a land-cover or communes import, a Cerema file, a revert of
// any of these. What a recomputation changes is written under a batch of
// its own, of kind socle.KindDerive, whose source is the batch it follows,
// and logged here like any other write: the change feeds of the
// artificialisation and communes collections show it, with the row each
// change replaced. A derive batch is never reverted and never holds a
// revert back: reverting its source recomputes the figures again, under a
// new derive batch.

// LogDerived logs the changes a derive batch made to a collection, in the
// order given, each with the stored row it replaced (Before, nil for an
// insert). The store writes the rows themselves in the same transaction.
func LogDerived(ctx context.Context, tx Conn, batch, collection string, changes []socle.FeatureChange) error {
	if len(changes) == 0 {
		return nil
	}
	q := `INSERT INTO feature_changes (batch, collection, feature_id, op, before) VALUES (?, ?, ?, ?, ` + tx.Dialect().JSONArg + `)`
	for _, c := range changes {
		switch c.Op {
		case socle.OpInsert, socle.OpUpdate, socle.OpDelete:
		default:
			return fmt.Errorf("ledger: derived change of %s %s: unknown op %q", collection, c.FeatureID, c.Op)
		}
		var before any
		if len(c.Before) > 0 && c.Op != socle.OpInsert {
			before = string(c.Before)
		}
		if _, err := tx.Exec(ctx, q, batch, collection, c.FeatureID, c.Op, before); err != nil {
			return tx.Err(ctx, err)
		}
	}
	return nil
}

// SaveConsommation stores the rows of a Cerema file under its batch (one
// row per commune and year, in m²). The current file is the latest such
// batch not reverted: a revert needs no undo here, only a recomputation.
func SaveConsommation(ctx context.Context, tx Conn, batch string, rows []zan.ConsommationRow) error {
	for _, r := range rows {
		for _, y := range slices.Sorted(maps.Keys(r.M2)) {
			if _, err := tx.Exec(ctx, `INSERT INTO consommation (batch, insee, nom, year, m2) VALUES (?, ?, ?, ?, ?)`,
				batch, r.INSEE, r.Name, y, r.M2[y]); err != nil {
				return tx.Err(ctx, err)
			}
		}
	}
	return nil
}

// ExportConsommation reads every stored row of the Cerema files, by batch,
// commune and year, for a copy of the territory's history.
func ExportConsommation(ctx context.Context, tx Conn) ([]socle.HistoryConsommation, error) {
	rows, err := tx.Query(ctx, `SELECT batch, insee, nom, year, m2 FROM consommation ORDER BY batch, insee, year`)
	if err != nil {
		return nil, tx.Err(ctx, err)
	}
	defer rows.Close()
	var out []socle.HistoryConsommation
	for rows.Next() {
		var r socle.HistoryConsommation
		var year int64
		if err := rows.Scan(&r.Batch, &r.INSEE, &r.Name, &year, &r.M2); err != nil {
			return nil, tx.Err(ctx, err)
		}
		r.Year = int(year)
		out = append(out, r)
	}
	return out, tx.Err(ctx, rows.Err())
}

// ImportConsommation stores the rows of another store's Cerema files whose
// batch is in added (the batches a history import recorded: a file already
// here stays as it is), and returns how many it stored.
func ImportConsommation(ctx context.Context, tx Conn, rows []socle.HistoryConsommation, added map[string]bool) (int, error) {
	n := 0
	for _, r := range rows {
		if !added[r.Batch] {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO consommation (batch, insee, nom, year, m2) VALUES (?, ?, ?, ?, ?)`,
			r.Batch, r.INSEE, r.Name, r.Year, r.M2); err != nil {
			return n, tx.Err(ctx, err)
		}
		n++
	}
	return n, nil
}

// CurrentConsommation returns the current Cerema file (the rows of the
// latest import-consommation batch done and not reverted) and its batch;
// nil and "" when none was loaded.
func CurrentConsommation(ctx context.Context, tx Conn) (*zan.Consommation, string, error) {
	l := &Ledger{db: tx}
	var batch string
	err := l.queryRow(ctx, tx, `SELECT id FROM batches WHERE kind = ? AND status = 'done' ORDER BY started_at DESC, id DESC LIMIT 1`,
		[]any{socle.KindConsommation}, &batch)
	if isNoRows(err) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", tx.Err(ctx, err)
	}
	rows, err := tx.Query(ctx, `SELECT insee, nom, year, m2 FROM consommation WHERE batch = ? ORDER BY insee, year`, batch)
	if err != nil {
		return nil, "", tx.Err(ctx, err)
	}
	defer rows.Close()
	c := &zan.Consommation{}
	years := map[int]bool{}
	for rows.Next() {
		var insee, name string
		var year int64
		var m2 float64
		if err := rows.Scan(&insee, &name, &year, &m2); err != nil {
			return nil, "", tx.Err(ctx, err)
		}
		if n := len(c.Rows); n == 0 || c.Rows[n-1].INSEE != insee {
			c.Rows = append(c.Rows, zan.ConsommationRow{INSEE: insee, Name: name, M2: map[int]float64{}})
		}
		c.Rows[len(c.Rows)-1].M2[int(year)] = m2
		years[int(year)] = true
	}
	c.Years = slices.Sorted(maps.Keys(years))
	return c, batch, tx.Err(ctx, rows.Err())
}

// CurrentConsommation returns the current Cerema file (see the function
// of that name), nil when none was loaded.
func (l *Ledger) CurrentConsommation(ctx context.Context) (*zan.Consommation, error) {
	c, _, err := CurrentConsommation(ctx, l.db)
	return c, err
}

// ZANLineage says where the ZAN figures come from (see socle.ZANLineage):
// the land cover's millésimes, the matrix, the current Cerema file.
func (l *Ledger) ZANLineage(ctx context.Context) (socle.ZANLineage, error) {
	var out socle.ZANLineage
	rows, err := l.db.Query(ctx, `SELECT DISTINCT year FROM land_cover ORDER BY year`)
	if err != nil {
		return out, l.db.Err(ctx, err)
	}
	for rows.Next() {
		var y int64
		if err := rows.Scan(&y); err != nil {
			rows.Close()
			return out, l.db.Err(ctx, err)
		}
		out.Millesimes = append(out.Millesimes, int(y))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, l.db.Err(ctx, err)
	}
	if len(out.Millesimes) >= 2 {
		out.MatrixVersion = zan.DefaultMatrix().Version()
	}
	var b socle.BatchRecord
	var started Time
	var finished NullTime
	err = l.queryRow(ctx, l.db, `SELECT id, source, file_sha256, actor, started_at, finished_at FROM batches
		WHERE kind = ? AND status = 'done' ORDER BY started_at DESC, id DESC LIMIT 1`, []any{socle.KindConsommation},
		&b.ID, &b.Source, &b.FileSHA256, &b.Actor, &started, &finished)
	switch {
	case isNoRows(err):
	case err != nil:
		return out, l.db.Err(ctx, err)
	default:
		b.Kind, b.StartedAt, b.FinishedAt, b.Status = socle.KindConsommation, started.T, finished.T, "done"
		out.Consommation = &b
		rows, err := l.db.Query(ctx, `SELECT year, count(*) FROM consommation WHERE batch = ? GROUP BY year ORDER BY year`, b.ID)
		if err != nil {
			return out, l.db.Err(ctx, err)
		}
		for rows.Next() {
			var y, n int64
			if err := rows.Scan(&y, &n); err != nil {
				rows.Close()
				return out, l.db.Err(ctx, err)
			}
			out.ConsommationYears = append(out.ConsommationYears, int(y))
			out.Communes = max(out.Communes, int(n))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, l.db.Err(ctx, err)
		}
	}
	var at NullTime
	if err := l.queryRow(ctx, l.db, `SELECT max(finished_at) FROM batches WHERE kind = ? AND status = 'done'`, []any{socle.KindDerive}, &at); err != nil && !isNoRows(err) {
		return out, l.db.Err(ctx, err)
	}
	out.DerivedAt = at.T
	return out, nil
}
