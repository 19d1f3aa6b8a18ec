package postgis

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
)

// selectList returns the columns every feature query reads: id, geometry,
// sort keys, then the properties, all as text so rows are copied, not
// decoded.
func selectList(q *socle.ItemsQuery, keys []sortKey) (string, []socle.Property, error) {
	props, err := selectedProperties(q.Collection, q.Properties)
	if err != nil {
		return "", nil, err
	}
	var ks []string
	for _, k := range keys {
		ks = append(ks, k.expr)
	}
	cols := fmt.Sprintf("to_json(t.%s)::text, %s, json_build_array(%s)::text",
		ident(idColumn(q.Collection)), geometryJSON(q.OutputCRS(), q.Decimals()), strings.Join(ks, ", "))
	if len(props) > 0 {
		cols += ", " + propertyColumns(props)
	}
	return cols, props, nil
}

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

// Items streams the features that q selects to fn, in order, one page of at
// most q.Limit features, and says where the neighbouring pages start.
func (s *Store) Items(ctx context.Context, q socle.ItemsQuery, fn func(*socle.Feature) error) (socle.Page, error) {
	var page socle.Page
	keys, err := sortKeys(&q)
	if err != nil {
		return page, err
	}
	cols, props, err := selectList(&q, keys)
	if err != nil {
		return page, err
	}
	b := newBuilder()
	if err := b.filters(&q); err != nil {
		return page, err
	}
	filtered := len(b.conds) > 0
	countSQL := "SELECT count(*) FROM " + table(q.Collection) + " t" + b.where()
	countArgs := maps(b.args)
	backwards := q.Cursor != nil && q.Cursor.Before
	if q.Cursor != nil {
		if err := b.keyset(keys, q.Cursor); err != nil {
			return page, err
		}
	}
	sql := "SELECT " + cols + " FROM " + table(q.Collection) + " t" + b.where() +
		orderBy(keys, backwards) + fmt.Sprintf(" LIMIT %d", q.Limit+1)

	conn, err := s.acquire(ctx)
	if err != nil {
		return page, err
	}
	defer conn.Release()

	rows, err := conn.Query(ctx, sql, b.args)
	if err != nil {
		return page, dbError(ctx, err)
	}
	defer rows.Close()

	var (
		f        socle.Feature
		propBuf  []byte
		lastKeys []byte
		first    []byte
		buffered []socle.Feature // only when walking backwards
		bufKeys  [][]byte
		more     bool
	)
	for rows.Next() {
		if page.NumberReturned == q.Limit {
			more = true
			break
		}
		raw := rows.RawValues()
		propBuf = appendProperties(propBuf[:0], props, raw[3:])
		if backwards {
			buffered = append(buffered, socle.Feature{ID: clone(raw[0]), Geometry: clone(raw[1]), Properties: clone(propBuf)})
			bufKeys = append(bufKeys, clone(raw[2]))
		} else {
			f.ID, f.Geometry, f.Properties = raw[0], raw[1], propBuf
			if first == nil {
				first = clone(raw[2])
			}
			lastKeys = append(lastKeys[:0], raw[2]...)
			if err := fn(&f); err != nil {
				return page, err
			}
		}
		page.NumberReturned++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return page, dbError(ctx, err)
	}
	// numberMatched: a first page that is not full holds every match, and
	// most bbox pages are (the kit's 1 km² boxes hold ~300 addresses);
	// otherwise count, from the cached summary when nothing filters.
	switch {
	case q.Cursor == nil && !more:
		page.NumberMatched = int64(page.NumberReturned)
	case filtered:
		if err := conn.QueryRow(ctx, countSQL, countArgs).Scan(&page.NumberMatched); err != nil {
			return page, dbError(ctx, err)
		}
	default:
		sum, err := s.summary(ctx, conn.Conn(), q.Collection)
		if err != nil {
			return page, err
		}
		page.NumberMatched = sum.Count
	}
	if backwards {
		slices.Reverse(buffered)
		slices.Reverse(bufKeys)
		for i := range buffered {
			if err := fn(&buffered[i]); err != nil {
				return page, err
			}
		}
		if len(bufKeys) > 0 {
			first, lastKeys = bufKeys[0], bufKeys[len(bufKeys)-1]
		}
		// Walking backwards, the extra row means there is an earlier page;
		// and there is always a later one: the page we came from.
		if more && first != nil {
			page.Prev = cursor(first, true)
		}
		if lastKeys != nil {
			page.Next = cursor(lastKeys, false)
		}
		return page, nil
	}
	if more {
		page.Next = cursor(lastKeys, false)
	}
	if q.Cursor != nil && first != nil {
		page.Prev = cursor(first, true)
	}
	return page, nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

func maps(a pgx.NamedArgs) pgx.NamedArgs {
	out := make(pgx.NamedArgs, len(a))
	for k, v := range a {
		out[k] = v
	}
	return out
}

func cursor(keysJSON []byte, before bool) *socle.Cursor {
	var keys []json.RawMessage
	if err := json.Unmarshal(keysJSON, &keys); err != nil {
		return nil
	}
	return &socle.Cursor{Keys: keys, Before: before}
}

// Feature returns one feature by id, or ENOTFOUND.
func (s *Store) Feature(ctx context.Context, fq socle.FeatureQuery) (*socle.Feature, error) {
	c, id := fq.Collection, fq.ID
	q := socle.ItemsQuery{Collection: c, Properties: fq.Properties, CRS: fq.CRS}
	cols, props, err := selectList(&q, []sortKey{{expr: "t." + ident(idColumn(c))}})
	if err != nil {
		return nil, err
	}
	var idArg any = id
	if c.IDType == socle.TypeInteger {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || strconv.FormatInt(n, 10) != id {
			return nil, socle.Errorf(socle.ENOTFOUND, "no feature %q in %s", id, c.ID)
		}
		idArg = n
	}
	conn, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	sql := "SELECT " + cols + " FROM " + table(c) + " t WHERE t." + ident(idColumn(c)) + " = $1"
	rows, err := conn.Query(ctx, sql, idArg)
	if err != nil {
		return nil, dbError(ctx, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, dbError(ctx, err)
		}
		return nil, socle.Errorf(socle.ENOTFOUND, "no feature %q in %s", id, c.ID)
	}
	raw := rows.RawValues()
	f := socle.Feature{ID: clone(raw[0]), Geometry: clone(raw[1]), Properties: appendProperties(nil, props, raw[3:])}
	rows.Close()
	return &f, dbError(ctx, rows.Err())
}
