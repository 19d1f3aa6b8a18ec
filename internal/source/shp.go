package source

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/paulmach/orb"
)

// shapeFiles gives a Shapefile's sibling files (.shp, .shx, .dbf, .prj,
// .cpg), on disk or in a zip archive.
type shapeFiles interface {
	// open returns the sibling with extension ext (".shp"), its size, and
	// fs.ErrNotExist when it is missing.
	open(ext string) (io.ReadCloser, int64, error)
	// name is the layer's name: the files' base name.
	name() string
}

// dirShape is a Shapefile on disk, named by any of its files; siblings
// are matched without regard to case (IGN writes .SHP and .DBF).
type dirShape struct {
	dir, base string
}

func dirFiles(path string) dirShape {
	b := filepath.Base(path)
	return dirShape{dir: filepath.Dir(path), base: strings.TrimSuffix(b, filepath.Ext(b))}
}

func (d dirShape) name() string { return d.base }

func (d dirShape) open(ext string) (io.ReadCloser, int64, error) {
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return nil, 0, err
	}
	for _, e := range entries {
		n := e.Name()
		if strings.EqualFold(n, d.base+ext) {
			f, err := os.Open(filepath.Join(d.dir, n))
			if err != nil {
				return nil, 0, err
			}
			st, err := f.Stat()
			if err != nil {
				f.Close()
				return nil, 0, err
			}
			return f, st.Size(), nil
		}
	}
	return nil, 0, fs.ErrNotExist
}

// readSmall reads a small sibling (.prj, .cpg) whole, "" when missing.
func readSmall(files shapeFiles, ext string) (string, error) {
	rc, _, err := files.open(ext)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	return string(b), err
}

// Shapefile shape types (ESRI Shapefile Technical Description, 1998).
const (
	shpNull        = 0
	shpPoint       = 1
	shpPolyLine    = 3
	shpPolygon     = 5
	shpMultiPoint  = 8
	shpPointZ      = 11
	shpPolyLineZ   = 13
	shpPolygonZ    = 15
	shpMultiPointZ = 18
	shpPointM      = 21
	shpPolyLineM   = 23
	shpPolygonM    = 25
	shpMultiPointM = 28
	shpMultiPatch  = 31
)

func shapeGeomType(t int32) string {
	switch t {
	case shpPoint, shpPointZ, shpPointM:
		return "Point"
	case shpPolyLine, shpPolyLineZ, shpPolyLineM:
		return "LineString"
	case shpPolygon, shpPolygonZ, shpPolygonM:
		return "Polygon"
	case shpMultiPoint, shpMultiPointZ, shpMultiPointM:
		return "MultiPoint"
	case shpMultiPatch:
		return "MultiPolygon"
	}
	return ""
}

func openShapefile(files shapeFiles) (opened, error) {
	name := files.name()
	fail := func(err error) (opened, error) { return opened{}, fmt.Errorf("source: %s.shp: %w", name, err) }
	o := opened{format: Shapefile, layer: name, count: -1}

	// The siblings that must be there, with clear errors when not.
	var closers []io.Closer
	closeAll := func() {
		for _, c := range closers {
			c.Close()
		}
	}
	need := func(ext, what string) (io.ReadCloser, int64, error) {
		rc, size, err := files.open(ext)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, 0, fmt.Errorf("the %s file %s%s is missing (a Shapefile is at least .shp, .shx and .dbf)", what, name, ext)
		}
		if err != nil {
			return nil, 0, err
		}
		closers = append(closers, rc)
		return rc, size, nil
	}
	shp, shpSize, err := need(".shp", "geometry")
	if err != nil {
		return fail(err)
	}
	shx, shxSize, err := need(".shx", "index")
	if err != nil {
		closeAll()
		return fail(err)
	}
	dbfRC, dbfSize, err := need(".dbf", "attribute")
	if err != nil {
		closeAll()
		return fail(err)
	}

	r := &shpReader{shp: bufio.NewReaderSize(shp, 1<<16), shpRaw: shp, shx: bufio.NewReader(shx), closers: closers, size: shpSize}
	head := make([]byte, 100)
	if _, err := io.ReadFull(r.shp, head); err != nil {
		closeAll()
		return fail(fmt.Errorf(".shp header: %w", errShort(err)))
	}
	if binary.BigEndian.Uint32(head) != 9994 {
		closeAll()
		return fail(errors.New("not a Shapefile: no 9994 signature in the .shp header"))
	}
	r.pos = 100
	r.shapeType = int32(binary.LittleEndian.Uint32(head[32:]))
	o.geomType = shapeGeomType(r.shapeType)
	if o.geomType == "" && r.shapeType != shpNull {
		closeAll()
		return fail(fmt.Errorf("unknown shape type %d", r.shapeType))
	}
	if declared := int64(binary.BigEndian.Uint32(head[24:])) * 2; declared != shpSize {
		if declared > shpSize {
			closeAll()
			return fail(fmt.Errorf(".shp truncated: its header says %d bytes, the file has %d", declared, shpSize))
		}
	}
	var bb [4]float64
	for i := range bb {
		bb[i] = math.Float64frombits(binary.LittleEndian.Uint64(head[36+8*i:]))
	}
	shxHead := make([]byte, 100)
	if _, err := io.ReadFull(r.shx, shxHead); err != nil {
		closeAll()
		return fail(fmt.Errorf(".shx header: %w", errShort(err)))
	}
	if binary.BigEndian.Uint32(shxHead) != 9994 || (shxSize-100)%8 != 0 {
		closeAll()
		return fail(errors.New("the .shx is not a Shapefile index"))
	}
	r.count = int((shxSize - 100) / 8)
	o.count = r.count

	cpg, err := readSmall(files, ".cpg")
	if err != nil {
		closeAll()
		return fail(err)
	}
	var encOK bool
	enc, encOK := encodingByName(cpg)
	if strings.TrimSpace(cpg) != "" && !encOK {
		closeAll()
		return fail(fmt.Errorf("the .cpg names the encoding %q, which is not one Socle knows", strings.TrimSpace(cpg)))
	}
	r.dbf, err = newDBF(dbfRC, dbfSize, enc, strings.TrimSpace(cpg) != "", strings.TrimSpace(cpg))
	if err != nil {
		closeAll()
		return fail(err)
	}
	if r.dbf.numRecs != r.count {
		closeAll()
		return fail(fmt.Errorf("the .dbf holds %d records and the .shx %d shapes: the files do not belong together", r.dbf.numRecs, r.count))
	}
	for _, f := range r.dbf.fields {
		o.fields = append(o.fields, Field{f.name, f.typ})
	}
	if r.count > 0 && finite(bb[0]) && finite(bb[1]) && finite(bb[2]) && finite(bb[3]) && bb[0] <= bb[2] && bb[1] <= bb[3] {
		o.bounds = &orb.Bound{Min: orb.Point{bb[0], bb[1]}, Max: orb.Point{bb[2], bb[3]}}
	}

	prj, err := readSmall(files, ".prj")
	if err != nil {
		closeAll()
		return fail(err)
	}
	if strings.TrimSpace(prj) == "" {
		o.crsNote = "no .prj file"
	} else {
		srid, crsName, err := crsFromWKT(prj)
		switch {
		case err != nil:
			o.crsErr = fmt.Errorf("its .prj is not a CRS Socle can read: %w", err)
		case srid == 0:
			o.crsErr = fmt.Errorf("its .prj describes %q, not a CRS Socle can transform (%s)", crsName, knownCRS())
		default:
			o.srid = srid
		}
	}
	o.r = r
	return o, nil
}

type shpReader struct {
	shp       *bufio.Reader
	shpRaw    io.Reader
	shx       *bufio.Reader
	dbf       *dbfReader
	closers   []io.Closer
	shapeType int32
	count     int
	num       int
	pos       int64 // offset in the .shp
	size      int64 // of the .shp
	buf       []byte
}

// maxRecord bounds one shape's size (the format's own limit is 2 GB).
const maxRecord = 1 << 30

func (r *shpReader) next() (*Record, error) {
	for {
		rec, deleted, err := r.read()
		if deleted {
			continue
		}
		return rec, err
	}
}

func (r *shpReader) read() (*Record, bool, error) {
	if r.num >= r.count {
		return nil, false, io.EOF
	}
	r.num++
	num := r.num
	var idx [8]byte
	if _, err := io.ReadFull(r.shx, idx[:]); err != nil {
		return nil, false, fmt.Errorf(".shx truncated at record %d", num)
	}
	offset := int64(binary.BigEndian.Uint32(idx[:])) * 2
	vals, deleted, dbfErr := r.dbf.next()
	if dbfErr != nil && vals == nil {
		return nil, false, dbfErr
	}
	// Go to the record: forward by reading, backward only on a file.
	switch {
	case offset == 0 && binary.BigEndian.Uint32(idx[4:]) == 0:
		// An index entry of zeros: no shape.
		return &Record{Num: num, Fields: vals}, deleted, recordErr(num, dbfErr)
	case offset > r.size || offset < 100:
		return nil, false, fmt.Errorf("the .shx puts record %d at %d, outside the .shp's records: truncated or corrupt", num, offset)
	case offset > r.pos:
		if _, err := r.shp.Discard(int(offset - r.pos)); err != nil {
			return nil, false, fmt.Errorf(".shp truncated before record %d", num)
		}
		r.pos = offset
	case offset < r.pos:
		s, ok := r.shpRaw.(io.Seeker)
		if !ok {
			return nil, false, fmt.Errorf("the .shx puts record %d at %d, before the previous one: cannot read such a file from an archive", num, offset)
		}
		if _, err := s.Seek(offset, io.SeekStart); err != nil {
			return nil, false, err
		}
		r.shp.Reset(r.shpRaw)
		r.pos = offset
	}
	var h [8]byte
	if _, err := io.ReadFull(r.shp, h[:]); err != nil {
		return nil, false, fmt.Errorf(".shp truncated at record %d", num)
	}
	n := int64(binary.BigEndian.Uint32(h[4:])) * 2
	if n > maxRecord || r.pos+8+n > r.size {
		return nil, false, fmt.Errorf(".shp record %d is %d bytes long, past the end of the file: truncated or corrupt", num, n)
	}
	if cap(r.buf) < int(n) {
		r.buf = make([]byte, n)
	}
	b := r.buf[:n]
	if _, err := io.ReadFull(r.shp, b); err != nil {
		return nil, false, fmt.Errorf(".shp truncated at record %d", num)
	}
	r.pos += 8 + n
	if deleted {
		return nil, true, nil
	}
	rec := &Record{Num: num, Fields: vals}
	g, err := decodeShape(b)
	if err == nil {
		g, err = checkGeometry(g)
	}
	if err != nil {
		return nil, false, &RecordError{num, errors.Join(fmt.Errorf("geometry: %w", err), dbfErr)}
	}
	rec.Geometry = g
	return rec, false, recordErr(num, dbfErr)
}

func recordErr(num int, err error) error {
	if err == nil {
		return nil
	}
	return &RecordError{num, err}
}

func (r *shpReader) close() error {
	var errs []error
	for _, c := range r.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// decodeShape decodes one record's content: its shape type, then the
// shape. Z and M values are skipped.
func decodeShape(b []byte) (orb.Geometry, error) {
	if len(b) < 4 {
		return nil, errors.New("record shorter than its shape type")
	}
	t := int32(binary.LittleEndian.Uint32(b))
	b = b[4:]
	le := binary.LittleEndian
	f := func(b []byte) float64 { return math.Float64frombits(le.Uint64(b)) }
	switch t {
	case shpNull:
		return nil, nil
	case shpPoint, shpPointZ, shpPointM:
		if len(b) < 16 {
			return nil, errors.New("point truncated")
		}
		return orb.Point{f(b), f(b[8:])}, nil
	case shpMultiPoint, shpMultiPointZ, shpMultiPointM:
		if len(b) < 36 {
			return nil, errors.New("multipoint truncated")
		}
		n := int(le.Uint32(b[32:]))
		b = b[36:]
		if n < 0 || n > len(b)/16 {
			return nil, fmt.Errorf("multipoint of %d points in %d bytes", n, len(b))
		}
		mp := make(orb.MultiPoint, n)
		for i := range mp {
			mp[i] = orb.Point{f(b[16*i:]), f(b[16*i+8:])}
		}
		return mp, nil
	case shpPolyLine, shpPolyLineZ, shpPolyLineM, shpPolygon, shpPolygonZ, shpPolygonM, shpMultiPatch:
		if len(b) < 40 {
			return nil, errors.New("shape truncated")
		}
		nParts, nPoints := int(le.Uint32(b[32:])), int(le.Uint32(b[36:]))
		b = b[40:]
		partTypes := 0
		if t == shpMultiPatch {
			partTypes = 4
		}
		if nParts < 0 || nPoints < 0 || nParts > len(b)/(4+partTypes) || nPoints > len(b)/16 ||
			nParts*(4+partTypes)+nPoints*16 > len(b) {
			return nil, fmt.Errorf("%d parts and %d points do not fit in %d bytes", nParts, nPoints, len(b))
		}
		if nParts == 0 || nPoints == 0 {
			return nil, nil
		}
		starts := make([]int, nParts+1)
		for i := 0; i < nParts; i++ {
			starts[i] = int(le.Uint32(b[4*i:]))
			if starts[i] < 0 || starts[i] > nPoints || i > 0 && starts[i] < starts[i-1] {
				return nil, fmt.Errorf("part %d starts at point %d of %d", i+1, starts[i], nPoints)
			}
		}
		if starts[0] != 0 {
			return nil, fmt.Errorf("first part starts at point %d", starts[0])
		}
		starts[nParts] = nPoints
		var types []int32
		if t == shpMultiPatch {
			types = make([]int32, nParts)
			for i := range types {
				types[i] = int32(le.Uint32(b[4*nParts+4*i:]))
			}
		}
		pb := b[nParts*(4+partTypes):]
		pts := make([]orb.Point, nPoints)
		for i := range pts {
			pts[i] = orb.Point{f(pb[16*i:]), f(pb[16*i+8:])}
		}
		parts := make([][]orb.Point, nParts)
		for i := range parts {
			parts[i] = pts[starts[i]:starts[i+1]:starts[i+1]]
		}
		switch t {
		case shpPolyLine, shpPolyLineZ, shpPolyLineM:
			if nParts == 1 {
				return orb.LineString(parts[0]), nil
			}
			ml := make(orb.MultiLineString, nParts)
			for i, p := range parts {
				ml[i] = p
			}
			return ml, nil
		case shpMultiPatch:
			return multiPatch(parts, types)
		}
		rings := make([]orb.Ring, 0, nParts)
		for _, p := range parts {
			if len(p) > 0 {
				rings = append(rings, p)
			}
		}
		return groupRings(rings), nil
	}
	return nil, fmt.Errorf("unknown shape type %d", t)
}

// multiPatch makes a MultiPolygon of a MultiPatch's parts (Shapefile
// Technical Description, "MultiPatch"): triangle strips and fans become
// triangles, outer and inner rings polygons with their holes, as GDAL reads
// them.
func multiPatch(parts [][]orb.Point, types []int32) (orb.Geometry, error) {
	var mp orb.MultiPolygon
	tri := func(a, b, c orb.Point) {
		mp = append(mp, orb.Polygon{orb.Ring{a, b, c, a}})
	}
	for i, p := range parts {
		switch types[i] {
		case 0: // triangle strip
			for j := 2; j < len(p); j++ {
				tri(p[j-2], p[j-1], p[j])
			}
		case 1: // triangle fan
			for j := 2; j < len(p); j++ {
				tri(p[0], p[j-1], p[j])
			}
		case 2, 4, 5: // outer ring, first ring, ring
			mp = append(mp, orb.Polygon{orb.Ring(p)})
		case 3: // inner ring of the last polygon
			if len(mp) == 0 {
				mp = append(mp, orb.Polygon{orb.Ring(p)})
			} else {
				mp[len(mp)-1] = append(mp[len(mp)-1], orb.Ring(p))
			}
		default:
			return nil, fmt.Errorf("multipatch part type %d", types[i])
		}
	}
	return mp, nil
}
