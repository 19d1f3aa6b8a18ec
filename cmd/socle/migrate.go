package main

import (
	"context"
	"net/url"

	"github.com/socle-geo/socle/internal/socle"
)

func migrate(ctx context.Context, e *env, args []string) error {
	if _, err := e.parse("migrate", args, nil); err != nil {
		return err
	}
	store, err := e.openStore(ctx, socle.DefaultCatalog())
	if err != nil {
		return err
	}
	defer store.Close()
	return store.Migrate(ctx, e.cfg.Logger())
}

// redact hides the password of a database URL in logs.
func redact(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Redacted()
}
