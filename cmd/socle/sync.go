package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/socle-geo/socle/internal/mirror"
	"github.com/socle-geo/socle/internal/socle"
)

// syncCmd keeps the configured store in step with another Socle's API:
// socle sync URL [--collections a,b] [--key KEY] [--territory NAME].
func syncCmd(ctx context.Context, e *env, args []string) error {
	var only, key, territory, report string
	var pageSize int
	rest, err := e.parse("sync", args, func(fs *flag.FlagSet) {
		fs.StringVar(&only, "collections", "", "comma-separated collections to sync (default: every collection both sides have, but the updater's)")
		fs.StringVar(&key, "key", os.Getenv("SOCLE_SYNC_KEY"), "API key of the remote (or SOCLE_SYNC_KEY), for what it does not show to all")
		fs.StringVar(&territory, "territory", "", "name of the remote's territory, to keep several in one store: features matched by their keys, not the remote's ids")
		fs.StringVar(&report, "report", "", "write the report as JSON to this file (- for standard output)")
		fs.IntVar(&pageSize, "page-size", 10000, "features or changes asked per request (at most the remote's max-limit)")
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("usage: socle sync [--collections a,b] [--key KEY] [--territory NAME] [--report FILE] URL, where URL is the root of another Socle's API")
	}
	log := e.cfg.Logger()
	catalog := socle.DefaultCatalog()
	store, err := e.openStore(ctx, catalog, log, false)
	if err != nil {
		return err
	}
	defer store.Close()
	opt := mirror.Options{URL: rest[0], Key: key, Territory: territory, Actor: actor(), PageSize: pageSize, Log: log}
	if only != "" {
		opt.Collections = strings.Split(only, ",")
	}
	var finish func()
	opt.Progress, finish = e.progress()
	start := time.Now()
	results, syncErr := mirror.Sync(ctx, store, catalog, opt)
	finish()
	for _, r := range results {
		fmt.Fprintf(e.stdout, "%s: %s, %d read (%d bytes): inserted %d, updated %d, retired %d, unchanged %d, rejected %d; batch %s, token %s\n",
			r.Collection, r.Mode, r.Entries, r.Bytes, r.Inserted, r.Updated, r.Retired, r.Unchanged, r.Rejected, orNone(r.BatchID), r.Token)
	}
	if report != "" {
		b, _ := json.MarshalIndent(map[string]any{"source": opt.URL, "territory": territory, "collections": results,
			"error": errString(syncErr), "seconds": time.Since(start).Seconds()}, "", "  ")
		b = append(b, '\n')
		if report == "-" {
			_, _ = e.stdout.Write(b)
		} else if err := os.WriteFile(report, b, 0o644); err != nil {
			return err
		}
	}
	_ = store.AppendAudit(context.WithoutCancel(ctx), socle.AuditEntry{Time: time.Now().UTC(), Actor: actor(), Action: "sync",
		Target: redact(opt.URL), Remote: "cli", Status: map[bool]int{true: 1}[syncErr != nil], Detail: fmt.Sprintf("%d collections", len(results))})
	if syncErr != nil {
		return syncErr
	}
	fmt.Fprintf(e.stdout, "sync from %s done in %s\n", redact(opt.URL), time.Since(start).Round(time.Millisecond))
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none (nothing changed)"
	}
	return s
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
