package server

import (
	"net/http"

	"github.com/socle-geo/socle/internal/socle"
)

// SetBeforeRun makes the airlock call f once a job's start is recorded,
// before it runs (tests: a run that kills the process).
func SetBeforeRun(a *Airlock, f func(socle.IngestJob)) { a.beforeRun = f }

// DatasetHandlers returns the handler of each dataset's API, by dataset
// id (tests walk their routes).
func DatasetHandlers(s *Server) map[string]http.Handler {
	out := map[string]http.Handler{}
	for id, d := range s.subs {
		out[id] = d.handler
	}
	return out
}
