package source

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/ogc/crs"
)

// Format names a file format, as GDAL's driver does.
type Format string

// The formats Open reads.
const (
	GeoJSON    Format = "GeoJSON"
	GeoPackage Format = "GPKG"
	Shapefile  Format = "ESRI Shapefile"
	FlatGeobuf Format = "FlatGeobuf"
	CSV        Format = "CSV"
)

// FieldType is the type of a field's values in Record.Fields.
type FieldType string

// Field types, with the Go type of their values (nil for a null).
const (
	String   FieldType = "string"   // string
	Integer  FieldType = "integer"  // int64
	Real     FieldType = "real"     // float64
	Boolean  FieldType = "boolean"  // bool
	Date     FieldType = "date"     // time.Time at midnight UTC
	DateTime FieldType = "datetime" // time.Time
	Binary   FieldType = "binary"   // []byte (GeoPackage BLOB columns)
)

// Field is a column of the source, in file order.
type Field struct {
	Name string
	Type FieldType
}

// Options tune Open.
type Options struct {
	// Layer picks a table of a GeoPackage, or a Shapefile or GeoPackage
	// among several in an archive (by name without extension, or path
	// inside the archive; case-insensitive). Required when there is more
	// than one.
	Layer string
	// CRS overrides the file's coordinate system: EPSG:2154, 2154, an OGC
	// URN or URI, CRS84. It is the importer's --crs option.
	CRS string
}

// Record is one feature of the source.
type Record struct {
	// Num is the feature's 1-based number in the file (the Shapefile
	// record number, the CSV data row, the n-th GeoJSON feature), for
	// messages.
	Num int
	// ID is the feature's own identifier where the format has one: the
	// GeoJSON "id" member (string, int64 or float64), the GeoPackage
	// primary key (int64); nil otherwise.
	ID any
	// Geometry is in the source CRS (Source.SRID), 2D (Z and M dropped),
	// single or multi as the file has it, rings closed; nil for a null
	// or empty geometry.
	Geometry orb.Geometry
	// Fields holds the values by field name: string, int64, float64, bool,
	// time.Time, []byte or nil (see FieldType). A GeoJSON feature holds its
	// own properties only: a field of Source.Fields it lacks is null.
	Fields map[string]any
}

// RecordError is a record the reader could not make sense of (an invalid
// geometry, a value that does not parse) while the rest of the file can
// still be read: Next returns it and reading goes on with the next record.
type RecordError struct {
	Num int
	Err error
}

func (e *RecordError) Error() string { return fmt.Sprintf("record %d: %v", e.Num, e.Err) }
func (e *RecordError) Unwrap() error { return e.Err }

// ErrUnknownCRS is wrapped by Open's error for a file whose coordinate
// system cannot be known and whose coordinates are not longitudes and
// latitudes.
var ErrUnknownCRS = errors.New("unknown coordinate system")

var errClosed = errors.New("source: Next after Close")

// reader is one format's record stream.
type reader interface {
	// next returns the next record, io.EOF at the end, a *RecordError
	// for a record that is skipped, or another error that ends reading.
	next() (*Record, error)
	close() error
}

// opened is what a format's opener hands to Open.
type opened struct {
	format   Format
	layer    string
	fields   []Field
	geomType string
	count    int // -1 when unknown
	srid     int // the declared CRS, 0 when the file declares none
	crsNote  string
	// crsErr is a CRS the file declares that Socle cannot transform; it
	// is the error unless Options.CRS overrides it.
	crsErr error
	// bounds of the coordinates when the header says so cheaply.
	bounds *orb.Bound
	r      reader
	// fieldsFn computes the fields on first use (GeoJSON: a scan).
	fieldsFn func() ([]Field, error)
}

// Source is an open file whose records are read in order, one at a time:
// memory does not grow with the file. It is not safe for concurrent use.
type Source struct {
	path     string
	kind     Format // as detected: an archive is zip or 7z
	o        opened
	pending  []*Record // records read ahead to check the coordinates
	pendErr  []error
	cleanups []func() error
	done     bool
}

// Open detects the format of the file at path by its content and extension
// and opens it. It fails with a clear error for a file it cannot read, a
// layer that is not there (naming those that are) and a file whose CRS
// cannot be known and whose coordinates are not longitudes/latitudes.
func Open(path string, opts Options) (*Source, error) {
	s := &Source{path: path}
	o, err := openPath(s, path, opts)
	if err != nil {
		s.cleanup()
		return nil, err
	}
	s.o = o
	if err := s.checkLayer(opts.Layer); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.resolveCRS(opts); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// checkLayer refuses a layer name that names neither the layer of a
// single-layer file nor the file (archives and GeoPackages check theirs).
func (s *Source) checkLayer(want string) error {
	if want == "" || strings.EqualFold(want, s.o.layer) || strings.EqualFold(want, layerName(s.path)) {
		return nil
	}
	switch s.kind {
	case GeoPackage, formatZip, format7z:
		return nil
	}
	return fmt.Errorf("source: %s has no layer %q; its layer: %s", filepath.Base(s.path), want, s.o.layer)
}

// openPath opens path, registering on s what Close must remove.
func openPath(s *Source, path string, opts Options) (opened, error) {
	kind, err := detect(path)
	if err != nil {
		return opened{}, err
	}
	s.kind = kind
	switch kind {
	case GeoJSON:
		return openGeoJSON(path)
	case GeoPackage:
		return openGPKG(path, opts.Layer)
	case Shapefile:
		return openShapefile(dirFiles(path))
	case FlatGeobuf:
		return openFGB(path)
	case CSV:
		return openCSV(path)
	case formatZip:
		return openZip(s, path, opts)
	case format7z:
		return open7z(s, path, opts)
	}
	return opened{}, fmt.Errorf("source: %s: unknown format", path)
}

// Layers lists the layers of a file: the feature tables of a GeoPackage,
// the Shapefiles and GeoPackage tables of an archive, or the one layer of
// the other formats.
func Layers(path string) ([]string, error) {
	kind, err := detect(path)
	if err != nil {
		return nil, err
	}
	switch kind {
	case GeoPackage:
		return gpkgLayers(path)
	case formatZip, format7z:
		s := &Source{path: path}
		defer s.cleanup()
		return archiveLayers(s, path, kind)
	}
	// One layer, named as Open names it (a GeoJSON or FlatGeobuf may carry
	// its name); the CRS does not matter here.
	s, err := Open(path, Options{CRS: "EPSG:4326"})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return []string{s.Layer()}, nil
}

// layerName is the file's name without its extension.
func layerName(path string) string {
	b := filepath.Base(path)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

// Format is the file's format (a Shapefile or GeoPackage in an archive has
// its own format).
func (s *Source) Format() Format { return s.o.format }

// Layer is the layer read: the table, Shapefile or file name.
func (s *Source) Layer() string { return s.o.layer }

// SRID is the EPSG code of the coordinates' CRS: Options.CRS, else the one
// the file declares, else 4326 for a file that declares none and whose
// coordinates are longitudes and latitudes. crs.NewTransformer accepts it.
func (s *Source) SRID() int { return s.o.srid }

// GeometryType is the geometry type the file declares (Point, LineString,
// Polygon, MultiPoint, MultiLineString, MultiPolygon, GeometryCollection),
// or "" when it declares none or any. Records may hold the single or
// multi form of it: a Shapefile's polylines are LineStrings or
// MultiLineStrings record by record.
func (s *Source) GeometryType() string { return s.o.geomType }

// Count is the number of records when the file says so cheaply (a
// GeoPackage table, a Shapefile's index, a FlatGeobuf header), else -1.
func (s *Source) Count() int { return s.o.count }

// Fields lists the source's fields in file order. For GeoJSON it reads
// the file once through on first call (the schema of a GeoJSON file is
// the union of its features' properties); a value of mixed numbers is
// Real, of anything else mixed String.
func (s *Source) Fields() ([]Field, error) {
	if s.o.fields == nil && s.o.fieldsFn != nil {
		f, err := s.o.fieldsFn()
		if err != nil {
			return nil, err
		}
		if f == nil {
			f = []Field{}
		}
		s.o.fields = f
	}
	return slices.Clone(s.o.fields), nil
}

// Next returns the next record; io.EOF after the last. A *RecordError is
// a record that could not be read (its number and why): the caller may
// keep it as a rejected record and call Next again. Any other error ends
// the reading.
func (s *Source) Next() (*Record, error) {
	if len(s.pending) > 0 {
		r, err := s.pending[0], s.pendErr[0]
		s.pending, s.pendErr = s.pending[1:], s.pendErr[1:]
		return r, err
	}
	if s.done {
		return nil, io.EOF
	}
	if s.o.r == nil {
		return nil, errClosed
	}
	r, err := s.o.r.next()
	if err != nil {
		var re *RecordError
		if !errors.As(err, &re) {
			s.done = true
			if err != io.EOF {
				err = fmt.Errorf("source: %s: %w", filepath.Base(s.path), err)
			}
		}
		return nil, err
	}
	return r, nil
}

// Records iterates over the records: each is yielded with a nil error, a
// record that could not be read as (nil, *RecordError), and an error that
// ends the reading as (nil, err), last.
func (s *Source) Records() iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) {
		for {
			r, err := s.Next()
			if err == io.EOF {
				return
			}
			if !yield(r, err) {
				return
			}
			var re *RecordError
			if err != nil && !errors.As(err, &re) {
				return
			}
		}
	}
}

// Close releases the file and removes what was extracted from an archive.
func (s *Source) Close() error {
	var err error
	if s.o.r != nil {
		err = s.o.r.close()
		s.o.r = nil
	}
	return errors.Join(err, s.cleanup())
}

func (s *Source) cleanup() error {
	var errs []error
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		errs = append(errs, s.cleanups[i]())
	}
	s.cleanups = nil
	return errors.Join(errs...)
}

// tempDir makes a directory removed by Close.
func (s *Source) tempDir() (string, error) {
	dir, err := os.MkdirTemp("", "socle-source-*")
	if err != nil {
		return "", err
	}
	s.cleanups = append(s.cleanups, func() error { return os.RemoveAll(dir) })
	return dir, nil
}

// peekSize is how many records are read ahead to tell whether coordinates
// are longitudes and latitudes.
const peekSize = 256

// resolveCRS settles SRID: the override, else the declared CRS, else
// longitudes/latitudes if the coordinates look like them. A geographic CRS
// whose coordinates are not in range is refused too: the file's CRS is
// wrong.
func (s *Source) resolveCRS(opts Options) error {
	name := filepath.Base(s.path)
	if opts.CRS != "" {
		srid, err := ParseCRS(opts.CRS)
		if err != nil {
			return fmt.Errorf("source: --crs: %w", err)
		}
		s.o.srid = srid
		return nil
	}
	if s.o.crsErr != nil {
		return fmt.Errorf("source: %s: %w; if the file's coordinates are in a CRS Socle knows, give it with --crs (e.g. --crs EPSG:2154)", name, s.o.crsErr)
	}
	if s.o.srid != 0 && !geographic(s.o.srid) {
		return nil
	}
	b, n, err := s.peekBounds()
	if err != nil {
		return err
	}
	if n == 0 || lonLat(b) {
		if s.o.srid == 0 {
			s.o.srid = 4326
		}
		return nil
	}
	where := "declares no coordinate system"
	if s.o.srid != 0 {
		where = fmt.Sprintf("declares the geographic CRS EPSG:%d", s.o.srid)
	}
	if s.o.crsNote != "" {
		where += " (" + s.o.crsNote + ")"
	}
	return fmt.Errorf("source: %s %s and its coordinates (x %.10g to %.10g, y %.10g to %.10g) are not longitudes and latitudes: %w; give the file's CRS with --crs (e.g. --crs EPSG:2154 for Lambert-93)",
		name, where, b.Min[0], b.Max[0], b.Min[1], b.Max[1], ErrUnknownCRS)
}

// peekBounds returns the bounds the header gives, else those of the first
// records, which it keeps for Next; n is the number of positions seen.
func (s *Source) peekBounds() (orb.Bound, int, error) {
	if s.o.bounds != nil {
		return *s.o.bounds, 1, nil
	}
	var b orb.Bound
	n := 0
	for len(s.pending) < peekSize && !s.done {
		r, err := s.o.r.next()
		if err == io.EOF {
			s.done = true
			break
		}
		var re *RecordError
		if err != nil && !errors.As(err, &re) {
			return b, 0, fmt.Errorf("source: %s: %w", filepath.Base(s.path), err)
		}
		s.pending = append(s.pending, r)
		s.pendErr = append(s.pendErr, err)
		if r == nil || r.Geometry == nil {
			continue
		}
		rb := r.Geometry.Bound()
		if n == 0 {
			b = rb
		} else {
			b = b.Union(rb)
		}
		n++
	}
	return b, n, nil
}

// lonLat tells whether a bound can hold longitudes and latitudes.
func lonLat(b orb.Bound) bool {
	return b.Min[0] >= -180 && b.Max[0] <= 180 && b.Min[1] >= -90 && b.Max[1] <= 90
}

func geographic(srid int) bool {
	switch srid {
	case 4326, 4258, 4171, 5489, 4624, 4627, 4470:
		return true
	}
	return false
}

// transformable tells whether package crs can transform srid.
func transformable(srid int) bool {
	_, err := crs.NewTransformer(srid, 2154)
	return err == nil
}

// ParseCRS reads a CRS as the importer's --crs option gives it: EPSG:2154,
// 2154, urn:ogc:def:crs:EPSG::2154, an OGC URI, CRS84. The CRS must be one
// crs.NewTransformer knows.
func ParseCRS(s string) (int, error) {
	t := strings.TrimSpace(s)
	srid := 0
	switch u := strings.ToUpper(t); {
	case u == "CRS84" || strings.HasSuffix(u, ":CRS84") || strings.HasSuffix(u, "/CRS84"):
		srid = 4326
	case ignfCode(t) != 0:
		srid = ignfCode(t)
	default:
		if m := crsCode.FindStringSubmatch(t); m != nil {
			fmt.Sscan(m[1], &srid)
		}
	}
	if srid == 0 {
		return 0, fmt.Errorf("%q is not a CRS (expected e.g. EPSG:2154)", s)
	}
	if !transformable(srid) {
		return 0, fmt.Errorf("EPSG:%d is not a CRS Socle can transform (%s)", srid, knownCRS())
	}
	return srid, nil
}

// knownCRS lists the SRIDs Socle transforms, for messages.
func knownCRS() string {
	codes := []string{"4326", "4258", "2154", "3857", "3035"}
	for _, c := range crs.ImportSRIDs() {
		codes = append(codes, fmt.Sprint(c))
	}
	return "known: EPSG:" + strings.Join(codes, ", ")
}

// finite tells whether a coordinate is a number.
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
