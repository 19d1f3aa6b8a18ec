package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// Files written before address_candidates and road_reports were served
// collections hold them as plain tables with x, y columns. Opening such a
// file moves them aside before the feature tables are made, then moves
// their rows in: nothing stored is lost, and a move cut short resumes at
// the next open.

// legacyTable is an updater table in its former shape: the columns copied
// as they are, and the property its `batch` column becomes.
type legacyTable struct {
	name, batchProp string
	cols            []string
	// updatedFrom is the column updated_at starts from ("" for now).
	updatedFrom string
}

var legacyTables = []legacyTable{
	{"address_candidates", "fibre_batch", []string{"key", "line", "imb_id", "numero", "suffixe", "voie_nom", "commune_insee", "commune_nom",
		"code_postal", "fibre_status", "fibre_operator", "reason", "created_at"}, "created_at"},
	{"road_reports", "report_batch", []string{"key", "line", "observed_at", "vehicle", "heading", "condition", "comment", "road_id", "distance", "reason"}, ""},
}

func (lt legacyTable) aside() string { return lt.name + "_legacy" }

// moveLegacyTablesAside renames updater tables of the former shape.
func moveLegacyTablesAside(ctx context.Context, db *sql.DB) error {
	for _, lt := range legacyTables {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM pragma_table_info(?) WHERE name = 'x'", lt.name).Scan(&n); err != nil {
			return fmt.Errorf("embedded: inspect %s: %w", lt.name, err)
		}
		if n == 0 {
			continue
		}
		if _, err := db.ExecContext(ctx, "ALTER TABLE "+quote(lt.name)+" RENAME TO "+quote(lt.aside())); err != nil {
			return fmt.Errorf("embedded: move %s aside: %w", lt.name, err)
		}
	}
	return nil
}

// moveLegacyRows copies the rows of tables moved aside into the feature
// tables, geometry from x, y, and drops them, one transaction per table.
func moveLegacyRows(ctx context.Context, db *sql.DB, now time.Time) error {
	for _, lt := range legacyTables {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", lt.aside()).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			continue
		}
		if err := lt.move(ctx, db, now); err != nil {
			return fmt.Errorf("embedded: move the rows of %s: %w", lt.name, err)
		}
	}
	return nil
}

func (lt legacyTable) move(ctx context.Context, db *sql.DB, now time.Time) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	// Times are read as the text they are stored as, not as the driver's
	// time.Time (which it would write back in another format).
	asText := func(c string) string {
		if strings.HasSuffix(c, "_at") {
			return "CAST(" + quote(c) + " AS TEXT)"
		}
		return quote(c)
	}
	src := make([]string, len(lt.cols))
	read := make([]string, len(lt.cols))
	for i, c := range lt.cols {
		src[i], read[i] = quote(c), asText(c)
	}
	updated := "NULL"
	if lt.updatedFrom != "" {
		updated = asText(lt.updatedFrom)
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+strings.Join(read, ", ")+", batch, "+updated+", x, y FROM "+quote(lt.aside()))
	if err != nil {
		return err
	}
	dst := append(append([]string{}, src...), quote(lt.batchProp), `"batch"`, `"updated_at"`, `"geom"`)
	ins, err := tx.PrepareContext(ctx, "INSERT INTO "+quote(lt.name)+" ("+strings.Join(dst, ", ")+") VALUES ("+
		strings.TrimSuffix(strings.Repeat("?, ", len(dst)), ", ")+") ON CONFLICT DO NOTHING")
	if err != nil {
		rows.Close()
		return err
	}
	defer ins.Close()
	stamp := formatTimestamp(now)
	vals := make([]any, len(lt.cols)+4)
	dest := make([]any, len(vals))
	for i := range vals {
		dest[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return err
		}
		nc := len(lt.cols)
		batch, updatedAt := vals[nc], vals[nc+1]
		if updatedAt == nil {
			updatedAt = stamp
		}
		x, okx := vals[nc+2].(float64)
		y, oky := vals[nc+3].(float64)
		if !okx || !oky {
			rows.Close()
			return fmt.Errorf("row %v: position %v, %v", vals[0], vals[nc+2], vals[nc+3])
		}
		blob, err := encodeBlob(orb.Point{x, y}, StorageSRID)
		if err != nil {
			rows.Close()
			return err
		}
		args := append(append([]any{}, vals[:nc]...), batch, batch, updatedAt, blob)
		if _, err := ins.ExecContext(ctx, args...); err != nil {
			rows.Close()
			return err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DROP TABLE "+quote(lt.aside())); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE gpkg_contents SET min_x = (SELECT min(minx) FROM `+quote("rtree_"+lt.name+"_geom")+`),
		min_y = (SELECT min(miny) FROM `+quote("rtree_"+lt.name+"_geom")+`), max_x = (SELECT max(maxx) FROM `+quote("rtree_"+lt.name+"_geom")+`),
		max_y = (SELECT max(maxy) FROM `+quote("rtree_"+lt.name+"_geom")+`) WHERE table_name = ?`, lt.name); err != nil {
		return err
	}
	return tx.Commit()
}
