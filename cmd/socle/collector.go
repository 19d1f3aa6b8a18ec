package main

import (
	"log/slog"
	"runtime/debug"
)

// collectorPercent is the collector's GOGC on PostGIS. There the heap is
// small (tens of MB besides the caches) and a request allocates a few kB,
// so with Go's default (100) it is collected several times a second under
// load: on the kit's single features 400 gave 8-11 % more requests a
// second and 5-8 % more bbox pages, for a peak of 53-55 MB instead of 39
// (docs/benchmarks.md, issue 18, ninth sitting); 800 no more.
const collectorPercent = 400

// collectorSettings returns the collector's settings of a server on
// PostGIS whose caches hold at most cacheBytes: GOGC collectorPercent,
// and a soft memory limit that keeps the heap under what Go's default
// would let it reach once the caches are full (twice the live heap), plus
// 256 MiB. ok is false when the environment sets GOGC or GOMEMLIMIT: an
// operator's settings are the runtime's, untouched.
//
// Not the embedded store's: its live heap is the territory itself, and the
// same setting would take it past its memory budget (the README's figures).
func collectorSettings(getenv func(string) string, cacheBytes int64) (percent int, limit int64, ok bool) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return 0, 0, false
	}
	return collectorPercent, 2*max(cacheBytes, 0) + 256<<20, true
}

// tuneCollector applies collectorSettings and says so.
func tuneCollector(getenv func(string) string, cacheBytes int64, log *slog.Logger) {
	percent, limit, ok := collectorSettings(getenv, cacheBytes)
	if !ok {
		return
	}
	debug.SetGCPercent(percent)
	debug.SetMemoryLimit(limit)
	log.Info("garbage collector", "GOGC", percent, "GOMEMLIMIT_MiB", limit>>20)
}
