package embedded

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
)

// feature is one stored feature, immutable once built: snapshots share
// features, and a write replaces a feature rather than changing it.
type feature struct {
	// vals holds the properties in catalog order while a write builds the
	// feature: nil, string, int64, float64, bool, time.Time or jsonValue
	// (see kind). Once the feature is in a layer, they are in row instead
	// (see seal) and vals is nil: read them with val and its kin.
	vals []any
	row  row
	// geom is the geometry (EPSG:2154), nil for a point once sealed: read
	// it with geometry.
	geom orb.Geometry
	// fid is the id, held without an interface (an allocation of its own
	// for most int64 ids): read it with ident, or fid.n, fid.s when its
	// type is known.
	fid   storedID
	bound orb.Bound
}

// storedID is a feature's id: an int64, or a string for collections with
// string ids, or none yet (a feature being written).
type storedID struct {
	// s first: the collector scans a feature up to its last pointer.
	s    string
	n    int64
	kind byte
}

const (
	noID byte = iota
	intID
	stringID
)

// makeID holds id: nil, an int64 or a string.
func makeID(id any) storedID {
	switch x := id.(type) {
	case int64:
		return storedID{n: x, kind: intID}
	case string:
		return storedID{s: x, kind: stringID}
	case nil:
		return storedID{}
	}
	panic(fmt.Sprintf("embedded: an id of unexpected type %T", id))
}

// ident returns f's id: nil, an int64 or a string.
func (f *feature) ident() any {
	switch f.fid.kind {
	case intID:
		return f.fid.n
	case stringID:
		return f.fid.s
	}
	return nil
}

func (f *feature) setID(id any) { f.fid = makeID(id) }

// compareID orders f's id against id (of the same type), without boxing
// f's.
func (f *feature) compareID(id any) int {
	if f.fid.kind == stringID {
		return strings.Compare(f.fid.s, id.(string))
	}
	return cmp.Compare(f.fid.n, id.(int64))
}

// compareFeatureIDs orders features by id (of the same type).
func compareFeatureIDs(a, b *feature) int {
	if a.fid.kind == stringID {
		return strings.Compare(a.fid.s, b.fid.s)
	}
	return cmp.Compare(a.fid.n, b.fid.n)
}

// layer is an immutable snapshot of one collection. Readers take the
// current one with an atomic load and keep it for the whole request, so a
// request never sees part of a batch.
type layer struct {
	t *table
	// feats are in id order.
	feats []*feature
	// tree indexes feats by bound.
	tree  *rtree.RTreeGN[float64, *feature]
	state layerState
	sum   socle.Summary
	// eq holds an equality index per column, built on first use.
	eq []equalIndex
	// partial: the layer holds only the stored features a batch looked up
	// (see lookUp); it is never published, and what needs every feature
	// (the extent, the sequence) is read from the file instead.
	partial bool
}

// layerState is the collection's row of layer_state.
type layerState struct {
	version   int64
	updatedAt time.Time
	lastBatch string
}

// find returns the feature with id, or nil.
func (l *layer) find(id any) *feature {
	i, ok := slices.BinarySearchFunc(l.feats, id, func(f *feature, id any) int { return f.compareID(id) })
	if !ok {
		return nil
	}
	return l.feats[i]
}

// newLayer indexes feats (in id order) and summarises them.
func newLayer(t *table, feats []*feature, st layerState) (*layer, error) {
	l := &layer{t: t, feats: feats, tree: &rtree.RTreeGN[float64, *feature]{}, state: st, eq: make([]equalIndex, len(t.cols))}
	for _, f := range feats {
		f.seal()
		l.tree.Insert(f.bound.Min, f.bound.Max, f)
	}
	return l, l.summarise()
}

// withChanges returns a new layer: l with the features of changed replacing
// those of the same id, and the others added. l is left untouched; the
// R-tree is copied on write.
func (l *layer) withChanges(changed []*feature, st layerState) (*layer, error) {
	n := &layer{t: l.t, feats: slices.Clone(l.feats), tree: l.tree.Copy(), state: st, eq: make([]equalIndex, len(l.t.cols)), partial: l.partial}
	var added []*feature
	for _, f := range changed {
		f.seal()
		i, ok := slices.BinarySearchFunc(n.feats, f.ident(), func(g *feature, id any) int { return g.compareID(id) })
		if ok {
			old := n.feats[i]
			n.tree.Delete(old.bound.Min, old.bound.Max, old)
			n.feats[i] = f
		} else {
			added = append(added, f)
		}
		n.tree.Insert(f.bound.Min, f.bound.Max, f)
	}
	if len(added) > 0 {
		n.feats = append(n.feats, added...)
		slices.SortFunc(n.feats, compareFeatureIDs)
	}
	return n, n.summarise()
}

// without returns a new layer: l less the features gone (features of l).
func (l *layer) without(gone []*feature) *layer {
	drop := make(map[*feature]bool, len(gone))
	n := &layer{t: l.t, tree: l.tree.Copy(), state: l.state, sum: l.sum, eq: make([]equalIndex, len(l.t.cols)), partial: l.partial}
	for _, f := range gone {
		drop[f] = true
		n.tree.Delete(f.bound.Min, f.bound.Max, f)
	}
	n.feats = make([]*feature, 0, len(l.feats)-len(gone))
	for _, f := range l.feats {
		if !drop[f] {
			n.feats = append(n.feats, f)
		}
	}
	return n
}

// summarise computes what Summary reports, as the PostGIS store's summary
// query does: the count, the extent of the stored geometries densified every
// kilometre and projected to CRS84, and the range of the temporal property.
func (l *layer) summarise() error {
	s := socle.Summary{Version: l.state.version, UpdatedAt: l.state.updatedAt, LastBatch: l.state.lastBatch, Count: int64(len(l.feats))}
	if len(l.feats) > 0 {
		ext := l.feats[0].bound
		for _, f := range l.feats[1:] {
			ext = ext.Union(f.bound)
		}
		g, err := transform(crs.Segmentize(boxGeometry(ext), 1000), StorageSRID, 4326)
		if err != nil {
			return err
		}
		b := g.Bound()
		s.BBox = &socle.BBox{MinX: b.Min[0], MinY: b.Min[1], MaxX: b.Max[0], MaxY: b.Max[1]}
	}
	if i, ok := l.t.byName[l.t.c.Temporal]; ok && l.t.c.Temporal != "" {
		var start, end time.Time
		seen := false
		for _, f := range l.feats {
			t, ok := f.time(i)
			if !ok {
				continue
			}
			if !seen || t.Compare(start) < 0 {
				start = t
			}
			if !seen || t.Compare(end) > 0 {
				end = t
			}
			seen = true
		}
		if seen {
			s.Start, s.End = &start, &end
		}
	}
	l.sum = s
	return nil
}

// selectSQL reads a collection's table: the id, the geometry, then the
// properties in catalog order. Dates and times are read as text, as they are
// stored, rather than as the driver's guess at a time.
func (t *table) selectSQL() string {
	return t.selectFrom() + " ORDER BY " + quote(t.idCol)
}

// selectFrom is selectSQL without its order, for a WHERE to follow.
func (t *table) selectFrom() string {
	cols := []string{quote(t.idCol), "geom"}
	for _, c := range t.cols {
		if c.kind == kDate || c.kind == kTime {
			cols = append(cols, "CAST("+quote(c.name)+" AS TEXT)")
		} else {
			cols = append(cols, quote(c.name))
		}
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + quote(t.c.ID)
}

// interner shares the bytes of repeated strings (commune names, street
// names, codes), which dominate the memory of a large territory.
type interner map[string]string

func (in interner) get(s string) string {
	if in == nil {
		return s
	}
	if v, ok := in[s]; ok {
		return v
	}
	in[s] = s
	return s
}

// loadLayer reads a collection into memory.
func loadLayer(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, t *table) (*layer, error) {
	st, err := readState(ctx, q, t.c.ID)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, t.selectSQL())
	if err != nil {
		return nil, fmt.Errorf("embedded: read %s: %w", t.c.ID, err)
	}
	defer rows.Close()
	feats, err := t.scan(rows, nil)
	if err != nil {
		return nil, err
	}
	return newLayer(t, feats, st)
}

// scan reads the rows of a selectFrom query as features, appended to
// feats.
func (t *table) scan(rows *sql.Rows, feats []*feature) ([]*feature, error) {
	n := len(t.cols)
	raw := make([]driver.Value, n+2)
	dest := make([]any, n+2)
	for i := range raw {
		dest[i] = (*any)(&raw[i])
	}
	vals := make([]any, n)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("embedded: read %s: %w", t.c.ID, err)
		}
		f, err := t.decode(raw, vals)
		if err != nil {
			return nil, err
		}
		feats = append(feats, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded: read %s: %w", t.c.ID, err)
	}
	return feats, nil
}

// decode makes the feature of a row of a selectFrom query, read as the
// driver gives it; vals is scratch space for the properties (a row copies
// them).
func (t *table) decode(raw []driver.Value, vals []any) (*feature, error) {
	f := &feature{}
	switch id := raw[0].(type) {
	case int64:
		f.setID(id)
	case string:
		f.setID(id)
	default:
		return nil, fmt.Errorf("embedded: %s: unexpected id %v", t.c.ID, raw[0])
	}
	blob, _ := raw[1].([]byte)
	if err := f.setGeometry(blob); err != nil {
		return nil, fmt.Errorf("embedded: %s %v: geometry: %w", t.c.ID, f.ident(), err)
	}
	for i, c := range t.cols {
		var err error
		if vals[i], err = fromSQLite(c, raw[i+2], nil); err != nil {
			return nil, fmt.Errorf("embedded: %s %v: %s: %w", t.c.ID, f.ident(), c.name, err)
		}
	}
	f.row = encodeRow(vals)
	f.dropPoint()
	return f, nil
}

func readState(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, collection string) (layerState, error) {
	var st layerState
	var updated string
	err := q.QueryRowContext(ctx, "SELECT version, CAST(updated_at AS TEXT), last_batch FROM layer_state WHERE collection = ?", collection).
		Scan(&st.version, &updated, &st.lastBatch)
	if err != nil {
		return st, fmt.Errorf("embedded: layer_state of %s: %w", collection, err)
	}
	t, err := parseTimestamp(updated)
	if err != nil {
		return st, err
	}
	st.updatedAt = t
	return st, nil
}

// fromSQLite converts a stored value to its in-memory form, sharing
// repeated strings through in unless it is nil.
func fromSQLite(c column, v any, in interner) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.kind {
	// A value of the right type is returned as it came, not boxed again.
	case kText:
		switch s := v.(type) {
		case string:
			if in == nil {
				return v, nil
			}
			return in.get(s), nil
		case []byte:
			return in.get(string(s)), nil
		}
	case kInt:
		if _, ok := v.(int64); ok {
			return v, nil
		}
	case kFloat:
		switch x := v.(type) {
		case float64:
			return v, nil
		case int64:
			return float64(x), nil
		}
	case kBool:
		if n, ok := v.(int64); ok {
			return n != 0, nil
		}
	case kDate, kTime, kJSON:
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case []byte:
			s = string(x)
		default:
			return nil, fmt.Errorf("unexpected %T", v)
		}
		if c.kind == kJSON {
			return jsonValue(in.get(s)), nil
		}
		return parseText(c.kind, 64, s)
	}
	return nil, fmt.Errorf("unexpected %T for a %s column", v, c.gpkgType())
}

// toSQLite converts an in-memory value to what is stored.
func toSQLite(k kind, v any) any {
	if v == nil {
		return nil
	}
	switch k {
	case kBool:
		if v.(bool) {
			return int64(1)
		}
		return int64(0)
	case kDate:
		return v.(time.Time).Format(time.DateOnly)
	case kTime:
		return formatTimestamp(v.(time.Time))
	case kJSON:
		return string(v.(jsonValue))
	}
	return v
}

// setGeometry decodes f's GeoPackage geometry blob. A point is held in its
// bound alone: most of a large territory, no geometry to box (see
// dropPoint).
func (f *feature) setGeometry(blob []byte) error {
	if p, ok := blobPoint(blob); ok {
		f.bound = orb.Bound{Min: p, Max: p}
		return nil
	}
	g, err := decodeBlob(blob)
	if err != nil {
		return err
	}
	f.geom, f.bound = g, geomBound(g)
	return nil
}
