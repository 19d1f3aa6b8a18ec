// Package embedded is Socle's store for a territory small enough to need no
// database server: one GeoPackage file (OGC GeoPackage 1.3, readable by QGIS
// and GDAL) written through the pure-Go SQLite driver, and every collection
// held in memory — typed values, Lambert-93 geometries and an R-tree — from
// which reads are served.
//
// It keeps the same store contract (socle.Store) as the PostGIS store and
// gives the same answers: the same features in the same order, the same
// cursors, the same JSON (the text forms of package socle), which the
// differential tests check. Queries come resolved (socle.ResolveItems);
// writes are batches: each is one SQLite transaction, after which a new
// snapshot of the collection replaces the old one atomically. Its books
// (keys, audit, jobs, deposits) are the ledger's.
//
// It may import the domain (internal/socle), the ledger and the standards
// (ogc/…); never the HTTP layer or another store.
//
// Where the two stores still differ (each checked by the differential
// tests or stated here):
//   - text orders by bytes, as PostgreSQL's C and C.UTF-8 collations do; a
//     PostGIS database with a linguistic collation sorts otherwise;
//   - CQL2 CASEI, ACCENTI and LIKE are the Go evaluator's (Unicode case
//     folding, NFC-normalised LIKE) where the PostGIS store uses lower(),
//     its accenti() and LIKE on the raw text: equal on NFC text without
//     characters whose folding and lowercase differ (ß, ﬁ…);
//   - tile polygons cut by the tile's buffer are not re-noded as Wagyu does:
//     the same features, and rarely a ring split or a vertex more;
//   - imported rows may only be in EPSG:4326, 4258, 2154, 3857 or 3035;
//   - changes made to the file by software other than Socle are seen at the
//     next Open.
package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/socle-geo/socle/internal/ledger"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/zan"
)

// Store is the embedded store of a territory's layers.
type Store struct {
	// The books (keys, audit, jobs, deposited files) are the ledger's.
	*ledger.Ledger
	db      *sql.DB
	path    string
	catalog *socle.Catalog
	tables  map[string]*table
	layers  map[string]*atomic.Pointer[layer]

	// writeMu serialises imports: one transaction at a time.
	writeMu sync.Mutex
	// now is the clock (tests may fix it).
	now func() time.Time

	changes broker

	// allowance is the share of the 2011–2021 reference each commune may
	// consume 2021–2031 (SetAllowance).
	allowance zan.Allowance
	// epciNames name the intercommunality's row of the artificialisation
	// collection (SetEPCINames).
	epciNames zan.EPCINames

	// lazy: the collections are read into memory when first needed, not
	// at Open (OpenLazy); a layer not yet read is a nil snapshot.
	lazy bool
	// loadMu serialises reading a collection not read yet with the
	// publishing of batches (layer, publish).
	loadMu sync.Mutex

	// reads bounds the pages and tiles computed at once (LimitReads).
	reads readSlots
}

// SetAllowance sets the share of the 2011–2021 reference each commune may
// consume 2021–2031, when a regional plan (SRADDET) set another than the
// law's half; the next recomputation of the ZAN figures applies it.
func (s *Store) SetAllowance(a zan.Allowance) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.allowance = a
}

// SetEPCINames sets the names of intercommunalities by SIREN, which the
// communes know only by SIREN; the next recomputation of the ZAN figures
// names the EPCI's row of the artificialisation collection with them.
func (s *Store) SetEPCINames(n zan.EPCINames) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.epciNames = n
}

// The embedded store keeps everything Socle keeps.
var _ socle.Store = (*Store)(nil)

// Open opens the GeoPackage at path, creating it (with its schema) when it
// is missing, and loads every collection of the catalog into memory.
func Open(ctx context.Context, path string, catalog *socle.Catalog) (*Store, error) {
	return open(ctx, path, catalog, false)
}

// OpenLazy opens the GeoPackage at path as Open does, but reads each
// collection into memory only when something first needs it: for commands
// that mostly write (import, sync, revert, copy), which then read only
// what their batches touch. A small Import of a collection not yet read
// (see Store.Import) looks up the stored features its rows may match in
// the file rather than reading the collection whole; everything else — the
// rules, the change log, the answers — is that of a Store opened by Open.
func OpenLazy(ctx context.Context, path string, catalog *socle.Catalog) (*Store, error) {
	return open(ctx, path, catalog, true)
}

func open(ctx context.Context, path string, catalog *socle.Catalog, lazy bool) (*Store, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fmt.Errorf("embedded: %s is a directory", path)
	}
	db, err := openDB(path)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, path: path, catalog: catalog, tables: map[string]*table{}, layers: map[string]*atomic.Pointer[layer]{}, now: time.Now, lazy: lazy}
	s.Ledger = ledger.New(ledger.SQLite(db, &s.writeMu, storeError))
	s.Ledger.Now = func() time.Time { return s.now() }
	var tables []*table
	for _, c := range catalog.Collections {
		t := newTable(c)
		tables = append(tables, t)
		s.tables[c.ID] = t
		s.layers[c.ID] = &atomic.Pointer[layer]{}
	}
	if err := checkRTree(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if err := moveLegacyTablesAside(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if err := ensureSchema(ctx, db, tables, s.now()); err != nil {
		db.Close()
		return nil, err
	}
	if err := moveLegacyRows(ctx, db, s.now()); err != nil {
		db.Close()
		return nil, err
	}
	if err := ensureUpdaterSchema(ctx, db, s.tables); err != nil {
		db.Close()
		return nil, err
	}
	if err := ensureSecurity(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if lazy {
		return s, nil
	}
	ls, err := loadLayers(ctx, db, path, tables, defaultLoad)
	if err != nil {
		db.Close()
		return nil, err
	}
	for i, t := range tables {
		s.layers[t.c.ID].Store(ls[i])
	}
	return s, nil
}

// checkRTree makes sure the SQLite build has the R*Tree module that the
// GeoPackage spatial index extension needs.
func checkRTree(ctx context.Context, db *sql.DB) error {
	var n int
	err := db.QueryRowContext(ctx, "SELECT count(*) FROM pragma_compile_options WHERE compile_options = 'ENABLE_RTREE'").Scan(&n)
	if err != nil {
		return fmt.Errorf("embedded: open: %w", err)
	}
	if n == 0 {
		return errors.New("embedded: this SQLite build lacks the R*Tree module")
	}
	return nil
}

// Close closes the file. Snapshots already taken stay readable.
func (s *Store) Close() error {
	s.changes.close()
	return s.db.Close()
}

// Ping checks that the file is still readable.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM layer_state").Scan(&n); err != nil {
		return &socle.Error{Code: socle.EUNAVAILABLE, Message: "the data file cannot be read", Err: err}
	}
	return nil
}

// layer returns the current snapshot of a collection, read from the file
// first when the store is lazy and nothing has read it yet.
func (s *Store) layer(ctx context.Context, c *socle.Collection) (*layer, error) {
	if c == nil {
		return nil, socle.Errorf(socle.ENOTFOUND, "no collection")
	}
	p, ok := s.layers[c.ID]
	if !ok {
		return nil, socle.Errorf(socle.ENOTFOUND, "no collection %s", c.ID)
	}
	if l := p.Load(); l != nil {
		return l, nil
	}
	// Under loadMu, which a batch's publish takes too: a batch that
	// commits while the collection is read then replaces what was read,
	// or, when it kept no snapshot of it, drops it (see publish). Not
	// writeMu: the ledger holds it while it asks for features.
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	if l := p.Load(); l != nil {
		return l, nil
	}
	l, err := loadLayer(ctx, s.db, s.tables[c.ID])
	if err != nil {
		return nil, err
	}
	p.Store(l)
	return l, nil
}

// Summary returns a collection's count, extents and version.
func (s *Store) Summary(ctx context.Context, c *socle.Collection) (socle.Summary, error) {
	l, err := s.layer(ctx, c)
	if err != nil {
		return socle.Summary{}, err
	}
	return l.sum, nil
}
