package postgis

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
)

// namedArgs are a statement's arguments by name, as pgx.NamedArgs, with
// the statement's rewriting to ordinal placeholders made once per text
// and kept: pgx.NamedArgs lexes the whole text at every query, ~2 % of a
// bbox page's CPU (its statement is 1.5 kB).
type namedArgs pgx.NamedArgs

// rewritten is a statement's text with ordinal placeholders, and the name
// of each ordinal's argument.
type rewritten struct {
	sql   string
	names []string
}

var (
	rewrites  sync.Map // text with named placeholders → *rewritten
	nRewrites atomic.Int64
)

// maxRewrites bounds the texts kept: a filter's shape makes its own text
// (its values are bound), and clients choose filters. Past it, texts are
// rewritten at each query as pgx does.
const maxRewrites = 1024

// RewriteQuery implements pgx.QueryRewriter as pgx.NamedArgs does: a
// placeholder without an argument binds NULL.
func (na namedArgs) RewriteQuery(ctx context.Context, conn *pgx.Conn, sql string, args []any) (string, []any, error) {
	v, ok := rewrites.Load(sql)
	if !ok {
		// Rewriting with every argument's name as its value gives the
		// names in ordinal order.
		byName := make(pgx.NamedArgs, len(na))
		for k := range na {
			byName[k] = k
		}
		newSQL, order, err := byName.RewriteQuery(ctx, conn, sql, args)
		if err != nil {
			return "", nil, err
		}
		rw := &rewritten{sql: newSQL, names: make([]string, len(order))}
		named := true
		for i, n := range order {
			// A placeholder without an argument has no name here: it binds
			// NULL below, and the text is not kept (another query of it may
			// give that argument).
			rw.names[i], _ = n.(string)
			named = named && rw.names[i] != ""
		}
		if named && nRewrites.Load() < maxRewrites {
			if _, loaded := rewrites.LoadOrStore(sql, rw); !loaded {
				nRewrites.Add(1)
			}
		}
		v = rw
	}
	rw := v.(*rewritten)
	newArgs := make([]any, len(rw.names))
	for i, n := range rw.names {
		if n != "" {
			newArgs[i] = na[n]
		}
	}
	return rw.sql, newArgs, nil
}
