package source

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/paulmach/orb"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// openDB opens a GeoPackage read-only and checks it is one.
func openDB(path string) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: "mode=ro"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name IN ('gpkg_contents', 'gpkg_geometry_columns', 'gpkg_spatial_ref_sys')`).Scan(&n); err != nil {
		db.Close()
		return nil, fmt.Errorf("not a readable GeoPackage (corrupt or truncated?): %w", err)
	}
	if n < 3 {
		db.Close()
		return nil, errors.New("an SQLite file but not a GeoPackage: no gpkg_contents, gpkg_geometry_columns or gpkg_spatial_ref_sys table")
	}
	return db, nil
}

// featureTables lists a GeoPackage's feature tables in gpkg_contents order.
func featureTables(db *sql.DB) ([]string, error) {
	rows, err := db.Query(`SELECT c.table_name FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
		WHERE c.data_type = 'features' ORDER BY c.table_name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func gpkgLayers(path string) ([]string, error) {
	db, err := openDB(path)
	if err != nil {
		return nil, fmt.Errorf("source: %s: %w", filepath.Base(path), err)
	}
	defer db.Close()
	t, err := featureTables(db)
	if err != nil {
		return nil, fmt.Errorf("source: %s: %w", filepath.Base(path), err)
	}
	return t, nil
}

// pickLayer chooses among a file's layers: the one asked for
// (case-insensitive), else the only one.
func pickLayer(name string, layers []string, want string) (string, error) {
	if want == "" {
		switch len(layers) {
		case 0:
			return "", fmt.Errorf("source: %s has no feature layer", name)
		case 1:
			return layers[0], nil
		}
		return "", fmt.Errorf("source: %s has %d layers, pick one with --layer: %s", name, len(layers), strings.Join(layers, ", "))
	}
	for _, l := range layers {
		if strings.EqualFold(l, want) {
			return l, nil
		}
	}
	return "", fmt.Errorf("source: %s has no layer %q; its layers: %s", name, want, strings.Join(layers, ", "))
}

// quoteIdent quotes an SQLite identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

type gpkgColumn struct {
	name  string
	field FieldType
}

func openGPKG(path, layer string) (opened, error) {
	name := filepath.Base(path)
	db, err := openDB(path)
	if err != nil {
		return opened{}, fmt.Errorf("source: %s: %w", name, err)
	}
	o, err := readGPKG(db, name, layer)
	if err != nil {
		db.Close()
		return opened{}, err
	}
	return o, nil
}

func readGPKG(db *sql.DB, name, layer string) (opened, error) {
	fail := func(err error) (opened, error) { return opened{}, fmt.Errorf("source: %s: %w", name, err) }
	tables, err := featureTables(db)
	if err != nil {
		return fail(err)
	}
	table, err := pickLayer(name, tables, layer)
	if err != nil {
		return opened{}, err
	}
	o := opened{format: GeoPackage, layer: table, count: -1}
	var geomCol, geomType string
	var srsID int
	if err := db.QueryRow(`SELECT column_name, geometry_type_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?`, table).
		Scan(&geomCol, &geomType, &srsID); err != nil {
		return fail(err)
	}
	o.geomType = gpkgGeomType(geomType)
	o.srid, o.crsNote, o.crsErr = gpkgCRS(db, srsID)
	var minX, minY, maxX, maxY sql.NullFloat64
	if err := db.QueryRow(`SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = ?`, table).
		Scan(&minX, &minY, &maxX, &maxY); err == nil && minX.Valid && minY.Valid && maxX.Valid && maxY.Valid &&
		(minX.Float64 != 0 || minY.Float64 != 0 || maxX.Float64 != 0 || maxY.Float64 != 0) { // zeros: not filled in
		o.bounds = &orb.Bound{Min: orb.Point{minX.Float64, minY.Float64}, Max: orb.Point{maxX.Float64, maxY.Float64}}
	}
	rows, err := db.Query(`SELECT name, type, pk FROM pragma_table_info(?)`, table)
	if err != nil {
		return fail(err)
	}
	var cols []gpkgColumn
	pk := ""
	for rows.Next() {
		var cname, ctype string
		var isPK int
		if err := rows.Scan(&cname, &ctype, &isPK); err != nil {
			rows.Close()
			return fail(err)
		}
		switch {
		case strings.EqualFold(cname, geomCol):
		case isPK == 1 && pk == "" && strings.Contains(strings.ToUpper(ctype), "INT"):
			pk = cname
		default:
			cols = append(cols, gpkgColumn{cname, sqliteType(ctype)})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	for _, c := range cols {
		o.fields = append(o.fields, Field{c.name, c.field})
	}
	if err := db.QueryRow(`SELECT count(*) FROM ` + quoteIdent(table)).Scan(&o.count); err != nil {
		return fail(err)
	}
	if o.count == 0 {
		o.bounds = nil
	}
	sel := []string{quoteIdent(geomCol)}
	if pk != "" {
		sel = append(sel, quoteIdent(pk))
	} else {
		sel = append(sel, "NULL")
	}
	for _, c := range cols {
		sel = append(sel, quoteIdent(c.name))
	}
	order := ""
	if pk != "" {
		order = " ORDER BY " + quoteIdent(pk)
	}
	rs, err := db.Query(`SELECT ` + strings.Join(sel, ", ") + ` FROM ` + quoteIdent(table) + order)
	if err != nil {
		return fail(err)
	}
	r := &gpkgReader{db: db, rows: rs, cols: cols}
	r.vals = make([]rawValue, len(cols)+2)
	r.ptrs = make([]any, len(r.vals))
	for i := range r.vals {
		r.ptrs[i] = &r.vals[i]
	}
	r.ptrs[1] = &r.id
	o.r = r
	return o, nil
}

// gpkgCRS reads srs_id's CRS from gpkg_spatial_ref_sys: by organization and
// code when it is EPSG, else by its WKT definition.
func gpkgCRS(db *sql.DB, srsID int) (srid int, note string, err error) {
	var org, def sql.NullString
	var code sql.NullInt64
	if err := db.QueryRow(`SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?`, srsID).
		Scan(&org, &code, &def); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Sprintf("srs_id %d is not in gpkg_spatial_ref_sys", srsID), nil
		}
		return 0, "", err
	}
	if strings.EqualFold(org.String, "EPSG") && code.Valid && code.Int64 > 0 {
		if transformable(int(code.Int64)) {
			return int(code.Int64), "", nil
		}
		if s, _, err := crsFromWKT(def.String); err == nil && s != 0 {
			return s, "", nil
		}
		return 0, "", fmt.Errorf("its CRS EPSG:%d is not one Socle can transform (%s)", code.Int64, knownCRS())
	}
	if srsID == -1 || srsID == 0 || strings.EqualFold(def.String, "undefined") {
		return 0, "its srs_id is undefined", nil
	}
	s, name, err := crsFromWKT(def.String)
	if err != nil {
		return 0, "", fmt.Errorf("its CRS (srs_id %d) is not one Socle can transform: %w", srsID, err)
	}
	if s == 0 {
		return 0, "", fmt.Errorf("its CRS %q (srs_id %d) is not one Socle recognises (%s)", name, srsID, knownCRS())
	}
	return s, "", nil
}

// sqliteType maps a declared column type to a field type (GeoPackage 1.3
// §1.1.1.1.3 data types, with SQLite's affinity rules for the others).
func sqliteType(t string) FieldType {
	u := strings.ToUpper(strings.TrimSpace(t))
	switch {
	case u == "BOOLEAN":
		return Boolean
	case u == "DATE":
		return Date
	case u == "DATETIME" || u == "TIMESTAMP":
		return DateTime
	case strings.Contains(u, "INT"):
		return Integer
	case strings.Contains(u, "CHAR") || strings.Contains(u, "CLOB") || strings.Contains(u, "TEXT"):
		return String
	case strings.Contains(u, "BLOB"):
		return Binary
	case strings.Contains(u, "REAL") || strings.Contains(u, "FLOA") || strings.Contains(u, "DOUB"):
		return Real
	}
	return String
}

func gpkgGeomType(t string) string {
	switch u := strings.ToUpper(t); u {
	case "POINT":
		return "Point"
	case "LINESTRING":
		return "LineString"
	case "POLYGON":
		return "Polygon"
	case "MULTIPOINT":
		return "MultiPoint"
	case "MULTILINESTRING":
		return "MultiLineString"
	case "MULTIPOLYGON":
		return "MultiPolygon"
	case "GEOMETRYCOLLECTION":
		return "GeometryCollection"
	}
	return ""
}

type gpkgReader struct {
	db   *sql.DB
	rows *sql.Rows
	cols []gpkgColumn
	// vals are the row's geometry (0) and fields (2…), as the driver gives
	// them: its blobs are only read before the next row, never kept.
	vals []rawValue
	id   any // the row's id, which the record keeps: scanned as a copy
	ptrs []any
	num  int
}

// rawValue is a column's value as the driver gives it. Scanning into an
// *any would copy every blob (database/sql clones []byte for it), which
// for the geometry column was a copy of every geometry; the blob is
// decoded, and a Binary field copied (gpkgValue), before the next row.
type rawValue struct{ v any }

func (r *rawValue) Scan(src any) error {
	r.v = src
	return nil
}

func (r *gpkgReader) next() (*Record, error) {
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return nil, fmt.Errorf("after record %d (corrupt or truncated?): %w", r.num, err)
		}
		return nil, io.EOF
	}
	r.num++
	for i := range r.vals {
		r.vals[i].v = nil
	}
	r.id = nil
	if err := r.rows.Scan(r.ptrs...); err != nil {
		return nil, &RecordError{r.num, err}
	}
	rec := &Record{Num: r.num, ID: r.id, Fields: make(map[string]any, len(r.cols))}
	for i, c := range r.cols {
		v, err := gpkgValue(r.vals[i+2].v, c.field)
		if err != nil {
			return nil, &RecordError{r.num, fmt.Errorf("field %s: %w", c.name, err)}
		}
		rec.Fields[c.name] = v
	}
	switch b := r.vals[0].v.(type) {
	case nil:
	case []byte:
		g, err := decodeGPKGGeometry(b)
		if err == nil {
			g, err = checkGeometry(g)
		}
		if err != nil {
			return nil, &RecordError{r.num, fmt.Errorf("geometry: %w", err)}
		}
		rec.Geometry = g
	default:
		return nil, &RecordError{r.num, fmt.Errorf("geometry: a %T, not a GeoPackage geometry blob", b)}
	}
	return rec, nil
}

func (r *gpkgReader) close() error {
	return errors.Join(r.rows.Close(), r.db.Close())
}

// gpkgValue converts what SQLite returns to the field's Go type.
func gpkgValue(v any, t FieldType) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	// A value already of its field's type is returned as it came, not boxed
	// again (an allocation a field a record).
	case int64:
		switch t {
		case Boolean:
			return x != 0, nil
		case Real:
			return float64(x), nil
		}
		return v, nil
	case float64, bool:
		return v, nil
	case time.Time:
		if t == Date {
			return time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, time.UTC), nil
		}
		return x, nil
	case []byte:
		if t == Binary {
			return append([]byte(nil), x...), nil
		}
		return textValue(string(x), t)
	case string:
		if t != Date && t != DateTime {
			return v, nil
		}
		return textValue(x, t)
	}
	return nil, fmt.Errorf("unexpected %T", v)
}

// textValue parses a date or date-time stored as text (GeoPackage 1.3
// §1.1.1.1.3: ISO 8601, "YYYY-MM-DD" and "YYYY-MM-DDTHH:MM:SS.SSSZ").
func textValue(s string, t FieldType) (any, error) {
	switch t {
	case Date:
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a date", s)
		}
		return d, nil
	case DateTime:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
			if d, err := time.Parse(layout, s); err == nil {
				return d, nil
			}
		}
		return nil, fmt.Errorf("%q is not a date-time", s)
	}
	return s, nil
}

// decodeGPKGGeometry decodes a GeoPackage geometry blob: the "GP" header
// (GeoPackage 1.3 §2.1.3.1.1: version, flags, srs_id, optional envelope),
// then WKB.
func decodeGPKGGeometry(b []byte) (orb.Geometry, error) {
	if len(b) < 8 || b[0] != 'G' || b[1] != 'P' {
		return nil, errors.New("not a GeoPackage geometry blob (no GP header)")
	}
	flags := b[3]
	if flags&0x20 != 0 {
		return nil, errors.New("extended GeoPackage geometry type not supported")
	}
	var env int
	switch (flags >> 1) & 7 {
	case 0:
	case 1:
		env = 32
	case 2, 3:
		env = 48
	case 4:
		env = 64
	default:
		return nil, fmt.Errorf("invalid envelope indicator %d", (flags>>1)&7)
	}
	if len(b) < 8+env {
		return nil, errWKBShort
	}
	if flags&0x10 != 0 { // empty geometry
		return nil, nil
	}
	// The header's srs_id is not needed: gpkg_geometry_columns has it.
	return decodeWKB(b[8+env:])
}
