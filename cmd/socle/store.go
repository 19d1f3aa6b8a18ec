package main

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"

	"github.com/socle-geo/socle/fixtures"
	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/metadata"
	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/zan"
)

// openStore opens the configured store: PostGIS with --database-url (migrated
// when --migrate), else the GeoPackage file --data. A GeoPackage that did not
// exist is created and, for serve, loaded with the sample territory.
func (e *env) openStore(ctx context.Context, catalog *socle.Catalog, log *slog.Logger, seed bool) (socle.Store, error) {
	allowance := e.zanAllowance(catalog, log)
	if e.cfg.DatabaseURL != "" {
		opts := postgis.Options{
			MaxConns:         int32(e.cfg.MaxConns),
			AcquireTimeout:   e.cfg.AcquireTimeout,
			StatementTimeout: e.cfg.StatementTimeout,
			Allowance:        allowance,
		}
		if seed {
			// Only serve reads from standbys: its caches follow the
			// primary's notifications, which keep those reads fresh; a
			// command reads what it is about to write, on the primary.
			opts.ReadURLs = e.cfg.DatabaseReadURLs
		}
		st, err := postgis.Open(ctx, e.cfg.DatabaseURL, catalog, opts)
		if err != nil {
			return nil, err
		}
		if e.cfg.Migrate {
			if err := st.Migrate(ctx, log); err != nil {
				st.Close()
				return nil, err
			}
		}
		return st, nil
	}
	_, statErr := os.Stat(e.cfg.Data)
	fresh := errors.Is(statErr, fs.ErrNotExist)
	// Only serve reads everything at once; a command reads a collection
	// when it needs it, and a small import or sync only the features its
	// rows touch.
	open := embedded.OpenLazy
	if seed {
		open = embedded.Open
	}
	st, err := open(ctx, e.cfg.Data, catalog)
	if err != nil {
		return nil, err
	}
	st.SetAllowance(allowance)
	if fresh && seed {
		log.Info("creating the embedded store with the sample territory", "file", e.cfg.Data)
		im := &importer.Importer{Store: st, Catalog: catalog, Log: log, Actor: actor()}
		var src fs.FS = fixtures.FS
		if _, err := os.Stat(e.cfg.Fixtures); err == nil {
			src = os.DirFS(e.cfg.Fixtures)
		}
		if _, err := im.ImportFixturesFS(ctx, src); err != nil {
			st.Close()
			_ = os.Remove(e.cfg.Data)
			return nil, err
		}
	}
	return st, nil
}

// zanAllowance is the territorialisation of the ZAN allowance the metadata
// files set (zan_allowance in the artificialisation dataset), which the
// stores apply when they recompute the communes' indicators; the law's
// half when the files set none. Files that do not load leave the law's
// half, with a warning: serve refuses them on its own.
func (e *env) zanAllowance(catalog *socle.Catalog, log *slog.Logger) zan.Allowance {
	if e.cfg.Metadata == "" {
		return zan.Allowance{}
	}
	files, err := metadata.Load(os.DirFS(e.cfg.Metadata), catalog)
	if err != nil {
		log.Warn("metadata files not read: the ZAN allowance is the law's half", "err", err)
		return zan.Allowance{}
	}
	a := files.ZANAllowance()
	if a == nil {
		return zan.Allowance{}
	}
	return zan.Allowance{Share: a.Share, PerCommune: a.Communes}
}
