// Package tilearchive makes the territory's vector tiles into one PMTiles
// archive, for a static or offline map: the tiles the server serves at
// /tiles/WebMercatorQuad/{z}/{y}/{x} (the same store call, the same
// layers, byte for byte), every tile of the asked zooms over the data's
// extent, written by internal/format/pmtiles. Empty tiles are left out (a
// PMTiles reader answers them as absent, which map clients draw as empty).
//
// It imports the domain (internal/socle), the tile matrix sets (ogc/tiles)
// and the archive writer; commands and the server's bulk downloads call it.
package tilearchive

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"golang.org/x/sync/errgroup"

	"github.com/socle-geo/socle/internal/format/pmtiles"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/tiles"
)

// Source is what an export reads: tiles, and the extent of each collection.
type Source interface {
	socle.TileReader
	Summary(ctx context.Context, c *socle.Collection) (socle.Summary, error)
}

// Options shape an export.
type Options struct {
	// MinZoom and MaxZoom bound the zooms written (MaxZoom 0: DefaultMaxZoom).
	MinZoom, MaxZoom int
	// Name, Description and Attribution go to the archive's metadata.
	Name, Description, Attribution string
	// Workers make tiles at once (0: 4).
	Workers int
	// TempDir holds the writer's spill file (os.TempDir() when empty).
	TempDir string
	// Progress, when set, hears how many tiles of the total are done.
	Progress func(done, total int)
}

// DefaultMaxZoom is the deepest zoom of the server's TileJSON.
const DefaultMaxZoom = 16

// Result says what an export wrote.
type Result struct {
	// Tiles is the number of tiles asked for; Written those not empty.
	Tiles, Written int
	Bounds         orb.Bound
}

// Layers returns the collections an archive holds by default: those with
// a tile layer that everyone may read, as the dataset tiles show them to
// an anonymous caller.
func Layers(cat *socle.Catalog) []*socle.Collection {
	var out []*socle.Collection
	for _, c := range cat.Collections {
		if c.Tiles.MaxResolution > 0 && c.Access == socle.AccessPublic {
			out = append(out, c)
		}
	}
	return out
}

// Export writes the tiles of cols (each tile holding every layer, as the
// dataset tiles do) to out as a PMTiles archive.
func Export(ctx context.Context, src Source, cols []*socle.Collection, out io.Writer, opt Options) (Result, error) {
	var res Result
	if opt.MaxZoom == 0 {
		opt.MaxZoom = DefaultMaxZoom
	}
	if opt.Workers <= 0 {
		opt.Workers = 4
	}
	sets, err := tiles.Load()
	if err != nil {
		return res, err
	}
	var set *tiles.TileMatrixSet
	for _, s := range sets {
		if s.ID == "WebMercatorQuad" {
			set = s
		}
	}
	if set == nil {
		return res, fmt.Errorf("tilearchive: no WebMercatorQuad")
	}
	if opt.MinZoom < 0 || opt.MinZoom > opt.MaxZoom || opt.MaxZoom >= len(set.TileMatrices) || opt.MaxZoom > pmtiles.MaxZoom {
		return res, socle.Errorf(socle.EINVALID, "zooms %d to %d: they must be within 0 and %d, the first not after the last", opt.MinZoom, opt.MaxZoom, min(len(set.TileMatrices)-1, pmtiles.MaxZoom))
	}
	if len(cols) == 0 {
		return res, socle.Errorf(socle.EINVALID, "no collection to export")
	}
	// The extent of the data, in longitude and latitude.
	have := false
	for _, c := range cols {
		sum, err := src.Summary(ctx, c)
		if err != nil {
			return res, err
		}
		if sum.BBox == nil {
			continue
		}
		b := orb.Bound{Min: orb.Point{sum.BBox.MinX, sum.BBox.MinY}, Max: orb.Point{sum.BBox.MaxX, sum.BBox.MaxY}}
		if have {
			res.Bounds = res.Bounds.Union(b)
		} else {
			res.Bounds, have = b, true
		}
	}
	w, err := pmtiles.NewWriter(out, pmtiles.Options{TileType: pmtiles.MVT, Name: opt.Name, Description: opt.Description,
		Attribution: opt.Attribution, VectorLayers: vectorLayers(cols), Bounds: res.Bounds, TempDir: opt.TempDir})
	if err != nil {
		return res, err
	}
	if !have {
		return res, w.Close()
	}
	list := Tiles(res.Bounds, opt.MinZoom, opt.MaxZoom)
	res.Tiles = len(list)
	var (
		mu   sync.Mutex
		done int
	)
	g, gctx := errgroup.WithContext(ctx)
	next := make(chan maptile.Tile)
	g.Go(func() error {
		defer close(next)
		for _, t := range list {
			select {
			case next <- t:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	for range opt.Workers {
		g.Go(func() error {
			for t := range next {
				tl, err := set.Parse(strconv.Itoa(int(t.Z)), strconv.Itoa(int(t.Y)), strconv.Itoa(int(t.X)))
				if err != nil {
					return err
				}
				data, err := src.Tile(gctx, socle.TileQuery{Tile: tl, Collections: cols})
				if err != nil {
					return fmt.Errorf("tilearchive: tile %d/%d/%d: %w", t.Z, t.X, t.Y, err)
				}
				mu.Lock()
				if len(data) > 0 {
					err = w.Add(int(t.Z), t.X, t.Y, data)
					res.Written++
				}
				done++
				if opt.Progress != nil {
					opt.Progress(done, len(list))
				}
				mu.Unlock()
				if err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		w.Close()
		return res, err
	}
	return res, w.Close()
}

// Tiles lists the tiles of zooms minZ to maxZ that cover b (longitude and
// latitude), with one more tile around at each zoom: a feature near the
// edge is drawn in its neighbour's buffer too.
func Tiles(b orb.Bound, minZ, maxZ int) []maptile.Tile {
	var out []maptile.Tile
	for z := minZ; z <= maxZ; z++ {
		zoom := maptile.Zoom(z)
		lo := maptile.At(orb.Point{b.Min[0], b.Max[1]}, zoom) // north-west
		hi := maptile.At(orb.Point{b.Max[0], b.Min[1]}, zoom) // south-east
		n := uint32(1) << z
		x0, y0 := max(int64(lo.X)-1, 0), max(int64(lo.Y)-1, 0)
		x1, y1 := min(int64(hi.X)+1, int64(n)-1), min(int64(hi.Y)+1, int64(n)-1)
		for x := x0; x <= x1; x++ {
			for y := y0; y <= y1; y++ {
				out = append(out, maptile.New(uint32(x), uint32(y), zoom))
			}
		}
	}
	return out
}

// vectorLayers describes the layers as TileJSON does.
func vectorLayers(cols []*socle.Collection) []pmtiles.VectorLayer {
	var out []pmtiles.VectorLayer
	for _, c := range cols {
		out = append(out, pmtiles.VectorLayer{ID: c.ID, Description: c.Title.FR, Fields: c.TileFields()})
	}
	return out
}
