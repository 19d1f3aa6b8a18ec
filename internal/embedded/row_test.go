package embedded

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// TestRowRoundTrip checks that a row gives back the values it was built
// from, of every type, and that the typed readers agree with them.
func TestRowRoundTrip(t *testing.T) {
	at := time.Date(2024, 5, 1, 10, 0, 0, 500_000, time.UTC)
	paris := time.FixedZone("", 2*3600)
	for _, vals := range [][]any{
		{},
		{nil},
		{"", "abc", "é€", nil, int64(0), int64(-1), int64(math.MaxInt64), int64(math.MinInt64)},
		{1.5, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), true, false, nil},
		{at, at.In(time.Local), time.Date(2024, 5, 1, 12, 0, 0, 0, paris), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), jsonValue(`{"a":1}`), jsonValue("")},
		{strings.Repeat("x", 70_000), int64(7), "after a wide value"}, // 4-byte offsets
	} {
		r := encodeRow(vals)
		if r.len() != len(vals) {
			t.Fatalf("%d values, the row says %d", len(vals), r.len())
		}
		f := &feature{row: r}
		for i, want := range vals {
			got := f.val(i)
			if w, ok := want.(time.Time); ok {
				g, ok := got.(time.Time)
				if !ok || !g.Equal(w) || g.Location().String() != w.Location().String() || g.Format(time.RFC3339Nano) != w.Format(time.RFC3339Nano) {
					t.Errorf("value %d: got %v, want %v", i, got, want)
				}
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("value %d: got %#v, want %#v", i, got, want)
			}
			if f.isNull(i) != (want == nil) {
				t.Errorf("value %d: isNull %v", i, f.isNull(i))
			}
		}
	}
	nan := encodeRow([]any{math.NaN()})
	if v := (&feature{row: nan}).val(0).(float64); !math.IsNaN(v) {
		t.Errorf("NaN read back as %v", v)
	}
}

// TestRowReaders checks the typed readers (JSON writing, comparisons,
// tile values) against the same on the values themselves.
func TestRowReaders(t *testing.T) {
	kinds := []kind{kText, kInt, kFloat, kBool, kDate, kTime, kJSON, kText, kInt}
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	rows := [][]any{
		{"b", int64(300), 2.5, true, day, day.Add(90 * time.Minute), jsonValue(`[1,2]`), nil, int64(-4)},
		{"a", int64(-300), math.NaN(), false, day.AddDate(0, 0, 1), day, jsonValue(`{}`), "x", int64(-4)},
	}
	var sealed, open [2]*feature
	for j, vals := range rows {
		open[j] = &feature{vals: vals, geom: orb.Point{1, 2}, bound: orb.Point{1, 2}.Bound()}
		sealed[j] = &feature{vals: append([]any(nil), vals...), geom: orb.Point{1, 2}, bound: orb.Point{1, 2}.Bound()}
		sealed[j].seal()
		if sealed[j].vals != nil || sealed[j].geom != nil || sealed[j].geometry() != (orb.Point{1, 2}) {
			t.Fatalf("seal left vals %v, geom %v", sealed[j].vals, sealed[j].geom)
		}
	}
	for i, k := range kinds {
		for j := range rows {
			if got, want := string(sealed[j].appendVal(nil, k, i)), string(appendProperty(nil, k, rows[j][i])); got != want {
				t.Errorf("appendVal %d/%d: %s, want %s", j, i, got, want)
			}
			got, gotOK := sealed[j].tileValue(k, i)
			want, wantOK := tileValue(k, rows[j][i])
			if got != want || gotOK != wantOK {
				t.Errorf("tileValue %d/%d: %v %v, want %v %v", j, i, got, gotOK, want, wantOK)
			}
		}
		if rows[0][i] == nil || rows[1][i] == nil {
			continue
		}
		want := compareValues(k, rows[0][i], rows[1][i])
		if got := compareVals(k, i, sealed[0], sealed[1]); got != want {
			t.Errorf("compareVals %d: %d, want %d", i, got, want)
		}
		if got := sealed[0].compareVal(k, i, rows[1][i]); got != want {
			t.Errorf("compareVal %d: %d, want %d", i, got, want)
		}
		if got := compareVals(k, i, open[0], sealed[1]); got != want {
			t.Errorf("compareVals (one open) %d: %d, want %d", i, got, want)
		}
	}
}

// TestRowsFromAnArena checks that rows carved from a shared block are the
// rows of their values, byte for byte, and cannot grow into the next one:
// a row is capped at its length.
func TestRowsFromAnArena(t *testing.T) {
	var arena []byte
	var b rowBuilder
	sets := [][]any{
		{"a", int64(1), nil},
		{strings.Repeat("y", arenaBlock/4+1), int64(2)}, // too large for a block: a slice of its own
		{"", 2.5, true, jsonValue(`[1]`)},
	}
	for i := 0; i < 5000; i++ { // past one block
		sets = append(sets, []any{strings.Repeat("z", i%97), int64(i)})
	}
	rows := make([]row, len(sets))
	for i, vals := range sets {
		b.reset()
		for _, v := range vals {
			b.value(v)
		}
		rows[i] = b.rowIn(&arena)
		if cap(rows[i]) != len(rows[i]) {
			t.Fatalf("row %d: capacity %d for %d bytes", i, cap(rows[i]), len(rows[i]))
		}
	}
	for i, vals := range sets {
		if want := encodeRow(vals); string(rows[i]) != string(want) {
			t.Fatalf("row %d differs from encodeRow's", i)
		}
	}
	grown := append(rows[0], 0xff)
	if string(rows[1]) != string(encodeRow(sets[1])) || string(rows[2]) != string(encodeRow(sets[2])) || &grown[0] == &rows[0][0] {
		t.Fatal("appending to a row changed the rows beside it")
	}
}
