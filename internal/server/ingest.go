package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/socle-geo/socle/internal/auth"
	"github.com/socle-geo/socle/internal/roadreport"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/updater"
	"github.com/socle-geo/socle/ogc/features"
)

// IngestStore is what the airlock needs of a store: the updater's methods
// and a durable job table.
type IngestStore interface {
	updater.Store
	CreateIngestJob(ctx context.Context, j socle.IngestJob, data []byte) error
	IngestJob(ctx context.Context, id string) (socle.IngestJob, error)
	PendingIngestJobs(ctx context.Context) ([]socle.IngestJob, error)
	IngestJobData(ctx context.Context, id string) ([]byte, error)
	SetIngestJob(ctx context.Context, j socle.IngestJob) error
	IngestJobs(ctx context.Context, q socle.IngestJobQuery) ([]socle.IngestJob, int, error)
}

// Airlock takes the files contractors deposit (POST /ingest/fibre,
// /ingest/road-reports) and runs them through the updater in the
// background, one at a time. The store is the queue: an accepted upload is
// stored with its job before the answer, and Run takes up whatever is
// queued or was running when the process stopped.
type Airlock struct {
	store   IngestStore
	catalog *socle.Catalog
	// pseudo pseudonymises vehicle ids; nil refuses road reports.
	pseudo *roadreport.Pseudonymizer
	log    *slog.Logger
	wake   chan struct{}
	// MaxPending bounds the jobs waiting: beyond it uploads get 503.
	MaxPending int
	// Window is the road-condition window (0: the updater's default).
	Window time.Duration
	// Poll is how often the queue is read besides uploads to this process:
	// jobs deposited through another instance, or left by one that died.
	Poll time.Duration
	// beforeRun, when set (tests), is called once a start is recorded,
	// before the job runs.
	beforeRun func(socle.IngestJob)
}

// NewAirlock returns an airlock over store; pseudonymKey may be empty,
// and then road reports are refused (they could not be pseudonymised).
func NewAirlock(store IngestStore, catalog *socle.Catalog, pseudonymKey []byte, log *slog.Logger) (*Airlock, error) {
	a := &Airlock{store: store, catalog: catalog, log: log, wake: make(chan struct{}, 1), MaxPending: 64, Poll: 10 * time.Second}
	if len(pseudonymKey) > 0 {
		p, err := roadreport.NewPseudonymizer(pseudonymKey)
		if err != nil {
			return nil, err
		}
		a.pseudo = p
	}
	return a, nil
}

func (a *Airlock) kick() {
	select {
	case a.wake <- struct{}{}:
	default: // a wake-up is pending already
	}
}

// Run processes the stored jobs until ctx ends: the pending ones first,
// then each new one as it arrives. A job interrupted by the end of ctx
// stays pending (its batch was not applied: batches are whole or nothing)
// and runs again at the next start.
//
// Several instances on one database share the queue: on a store with
// Locks, a job runs in the process that holds its lock (a PostgreSQL
// advisory lock, released when that process dies, and the job then taken
// up by another instance at its next poll), so each job runs once.
func (a *Airlock) Run(ctx context.Context) {
	poll := a.Poll
	if poll <= 0 {
		poll = 10 * time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		a.drain(ctx)
		select {
		case <-ctx.Done():
			return
		case <-a.wake:
		case <-t.C:
		}
	}
}

func (a *Airlock) drain(ctx context.Context) {
	for ctx.Err() == nil {
		jobs, err := a.store.PendingIngestJobs(ctx)
		if err != nil || len(jobs) == 0 {
			if err != nil && ctx.Err() == nil {
				a.log.Error("ingest: listing pending jobs", "error", err)
			}
			return
		}
		ran := false
		for _, j := range jobs {
			j, unlock, ok := a.take(ctx, j)
			if !ok {
				continue // another instance runs it
			}
			err := a.process(ctx, j)
			unlock()
			if err != nil {
				if ctx.Err() == nil {
					a.log.Error("ingest: recording a job", "job", j.ID, "error", err)
				}
				return // retried at the next upload, poll or start
			}
			ran = true
			break
		}
		if !ran {
			return
		}
	}
}

// take takes job j for this process: on a store with Locks, its lock, and
// then j as it is now (another instance may have finished it since it was
// listed).
func (a *Airlock) take(ctx context.Context, j socle.IngestJob) (socle.IngestJob, func(), bool) {
	locks, ok := a.store.(socle.Locks)
	if !ok {
		return j, func() {}, true
	}
	l, ok, err := locks.TryLock(ctx, "ingest-job:"+j.ID)
	if err != nil || !ok {
		if err != nil && ctx.Err() == nil {
			a.log.Warn("ingest: taking a job", "job", j.ID, "error", err)
		}
		return j, nil, false
	}
	now, err := a.store.IngestJob(ctx, j.ID)
	if err != nil || (now.Status != socle.JobQueued && now.Status != socle.JobRunning) {
		l.Unlock()
		return j, nil, false
	}
	return now, l.Unlock, true
}

// process runs one job and records how it ended. Each start is counted
// before the run: a job found pending with MaxIngestAttempts starts
// already made them all without ending (each killed the process: a
// recovered panic fails the job at once), so it ends failed, its file
// kept for an administrator, instead of taking the server down at every
// start.
func (a *Airlock) process(ctx context.Context, j socle.IngestJob) error {
	if j.Attempts >= socle.MaxIngestAttempts {
		j.Status, j.Updated = socle.JobFailed, time.Now().UTC()
		j.Error = fmt.Sprintf("the job was started %d times and never finished (the server stopped during each run): it is not retried; the file is kept for an administrator (sha256 %s)", j.Attempts, j.SHA256)
		a.log.Error("ingest: job abandoned after its attempts", "job", j.ID, "kind", j.Kind, "attempts", j.Attempts, "sha256", j.SHA256)
		return a.store.SetIngestJob(ctx, j)
	}
	j.Status, j.Updated = socle.JobRunning, time.Now().UTC()
	j.Attempts++
	if err := a.store.SetIngestJob(ctx, j); err != nil {
		return err
	}
	if a.beforeRun != nil {
		a.beforeRun(j)
	}
	rep, err := a.run(ctx, j)
	if ctx.Err() != nil {
		// Stopped by a shutdown, not by the job: this start does not
		// count; the job is taken up again at the next start.
		j.Attempts--
		j.Status, j.Updated = socle.JobQueued, time.Now().UTC()
		if err := a.store.SetIngestJob(context.WithoutCancel(ctx), j); err != nil {
			a.log.Error("ingest: recording a job stopped by the shutdown", "job", j.ID, "error", err)
		}
		return ctx.Err()
	}
	j.Updated = time.Now().UTC()
	if err != nil {
		j.Status, j.Error = socle.JobFailed, publicError(err)
		a.log.Warn("ingest: job failed", "job", j.ID, "kind", j.Kind, "error", err)
	} else {
		j.Status = socle.JobDone
		if j.Report, err = json.Marshal(rep); err != nil {
			return err
		}
		a.log.Info("ingest: job done", "job", j.ID, "report", rep.String())
	}
	return a.store.SetIngestJob(context.WithoutCancel(ctx), j)
}

func (a *Airlock) run(ctx context.Context, j socle.IngestJob) (rep *updater.Report, err error) {
	// A file that trips a bug fails its job, not the server.
	defer func() {
		if v := recover(); v != nil {
			rep, err = nil, &socle.Error{Code: socle.EINTERNAL, Message: "ingest job panicked", Err: fmt.Errorf("%v", v)}
		}
	}()
	data, err := a.store.IngestJobData(ctx, j.ID)
	if err != nil {
		return nil, err
	}
	u := &updater.Updater{Store: a.store, Catalog: a.catalog, Actor: j.Actor, Window: a.Window, Pseudonyms: a.pseudo}
	if j.Kind == "fibre" {
		return u.Fibre(ctx, j.Source, data, false)
	}
	return u.RoadReports(ctx, j.Source, data, false)
}

// publicError is what a job's resource says of its failure: the reason of
// an invalid file, nothing of an internal one (it is in the log).
func publicError(err error) string {
	var e *socle.Error
	if errors.As(err, &e) && (e.Code == socle.EINVALID || e.Code == socle.ENOTFOUND) {
		return e.Message
	}
	if errors.As(err, &e) && e.Code == socle.EINTERNAL {
		return "the file could not be processed: an internal error, recorded in the server log"
	}
	// The readers' errors name what is wrong with the file (a missing
	// column, an unreadable header); they never quote a row's values.
	if e == nil {
		return "the file could not be read: " + err.Error()
	}
	return "the file could not be processed now (" + e.Code + "); deposit it again later"
}

func (s *Server) ingestRoutes(r chi.Router) {
	if s.dataset != nil { // deposits go to the root API only
		return
	}
	r.With(s.Require(auth.RightIngestFibre)).Post("/ingest/fibre", s.ingest("fibre"))
	r.With(s.Require(auth.RightIngestRoadReports)).Post("/ingest/road-reports", s.ingest("road-reports"))
	r.Get("/ingest/jobs/{jobId}", s.ingestJob)
	r.Get("/ingest/jobs", s.ingestJobs)
}

// ingestJobs lists the caller's jobs (an admin's: everyone's), newest
// first, paged by limit and offset, filtered by status.
func (s *Server) ingestJobs(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if !p.Authenticated() {
		s.unauthorized(w, r, "ingest jobs are shown to their uploader and to admins", "")
		return
	}
	if !s.checkParams(w, r, []string{"status", "limit", "offset"}) {
		return
	}
	v := r.URL.Query()
	limit, err := features.ParseLimit(v.Get("limit"), 20, 100)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	offset := 0
	if v.Has("offset") {
		if offset, err = strconv.Atoi(v.Get("offset")); err != nil || offset < 0 {
			s.problem(w, r, &features.ParamError{Param: "offset", Msg: "a non-negative integer is expected"})
			return
		}
	}
	states := []string{socle.JobQueued, socle.JobRunning, socle.JobDone, socle.JobFailed}
	q := socle.IngestJobQuery{Limit: limit, Offset: offset, Status: parseList(v.Get("status"))}
	for _, st := range q.Status {
		if !slices.Contains(states, st) {
			s.problem(w, r, &socle.Error{Code: socle.EINVALID, Message: "unknown job status " + strconv.Quote(st), Allowed: states})
			return
		}
	}
	if !p.Has(auth.RightAdmin) {
		q.Actor = p.ID
	}
	jobs := []socle.IngestJob{}
	matched := 0
	if a := s.opts.Airlock; a != nil {
		var list []socle.IngestJob
		if list, matched, err = a.store.IngestJobs(r.Context(), q); err != nil {
			s.problem(w, r, err)
			return
		}
		jobs = append(jobs, list...)
	}
	type entry struct {
		socle.IngestJob
		Links []features.Link `json:"links"`
	}
	list := []entry{}
	for _, j := range jobs {
		j.Report = nil // the list is short: each job's report is at its own URL
		list = append(list, entry{j, []features.Link{{Href: s.base(r) + "/ingest/jobs/" + j.ID, Rel: "self", Type: features.MediaJSON}}})
	}
	page := func(rel string, off int) features.Link {
		q := r.URL.Query()
		q.Set("offset", strconv.Itoa(off))
		q.Set("limit", strconv.Itoa(limit))
		return features.Link{Href: s.base(r) + "/ingest/jobs?" + q.Encode(), Rel: rel, Type: features.MediaJSON}
	}
	links := []features.Link{page("self", offset)}
	if offset+limit < matched {
		links = append(links, page("next", offset+limit))
	}
	if offset > 0 {
		links = append(links, page("prev", max(0, offset-limit)))
	}
	b, err := json.Marshal(map[string]any{"jobs": list, "numberMatched": matched, "numberReturned": len(list), "links": links})
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(b)
}

// ingestTypes are the media types each kind of deposit accepts.
var ingestTypes = map[string][]string{
	"fibre":        {"text/csv"},
	"road-reports": {"text/csv", "application/geo+json", "application/json"},
}

func (s *Server) ingest(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := s.opts.Airlock
		if a == nil {
			s.problemStatus(w, r, http.StatusServiceUnavailable, "this server does not accept deposits (no airlock configured)")
			return
		}
		if kind == "road-reports" && a.pseudo == nil {
			s.problemStatus(w, r, http.StatusServiceUnavailable,
				"road reports are not accepted: no pseudonymisation key is configured for vehicle ids (--pseudonym-key or SOCLE_PSEUDONYM_KEY)")
			return
		}
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			mt = ""
		}
		accepted := false
		for _, t := range ingestTypes[kind] {
			accepted = accepted || mt == t
		}
		if !accepted && mt != "application/octet-stream" {
			s.problemStatus(w, r, http.StatusUnsupportedMediaType, fmt.Sprintf("a %s deposit is one of %v (or application/octet-stream holding CSV)", kind, ingestTypes[kind]))
			return
		}
		data, err := io.ReadAll(r.Body)
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				w.Header().Set("Connection", "close")
				s.problemStatus(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body exceeds %d bytes", tooBig.Limit))
				return
			}
			s.problemStatus(w, r, http.StatusBadRequest, "the request body could not be read")
			return
		}
		if len(bytes.TrimSpace(data)) == 0 {
			s.problemStatus(w, r, http.StatusBadRequest, "the deposit is empty")
			return
		}
		if !accepted && !looksLikeCSV(data) {
			s.problemStatus(w, r, http.StatusUnsupportedMediaType, "application/octet-stream is accepted only for a CSV file, and this one is not: send it as "+ingestTypes[kind][0])
			return
		}
		if pending, err := a.store.PendingIngestJobs(r.Context()); err != nil {
			s.problem(w, r, err)
			return
		} else if len(pending) >= a.MaxPending {
			w.Header().Set("Retry-After", "60")
			s.problemStatus(w, r, http.StatusServiceUnavailable, fmt.Sprintf("%d deposits are waiting to be processed; retry later", len(pending)))
			return
		}
		sum := sha256.Sum256(data)
		id := make([]byte, 12)
		_, _ = rand.Read(id)
		source := r.URL.Query().Get("filename")
		if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil && params["filename"] != "" {
			source = params["filename"]
		}
		if source == "" || len(source) > 200 || !utf8.ValidString(source) {
			source = "upload"
		}
		p := principal(r)
		j := socle.IngestJob{ID: hex.EncodeToString(id), Kind: kind, Source: source, Actor: p.ID, SHA256: hex.EncodeToString(sum[:]),
			Size: int64(len(data)), Status: socle.JobQueued, Created: s.opts.Now().UTC()}
		j.Updated = j.Created
		if err := a.store.CreateIngestJob(r.Context(), j, data); err != nil {
			s.problem(w, r, err)
			return
		}
		s.Audit(r, "ingest."+kind, "/ingest/jobs/"+j.ID, http.StatusAccepted, fmt.Sprintf("%s deposit %q by %s (%s), %d bytes, sha256 %s", kind, source, p.ID, p.Name, j.Size, j.SHA256))
		a.kick()
		w.Header().Set("Location", s.base(r)+"/ingest/jobs/"+j.ID)
		s.writeJob(w, r, http.StatusAccepted, j)
	}
}

// looksLikeCSV sniffs an application/octet-stream deposit: text (UTF-8 or
// a single-byte encoding, no NUL) whose first line has a separator.
func looksLikeCSV(data []byte) bool {
	head := data[:min(len(data), 4096)]
	if bytes.IndexByte(head, 0) >= 0 || bytes.HasPrefix(bytes.TrimSpace(head), []byte("{")) {
		return false
	}
	line, _, _ := bytes.Cut(head, []byte("\n"))
	return bytes.ContainsAny(line, ",;")
}

func (s *Server) ingestJob(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if !p.Authenticated() {
		s.unauthorized(w, r, "ingest jobs are shown to their uploader and to admins", "")
		return
	}
	a := s.opts.Airlock
	if a == nil {
		s.problemStatus(w, r, http.StatusNotFound, "no such ingest job")
		return
	}
	j, err := a.store.IngestJob(r.Context(), chi.URLParam(r, "jobId"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	// Someone else's deposit is not revealed to exist.
	if j.Actor != p.ID && !p.Has(auth.RightAdmin) {
		s.problemStatus(w, r, http.StatusNotFound, "no such ingest job")
		return
	}
	s.writeJob(w, r, http.StatusOK, j)
}

func (s *Server) writeJob(w http.ResponseWriter, r *http.Request, status int, j socle.IngestJob) {
	type link struct {
		Href string `json:"href"`
		Rel  string `json:"rel"`
		Type string `json:"type"`
	}
	doc := struct {
		socle.IngestJob
		Links []link `json:"links"`
	}{j, []link{{s.base(r) + "/ingest/jobs/" + j.ID, "self", "application/json"}}}
	b, err := json.Marshal(doc)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Header().Set("Cache-Control", "private, no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// declareIngest adds the airlock's operations to the OpenAPI document,
// with the credential they need, when this server takes deposits.
func (s *Server) declareIngest(paths, schemas obj, required []any, lang string) {
	if s.dataset != nil { // without an airlock (Options.Airlock), deposits answer 503
		return
	}
	problem := func(en, fr string) obj {
		return obj{"description": t(lang, fr, en), "content": obj{"application/problem+json": obj{"schema": obj{"$ref": "#/components/schemas/Problem"}}}}
	}
	job := obj{"type": "object", "required": []string{"id", "kind", "status"}, "properties": obj{
		"id": obj{"type": "string"}, "kind": obj{"type": "string", "enum": []string{"fibre", "road-reports"}},
		"status": obj{"type": "string", "enum": []string{socle.JobQueued, socle.JobRunning, socle.JobDone, socle.JobFailed}},
		"sha256": obj{"type": "string"}, "size": obj{"type": "integer"}, "source": obj{"type": "string"},
		"report": obj{"type": "object"}, "error": obj{"type": "string"},
		"attempts": obj{"type": "integer", "description": t(lang, "Démarrages du traitement (au plus 3)", "Starts of the processing (at most 3)")}}}
	schemas["IngestJob"] = job
	job = obj{"$ref": "#/components/schemas/IngestJob"}
	for _, kind := range []string{"fibre", "road-reports"} {
		content := obj{}
		for _, m := range append(ingestTypes[kind], "application/octet-stream") {
			content[m] = obj{"schema": obj{"type": "string", "format": "binary"}}
		}
		paths["/ingest/"+kind] = obj{"post": obj{"operationId": map[string]string{"fibre": "ingestFibre", "road-reports": "ingestRoadReports"}[kind],
			"summary":     t(lang, "Déposer un fichier ("+kind+"), traité en arrière-plan", "Deposit a file ("+kind+"), processed in the background"),
			"security":    required,
			"parameters":  []any{obj{"name": "filename", "in": "query", "schema": obj{"type": "string"}}},
			"requestBody": obj{"required": true, "content": content},
			"responses": obj{
				"202": obj{"description": t(lang, "Dépôt enregistré ; la tâche est en Location", "Deposit stored; the job is at Location"),
					"headers": obj{"Location": obj{"schema": obj{"type": "string"}}},
					"content": obj{"application/json": obj{"schema": job}}},
				"400": problem("Empty deposit", "Dépôt vide"),
				"401": obj{"$ref": "#/components/responses/Unauthorized"},
				"403": obj{"$ref": "#/components/responses/Forbidden"},
				"413": problem("Deposit too large", "Dépôt trop volumineux"),
				"415": problem("Unsupported media type", "Type de média non accepté"),
				"503": problem("Deposits not accepted now", "Dépôts non acceptés pour l’instant"),
			}}}
	}
	paths["/ingest/jobs"] = obj{"get": obj{"operationId": "getIngestJobs",
		"summary":  t(lang, "Les dépôts de l’appelant (tous pour un admin), les plus récents d’abord", "The caller's deposits (everyone's for an admin), newest first"),
		"security": required,
		"parameters": []any{
			obj{"name": "status", "in": "query", "style": "form", "explode": false,
				"schema": obj{"type": "array", "items": obj{"type": "string", "enum": []string{socle.JobQueued, socle.JobRunning, socle.JobDone, socle.JobFailed}}}},
			obj{"name": "limit", "in": "query", "schema": obj{"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
			obj{"name": "offset", "in": "query", "schema": obj{"type": "integer", "minimum": 0, "default": 0}},
		},
		"responses": obj{
			"200": obj{"description": t(lang, "Une page de tâches (sans leurs rapports)", "A page of jobs (without their reports)"),
				"content": obj{"application/json": obj{"schema": obj{"type": "object", "properties": obj{
					"jobs": obj{"type": "array", "items": job}, "numberMatched": obj{"type": "integer"}, "numberReturned": obj{"type": "integer"},
					"links": obj{"type": "array", "items": obj{"type": "object"}}}}}}},
			"400": problem("Invalid parameter", "Paramètre invalide"),
			"401": obj{"$ref": "#/components/responses/Unauthorized"},
		}}}
	paths["/ingest/jobs/{jobId}"] = obj{"get": obj{"operationId": "getIngestJob",
		"summary":    t(lang, "État et rapport d’un dépôt (déposant et admins)", "Status and report of a deposit (uploader and admins)"),
		"security":   required,
		"parameters": []any{obj{"name": "jobId", "in": "path", "required": true, "schema": obj{"type": "string"}}},
		"responses": obj{
			"200": obj{"description": t(lang, "La tâche", "The job"), "content": obj{"application/json": obj{"schema": job}}},
			"401": obj{"$ref": "#/components/responses/Unauthorized"},
			"404": problem("No such job, or another caller's", "Tâche inconnue, ou d’un autre appelant"),
		}}}
}
