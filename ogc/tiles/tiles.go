// Package tiles holds the reusable parts of OGC API – Tiles: tile matrix
// sets (OGC 17-083r4, TMS 2.0), tile coordinates and bounds, and the tileset
// and TileJSON documents. It knows nothing of storage.
package tiles

import (
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

//go:embed tms/*.json
var tmsFS embed.FS

// TileMatrix is one zoom level of a tile matrix set.
type TileMatrix struct {
	ID               string     `json:"id"`
	ScaleDenominator float64    `json:"scaleDenominator"`
	CellSize         float64    `json:"cellSize"`
	CornerOfOrigin   string     `json:"cornerOfOrigin,omitempty"`
	PointOfOrigin    [2]float64 `json:"pointOfOrigin"`
	TileWidth        int        `json:"tileWidth"`
	TileHeight       int        `json:"tileHeight"`
	MatrixWidth      int        `json:"matrixWidth"`
	MatrixHeight     int        `json:"matrixHeight"`
}

// TileMatrixSet is a tile matrix set as the TMS 2.0 JSON encoding writes it.
type TileMatrixSet struct {
	ID                string       `json:"id"`
	Title             string       `json:"title,omitempty"`
	URI               string       `json:"uri,omitempty"`
	CRS               string       `json:"crs"`
	OrderedAxes       []string     `json:"orderedAxes,omitempty"`
	WellKnownScaleSet string       `json:"wellKnownScaleSet,omitempty"`
	TileMatrices      []TileMatrix `json:"tileMatrices"`

	// SRID is the EPSG code of CRS, for stores.
	SRID int `json:"-"`
}

// Load returns the tile matrix sets Socle serves: WebMercatorQuad and the
// INSPIRE grid EuropeanETRS89_LAEAQuad.
func Load() ([]*TileMatrixSet, error) {
	var out []*TileMatrixSet
	for _, f := range []struct {
		file string
		srid int
	}{{"tms/WebMercatorQuad.json", 3857}, {"tms/EuropeanETRS89_LAEAQuad.json", 3035}} {
		b, err := tmsFS.ReadFile(f.file)
		if err != nil {
			return nil, err
		}
		var t TileMatrixSet
		if err := json.Unmarshal(b, &t); err != nil {
			return nil, fmt.Errorf("tiles: %s: %w", f.file, err)
		}
		t.SRID = f.srid
		out = append(out, &t)
	}
	return out, nil
}

// yx reports whether the CRS's first axis is northing (pointOfOrigin is
// then written y, x).
func (t *TileMatrixSet) yx() bool {
	return len(t.OrderedAxes) == 2 && (t.OrderedAxes[0] == "Y" || t.OrderedAxes[0] == "N" || t.OrderedAxes[0] == "Lat")
}

// TileError says why a tile coordinate is not served: Missing is true when
// the coordinates are well formed but outside the matrix (404), false when
// malformed (400).
type TileError struct {
	Msg     string
	Missing bool
}

func (e *TileError) Error() string { return "tiles: " + e.Msg }

// Tile is one tile of a matrix set.
type Tile struct {
	Set      *TileMatrixSet
	Matrix   *TileMatrix
	Zoom     int
	Row, Col int
}

// Parse resolves the tileMatrix, tileRow and tileCol path segments.
func (t *TileMatrixSet) Parse(matrix, row, col string) (Tile, error) {
	z, err1 := strconv.Atoi(matrix)
	r, err2 := strconv.Atoi(row)
	c, err3 := strconv.Atoi(col)
	if err1 != nil || err2 != nil || err3 != nil {
		return Tile{}, &TileError{Msg: fmt.Sprintf("tile coordinates %s/%s/%s are not integers", matrix, row, col)}
	}
	if z < 0 || z >= len(t.TileMatrices) {
		return Tile{}, &TileError{Msg: fmt.Sprintf("%s has tile matrices 0 to %d, not %d", t.ID, len(t.TileMatrices)-1, z), Missing: true}
	}
	m := &t.TileMatrices[z]
	if r < 0 || c < 0 || r >= m.MatrixHeight || c >= m.MatrixWidth {
		return Tile{}, &TileError{Msg: fmt.Sprintf("tile %d/%d/%d is outside the %d×%d matrix", z, r, c, m.MatrixWidth, m.MatrixHeight), Missing: true}
	}
	return Tile{Set: t, Matrix: m, Zoom: z, Row: r, Col: c}, nil
}

// Bounds returns the tile's extent in the set's CRS, easting first
// (minx, miny, maxx, maxy), whatever the CRS's axis order.
func (tl Tile) Bounds() (minx, miny, maxx, maxy float64) {
	m := tl.Matrix
	ox, oy := m.PointOfOrigin[0], m.PointOfOrigin[1]
	if tl.Set.yx() {
		ox, oy = oy, ox
	}
	w := m.CellSize * float64(m.TileWidth)
	h := m.CellSize * float64(m.TileHeight)
	// The origin is the top-left corner (cornerOfOrigin defaults to topLeft).
	minx = ox + float64(tl.Col)*w
	maxx = minx + w
	maxy = oy - float64(tl.Row)*h
	miny = maxy - h
	return
}

// Resolution returns the tile's ground size of a pixel in metres: the cell
// size, corrected by the Mercator scale factor at the tile's centre for
// WebMercatorQuad. Layers use it to decide what a tile shows.
func (tl Tile) Resolution() float64 {
	res := tl.Matrix.CellSize
	if tl.Set.SRID == 3857 {
		_, miny, _, maxy := tl.Bounds()
		lat := math.Atan(math.Sinh((miny + maxy) / 2 / 6378137))
		res *= math.Cos(lat)
	}
	return res
}

// String is the tile's path: matrix/row/col.
func (tl Tile) String() string { return fmt.Sprintf("%d/%d/%d", tl.Zoom, tl.Row, tl.Col) }
