// Package pmtiles writes PMTiles version 3 archives (the specification of
// github.com/protomaps/PMTiles, spec/v3/spec.md): one file holding a
// pyramid of tiles, which a static web server or a local file serves to
// MapLibre, OpenLayers, QGIS and the pmtiles tools without a tile server.
//
// Tiles arrive in any order (z, x, y, bytes). Each distinct tile is
// gzip-compressed once (identical tiles — empty sea, the same fill — are
// stored once) and appended to a temporary spill file; memory keeps 16
// bytes per tile (its id and content) plus about 90 per distinct content
// (its place in the spill file and the hash that finds duplicates); Close
// adds 24 bytes per directory entry. Close sorts the tiles by tile id
// (their position along the Hilbert curves of the zooms, section 4.1), merges
// runs of consecutive ids with the same content (run-length entries),
// builds the root directory — and leaf directories when the root would
// pass the 16 KiB a client reads first — and writes header, root
// directory, JSON metadata, leaf directories and the tile data in tile-id
// order (a clustered archive), the directories and metadata gzipped.
//
// The package owns the archive format only: it imports the Hilbert curve,
// orb and the standard library, and nothing of Socle's storage, tiles or
// HTTP layers, which produce the tiles.
package pmtiles

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/format/hilbert"
)

// MediaType is the media type of PMTiles archives.
const MediaType = "application/vnd.pmtiles"

// MaxZoom is the deepest zoom a tile may have: tile ids of deeper zooms
// pass 2^53, beyond what JavaScript readers address exactly.
const MaxZoom = 26

// TileType is the header's tile type (section 3.2).
type TileType byte

// Tile types.
const (
	Unknown TileType = 0
	MVT     TileType = 1
	PNG     TileType = 2
	JPEG    TileType = 3
	WebP    TileType = 4
	AVIF    TileType = 5
	MLT     TileType = 6
)

// Compression values of the header (section 3.3).
const (
	compressionNone = 1
	compressionGzip = 2
)

// headerSize is the fixed size of the header; rootMax the most a root
// directory may take so that header and root fit the 16,384 bytes a
// client reads first (section 4).
const (
	headerSize = 127
	rootMax    = 16384 - headerSize
)

// VectorLayer describes a layer of vector tiles in the metadata, as TileJSON
// 3.0 does (required for MVT archives, section 5).
type VectorLayer struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
	// MinZoom and MaxZoom bound the zooms the layer appears at (both zero:
	// the archive's).
	MinZoom int `json:"minzoom"`
	MaxZoom int `json:"maxzoom"`
	// Fields maps each attribute to its type: "String", "Number" or
	// "Boolean".
	Fields map[string]string `json:"fields"`
}

// Options describe the archive.
type Options struct {
	// TileType is the type of the tiles (zero: MVT).
	TileType TileType
	// Precompressed says the tiles are given gzip-compressed already (as a
	// tile cache may hold them); else the writer compresses them.
	Precompressed bool
	// Name, Description and Attribution go to the metadata.
	Name, Description, Attribution string
	// VectorLayers are the metadata's vector_layers (MVT archives).
	VectorLayers []VectorLayer
	// Metadata holds further metadata keys (the standard ones above win).
	Metadata map[string]any
	// Bounds in longitude/latitude (zero: the area of the tiles of the
	// deepest zoom).
	Bounds orb.Bound
	// Center and CenterZoom are where a viewer opens (zero: the centre of
	// the bounds at the shallowest zoom).
	Center     orb.Point
	CenterZoom int
	// TempDir holds the spill file (os.TempDir() when empty).
	TempDir string
}

// Writer writes one archive. Add tiles, then Close.
type Writer struct {
	out     io.Writer
	opts    Options
	spill   *os.File
	spillW  *bufio.Writer
	spillAt uint64

	tiles []tile
	blobs []blob
	seen  map[[sha256.Size]byte]uint32

	// span[z] is the range of x and y of the tiles of zoom z.
	span   [MaxZoom + 1]struct{ minX, minY, maxX, maxY uint32 }
	zooms  uint32 // bit z set when a tile of zoom z came
	gz     *gzip.Writer
	gzBuf  bytes.Buffer
	closed bool
	err    error
}

type tile struct {
	id   uint64
	blob uint32
}

type blob struct {
	spill  uint64 // offset in the spill file
	length uint32
	out    uint64 // offset in the tile data section, once placed
}

// NewWriter returns a writer of an archive to out, which receives the whole
// archive at Close.
func NewWriter(out io.Writer, opts Options) (*Writer, error) {
	if opts.TileType == Unknown {
		opts.TileType = MVT
	}
	f, err := os.CreateTemp(opts.TempDir, "socle-*.pmtiles.spill")
	if err != nil {
		return nil, fmt.Errorf("pmtiles: spill file: %w", err)
	}
	gz := gzip.NewWriter(nil)
	return &Writer{
		out: out, opts: opts, spill: f, spillW: bufio.NewWriterSize(f, 256<<10),
		seen: map[[sha256.Size]byte]uint32{}, gz: gz,
	}, nil
}

// TileID returns the PMTiles id of tile z/x/y: the number of tiles of the
// zooms above plus the tile's position on the Hilbert curve of its zoom.
func TileID(z int, x, y uint32) uint64 {
	return (uint64(1)<<(2*uint(z))-1)/3 + hilbert.Index(uint(z), x, y)
}

// Add adds tile z/x/y. An empty tile is left out (an archive has no tile of
// length 0; a missing tile is empty to readers). Each tile may come once.
func (w *Writer) Add(z int, x, y uint32, data []byte) error {
	if w.closed {
		return fmt.Errorf("pmtiles: writer closed")
	}
	if w.err != nil {
		return w.err
	}
	if z < 0 || z > MaxZoom || uint64(x) >= 1<<uint(z) || uint64(y) >= 1<<uint(z) {
		return fmt.Errorf("pmtiles: no tile %d/%d/%d (zoom 0 to %d, x and y below 2^zoom)", z, x, y, MaxZoom)
	}
	if len(data) == 0 {
		return nil
	}
	if err := w.add(z, x, y, data); err != nil {
		w.err = err
		return err
	}
	return nil
}

func (w *Writer) add(z int, x, y uint32, data []byte) error {
	sum := sha256.Sum256(data)
	b, ok := w.seen[sum]
	if !ok {
		stored := data
		if !w.opts.Precompressed {
			w.gzBuf.Reset()
			w.gz.Reset(&w.gzBuf)
			if _, err := w.gz.Write(data); err != nil {
				return err
			}
			if err := w.gz.Close(); err != nil {
				return err
			}
			stored = w.gzBuf.Bytes()
		}
		if len(w.blobs) == math.MaxUint32 || uint64(len(stored)) > math.MaxUint32 {
			return fmt.Errorf("pmtiles: too many or too large tiles")
		}
		if _, err := w.spillW.Write(stored); err != nil {
			return fmt.Errorf("pmtiles: spill file: %w", err)
		}
		b = uint32(len(w.blobs))
		w.blobs = append(w.blobs, blob{spill: w.spillAt, length: uint32(len(stored)), out: math.MaxUint64})
		w.spillAt += uint64(len(stored))
		w.seen[sum] = b
	}
	w.tiles = append(w.tiles, tile{id: TileID(z, x, y), blob: b})
	s := &w.span[z]
	if w.zooms&(1<<uint(z)) == 0 {
		s.minX, s.minY, s.maxX, s.maxY = x, y, x, y
		w.zooms |= 1 << uint(z)
	} else {
		s.minX, s.minY, s.maxX, s.maxY = min(s.minX, x), min(s.minY, y), max(s.maxX, x), max(s.maxY, y)
	}
	return nil
}

// Close writes the archive and removes the spill file (also after an
// error, when nothing more is written). An archive needs at least one tile.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	defer func() {
		w.spill.Close()
		os.Remove(w.spill.Name())
	}()
	if w.err != nil {
		return w.err
	}
	if len(w.tiles) == 0 {
		return fmt.Errorf("pmtiles: no tile to write")
	}
	if err := w.spillW.Flush(); err != nil {
		return fmt.Errorf("pmtiles: spill file: %w", err)
	}
	return w.write()
}

// entry is a directory entry (section 4.1).
type entry struct {
	id, offset uint64
	length     uint32
	run        uint32
}

func (w *Writer) write() error {
	slices.SortFunc(w.tiles, func(a, b tile) int { return cmp.Compare(a.id, b.id) })
	// Place each blob where its first tile (in id order) comes, and merge
	// consecutive ids of the same content into one entry.
	var entries []entry
	var dataLen uint64
	for i, t := range w.tiles {
		if i > 0 && t.id == w.tiles[i-1].id {
			z, x, y := zxy(t.id)
			return fmt.Errorf("pmtiles: tile %d/%d/%d added twice", z, x, y)
		}
		b := &w.blobs[t.blob]
		if b.out == math.MaxUint64 {
			b.out = dataLen
			dataLen += uint64(b.length)
		}
		if n := len(entries); n > 0 {
			last := &entries[n-1]
			if last.offset == b.out && last.id+uint64(last.run) == t.id && last.run < math.MaxUint32 {
				last.run++
				continue
			}
		}
		entries = append(entries, entry{id: t.id, offset: b.out, length: b.length, run: 1})
	}
	root, leaves, err := w.directories(entries)
	if err != nil {
		return err
	}
	meta, err := w.metadata()
	if err != nil {
		return err
	}
	h := w.header(len(root), len(meta), len(leaves), dataLen, len(entries))
	bw := bufio.NewWriterSize(w.out, 256<<10)
	for _, part := range [][]byte{h, root, meta, leaves} {
		if _, err := bw.Write(part); err != nil {
			return err
		}
	}
	// The tile data, each blob once, in the order placed.
	order := make([]uint32, 0, len(w.blobs))
	for i := range w.blobs {
		order = append(order, uint32(i))
	}
	slices.SortFunc(order, func(a, b uint32) int { return cmp.Compare(w.blobs[a].out, w.blobs[b].out) })
	var buf []byte
	for _, i := range order {
		b := w.blobs[i]
		buf = slices.Grow(buf[:0], int(b.length))[:b.length]
		if _, err := w.spill.ReadAt(buf, int64(b.spill)); err != nil {
			return fmt.Errorf("pmtiles: reading back the spill file: %w", err)
		}
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// directories returns the compressed root directory and leaf directories:
// all entries in the root when it fits, else leaves of leafSize entries
// (growing until the root of leaf pointers fits).
func (w *Writer) directories(entries []entry) (root, leaves []byte, err error) {
	if root, err = w.compress(encodeDirectory(entries)); err != nil {
		return nil, nil, err
	}
	if len(root) <= rootMax {
		return root, nil, nil
	}
	for leafSize := 4096; ; leafSize += leafSize / 5 {
		var ptrs []entry
		var leafBuf []byte
		for i := 0; i < len(entries); i += leafSize {
			chunk := entries[i:min(i+leafSize, len(entries))]
			c, err := w.compress(encodeDirectory(chunk))
			if err != nil {
				return nil, nil, err
			}
			ptrs = append(ptrs, entry{id: chunk[0].id, offset: uint64(len(leafBuf)), length: uint32(len(c)), run: 0})
			leafBuf = append(leafBuf, c...)
		}
		if root, err = w.compress(encodeDirectory(ptrs)); err != nil {
			return nil, nil, err
		}
		if len(root) <= rootMax {
			return root, leafBuf, nil
		}
	}
}

// encodeDirectory encodes entries (section 4.2): their count, then the
// delta-encoded tile ids, the run lengths, the lengths and the offsets
// (0 for a blob right after the previous one, else offset+1), as varints.
func encodeDirectory(entries []entry) []byte {
	b := binary.AppendUvarint(make([]byte, 0, 8*len(entries)), uint64(len(entries)))
	var last uint64
	for _, e := range entries {
		b = binary.AppendUvarint(b, e.id-last)
		last = e.id
	}
	for _, e := range entries {
		b = binary.AppendUvarint(b, uint64(e.run))
	}
	for _, e := range entries {
		b = binary.AppendUvarint(b, uint64(e.length))
	}
	for i, e := range entries {
		if i > 0 && e.offset == entries[i-1].offset+uint64(entries[i-1].length) {
			b = binary.AppendUvarint(b, 0)
		} else {
			b = binary.AppendUvarint(b, e.offset+1)
		}
	}
	return b
}

func (w *Writer) compress(b []byte) ([]byte, error) {
	var out bytes.Buffer
	w.gz.Reset(&out)
	if _, err := w.gz.Write(b); err != nil {
		return nil, err
	}
	if err := w.gz.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// zoomRange returns the shallowest and deepest zoom of the tiles.
func (w *Writer) zoomRange() (minZ, maxZ int) {
	minZ, maxZ = MaxZoom, 0
	for z := 0; z <= MaxZoom; z++ {
		if w.zooms&(1<<uint(z)) != 0 {
			minZ, maxZ = min(minZ, z), max(maxZ, z)
		}
	}
	return minZ, maxZ
}

// metadata returns the compressed JSON metadata (section 5).
func (w *Writer) metadata() ([]byte, error) {
	m := map[string]any{}
	for k, v := range w.opts.Metadata {
		m[k] = v
	}
	for k, v := range map[string]string{"name": w.opts.Name, "description": w.opts.Description, "attribution": w.opts.Attribution} {
		if v != "" {
			m[k] = v
		}
	}
	minZ, maxZ := w.zoomRange()
	if w.opts.TileType == MVT || w.opts.VectorLayers != nil {
		layers := slices.Clone(w.opts.VectorLayers)
		if layers == nil {
			layers = []VectorLayer{}
		}
		for i := range layers {
			if layers[i].MinZoom == 0 && layers[i].MaxZoom == 0 {
				layers[i].MinZoom, layers[i].MaxZoom = minZ, maxZ
			}
			if layers[i].Fields == nil {
				layers[i].Fields = map[string]string{}
			}
		}
		m["vector_layers"] = layers
	}
	js, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("pmtiles: metadata: %w", err)
	}
	return w.compress(js)
}

// header encodes the 127-byte header (section 3).
func (w *Writer) header(rootLen, metaLen, leavesLen int, dataLen uint64, entries int) []byte {
	h := make([]byte, 0, headerSize)
	h = append(h, "PMTiles"...)
	h = append(h, 3)
	rootOff := uint64(headerSize)
	metaOff := rootOff + uint64(rootLen)
	leavesOff := metaOff + uint64(metaLen)
	dataOff := leavesOff + uint64(leavesLen)
	for _, v := range []uint64{
		rootOff, uint64(rootLen), metaOff, uint64(metaLen), leavesOff, uint64(leavesLen), dataOff, dataLen,
		uint64(len(w.tiles)), uint64(entries), uint64(len(w.blobs)),
	} {
		h = binary.LittleEndian.AppendUint64(h, v)
	}
	minZ, maxZ := w.zoomRange()
	h = append(h, 1, compressionGzip, compressionGzip, byte(w.opts.TileType), byte(minZ), byte(maxZ))
	bounds := w.opts.Bounds
	if bounds.IsZero() {
		s := w.span[maxZ]
		nw := tileCorner(maxZ, s.minX, s.minY)
		se := tileCorner(maxZ, s.maxX+1, s.maxY+1)
		bounds = orb.Bound{Min: orb.Point{nw[0], se[1]}, Max: orb.Point{se[0], nw[1]}}
	}
	center, centerZ := w.opts.Center, w.opts.CenterZoom
	if center.Equal(orb.Point{}) && centerZ == 0 {
		center, centerZ = bounds.Center(), minZ
	}
	h = appendPosition(h, bounds.Min)
	h = appendPosition(h, bounds.Max)
	h = append(h, byte(centerZ))
	h = appendPosition(h, center)
	return h
}

// appendPosition encodes longitude then latitude in units of 1e-7 degree
// (section 3.4).
func appendPosition(b []byte, p orb.Point) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(int32(math.Round(p[0]*1e7))))
	return binary.LittleEndian.AppendUint32(b, uint32(int32(math.Round(p[1]*1e7))))
}

// tileCorner returns the longitude and latitude of the north-west corner
// of tile x, y of zoom z in Web Mercator.
func tileCorner(z int, x, y uint32) orb.Point {
	n := float64(uint64(1) << uint(z))
	lon := float64(x)/n*360 - 180
	lat := math.Atan(math.Sinh(math.Pi*(1-2*float64(y)/n))) * 180 / math.Pi
	return orb.Point{lon, lat}
}

// zxy returns the tile of an id (for messages).
func zxy(id uint64) (z int, x, y uint32) {
	for z = 0; z < MaxZoom && id >= uint64(1)<<(2*uint(z)); z++ {
		id -= uint64(1) << (2 * uint(z))
	}
	x, y = hilbert.Cell(uint(z), id)
	return z, x, y
}
