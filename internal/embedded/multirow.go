package embedded

import (
	"context"
	"database/sql"
	"strings"
)

// multiRow inserts rows several to a statement: a row per Exec costs a
// trip through database/sql and the driver and a run of a small VDBE
// program, which for the change log and the R-tree of a large import cost
// more than the inserts themselves. Rows are buffered and each full chunk
// is one INSERT … VALUES (…), (…), … prepared once; flush writes the
// rest. Rows keep their order, so what an AUTOINCREMENT numbers is
// numbered as one row per statement would number it.
type multiRow struct {
	tx    *sql.Tx
	head  string // "INSERT INTO t (a, b) VALUES "
	width int    // values per row
	chunk int    // rows per full statement
	full  *sql.Stmt
	args  []any
}

func newMultiRow(tx *sql.Tx, head string, width, chunk int) *multiRow {
	return &multiRow{tx: tx, head: head, width: width, chunk: chunk, args: make([]any, 0, width*chunk)}
}

// statement is the INSERT of n rows.
func (m *multiRow) statement(n int) string {
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", m.width), ", ") + ")"
	return m.head + strings.TrimSuffix(strings.Repeat(tuple+", ", n), ", ")
}

// add buffers a row of width values, writing the chunk when it is full.
func (m *multiRow) add(ctx context.Context, vals ...any) error {
	m.args = append(m.args, vals...)
	if len(m.args) < m.width*m.chunk {
		return nil
	}
	if m.full == nil {
		st, err := m.tx.PrepareContext(ctx, m.statement(m.chunk))
		if err != nil {
			return storeError(ctx, err)
		}
		m.full = st
	}
	_, err := m.full.ExecContext(ctx, m.args...)
	clear(m.args)
	m.args = m.args[:0]
	return storeError(ctx, err)
}

// flush writes the rows buffered.
func (m *multiRow) flush(ctx context.Context) error {
	if m == nil || len(m.args) == 0 {
		return nil
	}
	_, err := m.tx.ExecContext(ctx, m.statement(len(m.args)/m.width), m.args...)
	clear(m.args)
	m.args = m.args[:0]
	return storeError(ctx, err)
}

// close releases the prepared statement (rows still buffered are dropped:
// flush first).
func (m *multiRow) close() {
	if m != nil && m.full != nil {
		m.full.Close()
	}
}
