package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
)

// geometryJSON returns the SQL that writes the geometry as GeoJSON in c,
// in c's axis order, with decimals digits after the point.
func geometryJSON(c crs.CRS, decimals int) string {
	g := "t.geom"
	if c.SRID != StorageSRID {
		g = fmt.Sprintf("ST_Transform(%s, %d)", g, c.SRID)
	}
	if c.YX {
		g = "ST_FlipCoordinates(" + g + ")"
	}
	return fmt.Sprintf("ST_AsGeoJSON(%s, %d)", g, decimals)
}

// Items streams the features that q selects to fn as JSON fragments, in
// order, one page of at most q.Limit features, and says where the
// neighbouring pages start.
func (s *Store) Items(ctx context.Context, q *socle.ItemsQuery, fn func(*socle.Feature) error) (socle.Page, error) {
	cols := fmt.Sprintf("t.%s::text, %s", ident(idColumn(q.Collection)), geometryJSON(q.CRS, q.Decimals()))
	if len(q.Properties) > 0 {
		cols += ", " + propertyColumns(q.Properties)
	}
	var (
		f        socle.Feature
		idBuf    []byte
		propBuf  []byte
		buffered []socle.Feature // only when walking backwards
	)
	stringIDs := q.Collection.IDType != socle.TypeInteger
	return s.walk(ctx, q, cols, func(rows pgx.Rows) error {
		raw := rows.RawValues()
		idBuf = appendID(idBuf[:0], stringIDs, raw[0])
		propBuf = appendProperties(propBuf[:0], q.Properties, raw[2:])
		if q.Backwards() {
			buffered = append(buffered, socle.Feature{ID: clone(idBuf), Geometry: clone(raw[1]), Properties: clone(propBuf)})
			return nil
		}
		f.ID, f.Geometry, f.Properties = idBuf, raw[1], propBuf
		return fn(&f)
	}, func() error {
		for i := len(buffered) - 1; i >= 0; i-- {
			if err := fn(&buffered[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// Records streams the features q selects as Go values: the geometry from
// WKB in the storage CRS, each property in its own type.
func (s *Store) Records(ctx context.Context, q *socle.ItemsQuery, fn func(*socle.Record) error) (socle.Page, error) {
	cols := fmt.Sprintf("t.%s, ST_AsBinary(t.geom)", ident(idColumn(q.Collection)))
	if len(q.Properties) > 0 {
		cols += ", " + typedColumns(q.Properties)
	}
	var buffered []*socle.Record
	return s.walk(ctx, q, cols, func(rows pgx.Rows) error {
		r, err := scanRecord(rows, q.Properties)
		if err != nil {
			return err
		}
		if q.Backwards() {
			buffered = append(buffered, r)
			return nil
		}
		return fn(r)
	}, func() error {
		for i := len(buffered) - 1; i >= 0; i-- {
			if err := fn(buffered[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// walk runs the page of q with the select list cols (the order keys are
// added last), hands each row of the page to row in walking order, calls
// flush once the rows are read (a page read backwards is streamed then, in
// q's order), and counts the matches.
func (s *Store) walk(ctx context.Context, q *socle.ItemsQuery, cols string, row func(pgx.Rows) error, flush func() error) (socle.Page, error) {
	keys := sortKeys(q)
	ks := make([]string, len(keys))
	for i, k := range keys {
		ks[i] = k.expr
	}
	cols += ", json_build_array(" + strings.Join(ks, ", ") + ")::text"
	b := newBuilder()
	if err := b.filters(q); err != nil {
		return socle.Page{}, err
	}
	countSQL := "SELECT count(*) FROM " + table(q.Collection) + " t" + b.where()
	countArgs := maps(b.args)
	if q.Cursor != nil {
		b.keyset(keys, q.Cursor)
	}
	sql := "SELECT " + cols + " FROM " + table(q.Collection) + " t" + b.where() +
		orderBy(keys, q.Backwards()) + fmt.Sprintf(" LIMIT %d", q.Limit+1)

	// A connection lost before the first row is retried on a fresh one.
	var page socle.Page
	sent := false
	err := s.read(ctx, &sent, func(conn *pgxpool.Conn) (err error) {
		page, err = s.walkOn(ctx, conn, q, sql, b.args, countSQL, countArgs, func(rows pgx.Rows) error {
			sent = true
			return row(rows)
		}, flush)
		return err
	})
	return page, err
}

// walkOn runs walk's statements on conn.
func (s *Store) walkOn(ctx context.Context, conn *pgxpool.Conn, q *socle.ItemsQuery, sql string, args pgx.NamedArgs,
	countSQL string, countArgs pgx.NamedArgs, row func(pgx.Rows) error, flush func() error) (socle.Page, error) {
	rows, err := conn.Query(ctx, sql, args)
	if err != nil {
		return socle.Page{}, dbError(ctx, err)
	}
	defer rows.Close()
	var (
		n           int
		more        bool
		first, last []byte
	)
	for rows.Next() {
		if n == q.Limit {
			more = true
			break
		}
		raw := rows.RawValues()
		if first == nil {
			first = clone(raw[len(raw)-1])
		}
		last = append(last[:0], raw[len(raw)-1]...)
		if err := row(rows); err != nil {
			return socle.Page{}, err
		}
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return socle.Page{}, dbError(ctx, err)
	}
	if err := flush(); err != nil {
		return socle.Page{}, err
	}
	var firstKeys, lastKeys []any
	if n > 0 {
		if firstKeys, err = rowKeys(q, first); err != nil {
			return socle.Page{}, err
		}
		if lastKeys, err = rowKeys(q, last); err != nil {
			return socle.Page{}, err
		}
	}
	if q.Backwards() { // read backwards: the first row read is the page's last
		firstKeys, lastKeys = lastKeys, firstKeys
	}
	page := socle.NewPage(q, n, more, firstKeys, lastKeys)
	// numberMatched: a first page that is not full holds every match, and
	// most bbox pages are (the kit's 1 km² boxes hold ~300 addresses);
	// otherwise count, from the cached summary when nothing filters.
	if q.Cursor == nil && !more {
		page.NumberMatched = int64(n)
		return page, nil
	}
	count := func(conn *pgxpool.Conn) error {
		if q.Filtered() {
			return dbError(ctx, conn.QueryRow(ctx, countSQL, countArgs).Scan(&page.NumberMatched))
		}
		sum, err := s.summary(ctx, conn.Conn(), q.Collection)
		page.NumberMatched = sum.Count
		return err
	}
	err = count(conn)
	if err != nil && ctx.Err() == nil && (connLost(err) || conn.Conn().IsClosed()) {
		// The rows are sent: count on a fresh connection rather than fail.
		err = s.read(ctx, nil, count)
	}
	return page, err
}

// rowKeys types a row's order keys, read as one JSON array.
func rowKeys(q *socle.ItemsQuery, raw []byte) ([]any, error) {
	var vals []json.RawMessage
	if err := json.Unmarshal(raw, &vals); err != nil {
		return nil, fmt.Errorf("postgis: order keys %s: %w", raw, err)
	}
	return socle.ParseKeys(q.Order, vals)
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// appendID writes a feature id, read as text, as JSON: a number, or a
// string for collections with text ids.
func appendID(dst []byte, text bool, raw []byte) []byte {
	if text {
		return socle.AppendJSONString(dst, string(raw))
	}
	return append(dst, raw...)
}

func maps(a pgx.NamedArgs) pgx.NamedArgs {
	out := make(pgx.NamedArgs, len(a))
	for k, v := range a {
		out[k] = v
	}
	return out
}

// typedColumns returns the SQL list of the properties, each cast to the
// one type Records hands out for its kind.
func typedColumns(props []socle.Property) string {
	var b strings.Builder
	for i, p := range props {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("t.")
		b.WriteString(ident(p.Name))
		switch p.Type {
		case socle.TypeInteger:
			b.WriteString("::bigint")
		case socle.TypeNumber:
			b.WriteString("::float8")
		case socle.TypeObject, socle.TypeString:
			b.WriteString("::text")
		}
	}
	return b.String()
}

// scanRecord reads a row of Records: id, WKB, then the typed properties
// (the order keys follow, unread).
func scanRecord(rows pgx.Rows, props []socle.Property) (*socle.Record, error) {
	vals, err := rows.Values()
	if err != nil {
		return nil, err
	}
	r := &socle.Record{ID: vals[0], Values: make([]any, len(props))}
	if id, ok := r.ID.(int32); ok {
		r.ID = int64(id)
	}
	buf, ok := vals[1].([]byte)
	if !ok {
		return nil, fmt.Errorf("postgis: geometry of %v is %T", r.ID, vals[1])
	}
	if r.Geometry, err = wkb.Unmarshal(buf); err != nil {
		return nil, fmt.Errorf("postgis: geometry of %v: %w", r.ID, err)
	}
	for i, p := range props {
		v := vals[2+i]
		switch x := v.(type) {
		case string:
			if p.Type == socle.TypeObject { // read as text, never decoded
				v = json.RawMessage(x)
			}
		case time.Time:
			v = x.UTC()
		}
		r.Values[i] = v
	}
	return r, nil
}

// Feature returns one feature by id, or ENOTFOUND.
func (s *Store) Feature(ctx context.Context, fq *socle.FeatureQuery) (*socle.Feature, error) {
	cols := fmt.Sprintf("t.%s::text, %s", ident(idColumn(fq.Collection)), geometryJSON(fq.CRS, fq.CRS.Decimals()))
	if len(fq.Properties) > 0 {
		cols += ", " + propertyColumns(fq.Properties)
	}
	var f *socle.Feature
	err := s.one(ctx, fq, cols, func(rows pgx.Rows) error {
		raw := rows.RawValues()
		f = &socle.Feature{ID: appendID(nil, fq.Collection.IDType != socle.TypeInteger, raw[0]), Geometry: clone(raw[1]),
			Properties: appendProperties(nil, fq.Properties, raw[2:])}
		return nil
	})
	return f, err
}

// FeatureRecord returns one feature by id as Go values, or ENOTFOUND.
func (s *Store) FeatureRecord(ctx context.Context, fq *socle.FeatureQuery) (*socle.Record, error) {
	cols := fmt.Sprintf("t.%s, ST_AsBinary(t.geom)", ident(idColumn(fq.Collection)))
	if len(fq.Properties) > 0 {
		cols += ", " + typedColumns(fq.Properties)
	}
	var r *socle.Record
	err := s.one(ctx, fq, cols, func(rows pgx.Rows) (err error) {
		r, err = scanRecord(rows, fq.Properties)
		return err
	})
	return r, err
}

// one reads the row of the feature fq names with the select list cols.
func (s *Store) one(ctx context.Context, fq *socle.FeatureQuery, cols string, scan func(pgx.Rows) error) error {
	key, ok := fq.Key()
	if !ok {
		return fq.NotFound()
	}
	c := fq.Collection
	sql := "SELECT " + cols + " FROM " + table(c) + " t WHERE t." + ident(idColumn(c)) + " = $1"
	return s.read(ctx, nil, func(conn *pgxpool.Conn) error {
		rows, err := conn.Query(ctx, sql, key)
		if err != nil {
			return dbError(ctx, err)
		}
		defer rows.Close()
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return dbError(ctx, err)
			}
			return fq.NotFound()
		}
		if err := scan(rows); err != nil {
			return err
		}
		rows.Close()
		return dbError(ctx, rows.Err())
	})
}
