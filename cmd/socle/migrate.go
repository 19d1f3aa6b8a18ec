package main

import (
	"context"
	"errors"
	"net/url"

	"github.com/socle-geo/socle/internal/socle"
)

func migrate(ctx context.Context, e *env, args []string) error {
	if _, err := e.parse("migrate", args, nil); err != nil {
		return err
	}
	if e.cfg.DatabaseURL == "" {
		return errors.New("migrate applies to PostGIS: give --database-url (the embedded GeoPackage creates its schema itself)")
	}
	e.cfg.Migrate = true
	store, err := e.openStore(ctx, socle.DefaultCatalog(), e.cfg.Logger(), false)
	if err != nil {
		return err
	}
	store.Close()
	return nil
}

// redact hides the password of a database URL in logs.
func redact(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Redacted()
}
