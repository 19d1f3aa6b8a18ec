package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/socle-geo/socle/internal/auth"
	"github.com/socle-geo/socle/internal/metadata"
)

// requestContext gives every request what the server works out once at
// its edge, in one context and one copy of the request (a small request's
// allocations are mostly the server's own): its id, taken from
// X-Request-Id when the proxy set one, echoed in the response and in every
// log line; its call (language now, caller once authenticate has run), and
// through it what catalogues may show; and its time budget, which cancels
// the store's work.
//
// It wraps the router, whose routing context it holds too: chi then routes
// in it instead of copying the request once more to add its own. The
// router's routes are still walked through it (chi.Routes).
func (s *Server) requestContext(mux *chi.Mux) http.Handler {
	return edge{Mux: mux, s: s}
}

// edge is the router behind requestContext.
type edge struct {
	*chi.Mux
	s *Server
}

func (e edge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("X-Request-Id")
	if id == "" || len(id) > 64 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	w.Header()["X-Request-Id"] = []string{id}
	ctx := withBudget(r.Context(), e.s.opts.RequestTimeout)
	defer ctx.end()
	e.s.initCall(&ctx.call, r, id)
	route := routeContexts.Get().(*chi.Context)
	route.Reset()
	route.Routes = e.Mux
	ctx.route = route
	// Back to the pool once answered, as chi's own are: a handler does not
	// keep its route's parameters past its return.
	defer routeContexts.Put(route)
	e.Mux.ServeHTTP(w, r.WithContext(metadata.WithVisibility(ctx, &ctx.call)))
}

// routeContexts are the routing contexts requestContext lends chi.
var routeContexts = sync.Pool{New: func() any { return chi.NewRouteContext() }}

// newCall returns the call of r, anonymous until authenticate names its
// caller.
func (s *Server) newCall(r *http.Request, id string) *call {
	c := new(call)
	s.initCall(c, r, id)
	return c
}

// initCall makes *c the call of r, anonymous until authenticate names its
// caller.
func (s *Server) initCall(c *call, r *http.Request, id string) {
	*c = call{id: id, caller: auth.Anonymous, lang: negotiateLanguage(r), catalog: s.catalog}
}

// context returns ctx holding the call, for the handlers and for
// metadata's catalogues.
func (c *call) context(ctx context.Context) context.Context {
	return metadata.WithVisibility(context.WithValue(ctx, callKey{}, c), c)
}

// requestID returns the id of the request of ctx ("" outside one).
func requestID(ctx context.Context) string {
	if c, ok := ctx.Value(callKey{}).(*call); ok {
		return c.id
	}
	return ""
}

// accessLog writes one structured line per request.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := &responseWriter{ResponseWriter: w}
		if cl, ok := r.Context().Value(callKey{}).(*call); ok {
			cl.w = ww // authenticate's too
		}
		next.ServeHTTP(ww, r)
		status := ww.status
		if status == 0 { // nothing written: net/http answers 200
			status = http.StatusOK
		}
		s.metrics.observe(r, status, time.Since(start))
		level := levelFor(status)
		if !s.log.Enabled(r.Context(), level) {
			return // without building the line (served with --log-level warn)
		}
		s.log.LogAttrs(r.Context(), level, "request",
			slog.String("request_id", requestID(r.Context())), slog.String("method", r.Method),
			slog.String("path", r.URL.RequestURI()), slog.Int("status", status),
			slog.Int("bytes", ww.bytes), slog.Duration("duration", time.Since(start)),
			slog.String("remote", r.RemoteAddr))
	})
}

// recoverer turns a panic into a 500 problem without leaking its text.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "request_id", requestID(r.Context()), "panic", v)
				s.problemStatus(w, r, http.StatusInternalServerError, "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// cors lets browsers on allowed origins read the API (GET only: the API is
// read-only here).
func (s *Server) cors(next http.Handler) http.Handler {
	any := slices.Contains(s.opts.CORSOrigins, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && (any || slices.Contains(s.opts.CORSOrigins, origin)) {
			h := w.Header()
			if any {
				h.Set("Access-Control-Allow-Origin", "*")
			} else {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Add("Vary", "Origin")
			}
			h.Set("Access-Control-Expose-Headers", "Content-Crs, ETag, Link, Location, Retry-After, X-Request-Id")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Accept, Accept-Language, Authorization, Content-Type, If-None-Match, X-API-Key")
				h.Set("Access-Control-Max-Age", "3600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}
