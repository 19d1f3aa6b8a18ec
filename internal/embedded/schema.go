package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/socle-geo/socle/internal/socle"
)

// StorageSRID is the territory's CRS: Lambert-93, as in the PostGIS store.
const StorageSRID = 2154

// kind is how a column's values are held in memory and written out.
type kind uint8

const (
	kText  kind = iota // string
	kInt               // int64
	kFloat             // float64
	kBool              // bool
	kDate              // time.Time, midnight UTC
	kTime              // time.Time, UTC, microseconds
	kJSON              // jsonValue: JSON text as PostgreSQL's jsonb prints it
)

func kindOf(t socle.Type) kind {
	switch t {
	case socle.TypeInteger:
		return kInt
	case socle.TypeNumber:
		return kFloat
	case socle.TypeBoolean:
		return kBool
	case socle.TypeDate:
		return kDate
	case socle.TypeDateTime:
		return kTime
	case socle.TypeObject:
		return kJSON
	}
	return kText
}

// column is one property column of a collection's table.
type column struct {
	name string
	kind kind
	// bits is the width of an integer column (16, 32 or 64), as the PostGIS
	// table declares it (smallint, integer, bigint).
	bits    int
	notNull bool
	derived bool
	// check is the column's CHECK constraint, nil when none.
	check func(v any) bool
	// def is the default of a derived NOT NULL column that imports never set.
	def any
}

// The PostGIS tables of the default catalog declare some integer columns
// narrower than bigint and some CHECK constraints (migration 00001); the
// embedded store enforces the same, so that a row one store refuses the
// other refuses too.
var (
	intBits = map[string]int{
		"addresses.numero": 32, "communes.population": 32, "roads.condition": 16, "roads.report_count": 32,
		"land_cover.year": 16, "land_cover.year_artificialised": 16,
		"artificialisation.from_year": 16, "artificialisation.to_year": 16,
	}
	inseeCode = regexp.MustCompile(`^[0-9][0-9AB][0-9]{3}$`)
	checks    = map[string]func(any) bool{
		"addresses.numero": func(v any) bool { n := v.(int64); return n >= 0 && n <= 99999 },
		"roads.condition":  func(v any) bool { n := v.(int64); return n >= 0 && n <= 3 },
		"communes.insee":   func(v any) bool { return inseeCode.MatchString(v.(string)) },
	}
)

// table is how a collection is stored: its GeoPackage feature table, named
// after the collection, with the columns of the PostGIS table.
type table struct {
	c *socle.Collection
	// idCol holds feature ids: "id" (also the GeoPackage integer primary
	// key), or for string ids a unique text column ("insee" for communes)
	// beside an integer primary key "fid".
	idCol string
	intID bool
	// cols are the properties, in catalog order.
	cols   []column
	byName map[string]int
	// updatedAt is the index of the updated_at property, -1 when the table
	// keeps updated_at outside the properties.
	updatedAt int
	// idProp is the index of the property that holds the id (communes'
	// insee), -1 when the id is not a property.
	idProp int
	// keys are the indexes of the properties that identify a feature when
	// a row gives no id (socle.Collection.Keys).
	keys []int
	// seq names the sequence that numbers new features ("" when ids are
	// given).
	seq string
}

func newTable(c *socle.Collection) *table {
	t := &table{c: c, idCol: c.IDCol(), intID: c.IDType == socle.TypeInteger, byName: map[string]int{}, updatedAt: -1, idProp: -1}
	switch c.ID {
	case "addresses", "roads", "land_cover":
		t.seq = c.ID + "_id_seq"
	}
	for i, p := range c.Properties {
		col := column{name: p.Name, kind: kindOf(p.Type), bits: 64, notNull: !p.Nullable, derived: p.Derived}
		if b, ok := intBits[c.ID+"."+p.Name]; ok {
			col.bits = b
		}
		col.check = checks[c.ID+"."+p.Name]
		if p.Derived && col.notNull {
			col.def = zeroValue(col.kind)
		}
		t.cols = append(t.cols, col)
		t.byName[p.Name] = i
		switch p.Name {
		case "updated_at":
			t.updatedAt = i
		case t.idCol:
			t.idProp = i
		}
	}
	for _, k := range c.Keys {
		t.keys = append(t.keys, t.byName[k])
	}
	return t
}

func zeroValue(k kind) any {
	switch k {
	case kInt:
		return int64(0)
	case kFloat:
		return float64(0)
	case kBool:
		return false
	case kJSON:
		return jsonValue("{}")
	case kDate, kTime:
		return time.Unix(0, 0).UTC()
	}
	return ""
}

// gpkgType is the GeoPackage data type (OGC 12-128r18, table 1) of a column.
func (c column) gpkgType() string {
	switch c.kind {
	case kInt:
		switch c.bits {
		case 16:
			return "SMALLINT"
		case 32:
			return "MEDIUMINT"
		}
		return "INTEGER"
	case kFloat:
		return "DOUBLE"
	case kBool:
		return "BOOLEAN"
	case kDate:
		return "DATE"
	case kTime:
		return "DATETIME"
	}
	return "TEXT"
}

// geometryTypeName is the GeoPackage geometry type name of the collection:
// GEOMETRY where single and multi forms mix.
func (t *table) geometryTypeName() string {
	if t.c.Mixed {
		return "GEOMETRY"
	}
	return strings.ToUpper(t.c.GeometryType)
}

// upgradeSQL returns the statements that bring a feature table made by an
// earlier catalog up to this one: the columns it lacks, the unique index of
// its keys, its geometry type.
func (t *table) upgradeSQL(have map[string]bool) []string {
	var out []string
	for _, c := range t.cols {
		if have[c.name] {
			continue
		}
		d := "ALTER TABLE " + quote(t.c.ID) + " ADD COLUMN " + quote(c.name) + " " + c.gpkgType()
		if c.def != nil {
			d += " NOT NULL DEFAULT " + sqlLiteral(c.kind, c.def)
		}
		out = append(out, d)
	}
	if len(t.keys) > 0 {
		var cols, notNull []string
		for _, k := range t.keys {
			cols = append(cols, quote(t.cols[k].name))
			notNull = append(notNull, quote(t.cols[k].name)+" IS NOT NULL")
		}
		out = append(out, fmt.Sprintf("CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (%s) WHERE %s",
			quote(t.c.ID+"_key_idx"), quote(t.c.ID), strings.Join(cols, ", "), strings.Join(notNull, " AND ")))
	}
	out = append(out, fmt.Sprintf("UPDATE gpkg_geometry_columns SET geometry_type_name = %s WHERE table_name = %s",
		sqlString(t.geometryTypeName()), sqlString(t.c.ID)))
	return out
}

// pk is the table's integer primary key column.
func (t *table) pk() string {
	if t.intID {
		return t.idCol
	}
	return "fid"
}

func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// createSQL returns the statements that create the feature table, its
// GeoPackage registration and its R-tree spatial index.
func (t *table) createSQL(now string) []string {
	name := t.c.ID
	var defs []string
	defs = append(defs, quote(t.pk())+" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL")
	if !t.intID && t.idProp < 0 {
		defs = append(defs, quote(t.idCol)+" TEXT NOT NULL UNIQUE")
	}
	for _, c := range t.cols {
		if c.name == t.pk() {
			continue
		}
		d := quote(c.name) + " " + c.gpkgType()
		if c.notNull {
			d += " NOT NULL"
		}
		if c.name == t.idCol {
			d += " UNIQUE"
		}
		if c.def != nil {
			d += " DEFAULT " + sqlLiteral(c.kind, c.def)
		}
		defs = append(defs, d)
	}
	if t.updatedAt < 0 {
		defs = append(defs, `"updated_at" DATETIME NOT NULL`)
	}
	defs = append(defs, `"batch" TEXT NOT NULL DEFAULT ''`, `"geom" `+t.geometryTypeName()+` NOT NULL`)
	stmts := []string{
		"CREATE TABLE " + quote(name) + " (\n  " + strings.Join(defs, ",\n  ") + "\n)",
		fmt.Sprintf(`INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id)
			VALUES (%s, 'features', %s, %s, %s, %d)`, sqlString(name), sqlString(name), sqlString(t.c.Title.FR), sqlString(now), StorageSRID),
		fmt.Sprintf(`INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m)
			VALUES (%s, 'geom', %s, %d, 0, 0)`, sqlString(name), sqlString(t.geometryTypeName()), StorageSRID),
		fmt.Sprintf(`INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope)
			VALUES (%s, 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')`, sqlString(name)),
	}
	return append(stmts, rtreeSQL(name, "geom", t.pk())...)
}

// rtreeSQL is the R-tree spatial index of a geometry column and the triggers
// that maintain it, as GeoPackage 1.3 annex F.3 writes them.
func rtreeSQL(t, c, i string) []string {
	r := strings.NewReplacer("<t>", t, "<c>", c, "<i>", i)
	var out []string
	for _, s := range []string{
		`CREATE VIRTUAL TABLE "rtree_<t>_<c>" USING rtree(id, minx, maxx, miny, maxy)`,
		`CREATE TRIGGER "rtree_<t>_<c>_insert" AFTER INSERT ON "<t>"
  WHEN (new."<c>" NOT NULL AND NOT ST_IsEmpty(NEW."<c>"))
BEGIN
  INSERT OR REPLACE INTO "rtree_<t>_<c>" VALUES (
    NEW."<i>",
    ST_MinX(NEW."<c>"), ST_MaxX(NEW."<c>"),
    ST_MinY(NEW."<c>"), ST_MaxY(NEW."<c>")
  );
END`,
		`CREATE TRIGGER "rtree_<t>_<c>_update1" AFTER UPDATE OF "<c>" ON "<t>"
  WHEN OLD."<i>" = NEW."<i>" AND
       (NEW."<c>" NOTNULL AND NOT ST_IsEmpty(NEW."<c>"))
BEGIN
  INSERT OR REPLACE INTO "rtree_<t>_<c>" VALUES (
    NEW."<i>",
    ST_MinX(NEW."<c>"), ST_MaxX(NEW."<c>"),
    ST_MinY(NEW."<c>"), ST_MaxY(NEW."<c>")
  );
END`,
		`CREATE TRIGGER "rtree_<t>_<c>_update2" AFTER UPDATE OF "<c>" ON "<t>"
  WHEN OLD."<i>" = NEW."<i>" AND
       (NEW."<c>" ISNULL OR ST_IsEmpty(NEW."<c>"))
BEGIN
  DELETE FROM "rtree_<t>_<c>" WHERE id = OLD."<i>";
END`,
		`CREATE TRIGGER "rtree_<t>_<c>_update3" AFTER UPDATE OF "<c>" ON "<t>"
  WHEN OLD."<i>" != NEW."<i>" AND
       (NEW."<c>" NOTNULL AND NOT ST_IsEmpty(NEW."<c>"))
BEGIN
  DELETE FROM "rtree_<t>_<c>" WHERE id = OLD."<i>";
  INSERT OR REPLACE INTO "rtree_<t>_<c>" VALUES (
    NEW."<i>",
    ST_MinX(NEW."<c>"), ST_MaxX(NEW."<c>"),
    ST_MinY(NEW."<c>"), ST_MaxY(NEW."<c>")
  );
END`,
		`CREATE TRIGGER "rtree_<t>_<c>_update4" AFTER UPDATE ON "<t>"
  WHEN OLD."<i>" != NEW."<i>" AND
       (NEW."<c>" ISNULL OR ST_IsEmpty(NEW."<c>"))
BEGIN
  DELETE FROM "rtree_<t>_<c>" WHERE id IN (OLD."<i>", NEW."<i>");
END`,
		`CREATE TRIGGER "rtree_<t>_<c>_delete" AFTER DELETE ON "<t>"
  WHEN old."<c>" NOT NULL
BEGIN
  DELETE FROM "rtree_<t>_<c>" WHERE id = OLD."<i>";
END`,
	} {
		out = append(out, r.Replace(s))
	}
	return out
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func sqlLiteral(k kind, v any) string {
	switch k {
	case kInt:
		return fmt.Sprint(v)
	case kFloat:
		return fmt.Sprint(v)
	case kBool:
		if v.(bool) {
			return "1"
		}
		return "0"
	}
	return sqlString(fmt.Sprint(v))
}

// The GeoPackage core (OGC 12-128r18 clauses 1.1.2-1.1.3, annex C) and the
// extensions table. The spatial reference systems are the three the spec
// requires (-1, 0, 4326) and the territory's Lambert-93.
const gpkgCoreSQL = `
PRAGMA application_id = 1196444487;
PRAGMA user_version = 10300;
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL,
  srs_id INTEGER PRIMARY KEY,
  organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL,
  description TEXT
);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY,
  data_type TEXT NOT NULL,
  identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE,
  min_y DOUBLE,
  max_x DOUBLE,
  max_y DOUBLE,
  srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL,
  m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
);
CREATE TABLE gpkg_extensions (
  table_name TEXT,
  column_name TEXT,
  extension_name TEXT NOT NULL,
  definition TEXT NOT NULL,
  scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name)
);
INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
  ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid'),
  ('RGF93 v1 / Lambert-93', 2154, 'EPSG', 2154, 'PROJCS["RGF93 v1 / Lambert-93",GEOGCS["RGF93 v1",DATUM["Reseau_Geodesique_Francais_1993_v1",SPHEROID["GRS 1980",6378137,298.257222101,AUTHORITY["EPSG","7019"]],AUTHORITY["EPSG","6171"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4171"]],PROJECTION["Lambert_Conformal_Conic_2SP"],PARAMETER["latitude_of_origin",46.5],PARAMETER["central_meridian",3],PARAMETER["standard_parallel_1",49],PARAMETER["standard_parallel_2",44],PARAMETER["false_easting",700000],PARAMETER["false_northing",6600000],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","2154"]]', 'the territory''s CRS');
`

// Socle's own tables, as in the PostGIS schema (migration 00001), each
// registered as a GeoPackage attributes table with an integer primary key.
// sequences stands in for PostgreSQL's addresses_id_seq.
const socleTablesSQL = `
CREATE TABLE layer_state (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  collection TEXT NOT NULL UNIQUE,
  version INTEGER NOT NULL DEFAULT 0,
  updated_at DATETIME NOT NULL,
  last_batch TEXT NOT NULL DEFAULT ''
);
CREATE TABLE batches (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  collection TEXT,
  source TEXT NOT NULL DEFAULT '',
  file_sha256 TEXT NOT NULL DEFAULT '',
  actor TEXT NOT NULL DEFAULT '',
  started_at DATETIME NOT NULL,
  finished_at DATETIME,
  status TEXT NOT NULL DEFAULT 'running',
  counts TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE batch_rejects (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  batch TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
  line MEDIUMINT NOT NULL,
  col TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL,
  raw TEXT NOT NULL DEFAULT ''
);
CREATE INDEX batch_rejects_batch_idx ON batch_rejects (batch, line);
CREATE TABLE sequences (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  name TEXT NOT NULL UNIQUE,
  next_value INTEGER NOT NULL DEFAULT 1
);
INSERT INTO sequences (name) VALUES ('addresses_id_seq');
`

// changeLogSQL is the change log, as in the PostGIS schema (migrations
// 00009 and 00011): every change a batch makes to a feature, with the
// columns it replaced; where the kept log starts; the feeds followed; and
// the Cerema files of the ZAN reference, per batch (migration 00014).
const changeLogSQL = `
CREATE TABLE IF NOT EXISTS feature_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  batch TEXT NOT NULL,
  collection TEXT NOT NULL,
  feature_id TEXT NOT NULL,
  op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
  before TEXT
);
CREATE INDEX IF NOT EXISTS feature_changes_batch_idx ON feature_changes (batch, seq);
CREATE INDEX IF NOT EXISTS feature_changes_feature_idx ON feature_changes (collection, feature_id, seq);
CREATE INDEX IF NOT EXISTS feature_changes_collection_idx ON feature_changes (collection, seq);
CREATE TABLE IF NOT EXISTS change_log_floor (
  seq INTEGER NOT NULL,
  pruned_before DATETIME NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_state (
  source TEXT NOT NULL,
  collection TEXT NOT NULL,
  token TEXT NOT NULL,
  synced_at DATETIME NOT NULL,
  batch TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (source, collection)
);
CREATE INDEX IF NOT EXISTS batches_finished_idx ON batches (finished_at);
CREATE TABLE IF NOT EXISTS consommation (
  batch TEXT NOT NULL,
  insee TEXT NOT NULL,
  nom TEXT NOT NULL DEFAULT '',
  year SMALLINT NOT NULL,
  m2 DOUBLE NOT NULL,
  PRIMARY KEY (batch, insee, year)
);
`

var socleTables = []struct{ name, description string }{
	{"layer_state", "Socle: data version of each collection"},
	{"batches", "Socle: imports and updates"},
	{"batch_rejects", "Socle: records a batch did not load, with the reason"},
	{"sequences", "Socle: id sequences"},
	{"feature_changes", "Socle: the change log"},
}

// columnsOf returns the columns of a table.
func columnsOf(ctx context.Context, tx *sql.Tx, table string) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out[n] = true
	}
	return out, rows.Err()
}

// ensureSchema creates what the file lacks: the GeoPackage core and Socle's
// tables when it is new, and a feature table per catalog collection. It runs
// in one transaction, so a file is never left half made.
func ensureSchema(ctx context.Context, db *sql.DB, tables []*table, now time.Time) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // no-op after commit
	exists := func(name string) (bool, error) {
		var n int
		err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", name).Scan(&n)
		return n > 0, err
	}
	stamp := formatTimestamp(now)
	ok, err := exists("gpkg_contents")
	if err != nil {
		return err
	}
	if !ok {
		var appID int64
		if err := tx.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n); err != nil {
			return err
		}
		if n > 0 || (appID != 0 && appID != 1196444487) {
			return fmt.Errorf("embedded: the file is an SQLite database but not a GeoPackage")
		}
		if _, err := tx.ExecContext(ctx, gpkgCoreSQL); err != nil {
			return fmt.Errorf("embedded: create GeoPackage core: %w", err)
		}
	}
	if ok, err = exists("layer_state"); err != nil {
		return err
	} else if !ok {
		if _, err := tx.ExecContext(ctx, socleTablesSQL); err != nil {
			return fmt.Errorf("embedded: create Socle tables: %w", err)
		}
		for _, st := range socleTables {
			if _, err := tx.ExecContext(ctx, `INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change)
				VALUES (?, 'attributes', ?, ?, ?)`, st.name, st.name, st.description, stamp); err != nil {
				return err
			}
		}
	}
	for _, t := range tables {
		ok, err := exists(t.c.ID)
		if err != nil {
			return err
		}
		if !ok {
			for _, s := range t.createSQL(stamp) {
				if _, err := tx.ExecContext(ctx, s); err != nil {
					return fmt.Errorf("embedded: create %s: %w", t.c.ID, err)
				}
			}
		}
		have, err := columnsOf(ctx, tx, t.c.ID)
		if err != nil {
			return err
		}
		for _, s := range t.upgradeSQL(have) {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return fmt.Errorf("embedded: upgrade %s: %w", t.c.ID, err)
			}
		}
		// Not INSERT OR IGNORE, which bumps the AUTOINCREMENT counter even
		// when the row exists: a write, synced, at every start.
		if _, err := tx.ExecContext(ctx, "INSERT INTO layer_state (collection, updated_at) SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM layer_state WHERE collection = ?1)", t.c.ID, stamp); err != nil {
			return err
		}
	}
	return tx.Commit()
}
