package postgis

import (
	"context"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestNamedArgsRewriteAsPgx: the rewriting kept per text gives pgx's
// statement and arguments, on the first query of a text and on the next
// ones with other values: repeated names, names in literals and comments
// (not placeholders), a placeholder without an argument (NULL), an
// argument without a placeholder (dropped).
func TestNamedArgsRewriteAsPgx(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		sql  string
		args []map[string]any
	}{
		{"SELECT 1", []map[string]any{{}, {"p0": 1}}},
		{"SELECT * FROM t WHERE a = @p0 AND b = @p1 OR a = @p0", []map[string]any{{"p0": 1, "p1": "x"}, {"p0": 2, "p1": "y"}}},
		{"SELECT '@p0', @p1 -- @p2\n/* @p3 */ FROM t WHERE c = @p2", []map[string]any{{"p1": 1, "p2": 2, "p3": 3}, {"p1": 4, "p2": 5}}},
		{"SELECT @missing, @p0", []map[string]any{{"p0": 1}, {"p0": 2, "missing": 3}}},
		{"SELECT @p10, @p1, @p2::text", []map[string]any{{"p1": 1, "p2": 2, "p10": 10}, {"p1": nil, "p2": []byte{1}, "p10": "z"}}},
	} {
		for i, a := range c.args {
			wantSQL, wantArgs, wantErr := pgx.NamedArgs(a).RewriteQuery(ctx, nil, c.sql, nil)
			gotSQL, gotArgs, gotErr := namedArgs(a).RewriteQuery(ctx, nil, c.sql, nil)
			if gotSQL != wantSQL || !reflect.DeepEqual(gotArgs, wantArgs) || (gotErr == nil) != (wantErr == nil) {
				t.Errorf("%q, query %d:\n got %q %v %v\nwant %q %v %v", c.sql, i, gotSQL, gotArgs, gotErr, wantSQL, wantArgs, wantErr)
			}
		}
	}
}
