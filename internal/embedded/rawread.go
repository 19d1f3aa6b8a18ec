package embedded

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// The load reads the collections through SQLite's own C API (the
// transpiled library under modernc.org/sqlite), on connections of its own,
// rather than through the driver: the driver opens its connections in
// serialized mode (SQLITE_OPEN_FULLMUTEX), so that every sqlite3_column_*
// call takes and releases the connection's mutex — two or three times a
// value, a quarter of the load's CPU on the bench territory — and it copies
// every text and blob into a new Go value, boxed in an interface. A load
// connection is only ever used by one goroutine at a time, so it is opened
// without a mutex (SQLITE_OPEN_NOMUTEX), and decodeRaw reads the values
// unboxed, straight into the row's bytes (a text or blob is read in place,
// SQLite's bytes viewed until the next step, and copied only into the
// row). It shares the file's locks
// with the driver's connections (the same library in the same process),
// and reads in transactions as they do.

// rawConn is a load connection.
type rawConn struct {
	tls *libc.TLS
	db  uintptr
}

// openRaw opens the SQLite file at path for reading, with a page cache of
// cacheKiB.
func openRaw(path string, cacheKiB int) (*rawConn, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	c := &rawConn{tls: libc.NewTLS()}
	name, err := libc.CString(abs)
	if err != nil {
		c.tls.Close()
		return nil, err
	}
	defer libc.Xfree(c.tls, name)
	pp := c.tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	defer c.tls.Free(int(unsafe.Sizeof(uintptr(0))))
	// Not SQLITE_OPEN_CREATE: the file is there, the driver opened it.
	rc := sqlite3.Xsqlite3_open_v2(c.tls, name, pp, sqlite3.SQLITE_OPEN_READWRITE|sqlite3.SQLITE_OPEN_NOMUTEX, 0)
	c.db = readPtr(pp)
	if rc != sqlite3.SQLITE_OK {
		err := c.err(rc)
		c.close()
		return nil, err
	}
	sqlite3.Xsqlite3_extended_result_codes(c.tls, c.db, 1)
	// As the driver's connections wait for a writer's lock (openDB).
	sqlite3.Xsqlite3_busy_timeout(c.tls, c.db, 10000)
	if err := c.exec(fmt.Sprintf("PRAGMA cache_size = -%d; PRAGMA mmap_size = %d", cacheKiB, rawMmapSize)); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// rawMmapSize is the most of the file a load connection maps (SQLite's
// mmap_size): pages are read in place, without a pread and a copy into the
// page cache each.
const rawMmapSize = 1 << 30

// unmap drops the connection's mapping of the file (the next read maps it
// again): the pages it touched count in the process's resident set for as
// long as they are mapped, so a loader unmaps what a chunk read before
// the next, and the load's peak RSS stays the collections' and a chunk's,
// not the file's.
func (c *rawConn) unmap() error {
	return c.exec(fmt.Sprintf("PRAGMA mmap_size = 0; PRAGMA mmap_size = %d", rawMmapSize))
}

// readPtr reads the pointer SQLite wrote at p (an out parameter).
func readPtr(p uintptr) uintptr {
	return *(*uintptr)(unsafe.Pointer(&libc.GoBytes(p, int(unsafe.Sizeof(uintptr(0))))[0]))
}

func (c *rawConn) close() {
	if c.db != 0 {
		sqlite3.Xsqlite3_close_v2(c.tls, c.db)
		c.db = 0
	}
	c.tls.Close()
}

// err is the error of result code rc, with the connection's message.
func (c *rawConn) err(rc int32) error {
	msg := ""
	if c.db != 0 {
		msg = libc.GoString(sqlite3.Xsqlite3_errmsg(c.tls, c.db))
	} else {
		msg = libc.GoString(sqlite3.Xsqlite3_errstr(c.tls, rc))
	}
	return fmt.Errorf("sqlite: %s (%d)", msg, rc)
}

// exec runs statements that return no rows.
func (c *rawConn) exec(sql string) error {
	z, err := libc.CString(sql)
	if err != nil {
		return err
	}
	defer libc.Xfree(c.tls, z)
	if rc := sqlite3.Xsqlite3_exec(c.tls, c.db, z, 0, 0, 0); rc != sqlite3.SQLITE_OK {
		return c.err(rc)
	}
	return nil
}

// rawStmt is a prepared statement of a rawConn.
type rawStmt struct {
	c *rawConn
	p uintptr
}

// prepare prepares one statement.
func (c *rawConn) prepare(sql string) (*rawStmt, error) {
	z, err := libc.CString(sql)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(c.tls, z)
	pp := c.tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	defer c.tls.Free(int(unsafe.Sizeof(uintptr(0))))
	if rc := sqlite3.Xsqlite3_prepare_v2(c.tls, c.db, z, -1, pp, 0); rc != sqlite3.SQLITE_OK {
		return nil, c.err(rc)
	}
	p := readPtr(pp)
	if p == 0 {
		return nil, errors.New("sqlite: no statement")
	}
	return &rawStmt{c: c, p: p}, nil
}

func (s *rawStmt) close() {
	if s.p != 0 {
		sqlite3.Xsqlite3_finalize(s.c.tls, s.p)
		s.p = 0
	}
}

func (s *rawStmt) bindInt64(i int, v int64) error {
	if rc := sqlite3.Xsqlite3_bind_int64(s.c.tls, s.p, int32(i), v); rc != sqlite3.SQLITE_OK {
		return s.c.err(rc)
	}
	return nil
}

func (s *rawStmt) bindText(i int, v string) error {
	z, err := libc.CString(v)
	if err != nil {
		return err
	}
	defer libc.Xfree(s.c.tls, z)
	// SQLITE_TRANSIENT: SQLite copies the text before bind returns.
	if rc := sqlite3.Xsqlite3_bind_text(s.c.tls, s.p, int32(i), z, int32(len(v)), sqlite3.SQLITE_TRANSIENT); rc != sqlite3.SQLITE_OK {
		return s.c.err(rc)
	}
	return nil
}

// step moves to the next row: false at the end.
func (s *rawStmt) step() (bool, error) {
	switch rc := sqlite3.Xsqlite3_step(s.c.tls, s.p); rc {
	case sqlite3.SQLITE_ROW:
		return true, nil
	case sqlite3.SQLITE_DONE:
		return false, nil
	default:
		return false, s.c.err(rc)
	}
}

// The values of the current row. The bytes of a text or blob are SQLite's
// own, read in place (libc.GoBytes is a view, not a copy), valid until the
// next step: copy what is kept.

func (s *rawStmt) typ(i int) int32 { return sqlite3.Xsqlite3_column_type(s.c.tls, s.p, int32(i)) }

func (s *rawStmt) int64(i int) int64 { return sqlite3.Xsqlite3_column_int64(s.c.tls, s.p, int32(i)) }

func (s *rawStmt) float64(i int) float64 {
	return sqlite3.Xsqlite3_column_double(s.c.tls, s.p, int32(i))
}

// text is column i as UTF-8 text, nil when empty.
func (s *rawStmt) text(i int) []byte {
	return s.bytes(sqlite3.Xsqlite3_column_text(s.c.tls, s.p, int32(i)), i)
}

// blob is column i as a blob, nil when empty.
func (s *rawStmt) blob(i int) []byte {
	return s.bytes(sqlite3.Xsqlite3_column_blob(s.c.tls, s.p, int32(i)), i)
}

// bytes is the view of column i's bytes at p (its text or its blob, as
// asked: SQLite converts the value to the form asked first, then counts
// its bytes).
func (s *rawStmt) bytes(p uintptr, i int) []byte {
	n := sqlite3.Xsqlite3_column_bytes(s.c.tls, s.p, int32(i))
	if p == 0 || n <= 0 {
		return nil
	}
	return libc.GoBytes(p, int(n))
}

// driverValue is column i as the driver gives it (modernc.org/sqlite's
// rows.Next, for columns without a declared date type): int64, float64,
// string, []byte (a nil one when empty) or nil.
func (s *rawStmt) driverValue(i int) any {
	switch s.typ(i) {
	case sqlite3.SQLITE_INTEGER:
		return s.int64(i)
	case sqlite3.SQLITE_FLOAT:
		return s.float64(i)
	case sqlite3.SQLITE_TEXT:
		return string(s.text(i))
	case sqlite3.SQLITE_BLOB:
		// An empty blob is a nil []byte, not a nil value.
		if b := s.blob(i); b != nil {
			return append([]byte(nil), b...)
		}
		return []byte(nil)
	}
	return nil
}

// rawQuery runs query with int64 arguments and calls row for each row.
// It checks ctx every few thousand rows.
func (c *rawConn) rawQuery(ctx context.Context, query string, args []any, row func(*rawStmt) error) error {
	s, err := c.prepare(query)
	if err != nil {
		return err
	}
	defer s.close()
	for i, a := range args {
		switch a := a.(type) {
		case int64:
			err = s.bindInt64(i+1, a)
		case string:
			err = s.bindText(i+1, a)
		default:
			err = fmt.Errorf("embedded: an argument of type %T", a)
		}
		if err != nil {
			return err
		}
	}
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		ok, err := s.step()
		if err != nil || !ok {
			return err
		}
		if err := row(s); err != nil {
			return err
		}
	}
}

// rawDecoder makes features of the rows of a selectFrom query read by a
// rawConn: what decode makes of the driver's values, without them.
type rawDecoder struct {
	t *table
	b rowBuilder
	// last holds, for each date or time column, the text last parsed and
	// its bytes in a row: a collection's updated_at is mostly the same
	// instant, its dates few.
	last []lastTime
	// slab and arena are the free ends of the blocks the chunk's features
	// and rows are carved from (see newFeature, rowBuilder.rowIn).
	slab  []feature
	arena []byte
}

// slabSize is how many features a load block holds: a feature replaced
// by an update leaves its block to the others (at most a block's worth
// of memory kept per block still in use).
const slabSize = 256

// newFeature returns a zero feature from the decoder's current block:
// the collector then tracks one object per slabSize features instead of
// one each.
func (d *rawDecoder) newFeature() *feature {
	if len(d.slab) == 0 {
		d.slab = make([]feature, slabSize)
	}
	f := &d.slab[0]
	d.slab = d.slab[1:]
	return f
}

type lastTime struct {
	text, enc []byte
	tag       byte
	ok        bool
}

func newRawDecoder(t *table) *rawDecoder {
	return &rawDecoder{t: t, last: make([]lastTime, len(t.cols))}
}

// decode makes the feature of the current row of s.
func (d *rawDecoder) decode(s *rawStmt) (*feature, error) {
	t := d.t
	f := d.newFeature()
	switch s.typ(0) {
	case sqlite3.SQLITE_INTEGER:
		f.fid = storedID{n: s.int64(0), kind: intID}
	case sqlite3.SQLITE_TEXT:
		f.fid = storedID{s: string(s.text(0)), kind: stringID}
	default:
		return nil, fmt.Errorf("embedded: %s: unexpected id %v", t.c.ID, s.driverValue(0))
	}
	var blob []byte
	if s.typ(1) == sqlite3.SQLITE_BLOB {
		blob = s.blob(1)
	}
	if err := f.setGeometry(blob); err != nil {
		return nil, fmt.Errorf("embedded: %s %v: geometry: %w", t.c.ID, f.ident(), err)
	}
	b := &d.b
	b.reset()
	for i, c := range t.cols {
		j := i + 2
		typ := s.typ(j)
		if typ == sqlite3.SQLITE_NULL {
			b.null()
			continue
		}
		switch c.kind {
		case kText, kJSON:
			tag := tagString
			if c.kind == kJSON {
				tag = tagJSON
			}
			switch typ {
			case sqlite3.SQLITE_TEXT:
				b.bytes(tag, s.text(j))
				continue
			case sqlite3.SQLITE_BLOB:
				b.bytes(tag, s.blob(j))
				continue
			}
		case kInt:
			if typ == sqlite3.SQLITE_INTEGER {
				b.int(s.int64(j))
				continue
			}
		case kFloat:
			switch typ {
			case sqlite3.SQLITE_FLOAT:
				b.float(s.float64(j))
				continue
			case sqlite3.SQLITE_INTEGER:
				b.float(float64(s.int64(j)))
				continue
			}
		case kBool:
			if typ == sqlite3.SQLITE_INTEGER {
				if s.int64(j) != 0 {
					b.done(tagTrue)
				} else {
					b.done(tagFalse)
				}
				continue
			}
		case kDate, kTime:
			var text []byte
			switch typ {
			case sqlite3.SQLITE_TEXT:
				text = s.text(j)
			case sqlite3.SQLITE_BLOB:
				text = s.blob(j)
			}
			if typ == sqlite3.SQLITE_TEXT || typ == sqlite3.SQLITE_BLOB {
				l := &d.last[i]
				if !l.ok || string(l.text) != string(text) {
					// parseText's value, without its string and box
					// for the forms Socle writes.
					if v, ok := quickTimestamp(bytesString(text)); ok {
						if c.kind == kDate {
							v = dateOf(v)
						}
						l.tag, l.enc = tagTime, appendHeldTime(l.enc[:0], v)
					} else {
						v, err := parseText(c.kind, 64, string(text))
						if err != nil {
							return nil, fmt.Errorf("embedded: %s %v: %s: %w", t.c.ID, f.ident(), c.name, err)
						}
						l.tag, l.enc = appendValue(l.enc[:0], v)
					}
					l.text = append(l.text[:0], text...)
					l.ok = true
				}
				b.bytes(l.tag, l.enc)
				continue
			}
		}
		// Anything else is what decode would make of the driver's value
		// (an error, mostly).
		v, err := fromSQLite(c, s.driverValue(j), nil)
		if err != nil {
			return nil, fmt.Errorf("embedded: %s %v: %s: %w", t.c.ID, f.ident(), c.name, err)
		}
		b.value(v)
	}
	f.row = b.rowIn(&d.arena)
	f.dropPoint()
	return f, nil
}
