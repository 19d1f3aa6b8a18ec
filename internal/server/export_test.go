package server

import "github.com/socle-geo/socle/internal/socle"

// SetBeforeRun makes the airlock call f once a job's start is recorded,
// before it runs (tests: a run that kills the process).
func SetBeforeRun(a *Airlock, f func(socle.IngestJob)) { a.beforeRun = f }
