package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/transfer"
)

// A GeoPackage for a query (f=gpkg on items): the filtered selection as one
// file, for analysts who want "the addresses of these three communes
// without fibre" in QGIS or a spreadsheet's GIS cousin. The whole
// selection unless the request pages it (limit or cursor given: that page
// only); in the storage CRS, which the file declares (a GeoPackage is not
// reprojected on the way out: any client reads its CRS). The file is made
// in a temporary directory, bounded by MaxGPKGBytes, then sent with its
// length; each caller makes one at a time.

// callerGate lets each caller run one costly request at a time.
type callerGate struct {
	mu   sync.Mutex
	busy map[string]bool
}

// enter reports whether key may start; leave must follow a true.
func (g *callerGate) enter(key string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.busy[key] {
		return false
	}
	g.busy[key] = true
	return true
}

func (g *callerGate) leave(key string) {
	g.mu.Lock()
	delete(g.busy, key)
	g.mu.Unlock()
}

// callerKey names the caller: its credential, or its address.
func callerKey(r *http.Request) string {
	if p := principal(r); p.Authenticated() {
		return p.ID
	}
	return "anon:" + remoteAddr(r)
}

func (s *Server) itemsGeoPackage(w http.ResponseWriter, r *http.Request, c *socle.Collection, q *socle.ItemsQuery) {
	if r.URL.Query().Has("crs") && q.CRS.SRID != c.StorageSRID() {
		s.problem(w, r, &socle.Error{Code: socle.EINVALID, Message: "a GeoPackage is made in the storage CRS, which it declares: leave crs out or ask for it",
			Allowed: []string{socle.StorageCRS.URI}})
		return
	}
	key := callerKey(r)
	if !s.selections.enter(key) {
		w.Header().Set("Retry-After", "10")
		s.problemStatus(w, r, http.StatusTooManyRequests, "a GeoPackage of yours is being made: one at a time, retry when it is done")
		return
	}
	defer s.selections.leave(key)
	dir, err := os.MkdirTemp("", "socle-selection-")
	if err != nil {
		s.problem(w, r, err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, c.ID+".gpkg")
	v := r.URL.Query()
	sel := transfer.Selection{Query: q, All: !v.Has("limit") && !v.Has("cursor"), MaxBytes: s.opts.MaxGPKGBytes}
	n, err := transfer.WriteSelection(r.Context(), s.store, sel, path, transfer.Options{Source: "socle", Actor: "download"})
	if errors.Is(err, transfer.ErrTooLarge) {
		s.problem(w, r, &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf(
			"the selection makes a GeoPackage larger than %d bytes: narrow it (bbox, filter, properties), page it (limit), or take the dataset's bulk download", s.opts.MaxGPKGBytes)})
		return
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		s.problem(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", MediaGeoPackage)
	h.Set("Content-Crs", "<"+socle.StorageCRS.URI+">")
	h.Set("Content-Language", language(r))
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.gpkg"`, c.ID))
	h.Set("Content-Length", fmt.Sprint(st.Size()))
	h.Set("OGC-NumberReturned", fmt.Sprint(n))
	h.Set("Cache-Control", "private, no-store")
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, f); err != nil {
		s.log.Debug("client left", "request_id", requestID(r.Context()), "error", err)
	}
}
