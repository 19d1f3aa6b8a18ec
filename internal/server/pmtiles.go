package server

import (
	"context"
	"os"
	"path/filepath"

	"github.com/socle-geo/socle/internal/format/pmtiles"
	"github.com/socle-geo/socle/internal/metadata"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/tilearchive"
)

// formatPMTiles is the bulk download of a collection's vector tiles: a
// PMTiles archive a static or offline map reads without a tile server.
var formatPMTiles = metadata.Format{Ext: "pmtiles", MediaType: pmtiles.MediaType, Name: "PMTiles", Version: "3",
	Href: "https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md"}

// bulkFormats are the bulk downloads of c: the metadata's formats, and its
// tiles as PMTiles when it has a tile layer and features (an archive holds
// at least one tile: an empty collection, as artificialisation with one
// millésime, has none to offer).
func (s *Server) bulkFormats(c *socle.Collection, sum socle.Summary) []metadata.Format {
	out := s.meta.Formats()
	if c.Tiles.MaxResolution > 0 && sum.Count > 0 {
		out = append(append([]metadata.Format(nil), out...), formatPMTiles)
	}
	return out
}

// archiveMaxZoom is the deepest zoom of a bulk archive: 14, beyond which
// map clients draw the tiles of zoom 14 enlarged, or the first zoom the
// layer shows at when it is deeper (the addresses').
const archiveMaxZoom = 14

// writePMTiles writes c's tiles (as /collections/{id}/tiles serves them)
// to a PMTiles archive at path, written beside it and renamed.
func (s *Server) writePMTiles(ctx context.Context, c *socle.Collection, path string) error {
	var set = s.tms[0]
	for _, t := range s.tms {
		if t.ID == "WebMercatorQuad" {
			set = t
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".download-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tilearchive.Export(ctx, s.store, []*socle.Collection{c}, tmp, tilearchive.Options{
		MinZoom: 0, MaxZoom: min(max(archiveMaxZoom, minZoom(set, c)), tilearchive.DefaultMaxZoom),
		Name: c.Title.FR, Description: c.Description.FR, Attribution: s.meta.Files().Organisation.Name.FR,
		Workers: 2})
	if err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
