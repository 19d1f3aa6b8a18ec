package main

import (
	"log/slog"

	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
)

// newAirlock returns the airlock over store.
func newAirlock(store server.IngestStore, catalog *socle.Catalog, key string, log *slog.Logger) (*server.Airlock, error) {
	if key == "" {
		log.Warn("no --pseudonym-key: the airlock refuses road reports")
	}
	return server.NewAirlock(store, catalog, []byte(key), log)
}
