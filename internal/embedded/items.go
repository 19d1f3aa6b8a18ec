package embedded

import (
	"container/heap"
	"context"
	"encoding/json"
	"slices"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
	"github.com/socle-geo/socle/ogc/features"
)

// sortKey is one key of the keyset order; col is -1 for the id, always the
// last key.
type sortKey struct {
	col      int
	kind     kind
	desc     bool
	nullable bool
}

// sortKeys compiles the query's order for the layer.
func (l *layer) sortKeys(q *socle.ItemsQuery) []sortKey {
	keys := make([]sortKey, len(q.Order))
	for i, k := range q.Order {
		if k.ID {
			idKind := kInt
			if !l.t.intID {
				idKind = kText
			}
			keys[i] = sortKey{col: -1, kind: idKind}
			continue
		}
		c := l.t.byName[k.Property.Name]
		keys[i] = sortKey{col: c, kind: l.t.cols[c].kind, desc: k.Desc, nullable: k.Nullable()}
	}
	return keys
}

func (k sortKey) value(f *feature) any {
	if k.col < 0 {
		return f.ident()
	}
	return f.val(k.col)
}

// compareKey orders a and b by one key: NULLs last ascending, first
// descending (socle.OrderKey).
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

// compareFeatures orders a and b by keys, as compareKey on their values
// does, without boxing them.
func compareFeatures(keys []sortKey, a, b *feature) int {
	for _, k := range keys {
		var c int
		if k.col < 0 {
			c = compareFeatureIDs(a, b)
		} else {
			an, bn := a.isNull(k.col), b.isNull(k.col)
			switch {
			case an && bn:
				c = 0
			case an:
				c = 1
			case bn:
				c = -1
			default:
				c = compareVals(k.kind, k.col, a, b)
			}
		}
		if k.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// compareToCursor orders f against the cursor's key values.
func compareToCursor(keys []sortKey, f *feature, cur []any) int {
	for i, k := range keys {
		if cur[i] == nil || (k.col >= 0 && f.isNull(k.col)) {
			// NULLs: compareKey places them.
			if c := compareKey(k, k.value(f), cur[i]); c != 0 {
				return c
			}
			continue
		}
		var c int
		if k.col < 0 {
			c = f.compareID(cur[i])
		} else {
			c = f.compareVal(k.kind, k.col, cur[i])
		}
		if k.desc {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

// keysOf returns the values of f's order keys.
func keysOf(keys []sortKey, f *feature) []any {
	vals := make([]any, len(keys))
	for i, k := range keys {
		vals[i] = k.value(f)
	}
	return vals
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

// page returns the features of q's page, in q's order, and the page's
// links and counts.
func (s *Store) page(ctx context.Context, q *socle.ItemsQuery) (*layer, []*feature, socle.Page, error) {
	l, err := s.layer(ctx, q.Collection)
	if err != nil {
		return nil, nil, socle.Page{}, err
	}
	keys := l.sortKeys(q)
	pred, err := l.compile(q)
	if err != nil {
		return nil, nil, socle.Page{}, err
	}
	matched, err := pred.run(ctx, l)
	if err != nil {
		return nil, nil, socle.Page{}, err
	}
	var cur []any
	backwards := q.Backwards()
	if q.Cursor != nil {
		cur = q.Cursor.Keys
	}
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
		i, found := slices.BinarySearchFunc(matched, cur[0], func(f *feature, id any) int { return f.compareID(id) })
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
	var first, last []any
	if len(rows) > 0 {
		first, last = keysOf(keys, rows[0]), keysOf(keys, rows[len(rows)-1])
	}
	page := socle.NewPage(q, len(rows), more, first, last)
	page.NumberMatched = int64(len(matched))
	return l, rows, page, nil
}

// Items streams the features that q selects to fn as JSON fragments, in
// order, one page of at most q.Limit features, and says where the
// neighbouring pages start.
func (s *Store) Items(ctx context.Context, q *socle.ItemsQuery, fn func(*socle.Feature) error) (socle.Page, error) {
	release, err := s.reads.acquire(ctx)
	if err != nil {
		return socle.Page{}, err
	}
	defer release()
	l, rows, page, err := s.page(ctx, q)
	if err != nil {
		return page, err
	}
	out, err := newEncoder(l.t, l.t.columns(q.Properties), q.CRS, q.Decimals())
	if err != nil {
		return page, err
	}
	for i, f := range rows {
		if err := ctx.Err(); err != nil {
			return page, err
		}
		yieldNow(i)
		sf, err := out.encode(f)
		if err != nil {
			return page, err
		}
		if err := fn(&sf); err != nil {
			return page, err
		}
	}
	return page, nil
}

// Records streams the features that q selects as Go values: the geometry
// as held (Lambert-93), the values of the properties.
func (s *Store) Records(ctx context.Context, q *socle.ItemsQuery, fn func(*socle.Record) error) (socle.Page, error) {
	release, err := s.reads.acquire(ctx)
	if err != nil {
		return socle.Page{}, err
	}
	defer release()
	l, rows, page, err := s.page(ctx, q)
	if err != nil {
		return page, err
	}
	cols := l.t.columns(q.Properties)
	for i, f := range rows {
		if err := ctx.Err(); err != nil {
			return page, err
		}
		yieldNow(i)
		if err := fn(l.t.record(f, cols)); err != nil {
			return page, err
		}
	}
	return page, nil
}

// find returns the feature fq names, or ENOTFOUND.
func (s *Store) find(ctx context.Context, fq *socle.FeatureQuery) (*layer, *feature, error) {
	l, err := s.layer(ctx, fq.Collection)
	if err != nil {
		return nil, nil, err
	}
	key, ok := fq.Key()
	if !ok {
		return nil, nil, fq.NotFound()
	}
	f := l.find(key)
	if f == nil {
		return nil, nil, fq.NotFound()
	}
	return l, f, nil
}

// Feature returns one feature by id, or ENOTFOUND.
func (s *Store) Feature(ctx context.Context, fq *socle.FeatureQuery) (*socle.Feature, error) {
	l, f, err := s.find(ctx, fq)
	if err != nil {
		return nil, err
	}
	out, err := newEncoder(l.t, l.t.columns(fq.Properties), fq.CRS, fq.CRS.Decimals())
	if err != nil {
		return nil, err
	}
	sf, err := out.encode(f)
	if err != nil {
		return nil, err
	}
	return &sf, nil
}

// FeatureRecord returns one feature by id as Go values, or ENOTFOUND.
func (s *Store) FeatureRecord(ctx context.Context, fq *socle.FeatureQuery) (*socle.Record, error) {
	l, f, err := s.find(ctx, fq)
	if err != nil {
		return nil, err
	}
	return l.t.record(f, l.t.columns(fq.Properties)), nil
}

// record returns f as Go values: its geometry as held (Lambert-93), the
// values of the columns cols.
func (t *table) record(f *feature, cols []int) *socle.Record {
	r := &socle.Record{ID: f.ident(), Geometry: f.geometry(), Values: make([]any, len(cols))}
	for j, i := range cols {
		v := f.val(i)
		if js, ok := v.(jsonValue); ok {
			v = json.RawMessage(js)
		}
		r.Values[j] = v
	}
	return r
}

// columns returns the columns of the properties, in their order.
func (t *table) columns(props []socle.Property) []int {
	out := make([]int, len(props))
	for i, p := range props {
		out[i] = t.byName[p.Name]
	}
	return out
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
	g := f.geometry()
	if e.tr != nil {
		var err error
		if _, point := g.(orb.Point); point {
			// A value: transformed without a copy.
			g, err = crs.TransformGeometryInPlace(g, e.tr)
		} else {
			g, err = crs.TransformGeometry(g, e.tr)
		}
		if err != nil {
			return sf, malformed("transform to EPSG:%d: %v", e.out.SRID, err)
		}
	}
	buf := make([]byte, 0, 256)
	if e.t.intID {
		buf = strconv.AppendInt(buf, f.fid.n, 10)
	} else {
		buf = socle.AppendJSONString(buf, f.fid.s)
	}
	nID := len(buf)
	buf = features.AppendGeometry(buf, g, e.out, e.dec)
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
		buf = f.appendVal(buf, c.kind, i)
	}
	return append(buf, '}')
}
