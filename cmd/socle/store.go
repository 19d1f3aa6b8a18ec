package main

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"runtime"

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
	allowance, epciNames := e.zanSettings(catalog, log)
	if e.cfg.DatabaseURL != "" {
		opts := postgis.Options{
			MaxConns:         int32(e.cfg.MaxConns),
			AcquireTimeout:   e.cfg.AcquireTimeout,
			StatementTimeout: e.cfg.StatementTimeout,
			Allowance:        allowance,
			EPCINames:        epciNames,
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
	st.SetEPCINames(epciNames)
	if seed {
		st.LimitReads(embeddedReads(e.cfg.MaxConns))
	}
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

// zanSettings is what the metadata files say of the ZAN figures, which the
// stores apply when they recompute them: the territorialisation of the
// allowance (zan_allowance in the artificialisation dataset; the law's
// half when the files set none), and the name of the intercommunality
// when it publishes the data itself (the organisation of service.yaml, by
// its SIREN). Files that do not load leave the law's half and no name,
// with a warning: serve refuses them on its own.
func (e *env) zanSettings(catalog *socle.Catalog, log *slog.Logger) (zan.Allowance, zan.EPCINames) {
	if e.cfg.Metadata == "" {
		return zan.Allowance{}, nil
	}
	files, err := metadata.Load(os.DirFS(e.cfg.Metadata), catalog)
	if err != nil {
		log.Warn("metadata files not read: the ZAN allowance is the law's half", "err", err)
		return zan.Allowance{}, nil
	}
	var names zan.EPCINames
	if o := files.Organisation; o.SIREN != "" && o.Name.FR != "" {
		names = zan.EPCINames{o.SIREN: o.Name.FR}
	}
	a := files.ZANAllowance()
	if a == nil {
		return zan.Allowance{}, names
	}
	return zan.Allowance{Share: a.Share, PerCommune: a.Communes}, names
}

// embeddedReads is how many pages and tiles the embedded store computes at
// once: --max-conns when set, else two per core (measured against four and
// eight per core and no bound: docs/benchmarks.md, issue 18).
func embeddedReads(maxConns int) int {
	if maxConns > 0 {
		return maxConns
	}
	return 2 * runtime.GOMAXPROCS(0)
}
