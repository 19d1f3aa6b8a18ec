package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgQuerier is a pgx pool or transaction.
type pgQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Postgres returns the Conn of a PostgreSQL pool; mapErr turns its errors
// into domain errors.
func Postgres(pool *pgxpool.Pool, mapErr func(context.Context, error) error) Conn {
	return &pgConn{q: pool, pool: pool, mapErr: mapErr}
}

type pgConn struct {
	q      pgQuerier
	pool   *pgxpool.Pool // nil inside a transaction
	mapErr func(context.Context, error) error
}

var pgDialect = Dialect{
	List:    func(col string) string { return "array_to_json(" + col + ")::text" },
	JSONArg: "?::jsonb",
	TimeCmp: func(col, op string) string { return col + " " + op + " ?" },
	In:      func(col string) string { return col + " = ANY(?::text[])" },
}

func (c *pgConn) Dialect() Dialect { return pgDialect }

func (c *pgConn) Err(ctx context.Context, err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNoRows
	}
	if err == nil || errors.Is(err, ErrNoRows) {
		return err
	}
	return c.mapErr(ctx, err)
}

// numbered rewrites ? placeholders as $1, $2…: the ledger's statements
// hold no ? of their own.
func numbered(q string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func (c *pgConn) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := c.q.Exec(ctx, numbered(q), args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (c *pgConn) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	rows, err := c.q.Query(ctx, numbered(q), args...)
	if err != nil {
		return nil, err
	}
	return pgRows{rows}, nil
}

func (c *pgConn) InTx(ctx context.Context, fn func(Conn) error) error {
	if c.pool == nil {
		return fn(c)
	}
	return pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
		return fn(&pgConn{q: tx, mapErr: c.mapErr})
	})
}

type pgRows struct{ pgx.Rows }

func (r pgRows) Close() { r.Rows.Close() }

// SQLite returns the Conn of a SQLite database; writes take mu, which
// serialises the store's transactions; mapErr turns its errors into domain
// errors.
func SQLite(db *sql.DB, mu *sync.Mutex, mapErr func(context.Context, error) error) Conn {
	return &sqliteConn{db: db, q: db, mu: mu, mapErr: mapErr}
}

// sqlQuerier is a database/sql database or transaction.
type sqlQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

type sqliteConn struct {
	db     *sql.DB // nil inside a transaction
	q      sqlQuerier
	mu     *sync.Mutex
	mapErr func(context.Context, error) error
}

var sqliteDialect = Dialect{
	List:    func(col string) string { return col },
	JSONArg: "?",
	TimeCmp: func(col, op string) string { return "julianday(" + col + ") " + op + " julianday(?)" },
	In:      func(col string) string { return col + " IN (SELECT value FROM json_each(?))" },
}

func (c *sqliteConn) Dialect() Dialect { return sqliteDialect }

func (c *sqliteConn) Err(ctx context.Context, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNoRows
	}
	if err == nil || errors.Is(err, ErrNoRows) {
		return err
	}
	return c.mapErr(ctx, err)
}

// sqliteArgs writes times at a fixed width in UTC and string lists as
// JSON arrays.
func sqliteArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			out[i] = v.UTC().Format(SQLiteTime)
		case *time.Time:
			if v != nil {
				out[i] = v.UTC().Format(SQLiteTime)
			}
		case []string:
			if v == nil {
				v = []string{}
			}
			b, _ := json.Marshal(v)
			out[i] = string(b)
		default:
			out[i] = a
		}
	}
	return out
}

func (c *sqliteConn) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	if c.db != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
	}
	res, err := c.q.ExecContext(ctx, q, sqliteArgs(args)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c *sqliteConn) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	rows, err := c.q.QueryContext(ctx, q, sqliteArgs(args)...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (c *sqliteConn) InTx(ctx context.Context, fn func(Conn) error) error {
	if c.db == nil {
		return fn(c)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	if err := fn(&sqliteConn{q: tx, mu: c.mu, mapErr: c.mapErr}); err != nil {
		return err
	}
	return tx.Commit()
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

// PostgresTx returns the Conn of a transaction the store began itself, so
// that the ledger's rules run inside the store's own writes.
func PostgresTx(tx pgx.Tx, mapErr func(context.Context, error) error) Conn {
	return &pgConn{q: tx, mapErr: mapErr}
}

// SQLiteTx returns the Conn of a transaction the store began itself (and
// holds the store's write lock for).
func SQLiteTx(tx *sql.Tx, mapErr func(context.Context, error) error) Conn {
	return &sqliteConn{q: tx, mapErr: mapErr}
}
