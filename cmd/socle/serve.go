package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/socle-geo/socle/internal/metadata"
	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
)

func serve(ctx context.Context, e *env, args []string) error {
	var pseudonymKey string
	if _, err := e.parse("serve", args, func(fs *flag.FlagSet) {
		fs.StringVar(&pseudonymKey, "pseudonym-key", "", "secret key of the vehicle-id pseudonyms: without it the airlock refuses road reports")
	}); err != nil {
		return err
	}
	log, flushLog := e.cfg.ServerLogger()
	defer flushLog() // deferred first: the last lines, the store's closing included, are written
	catalog := socle.DefaultCatalog()
	if err := e.cfg.Security.Apply(catalog); err != nil {
		return err
	}
	store, err := e.openStore(ctx, catalog, log, true)
	if err != nil {
		return err
	}
	defer func() {
		// Audit entries held while no primary accepted writes, if any are
		// left, are said lost.
		if err := store.Close(); err != nil {
			log.Error("closing the store", "err", err)
		}
	}()
	var meta *metadata.Files
	if e.cfg.Metadata != "" {
		if meta, err = metadata.Load(os.DirFS(e.cfg.Metadata), catalog); err != nil {
			return err
		}
	}
	airlock, err := newAirlock(store, catalog, pseudonymKey, log)
	if err != nil {
		return err
	}
	srv := server.New(store, catalog, log, server.Options{
		Airlock:           airlock,
		Metadata:          meta,
		WarmDownloads:     e.cfg.WarmDownloads,
		BaseURL:           e.cfg.BaseURL,
		DefaultLimit:      e.cfg.DefaultLimit,
		MaxLimit:          e.cfg.MaxLimit,
		RequestTimeout:    e.cfg.RequestTimeout,
		CORSOrigins:       e.cfg.Origins(),
		TileCacheBytes:    e.cfg.TileCacheBytes,
		FeatureCacheBytes: e.cfg.FeatureCacheBytes,
		Auth:              authenticator(e, store),
		Audit:             store,
		OIDCIssuer:        oidcIssuer(e),
		MaxBodyBytes:      e.cfg.MaxBodyBytes,
		MaxGPKGBytes:      e.cfg.MaxGPKGBytes,
		RateLimit:         e.cfg.RateLimit,
		RateLimitAddress:  e.cfg.RateLimitAddress,
		Metrics:           e.cfg.Metrics,
	})
	defer srv.Close()
	if e.cfg.DatabaseURL != "" {
		tuneCollector(os.Getenv, srv.CacheBytes(), log)
	}
	// Caches follow the data: every committed change, from this instance,
	// another one or a command-line import, reaches them through PostgreSQL.
	go store.ListenChanges(ctx, log, srv.Invalidate, srv.FlushCaches)
	if airlock != nil {
		go airlock.Run(ctx)
	}
	// The hourly tasks run in one instance of those sharing the database.
	if e.cfg.InputRetention > 0 {
		go every(ctx, store, "purge-inputs", time.Hour, log, func() {
			purgeOnce(ctx, store, store, time.Now().Add(-e.cfg.InputRetention), log)
		})
	}
	if e.cfg.ChangeRetention > 0 {
		go every(ctx, store, "prune-changes", time.Hour, log, func() {
			if _, err := pruneOnce(ctx, store, store, time.Now().Add(-e.cfg.ChangeRetention), "serve", log); err != nil && ctx.Err() == nil {
				log.Error("pruning the change log", "err", err)
			}
		})
	}
	ln, err := net.Listen("tcp", e.cfg.Addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler: srv.Handler(),
		// Slow clients may not hold a connection by trickling headers.
		ReadHeaderTimeout: e.cfg.ReadHeaderTimeout,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	where := "embedded GeoPackage " + e.cfg.Data
	if e.cfg.DatabaseURL != "" {
		where = "PostGIS " + redact(e.cfg.DatabaseURL)
		for _, u := range e.cfg.DatabaseReadURLs {
			where += ", reads from " + redact(u)
		}
	}
	log.Info("serving", "addr", "http://"+ln.Addr().String(), "store", where)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", "grace", e.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), e.cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// every runs task at start and then every period until ctx ends. On a
// store shared by several instances (one with Locks), only the instance
// that holds the lock name runs it: the first to take it keeps it while it
// lives, and another takes it at its next turn once it is gone.
func every(ctx context.Context, store any, name string, period time.Duration, log *slog.Logger, task func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	locks, _ := store.(socle.Locks)
	var held socle.Lock
	defer func() {
		if held != nil {
			held.Unlock()
		}
	}()
	for {
		switch {
		case locks == nil:
			task()
		case held != nil && held.Held(ctx):
			task()
		default:
			held = nil
			l, ok, err := locks.TryLock(ctx, name)
			switch {
			case err != nil:
				if ctx.Err() == nil {
					log.Warn("periodic task: cannot take its lock; next turn", "task", name, "error", err)
				}
			case ok:
				held = l
				log.Info("this instance runs the periodic task", "task", name, "every", period)
				task()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// The deposited files are purged past their retention: raw road reports
// hold vehicle ids, which may be kept no longer than the retention period.

// purgeOnce deletes the deposited files received before cutoff; a purge that
// deletes is audited.
func purgeOnce(ctx context.Context, p socle.Updates, audit socle.AuditLog, cutoff time.Time, log *slog.Logger) int {
	n, err := p.PurgeUpdateInputs(ctx, cutoff)
	switch {
	case err != nil && ctx.Err() == nil:
		log.Error("purge of deposited files", "err", err)
	case n > 0:
		log.Info("deposited files purged", "files", n, "received_before", cutoff.UTC().Format(time.RFC3339))
		_ = audit.AppendAudit(ctx, socle.AuditEntry{Time: time.Now().UTC(), Actor: "socle", Action: "purge", Target: "update_inputs",
			Remote: "serve", Detail: fmt.Sprintf("%d files received before %s", n, cutoff.UTC().Format(time.RFC3339))})
	}
	return n
}
