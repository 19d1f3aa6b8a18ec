package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/httprate"

	"github.com/socle-geo/socle/internal/auth"
	"github.com/socle-geo/socle/internal/socle"
)

// AuditLog is where the server records writes and reads of restricted data.
type AuditLog = socle.AuditLog

// call is one request as the server answers it, worked out once at the
// edge (requestContext, then authenticate for the caller): its id, who
// asks, in which language, and what the audit must record of it. Handlers
// read it; none works it out again.
type call struct {
	id     string
	caller *auth.Principal
	// lang is "fr" or "en" (lang parameter, then Accept-Language).
	lang    string
	catalog *socle.Catalog
	// w is the response as accessLog and authenticate see it.
	w *responseWriter

	// reads are the restricted collections the request touched, which the
	// audit records with the final status.
	mu    sync.Mutex
	reads []string
}

type callKey struct{}

// Visible says whether the caller may read the collection (metadata's
// catalogues show only what it may read).
func (c *call) Visible(id string) bool {
	col, ok := c.catalog.Collection(id)
	return ok && visible(c.caller, col)
}

// callOf returns r's call; before the middleware (or in a test calling a
// handler directly), an anonymous one.
func callOf(r *http.Request) *call {
	if c, ok := r.Context().Value(callKey{}).(*call); ok {
		return c
	}
	return &call{caller: auth.Anonymous, lang: negotiateLanguage(r)}
}

// principal returns the caller of r.
func principal(r *http.Request) *auth.Principal { return callOf(r).caller }

// language returns the language of r's answer: "fr" (the default) or "en".
func language(r *http.Request) string { return callOf(r).lang }

// markRead notes that r reads (or tries to read) a restricted collection.
func markRead(r *http.Request, c *socle.Collection) {
	if c.Access != socle.AccessRestricted {
		return
	}
	cl := callOf(r)
	cl.mu.Lock()
	cl.reads = append(cl.reads, c.ID)
	cl.mu.Unlock()
}

// remoteAddr is the client's address without the port.
func remoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// unauthorized answers 401 with the challenges RFC 6750 asks for.
func (s *Server) unauthorized(w http.ResponseWriter, r *http.Request, detail, errCode string) {
	challenge := `Bearer realm="socle"`
	if errCode != "" {
		challenge += `, error="` + errCode + `"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	w.Header().Add("WWW-Authenticate", `ApiKey realm="socle", header="X-API-Key"`)
	s.problemStatus(w, r, http.StatusUnauthorized, detail)
}

// authenticate resolves the caller, answers 401 to a bad credential (on
// every path: a client with an expired key should learn it at once), and
// records the audit of writes and restricted reads once the response is
// known.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addVary(w.Header(), valueVaryCreds)
		p := auth.Anonymous
		if s.opts.Auth != nil {
			var err error
			p, err = s.opts.Auth.Authenticate(r.Context(), r)
			if err != nil {
				if !isCredentialError(err) {
					s.problem(w, r, &socle.Error{Code: socle.EUNAVAILABLE, Message: "credentials cannot be checked now, retry shortly", Err: err})
					return
				}
				s.log.Info("credential refused", "request_id", requestID(r.Context()), "remote", remoteAddr(r), "reason", err.Error())
				s.audit(r, auth.Anonymous, "auth", "", http.StatusUnauthorized, err.Error())
				s.unauthorized(w, r, "the credential is invalid, expired or revoked", "invalid_token")
				return
			}
		}
		cl, ok := r.Context().Value(callKey{}).(*call)
		if !ok { // not under requestContext
			cl = s.newCall(r, requestID(r.Context()))
			r = r.WithContext(cl.context(r.Context()))
		}
		if !s.answerLanguage(w, r, cl.lang) {
			return
		}
		// The call, already in the request's context, now names its
		// caller: metadata (records, CSW, catalogue, DCAT, dataset APIs)
		// shows only the datasets it may read (cl.Visible).
		cl.caller = p
		sw := cl.w
		if sw == nil {
			sw = &responseWriter{ResponseWriter: w}
			w = sw
		}
		sw.private = p.Authenticated()
		next.ServeHTTP(w, r)
		st := sw.status
		if st == 0 {
			st = http.StatusOK
		}
		if write := r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions; write {
			route := r.URL.Path
			if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
				route = rc.RoutePattern()
			}
			s.audit(r, p, "write", r.URL.Path, st, r.Method+" "+route)
		}
		cl.mu.Lock()
		defer cl.mu.Unlock()
		for _, target := range cl.reads {
			s.audit(r, p, "read", target, st, r.Method+" "+r.URL.RequestURI())
		}
	})
}

func isCredentialError(err error) bool {
	for _, e := range []error{auth.ErrMalformed, auth.ErrUnknown, auth.ErrExpired, auth.ErrRevoked, auth.ErrInvalid} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// audit appends one entry; a failure is logged, never shown to the caller
// (the response is already on its way).
func (s *Server) audit(r *http.Request, p *auth.Principal, action, target string, status int, detail string) {
	if s.opts.Audit == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	e := socle.AuditEntry{Time: s.opts.Now().UTC(), Actor: p.ID, Action: action, Target: target, Remote: remoteAddr(r), Status: status, Detail: detail}
	if err := s.opts.Audit.AppendAudit(ctx, e); err != nil {
		s.log.Error("audit append failed", "request_id", requestID(r.Context()), "entry", fmt.Sprintf("%+v", e), "error", err)
	}
}

// Audit records an action done through the server on behalf of r's caller
// (ingest, revert…): handlers that write call it with what they did.
func (s *Server) Audit(r *http.Request, action, target string, status int, detail string) {
	s.audit(r, principal(r), action, target, status, detail)
}

// responseWriter remembers the status and the size of the response, for
// the access log and the audit, and keeps shared caches from storing what
// an authenticated caller was given.
type responseWriter struct {
	http.ResponseWriter
	status  int
	bytes   int
	private bool
}

func (w *responseWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		if w.private {
			w.Header().Set("Cache-Control", "private, no-cache")
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *responseWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Require answers 401 to an anonymous caller and 403 to an authenticated
// one lacking right; routes that write or administer are wrapped in it:
//
//	r.With(s.Require(auth.RightIngestFibre)).Post("/ingest/fibre", s.ingestFibre)
func (s *Server) Require(right string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p := principal(r)
			switch {
			case !p.Authenticated():
				s.unauthorized(w, r, "this resource needs a credential with the right "+right, "")
			case !p.Has(right):
				s.problemStatus(w, r, http.StatusForbidden, "the credential lacks the right "+right)
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
}

// limitBody refuses bodies larger than MaxBodyBytes: at once when the
// length is announced, while reading otherwise.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.opts.MaxBodyBytes {
			w.Header().Set("Connection", "close")
			s.problemStatus(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body exceeds %d bytes", s.opts.MaxBodyBytes))
			return
		}
		if r.Body != nil && r.Body != http.NoBody { // a GET has none to bound
			r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// rateLimits returns the two limiters: per client address whatever the
// credential (before authentication, so that guessing keys is slowed too),
// and per credential (anonymous callers by address).
func (s *Server) rateLimits() (byAddress, byCaller func(http.Handler) http.Handler) {
	pass := func(next http.Handler) http.Handler { return next }
	limiter := func(n int, key func(r *http.Request) string) func(http.Handler) http.Handler {
		if n <= 0 {
			return pass
		}
		rl := httprate.NewRateLimiter(n, time.Minute, httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
			s.problemStatus(w, r, http.StatusTooManyRequests, fmt.Sprintf("more than %d requests a minute: retry after the delay in Retry-After", n))
		}))
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if rl.RespondOnLimit(w, r, key(r)) {
					return
				}
				next.ServeHTTP(w, r)
			})
		}
	}
	byAddress = limiter(s.opts.RateLimitAddress, func(r *http.Request) string { return "addr:" + remoteAddr(r) })
	byCaller = limiter(s.opts.RateLimit, func(r *http.Request) string {
		if p := principal(r); p.Authenticated() {
			return p.ID
		}
		return "anon:" + remoteAddr(r)
	})
	return byAddress, byCaller
}
