package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/transfer"
)

// copyCmd copies the territory of the configured store (--database-url or
// --data) to another: a PostgreSQL URL or a GeoPackage file.
func copyCmd(ctx context.Context, e *env, args []string) error {
	var only string
	rest, err := e.parse("copy", args, func(fs *flag.FlagSet) {
		fs.StringVar(&only, "collections", "", "comma-separated collections to copy (default: all)")
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("usage: socle copy [--database-url URL | --data FILE.gpkg] TARGET, where TARGET is a postgres:// URL or a GeoPackage file")
	}
	target := rest[0]
	log := e.cfg.Logger()
	catalog := socle.DefaultCatalog()
	src, err := e.openStore(ctx, catalog, log, false)
	if err != nil {
		return err
	}
	defer src.Close()
	from := e.cfg.Data
	if e.cfg.DatabaseURL != "" {
		from = redact(e.cfg.DatabaseURL)
	}
	opt := transfer.Options{Source: from, Actor: actor()}
	// The whole territory goes with its history (lineage, revertible
	// batches); a selection of collections goes without.
	var history *transfer.HistoryCopy
	if only != "" {
		opt.Collections = strings.Split(only, ",")
	} else {
		history = &transfer.HistoryCopy{From: src}
		opt.History = history
	}
	var finish func()
	opt.Progress, finish = e.progress()
	start := time.Now()
	var results []transfer.Result
	switch {
	case strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://"):
		if target == e.cfg.DatabaseURL {
			return errors.New("the target is the source")
		}
		dst, err := postgis.Open(ctx, target, catalog, postgis.Options{})
		if err != nil {
			return err
		}
		defer dst.Close()
		if err := dst.Migrate(ctx, log); err != nil {
			return err
		}
		if results, err = transfer.Copy(ctx, src, dst, catalog, opt); err != nil {
			return err
		}
		if history != nil {
			if history.Result, err = transfer.CopyHistory(ctx, src, dst); err != nil {
				return err
			}
		}
	default:
		if _, err := os.Stat(target); err == nil {
			if e.cfg.DatabaseURL == "" && sameFile(target, e.cfg.Data) {
				return errors.New("the target is the source")
			}
			// An existing GeoPackage is updated in place, feature by key.
			dst, err := embedded.OpenLazy(ctx, target, catalog)
			if err != nil {
				return err
			}
			defer dst.Close()
			if results, err = transfer.Copy(ctx, src, dst, catalog, opt); err != nil {
				return err
			}
			if history != nil {
				if history.Result, err = transfer.CopyHistory(ctx, src, dst); err != nil {
					return err
				}
			}
		} else {
			// A new one appears whole or not at all.
			if results, err = transfer.WriteGeoPackage(ctx, src, catalog, target, opt); err != nil {
				return err
			}
		}
	}
	finish()
	for _, r := range results {
		fmt.Fprintf(e.stdout, "%s: copied %d features (inserted %d, updated %d, unchanged %d) in batch %s\n",
			r.Collection, r.Read, r.Inserted, r.Updated, r.Unchanged, r.BatchID)
	}
	if history != nil {
		fmt.Fprintf(e.stdout, "history: %d batches (%d rejected records), %d updater changes, %d reverts, %d Cerema consumption rows added\n",
			history.Result.Batches, history.Result.Rejects, history.Result.Changes, history.Result.Reverts, history.Result.Consommation)
	}
	fmt.Fprintf(e.stdout, "copy to %s done in %s\n", redactTarget(target), time.Since(start).Round(time.Millisecond))
	// The whole territory left this store: the audit says where to.
	_ = src.AppendAudit(ctx, socle.AuditEntry{Time: time.Now().UTC(), Actor: actor(), Action: "copy", Target: redactTarget(target), Remote: "cli"})
	return nil
}

func redactTarget(t string) string {
	if strings.Contains(t, "://") {
		return redact(t)
	}
	return t
}

func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// progress returns, on a terminal, a progress bar told per collection how
// many records were read, and what ends it (nil and a no-op elsewhere).
func (e *env) progress() (func(collection string, n int), func()) {
	f, ok := e.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, func() {}
	}
	bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(f), progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
	return func(c string, n int) {
		bar.Describe("reading " + c)
		_ = bar.Set(n)
	}, func() { _ = bar.Finish() }
}
