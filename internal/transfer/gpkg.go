package transfer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/socle"
)

// WriteGeoPackage writes the collections opt names (all when nil) from src
// to a new GeoPackage at path — the embedded store's own format, which
// QGIS and GDAL open — for bulk downloads and offline copies. Features are
// written as they are read, page by page, so that memory holds a page, not
// a collection; each collection is one batch, as Copy makes it. The file
// appears complete or not at all: it is written beside path and renamed.
func WriteGeoPackage(ctx context.Context, src Source, cat *socle.Catalog, path string, opt Options) ([]Result, error) {
	cols, err := ordered(cat, opt.Collections)
	if err != nil {
		return nil, err
	}
	sub := &socle.Catalog{Collections: cols}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	name := tmp.Name()
	tmp.Close()
	os.Remove(name) // the store creates its file
	defer os.Remove(name)
	w, err := embedded.Create(ctx, name, sub)
	if err != nil {
		return nil, err
	}
	var results []Result
	for _, c := range cols {
		res, err := w.Write(ctx, opt.batch(), c, Rows(ctx, src, c, func(n int) {
			if opt.Progress != nil {
				opt.Progress(c.ID, n)
			}
		}))
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("copy %s: %w", c.ID, err)
		}
		results = append(results, Result{c.ID, res})
	}
	if opt.History != nil {
		if opt.History.Result, err = CopyHistory(ctx, opt.History.From, w); err != nil {
			w.Close()
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	return results, os.Rename(name, path)
}
