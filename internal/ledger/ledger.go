// Package ledger keeps a store's books — API keys, the audit log, the
// airlock's jobs and the field files deposited — once for both stores: one
// set of SQL statements, written with ? placeholders, run on PostgreSQL
// (through pgx) or on SQLite (through database/sql) by a Conn that knows
// what its dialect spells differently. The PostGIS and the embedded store
// each embed a *Ledger, whose methods are theirs.
//
// It imports the domain (internal/socle) and the database drivers, never a
// store or the HTTP layer.
package ledger

import (
	"context"
	"errors"
	"time"
)

// Ledger is a store's books.
type Ledger struct {
	db Conn
	// Now is the clock of what the ledger stamps itself (the time a file
	// was received).
	Now func() time.Time
}

// New returns the ledger kept in db.
func New(db Conn) *Ledger { return &Ledger{db: db, Now: time.Now} }

// Conn runs the ledger's statements in one dialect: ? placeholders,
// time.Time and []string arguments, and the results scanned through the
// types of this package (Time, NullTime, StringList, JSON) read the same
// from either database.
type Conn interface {
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// InTx runs fn in one transaction, committed when fn returns nil.
	InTx(ctx context.Context, fn func(Conn) error) error
	// Dialect says how this database spells what differs.
	Dialect() Dialect
	// Err maps a database error to a domain error.
	Err(ctx context.Context, err error) error
}

// Rows are the rows of a query.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Dialect is what PostgreSQL and SQLite spell differently in the ledger's
// statements.
type Dialect struct {
	// List is the select expression of a string-list column: JSON text.
	List func(col string) string
	// JSONArg is a placeholder for a JSON value.
	JSONArg string
	// TimeCmp compares a time column with a placeholder: SQLite compares
	// instants, not their text.
	TimeCmp func(col, op string) string
	// In tests a text column against a []string placeholder.
	In func(col string) string
}

// ErrNoRows is what a Conn reports when a single-row query finds none.
var ErrNoRows = errors.New("ledger: no rows")

// queryRow runs a query expected to return one row and scans it.
func (l *Ledger) queryRow(ctx context.Context, db Conn, query string, args []any, dest ...any) error {
	rows, err := db.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}
