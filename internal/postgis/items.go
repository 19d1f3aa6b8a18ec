package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
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
	cols := s.jsonColumns(q.Collection, q.CRS, q.Decimals(), q.Properties)
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

// jsonColumns returns the select list of Items and Feature: the id and
// the properties as text, the geometry as GeoJSON in out with decimals
// digits. The list of a collection's every property is made once per CRS
// (remaking it took ~3.5 % of a single feature's Go time).
func (s *Store) jsonColumns(c *socle.Collection, out crs.CRS, decimals int, props []socle.Property) string {
	key, all := keyOfColumns(c, out, decimals, props)
	if all {
		if cols, ok := s.columns.Load(key); ok {
			return cols.(string)
		}
	}
	cols := fmt.Sprintf("t.%s::text, %s", ident(idColumn(c)), geometryJSON(out, decimals))
	if len(props) > 0 {
		cols += ", " + propertyColumns(props)
	}
	if all {
		s.columns.Store(key, cols)
	}
	return cols
}

// columnsKey names a select list of jsonColumns (or, with feature, the
// whole statement of Feature): the collection, its properties' slice,
// which a change of the collection's schema replaces, and what
// geometryJSON reads of the CRS. Fixed-size, it hashes fast.
type columnsKey struct {
	c        *socle.Collection
	props    *socle.Property
	n        int
	srid     int
	yx       bool
	decimals int
	feature  bool
}

// keyOfColumns returns the key of a select list, and whether it is worth
// keeping: only the lists of every property are (a properties= list is
// the request's own slice).
func keyOfColumns(c *socle.Collection, out crs.CRS, decimals int, props []socle.Property) (columnsKey, bool) {
	all := len(props) == len(c.Properties) && (len(props) == 0 || &props[0] == &c.Properties[0])
	key := columnsKey{c: c, srid: out.SRID, yx: out.YX, decimals: decimals, n: len(props)}
	if len(props) > 0 {
		key.props = &props[0]
	}
	return key, all
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
//
// It is the page's statement, then a count when the page cannot tell
// numberMatched itself; or, for a box (and no other filter) expected to
// hold more than the page, one statement that does both (narrowPage).
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
	where := b.where()
	countSQL := "SELECT count(*) FROM " + table(q.Collection) + " t" + where
	countArgs := slices.Clip(b.args) // the filters' arguments: the cursor's come after
	var sql string
	counted := false
	if est, ok := s.expectedMatches(q); ok && est > float64(q.Limit) && est <= narrowMax {
		sql, counted = narrowPage(q, keys, cols, where, b), true
	} else {
		if q.Cursor != nil {
			b.keyset(keys, q.Cursor)
		}
		sql = "SELECT " + cols + " FROM " + table(q.Collection) + " t" + b.where() +
			orderBy(keys, q.Backwards()) + " LIMIT " + strconv.Itoa(q.Limit+1)
	}

	// A connection lost before the first row is retried on a fresh one.
	var page socle.Page
	sent := false
	err := s.read(ctx, &sent, func(conn *pgxpool.Conn) (err error) {
		page, err = s.walkOn(ctx, conn, q, sql, b.args, counted, countSQL, countArgs, func(rows pgx.Rows) error {
			sent = true
			return row(rows)
		}, flush)
		return err
	})
	if err == nil && q.Area != nil && q.Datetime == nil && q.Filter == nil && len(q.Equals) == 0 {
		s.noteDensity(q, page.NumberMatched)
	}
	return page, err
}

// narrowPage returns the one statement of a page with a bbox that is
// expected to hold more matches than the page: the page's rows with cols
// (their order keys last), each followed by numberMatched as text.
//
// The matches are found once, narrow (row address and order keys), in the
// CTE m; the count is m's size and only the page's rows are read whole, by
// their row address. A page and then a count searched the box twice and
// read every match whole: on the kit's limit-100 bbox pages (~300 matches)
// this form touched a third fewer buffers and took PostgreSQL a quarter to
// a third less time, and a round trip less (docs/benchmarks.md, issue 18). Row
// addresses are those of the statement's snapshot: the rows read by them
// are the ones matched. A collection's table is a plain table of the
// migrations, where ctid names one row (a view has none, a partitioned
// table one per partition: neither would do here).
//
// It is chosen only when the page is expected to be full: a page that holds
// every match needs no count, and reading its rows twice cost more than
// reading them once (+20–40 % on the kit's limit-1000 pages, mostly not
// full). Nor past narrowMax matches, where keeping every match's keys costs
// more than searching twice.
//
// where is the filters' clause; b receives the cursor's condition, which
// applies to the page, not to the count.
func narrowPage(q *socle.ItemsQuery, keys []sortKey, cols, where string, b *builder) string {
	tbl := table(q.Collection)
	order := orderBy(keys, q.Backwards())
	inner := make([]string, 0, len(keys)+1)
	inner = append(inner, "t.ctid AS socle_tid")
	for _, k := range keys {
		if !slices.Contains(inner[1:], k.expr) {
			inner = append(inner, k.expr)
		}
	}
	// The cursor's condition on m's rows, whose key columns have the
	// table's names under the same alias t. Its values join b's.
	page := &builder{args: b.args}
	if q.Cursor != nil {
		page.keyset(keys, q.Cursor)
	}
	b.args = page.args
	return "WITH m AS MATERIALIZED (SELECT " + strings.Join(inner, ", ") + " FROM " + tbl + " t" + where + ") " +
		"SELECT " + cols + ", (SELECT count(*) FROM m)::text FROM " + tbl + " t " +
		"WHERE t.ctid = ANY(ARRAY(SELECT t.socle_tid FROM m t" + page.where() + order + " LIMIT " + strconv.Itoa(q.Limit+1) + "))" + order
}

// narrowMax is the most matches for which a box's page reads them narrow:
// on the kit's territory a box of ~39,000 addresses cost 20 % more that
// way than page + count, one of ~2,000 less than half.
const narrowMax = 10000

// expectedMatches estimates how many features q's box holds from the
// density of its collection seen on earlier boxes (false: no box, none
// seen yet, or other filters, which the density does not foresee).
func (s *Store) expectedMatches(q *socle.ItemsQuery) (float64, bool) {
	if q.Area == nil || q.Datetime != nil || q.Filter != nil || len(q.Equals) > 0 {
		return 0, false
	}
	s.mu.Lock()
	d, ok := s.density[q.Collection.ID]
	s.mu.Unlock()
	return d * boxArea(q.Area), ok
}

// noteDensity learns the collection's features per square metre from a
// page of a box with no other filter, whose count is known.
func (s *Store) noteDensity(q *socle.ItemsQuery, matched int64) {
	a := boxArea(q.Area)
	if a <= 0 {
		return
	}
	d := float64(matched) / a
	s.mu.Lock()
	if old, ok := s.density[q.Collection.ID]; ok {
		d = 0.8*old + 0.2*d
	}
	s.density[q.Collection.ID] = d
	s.mu.Unlock()
}

func boxArea(a *socle.Area) float64 {
	return (a.Bound.Max[0] - a.Bound.Min[0]) * (a.Bound.Max[1] - a.Bound.Min[1])
}

// walkOn runs walk's statements on conn. counted: the page's statement
// gives numberMatched in its last column, after the order keys.
func (s *Store) walkOn(ctx context.Context, conn *pgxpool.Conn, q *socle.ItemsQuery, sql string, args []any,
	counted bool, countSQL string, countArgs []any, row func(pgx.Rows) error, flush func() error) (socle.Page, error) {
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return socle.Page{}, dbError(ctx, err)
	}
	defer rows.Close()
	var (
		n           int
		more        bool
		first, last []byte
		matched     = int64(-1)
		keysFrom    int // the order keys' column, from the end
	)
	if counted {
		keysFrom = 1
	}
	for rows.Next() {
		raw := rows.RawValues()
		if counted && matched < 0 && raw[len(raw)-1] != nil {
			if matched, err = strconv.ParseInt(string(raw[len(raw)-1]), 10, 64); err != nil {
				return socle.Page{}, fmt.Errorf("postgis: count %q: %w", raw[len(raw)-1], err)
			}
		}
		if n == q.Limit {
			more = true
			break
		}
		k := raw[len(raw)-1-keysFrom]
		if first == nil {
			first = clone(k)
		}
		last = append(last[:0], k...)
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
	if matched >= 0 {
		page.NumberMatched = matched
		return page, nil
	}
	count := func(conn *pgxpool.Conn) error {
		if q.Filtered() {
			return dbError(ctx, conn.QueryRow(ctx, countSQL, countArgs...).Scan(&page.NumberMatched))
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
	var f *socle.Feature
	err := s.one(ctx, fq, s.featureSQL(fq), func(rows pgx.Rows) error {
		raw := rows.RawValues()
		size := 2
		for i, p := range fq.Properties { // room for the object, grown once
			size += len(p.Name) + len(raw[2+i]) + 8
		}
		f = &socle.Feature{ID: appendID(nil, fq.Collection.IDType != socle.TypeInteger, raw[0]), Geometry: clone(raw[1]),
			Properties: appendProperties(make([]byte, 0, size), fq.Properties, raw[2:])}
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
	err := s.one(ctx, fq, oneSQL(fq.Collection, cols), func(rows pgx.Rows) (err error) {
		r, err = scanRecord(rows, fq.Properties)
		return err
	})
	return r, err
}

// featureSQL returns Feature's statement, made once per collection and
// CRS when it reads every property.
func (s *Store) featureSQL(fq *socle.FeatureQuery) string {
	decimals := fq.CRS.Decimals()
	key, all := keyOfColumns(fq.Collection, fq.CRS, decimals, fq.Properties)
	key.feature = true
	if all {
		if sql, ok := s.columns.Load(key); ok {
			return sql.(string)
		}
	}
	sql := oneSQL(fq.Collection, s.jsonColumns(fq.Collection, fq.CRS, decimals, fq.Properties))
	if all {
		s.columns.Store(key, sql)
	}
	return sql
}

// oneSQL is the statement that reads the select list cols of the feature
// of c whose id is $1.
func oneSQL(c *socle.Collection, cols string) string {
	return "SELECT " + cols + " FROM " + table(c) + " t WHERE t." + ident(idColumn(c)) + " = $1"
}

// one reads the row of the feature fq names with sql (oneSQL).
func (s *Store) one(ctx context.Context, fq *socle.FeatureQuery, sql string, scan func(pgx.Rows) error) error {
	key, ok := fq.Key()
	if !ok {
		return fq.NotFound()
	}
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
