package embedded

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net/url"
	"path/filepath"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"modernc.org/sqlite"
)

// GeoPackage geometry blobs (OGC 12-128r18, clause 2.1.3): a header — the
// magic "GP", a version, a flags byte, the SRS id and an optional envelope —
// followed by the geometry in ISO WKB.

const (
	gpMagic0, gpMagic1 = 'G', 'P'
	flagLittleEndian   = 0x01 // B: header values are little-endian
	flagEmpty          = 0x10 // Y: empty geometry
	envelopeShift      = 1    // E: bits 1-3, the envelope contents indicator
)

// envelopeSizes are the byte sizes of the envelopes by indicator code: none,
// xy, xyz, xym, xyzm.
var envelopeSizes = [...]int{0, 32, 48, 48, 64}

// encodeBlob returns the GeoPackage blob of g in srid. Points carry no
// envelope (it would repeat the point, and the spec makes it optional);
// everything else carries its xy envelope so that the R-tree triggers and
// readers need not parse the WKB.
func encodeBlob(g orb.Geometry, srid int) ([]byte, error) {
	w, err := wkb.Marshal(g, binary.LittleEndian)
	if err != nil {
		return nil, err
	}
	env := 1
	if _, ok := g.(orb.Point); ok {
		env = 0
	}
	out := make([]byte, 8+envelopeSizes[env], 8+envelopeSizes[env]+len(w))
	out[0], out[1], out[2] = gpMagic0, gpMagic1, 0
	out[3] = flagLittleEndian | byte(env)<<envelopeShift
	binary.LittleEndian.PutUint32(out[4:], uint32(int32(srid)))
	if env == 1 {
		b := g.Bound()
		for i, v := range []float64{b.Min[0], b.Max[0], b.Min[1], b.Max[1]} {
			binary.LittleEndian.PutUint64(out[8+8*i:], math.Float64bits(v))
		}
	}
	return append(out, w...), nil
}

// blobHeader is what the header of a GeoPackage blob says.
type blobHeader struct {
	srid     int
	empty    bool
	envelope []float64 // minx, maxx, miny, maxy[, ...]; nil when absent
	wkb      []byte
}

var errNotGPKG = errors.New("not a GeoPackage geometry blob")

func parseBlob(b []byte) (blobHeader, error) {
	var h blobHeader
	if len(b) < 8 || b[0] != gpMagic0 || b[1] != gpMagic1 {
		return h, errNotGPKG
	}
	flags := b[3]
	var order binary.ByteOrder = binary.BigEndian
	if flags&flagLittleEndian != 0 {
		order = binary.LittleEndian
	}
	h.srid = int(int32(order.Uint32(b[4:])))
	h.empty = flags&flagEmpty != 0
	code := int(flags>>envelopeShift) & 0x7
	if code >= len(envelopeSizes) {
		return h, fmt.Errorf("%w: envelope code %d", errNotGPKG, code)
	}
	n := envelopeSizes[code]
	if len(b) < 8+n {
		return h, fmt.Errorf("%w: truncated", errNotGPKG)
	}
	for i := 0; i < n/8; i++ {
		h.envelope = append(h.envelope, math.Float64frombits(order.Uint64(b[8+8*i:])))
	}
	h.wkb = b[8+n:]
	return h, nil
}

// decodeBlob returns the geometry of a GeoPackage blob.
func decodeBlob(b []byte) (orb.Geometry, error) {
	w, err := blobWKB(b)
	if err != nil {
		return nil, err
	}
	return wkb.Unmarshal(w)
}

// blobWKB is parseBlob(b).wkb, without reading the envelope: what a load
// decodes of every line and polygon.
func blobWKB(b []byte) ([]byte, error) {
	if len(b) < 8 || b[0] != gpMagic0 || b[1] != gpMagic1 {
		return nil, errNotGPKG
	}
	code := int(b[3]>>envelopeShift) & 0x7
	if code >= len(envelopeSizes) {
		return nil, fmt.Errorf("%w: envelope code %d", errNotGPKG, code)
	}
	n := envelopeSizes[code]
	if len(b) < 8+n {
		return nil, fmt.Errorf("%w: truncated", errNotGPKG)
	}
	return b[8+n:], nil
}

// blobPoint returns the point of a blob holding a little-endian 2D ISO WKB
// point with no envelope (what encodeBlob writes for points): what
// decodeBlob would return, without boxing it. ok is false for any other
// blob, to decode with decodeBlob.
func blobPoint(b []byte) (p orb.Point, ok bool) {
	const wkbPoint = 8 + 1 + 4 + 16
	if len(b) != wkbPoint || b[0] != gpMagic0 || b[1] != gpMagic1 || b[3]&^flagLittleEndian != 0 ||
		b[8] != 1 || binary.LittleEndian.Uint32(b[9:]) != 1 {
		return p, false
	}
	p[0] = math.Float64frombits(binary.LittleEndian.Uint64(b[13:]))
	p[1] = math.Float64frombits(binary.LittleEndian.Uint64(b[21:]))
	return p, true
}

// blobBound returns the xy envelope of a blob, from its header when it has
// one. ok is false for an empty geometry.
func blobBound(b []byte) (orb.Bound, bool, error) {
	h, err := parseBlob(b)
	if err != nil {
		return orb.Bound{}, false, err
	}
	if h.empty {
		return orb.Bound{}, false, nil
	}
	if len(h.envelope) >= 4 {
		e := h.envelope
		return orb.Bound{Min: orb.Point{e[0], e[2]}, Max: orb.Point{e[1], e[3]}}, true, nil
	}
	g, err := wkb.Unmarshal(h.wkb)
	if err != nil {
		return orb.Bound{}, false, err
	}
	if isEmpty(g) {
		return orb.Bound{}, false, nil
	}
	return g.Bound(), true, nil
}

func isEmpty(g orb.Geometry) bool {
	switch g := g.(type) {
	case nil:
		return true
	case orb.Point:
		return false
	case orb.MultiPoint:
		return len(g) == 0
	case orb.LineString:
		return len(g) == 0
	case orb.MultiLineString:
		return len(g) == 0
	case orb.Polygon:
		return len(g) == 0
	case orb.MultiPolygon:
		return len(g) == 0
	case orb.Collection:
		return len(g) == 0
	}
	return false
}

// newDriver returns a private SQLite driver with the functions the
// GeoPackage R-tree triggers call (ST_IsEmpty, ST_MinX, ST_MaxX, ST_MinY,
// ST_MaxY; GeoPackage 1.3 annex F.3). They are registered on this driver
// only, not on every SQLite connection of the process.
func newDriver() *sqlite.Driver {
	d := &sqlite.Driver{}
	d.MustRegisterDeterministicScalarFunction("ST_IsEmpty", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		b, ok := args[0].([]byte)
		if !ok {
			return nil, nil
		}
		_, nonEmpty, err := blobBound(b)
		if err != nil {
			return nil, err
		}
		if nonEmpty {
			return int64(0), nil
		}
		return int64(1), nil
	})
	for _, f := range []struct {
		name string
		get  func(orb.Bound) float64
	}{
		{"ST_MinX", func(b orb.Bound) float64 { return b.Min[0] }},
		{"ST_MaxX", func(b orb.Bound) float64 { return b.Max[0] }},
		{"ST_MinY", func(b orb.Bound) float64 { return b.Min[1] }},
		{"ST_MaxY", func(b orb.Bound) float64 { return b.Max[1] }},
	} {
		get := f.get
		d.MustRegisterDeterministicScalarFunction(f.name, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			b, ok := args[0].([]byte)
			if !ok {
				return nil, nil
			}
			bound, nonEmpty, err := blobBound(b)
			if err != nil || !nonEmpty {
				return nil, err
			}
			return get(bound), nil
		})
	}
	return d
}

// connector opens connections of the private driver, so that database/sql
// can pool them without a process-wide sql.Register.
type connector struct {
	drv *sqlite.Driver
	dsn string
}

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.drv.Open(c.dsn)
}

func (c connector) Driver() driver.Driver { return c.drv }

// openDB opens the SQLite file at path. Writes are durable when a
// transaction commits (rollback journal, synchronous FULL): the file alone
// is the GeoPackage, with no -wal or -shm companions at rest.
func openDB(path string) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	u := url.URL{Scheme: "file", Path: abs,
		RawQuery: "_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_pragma=journal_mode(DELETE)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-" + strconv.Itoa(cacheKiB) + ")"}
	db := sql.OpenDB(connector{drv: newDriver(), dsn: u.String()})
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	return db, nil
}

// maxConns is the most SQLite connections a store opens: each has a page
// cache of its own (cache_size, 64 MiB at most).
const maxConns = 4

// dropPageCaches closes the idle connections, and with them their page
// caches, once the collections are in memory: the pages that opening the
// file read (the schema's checks, the collections, each read once with a
// small cache: loadCacheKiB) are not read again, the features being served
// from memory. Before the load's small cache, these caches held some 200 MiB
// outside Go's heap on the kit's 242 MB GeoPackage for as long as the
// process ran. Later connections start empty and fill their caches with
// what writes and the change log touch.
func dropPageCaches(db *sql.DB) {
	db.SetMaxIdleConns(0)
	db.SetMaxIdleConns(maxConns)
}
