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
// QGIS and GDAL open — for bulk downloads and offline copies. The file
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
	dst, err := embedded.Open(ctx, name, sub)
	if err != nil {
		return nil, err
	}
	opt.Collections = nil
	res, err := Copy(ctx, src, dst, sub, opt)
	if err == nil && opt.History != nil {
		*opt.History, err = CopyHistory(ctx, src, dst)
	}
	if err != nil {
		dst.Close()
		return nil, err
	}
	if err := dst.Close(); err != nil {
		return nil, fmt.Errorf("transfer: %w", err)
	}
	return res, os.Rename(name, path)
}
