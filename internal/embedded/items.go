package embedded

import (
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
)

// sortKey is one key of the keyset order; col is -1 for the id, always the
// last key.
type sortKey struct {
	col      int
	kind     kind
	desc     bool
	nullable bool
}

// sortKeys resolves the query's order, the id last as tie-breaker (as
// postgis.sortKeys).
func (l *layer) sortKeys(q *socle.ItemsQuery) ([]sortKey, error) {
	c := q.Collection
	var keys []sortKey
	for _, s := range q.SortBy {
		p, ok := c.Property(s.Property)
		if !ok || !p.Sortable {
			return nil, &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf("cannot sort %s by %s", c.ID, s.Property), Allowed: c.Sortables()}
		}
		i := l.t.byName[p.Name]
		keys = append(keys, sortKey{col: i, kind: l.t.cols[i].kind, desc: s.Desc, nullable: p.Nullable})
	}
	idKind := kInt
	if !l.t.intID {
		idKind = kText
	}
	return append(keys, sortKey{col: -1, kind: idKind}), nil
}

func (k sortKey) value(f *feature) any {
	if k.col < 0 {
		return f.id
	}
	return f.vals[k.col]
}

// compareKey orders a and b by one key as PostgreSQL's ORDER BY (expr IS
// NULL), expr does: NULLs last ascending, first descending.
func compareKey(k sortKey, a, b any) int {
	var c int
	switch {
	case a == nil && b == nil:
		c = 0
	case a == nil:
		c = 1
	case b == nil:
		c = -1
	default:
		c = compareValues(k.kind, a, b)
	}
	if k.desc {
		return -c
	}
	return c
}

func compareFeatures(keys []sortKey, a, b *feature) int {
	for _, k := range keys {
		if c := compareKey(k, k.value(a), k.value(b)); c != 0 {
			return c
		}
	}
	return 0
}

// compareToCursor orders f against the cursor's key values.
func compareToCursor(keys []sortKey, f *feature, cur []any) int {
	for i, k := range keys {
		if c := compareKey(k, k.value(f), cur[i]); c != 0 {
			return c
		}
	}
	return 0
}

// cursorValues parses a cursor's keys as the PostGIS store's keyset does:
// each JSON value becomes text (a string as is, a number as written, a
// boolean as true or false) cast to the key's type; null only for a
// nullable key.
func cursorValues(keys []sortKey, cur *socle.Cursor) ([]any, error) {
	if len(cur.Keys) != len(keys) {
		return nil, socle.Errorf(socle.EINVALID, "the cursor does not match this query: use the links the server returned")
	}
	vals := make([]any, len(keys))
	texts := make([]*string, len(keys))
	for i, k := range keys {
		var v any
		if err := json.Unmarshal(cur.Keys[i], &v); err != nil {
			return nil, socle.Errorf(socle.EINVALID, "invalid cursor")
		}
		var text string
		switch x := v.(type) {
		case nil:
			if !k.nullable {
				return nil, socle.Errorf(socle.EINVALID, "invalid cursor")
			}
			continue
		case string:
			text = x
		case bool:
			text = strconv.FormatBool(x)
		default:
			text = string(cur.Keys[i])
		}
		texts[i] = &text
	}
	// Values are cast when the query runs, after the checks above.
	for i, k := range keys {
		if texts[i] == nil {
			continue
		}
		v, err := parseText(k.kind, 64, *texts[i])
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	return vals, nil
}

// cursorOf returns the cursor of f's keys, as json_build_array writes them.
func cursorOf(keys []sortKey, f *feature, before bool) *socle.Cursor {
	c := &socle.Cursor{Before: before, Keys: make([]json.RawMessage, len(keys))}
	for i, k := range keys {
		c.Keys[i] = appendNullable(nil, k.kind, k.value(f))
	}
	return c
}

// featureHeap keeps the n first features of an order (a max-heap on it).
type featureHeap struct {
	fs   []*feature
	less func(a, b *feature) bool
}

func (h *featureHeap) Len() int           { return len(h.fs) }
func (h *featureHeap) Less(i, j int) bool { return h.less(h.fs[j], h.fs[i]) }
func (h *featureHeap) Swap(i, j int)      { h.fs[i], h.fs[j] = h.fs[j], h.fs[i] }
func (h *featureHeap) Push(x any)         { h.fs = append(h.fs, x.(*feature)) }
func (h *featureHeap) Pop() any {
	f := h.fs[len(h.fs)-1]
	h.fs = h.fs[:len(h.fs)-1]
	return f
}

// firstN returns the n first features of fs in the order cmp, sorted.
func firstN(fs []*feature, n int, cmp func(a, b *feature) int) []*feature {
	if len(fs) <= n {
		out := slices.Clone(fs)
		slices.SortFunc(out, cmp)
		return out
	}
	h := &featureHeap{less: func(a, b *feature) bool { return cmp(a, b) < 0 }}
	for _, f := range fs {
		if h.Len() < n {
			heap.Push(h, f)
		} else if n > 0 && cmp(f, h.fs[0]) < 0 {
			h.fs[0] = f
			heap.Fix(h, 0)
		}
	}
	slices.SortFunc(h.fs, cmp)
	return h.fs
}

// Items streams the features that q selects to fn, in order, one page of at
// most q.Limit features, and says where the neighbouring pages start: the
// PostGIS store's Items, evaluated in memory.
func (s *Store) Items(ctx context.Context, q socle.ItemsQuery, fn func(*socle.Feature) error) (socle.Page, error) {
	var page socle.Page
	l, err := s.layer(q.Collection)
	if err != nil {
		return page, err
	}
	keys, err := l.sortKeys(&q)
	if err != nil {
		return page, err
	}
	props, err := l.t.selection(q.Properties)
	if err != nil {
		return page, err
	}
	pred, err := l.compile(&q)
	if err != nil {
		return page, err
	}
	var cur []any
	backwards := q.Cursor != nil && q.Cursor.Before
	if q.Cursor != nil {
		if cur, err = cursorValues(keys, q.Cursor); err != nil {
			return page, err
		}
	}
	out, err := newEncoder(l.t, props, q.OutputCRS(), q.Decimals())
	if err != nil {
		return page, err
	}

	matched, err := pred.run(ctx, l)
	if err != nil {
		return page, err
	}
	page.NumberMatched = int64(len(matched))

	// The features strictly after (or, walking backwards, before) the
	// cursor, then the first Limit+1 of them in walking order.
	order := func(a, b *feature) int { return compareFeatures(keys, a, b) }
	walk := order
	if backwards {
		walk = func(a, b *feature) int { return -compareFeatures(keys, a, b) }
	}
	// Ordered by id alone, the matched features are in order already.
	idOnly := len(keys) == 1
	var rest []*feature
	switch {
	case cur == nil:
		rest = matched
	case idOnly:
		i, found := slices.BinarySearchFunc(matched, cur[0], func(f *feature, id any) int { return compareIDs(f.id, id) })
		if backwards {
			rest = matched[:i]
		} else {
			if found {
				i++
			}
			rest = matched[i:]
		}
	default:
		for _, f := range matched {
			c := compareToCursor(keys, f, cur)
			if (!backwards && c > 0) || (backwards && c < 0) {
				rest = append(rest, f)
			}
		}
	}
	var rows []*feature
	switch {
	case idOnly && !backwards:
		rows = rest[:min(len(rest), q.Limit+1)]
	case idOnly:
		rows = slices.Clone(rest[max(0, len(rest)-q.Limit-1):])
		slices.Reverse(rows)
	default:
		rows = firstN(rest, q.Limit+1, walk)
	}

	more := false
	if len(rows) > q.Limit {
		more = true
		rows = rows[:q.Limit]
	}
	if backwards {
		slices.Reverse(rows)
	}
	for _, f := range rows {
		if err := ctx.Err(); err != nil {
			return page, err
		}
		sf, err := out.encode(f)
		if err != nil {
			return page, err
		}
		if err := fn(&sf); err != nil {
			return page, err
		}
		page.NumberReturned++
	}
	var first, last *feature
	if len(rows) > 0 {
		first, last = rows[0], rows[len(rows)-1]
	}
	if backwards {
		// Walking backwards, the extra row means there is an earlier page;
		// and there is always a later one: the page we came from.
		if more && first != nil {
			page.Prev = cursorOf(keys, first, true)
		}
		if last != nil {
			page.Next = cursorOf(keys, last, false)
		}
		return page, nil
	}
	if more && last != nil {
		page.Next = cursorOf(keys, last, false)
	}
	if q.Cursor != nil && first != nil {
		page.Prev = cursorOf(keys, first, true)
	}
	return page, nil
}

// Feature returns one feature by id, or ENOTFOUND.
func (s *Store) Feature(ctx context.Context, fq socle.FeatureQuery) (*socle.Feature, error) {
	c, id := fq.Collection, fq.ID
	l, err := s.layer(c)
	if err != nil {
		return nil, err
	}
	props, err := l.t.selection(fq.Properties)
	if err != nil {
		return nil, err
	}
	var key any = id
	if l.t.intID {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || strconv.FormatInt(n, 10) != id {
			return nil, socle.Errorf(socle.ENOTFOUND, "no feature %q in %s", id, c.ID)
		}
		key = n
	}
	f := l.find(key)
	if f == nil {
		return nil, socle.Errorf(socle.ENOTFOUND, "no feature %q in %s", id, c.ID)
	}
	out, err := newEncoder(l.t, props, fq.OutputCRS(), fq.OutputCRS().Decimals())
	if err != nil {
		return nil, err
	}
	sf, err := out.encode(f)
	if err != nil {
		return nil, err
	}
	return &sf, nil
}

// selection resolves the properties to return (nil: all), as
// postgis.propertiesJSON does.
func (t *table) selection(selected []string) ([]int, error) {
	if selected == nil {
		out := make([]int, len(t.cols))
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	out := make([]int, 0, len(selected))
	for _, n := range selected {
		i, ok := t.byName[n]
		if !ok {
			var all []string
			for _, c := range t.cols {
				all = append(all, c.name)
			}
			return nil, &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf("%s has no property %s", t.c.ID, n), Allowed: all}
		}
		out = append(out, i)
	}
	return out, nil
}

// encoder writes features as the PostGIS store's select list does:
// to_json(id), ST_AsGeoJSON of the geometry in the output CRS, and
// the selected properties.
type encoder struct {
	t     *table
	props []int
	out   crs.CRS
	dec   int
	tr    crs.Transformer
}

func newEncoder(t *table, props []int, out crs.CRS, decimals int) (*encoder, error) {
	e := &encoder{t: t, props: props, out: out, dec: decimals}
	if out.SRID != StorageSRID {
		tr, err := transformer(StorageSRID, out.SRID)
		if err != nil {
			return nil, err
		}
		e.tr = tr
	}
	return e, nil
}

// encode returns the feature's JSON fragments, slices of one new buffer.
func (e *encoder) encode(f *feature) (socle.Feature, error) {
	var sf socle.Feature
	g := f.geom
	if e.tr != nil {
		var err error
		if g, err = crs.TransformGeometry(g, e.tr); err != nil {
			return sf, malformed("transform to EPSG:%d: %v", e.out.SRID, err)
		}
	}
	buf := make([]byte, 0, 256)
	if e.t.intID {
		buf = strconv.AppendInt(buf, f.id.(int64), 10)
	} else {
		buf = appendJSONString(buf, f.id.(string))
	}
	nID := len(buf)
	buf = appendGeoJSON(buf, g, e.out, e.dec)
	nGeom := len(buf)
	buf = e.appendProperties(buf, f)
	sf.ID, sf.Geometry, sf.Properties = buf[:nID:nID], buf[nID:nGeom:nGeom], buf[nGeom:]
	return sf, nil
}

// appendProperties writes the properties object as the PostGIS store
// does: {"k":v,"k":v}, in the order selected.
func (e *encoder) appendProperties(buf []byte, f *feature) []byte {
	buf = append(buf, '{')
	for j, i := range e.props {
		if j > 0 {
			buf = append(buf, ',')
		}
		c := e.t.cols[i]
		buf = socle.AppendJSONString(buf, c.name)
		buf = append(buf, ':')
		buf = appendProperty(buf, c.kind, f.vals[i])
	}
	return append(buf, '}')
}
