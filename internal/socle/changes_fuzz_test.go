package socle_test

import (
	"encoding/json"
	"testing"

	"github.com/socle-geo/socle/internal/socle"
)

// FuzzChangeToken: any since= a client sends is a token that prints back
// as itself, or a 400 (never a panic).
func FuzzChangeToken(f *testing.F) {
	for _, s := range []string{"0", "42", "42.90.57", "1.2", "01", "-1", "9223372036854775807", "9223372036854775808", "1.1.1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := socle.ParseChangeToken(s)
		if err != nil {
			if socle.ErrorCode(err) != socle.EINVALID {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if tok.String() != s {
			t.Fatalf("%q reads as %+v, prints as %q", s, tok, tok.String())
		}
	})
}

// FuzzLogRow: any row of the log reads as values of their types or gives
// an error (never a panic), and a value read writes back as it reads.
func FuzzLogRow(f *testing.F) {
	for _, s := range []string{`{"id":1,"name":"x","width":5.5,"n":3,"ok":true,"d":"2024-01-02","t":"2024-01-02T03:04:05.123456+00:00","o":{"a":1},"geom":"0101000000000000000000f03f0000000000000040"}`,
		`{"geom":null}`, `{"n":1e400}`, `{"d":"2024-13-45"}`, `[]`, `{"geom":"zz"}`} {
		f.Add([]byte(s))
	}
	props := []socle.Property{{Name: "name", Type: socle.TypeString}, {Name: "width", Type: socle.TypeNumber}, {Name: "n", Type: socle.TypeInteger},
		{Name: "ok", Type: socle.TypeBoolean}, {Name: "d", Type: socle.TypeDate}, {Name: "t", Type: socle.TypeDateTime}, {Name: "o", Type: socle.TypeObject}}
	f.Fuzz(func(t *testing.T, b []byte) {
		row, err := socle.ParseLogRow(b)
		if err != nil {
			return
		}
		_, _ = row.Geometry()
		for _, p := range props {
			v, ok, err := row.Value(p)
			if err != nil || !ok || v == nil {
				continue
			}
			if err := socle.CheckValue(p, v); err != nil {
				t.Fatalf("%s read as %T: %v", p.Name, v, err)
			}
			js, err := socle.PropertiesJSON([]socle.Property{p}, []any{v})
			if err != nil {
				continue // NaN and infinities have no JSON form
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(js, &m); err != nil {
				t.Fatalf("%s: %s is not JSON", p.Name, js)
			}
			again, err := socle.JSONValue(p, m[p.Name])
			if err != nil {
				t.Fatalf("%s: %s does not read back: %v", p.Name, js, err)
			}
			js2, _ := socle.PropertiesJSON([]socle.Property{p}, []any{again})
			if string(js) != string(js2) {
				t.Fatalf("%s: %s then %s", p.Name, js, js2)
			}
		}
	})
}
