package main

import (
	"log/slog"

	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
)

// newAirlock returns the airlock over store, or nil when the store keeps
// no ingest jobs (then deposits answer 503).
func newAirlock(store any, catalog *socle.Catalog, key string, log *slog.Logger) (*server.Airlock, error) {
	st, ok := store.(server.IngestStore)
	if !ok {
		return nil, nil
	}
	if key == "" {
		log.Warn("no --pseudonym-key: the airlock refuses road reports")
	}
	return server.NewAirlock(st, catalog, []byte(key), log)
}
