package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/features"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type     string   `json:"type"`
	Title    string   `json:"title"`
	Status   int      `json:"status"`
	Detail   string   `json:"detail,omitempty"`
	Instance string   `json:"instance,omitempty"`
	Allowed  []string `json:"allowed,omitempty"`
}

// status maps a domain error code to its HTTP status: the one place where
// that mapping lives.
func status(code string) int {
	switch code {
	case socle.EINVALID:
		return http.StatusBadRequest
	case socle.ENOTFOUND:
		return http.StatusNotFound
	case socle.ECONFLICT:
		return http.StatusConflict
	case socle.EGONE:
		return http.StatusGone
	case socle.EUNAVAILABLE, socle.ETIMEOUT:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// problem writes err as a problem body. Internal details are logged, never
// sent: the client sees the domain message only.
func (s *Server) problem(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the client left: nobody to answer
	}
	if errors.Is(err, context.DeadlineExceeded) && r.Context().Err() != nil && socle.ErrorCode(err) == socle.EINTERNAL {
		// The request's time budget (--request-timeout) passed while it
		// waited or worked: the server is too busy for it now, which is
		// the busy 503 with Retry-After, not a fault of the server.
		err = &socle.Error{Code: socle.EUNAVAILABLE, Message: "the server is busy, retry shortly", Err: err}
	}
	var pe *features.ParamError
	if errors.As(err, &pe) {
		err = &socle.Error{Code: socle.EINVALID, Message: pe.Error()}
	}
	code := socle.ErrorCode(err)
	st := status(code)
	p := Problem{
		Type:     "about:blank",
		Title:    http.StatusText(st),
		Status:   st,
		Detail:   socle.ErrorMessage(err),
		Instance: r.URL.RequestURI(),
	}
	var de *socle.Error
	if errors.As(err, &de) {
		p.Allowed = de.Allowed
	}
	level := slog.LevelInfo
	if st >= 500 {
		level = slog.LevelError
	}
	s.log.Log(r.Context(), level, "request failed", "request_id", requestID(r.Context()), "status", st, "error", err.Error())
	if code == socle.EUNAVAILABLE {
		w.Header().Set("Retry-After", "1")
	}
	writeProblem(w, p)
}

func writeProblem(w http.ResponseWriter, p Problem) {
	h := w.Header()
	h.Del("Content-Length")
	h.Del("ETag")
	h.Set("Content-Type", features.MediaProblem)
	h.Set("Content-Language", "en") // problem texts are English
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// problemStatus answers a plain HTTP condition (404 route, 405, 406).
func (s *Server) problemStatus(w http.ResponseWriter, r *http.Request, st int, detail string, allowed ...string) {
	writeProblem(w, Problem{Type: "about:blank", Title: http.StatusText(st), Status: st, Detail: detail, Instance: r.URL.RequestURI(), Allowed: allowed})
}
