package pmtiles_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"

	"github.com/socle-geo/socle/internal/format/pmtiles"
	"github.com/socle-geo/socle/ogc/featurestream/featurestreamtest"
)

// tileData is one tile to write.
type tileData struct {
	z    int
	x, y uint32
	data []byte
}

// mvtTile makes a real vector tile: the sample addresses of the tile.
func mvtTile(t *testing.T, z int, x, y uint32, n int) []byte {
	t.Helper()
	fc := geojson.NewFeatureCollection()
	b := maptile.New(x, y, maptile.Zoom(z)).Bound()
	r := rand.New(rand.NewPCG(uint64(z), uint64(x)<<32|uint64(y)))
	for i := range n {
		f := geojson.NewFeature(orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1])})
		f.Properties["numero"] = i + 1
		f.Properties["voie_nom"] = "Rue de l’Église"
		fc.Append(f)
	}
	layers := mvt.NewLayers(map[string]*geojson.FeatureCollection{"addresses": fc})
	layers.ProjectToTile(maptile.New(x, y, maptile.Zoom(z)))
	data, err := mvt.Marshal(layers)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// pyramid returns every tile of zooms 0 to maxZ over the world: real MVT
// tiles at the shallow zooms, then random contents of random lengths (so
// that directories do not compress away), with runs of one repeated "sea"
// tile (run-length entries) and a few contents repeated far apart
// (deduplicated, not consecutive).
func pyramid(t *testing.T, maxZ int) []tileData {
	t.Helper()
	r := rand.New(rand.NewPCG(3, 19))
	sea := mvtTile(t, 0, 0, 0, 0)
	shared := [][]byte{[]byte("land tile A"), []byte("land tile B")}
	var out []tileData
	for z := range maxZ + 1 {
		n := uint32(1) << z
		for x := range n {
			for y := range n {
				var data []byte
				switch {
				case z <= 3:
					data = mvtTile(t, z, x, y, 1+int(x+y)%5)
				case y < n/4:
					data = sea
				case r.IntN(50) == 0:
					data = shared[r.IntN(2)]
				default:
					data = make([]byte, 20+r.IntN(300))
					for i := range data {
						data[i] = byte(r.IntN(256))
					}
				}
				out = append(out, tileData{z, x, y, data})
			}
		}
	}
	return out
}

// write writes the tiles, in a shuffled order, and returns the archive.
func write(t *testing.T, tiles []tileData, opts pmtiles.Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	opts.TempDir = t.TempDir()
	w, err := pmtiles.NewWriter(&buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	order := rand.New(rand.NewPCG(1, 1)).Perm(len(tiles))
	for _, i := range order {
		d := tiles[i]
		if opts.Precompressed {
			d.data = gzipped(t, d.data)
		}
		if err := w.Add(d.z, d.x, d.y, d.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(opts.TempDir); len(left) != 0 {
		t.Errorf("the spill file was left behind: %v", left)
	}
	return buf.Bytes()
}

func gzipped(t *testing.T, b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// readerResult is what read.mjs prints.
type readerResult struct {
	Header struct {
		SpecVersion         int
		RootDirectoryLength uint64
		LeafDirectoryLength uint64
		NumAddressedTiles   uint64
		NumTileEntries      uint64
		NumTileContents     uint64
		Clustered           bool
		InternalCompression int
		TileCompression     int
		TileType            int
		MinZoom, MaxZoom    int
		MinLon, MinLat      float64
		MaxLon, MaxLat      float64
		CenterZoom          int
		CenterLon           float64
		CenterLat           float64
	}
	Metadata struct {
		Name         string
		Attribution  string
		VectorLayers []pmtiles.VectorLayer `json:"vector_layers"`
	}
	Tiles []struct {
		ID   uint64
		Data *string
	}
}

// read runs the pmtiles npm package (testdata/reader) on the archive and
// asks it for the given tiles.
func read(t *testing.T, archive []byte, ask [][3]uint32) readerResult {
	t.Helper()
	reader, err := filepath.Abs("testdata/reader")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(reader, "node_modules", "pmtiles")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the PMTiles reader is not installed: CI must run internal/format/pmtiles/testdata/reader/install.sh first")
		}
		t.Skip("SKIPPED: the PMTiles reader is not installed: run internal/format/pmtiles/testdata/reader/install.sh")
	}
	dir := t.TempDir()
	path, list := filepath.Join(dir, "archive.pmtiles"), filepath.Join(dir, "tiles.json")
	js, _ := json.Marshal(ask)
	if err := os.WriteFile(path, archive, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(list, js, 0o644); err != nil {
		t.Fatal(err)
	}
	out := featurestreamtest.Tool(t, "node", filepath.Join(reader, "read.mjs"), path, list)
	var res readerResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%.2000s", err, out)
	}
	return res
}

// TestReaderReadsEveryTile writes 21,845 tiles (zooms 0 to 7) in a
// shuffled order and reads each back with the pmtiles npm package: same
// bytes, same tile ids; tiles of zoom 8 are absent. The archive needs leaf
// directories, run-length entries and deduplicated contents, and its
// header says so.
func TestReaderReadsEveryTile(t *testing.T) {
	tiles := pyramid(t, 7)
	layers := []pmtiles.VectorLayer{{ID: "addresses", Fields: map[string]string{"numero": "Number", "voie_nom": "String"}}}
	archive := write(t, tiles, pmtiles.Options{Name: "Sicoval", Attribution: "© Sicoval", VectorLayers: layers})
	ask := make([][3]uint32, 0, len(tiles)+2)
	for _, d := range tiles {
		ask = append(ask, [3]uint32{uint32(d.z), d.x, d.y})
	}
	ask = append(ask, [3]uint32{8, 0, 0}, [3]uint32{8, 255, 17})
	res := read(t, archive, ask)
	for i, d := range tiles {
		got := res.Tiles[i]
		if got.ID != pmtiles.TileID(d.z, d.x, d.y) {
			t.Fatalf("tile %d/%d/%d: the reader's id %d, ours %d", d.z, d.x, d.y, got.ID, pmtiles.TileID(d.z, d.x, d.y))
		}
		if got.Data == nil {
			t.Fatalf("tile %d/%d/%d missing", d.z, d.x, d.y)
		}
		data, err := base64.StdEncoding.DecodeString(*got.Data)
		if err != nil || !bytes.Equal(data, d.data) {
			t.Fatalf("tile %d/%d/%d: read %d bytes that differ from the %d written", d.z, d.x, d.y, len(data), len(d.data))
		}
	}
	for _, absent := range res.Tiles[len(tiles):] {
		if absent.Data != nil {
			t.Errorf("an absent tile of zoom 8 was read")
		}
	}
	h := res.Header
	if h.SpecVersion != 3 || !h.Clustered || h.InternalCompression != 2 || h.TileCompression != 2 || h.TileType != 1 || h.MinZoom != 0 || h.MaxZoom != 7 {
		t.Errorf("header %+v", h)
	}
	if h.LeafDirectoryLength == 0 || h.RootDirectoryLength > 16384-127 {
		t.Errorf("root directory %d bytes, leaves %d bytes: want leaves and a root within 16 KiB", h.RootDirectoryLength, h.LeafDirectoryLength)
	}
	if h.NumAddressedTiles != uint64(len(tiles)) || h.NumTileEntries >= h.NumAddressedTiles || h.NumTileContents >= h.NumTileEntries {
		t.Errorf("%d tiles, %d entries, %d contents: want fewer entries (runs) and fewer contents (duplicates)", h.NumAddressedTiles, h.NumTileEntries, h.NumTileContents)
	}
	if h.MinLon != -180 || h.MaxLon != 180 || h.MinLat > -85.05 || h.MaxLat < 85.05 || h.CenterZoom != 0 {
		t.Errorf("bounds %v,%v %v,%v, centre zoom %d", h.MinLon, h.MinLat, h.MaxLon, h.MaxLat, h.CenterZoom)
	}
	m := res.Metadata
	if m.Name != "Sicoval" || m.Attribution != "© Sicoval" || len(m.VectorLayers) != 1 || m.VectorLayers[0].ID != "addresses" ||
		m.VectorLayers[0].MaxZoom != 7 || m.VectorLayers[0].Fields["numero"] != "Number" {
		t.Errorf("metadata %+v", m)
	}
}

// TestSmallArchive writes the tiles of one area at zooms 12 to 14, given
// gzip-compressed already (as a tile cache holds them), with bounds and
// centre from the tiles, and reads them back.
func TestSmallArchive(t *testing.T) {
	var tiles []tileData
	for z := 12; z <= 14; z++ {
		min := maptile.At(orb.Point{1.45, 43.56}, maptile.Zoom(z))
		max := maptile.At(orb.Point{1.55, 43.50}, maptile.Zoom(z))
		for x := min.X; x <= max.X; x++ {
			for y := min.Y; y <= max.Y; y++ {
				tiles = append(tiles, tileData{z, x, y, mvtTile(t, z, x, y, 3)})
			}
		}
	}
	archive := write(t, tiles, pmtiles.Options{Precompressed: true})
	if string(archive[:7]) != "PMTiles" || archive[7] != 3 {
		t.Fatalf("magic %q", archive[:8])
	}
	if rootOff := binary.LittleEndian.Uint64(archive[8:]); rootOff != 127 {
		t.Errorf("root directory at %d, want right after the header", rootOff)
	}
	ask := make([][3]uint32, len(tiles))
	for i, d := range tiles {
		ask[i] = [3]uint32{uint32(d.z), d.x, d.y}
	}
	res := read(t, archive, ask)
	for i, d := range tiles {
		data, _ := base64.StdEncoding.DecodeString(*res.Tiles[i].Data)
		if !bytes.Equal(data, d.data) {
			t.Fatalf("tile %d/%d/%d differs", d.z, d.x, d.y)
		}
	}
	h := res.Header
	if h.LeafDirectoryLength != 0 || h.MinZoom != 12 || h.MaxZoom != 14 || h.CenterZoom != 12 {
		t.Errorf("header %+v", h)
	}
	// The bounds are those of the zoom 14 tiles: they hold the area.
	if h.MinLon > 1.45 || h.MaxLon < 1.55 || h.MinLat > 43.50 || h.MaxLat < 43.56 || h.MaxLon-h.MinLon > 0.15 {
		t.Errorf("bounds %v,%v %v,%v", h.MinLon, h.MinLat, h.MaxLon, h.MaxLat)
	}
	if c := (orb.Point{h.CenterLon, h.CenterLat}); c[0] < 1.45 || c[0] > 1.55 || c[1] < 43.5 || c[1] > 43.56 {
		t.Errorf("centre %v", c)
	}
	if res.Metadata.VectorLayers == nil {
		t.Error("an MVT archive without vector_layers")
	}
}

func TestErrors(t *testing.T) {
	w, err := pmtiles.NewWriter(&bytes.Buffer{}, pmtiles.Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][3]int{{-1, 0, 0}, {27, 0, 0}, {2, 4, 0}, {2, 0, 4}} {
		if err := w.Add(bad[0], uint32(bad[1]), uint32(bad[2]), []byte{1}); err == nil {
			t.Errorf("tile %v accepted", bad)
		}
	}
	if err := w.Close(); err == nil {
		t.Error("an archive without tiles was written")
	}
	dir := t.TempDir()
	w, _ = pmtiles.NewWriter(&bytes.Buffer{}, pmtiles.Options{TempDir: dir})
	w.Add(3, 1, 2, []byte("a"))
	w.Add(3, 1, 2, []byte("b"))
	if err := w.Close(); err == nil {
		t.Error("a tile added twice was accepted")
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the spill file was left behind after an error: %v", left)
	}
}
