// Package mirror keeps a copy of another Socle's collections in step
// through their change feeds (socle sync): the first run loads each
// collection whole, later runs apply the changes since the token the last
// one stopped at, one batch per collection and run.
//
// It reads the remote over HTTP only, as any client would, and writes
// through the local store's Importer. It imports the domain; never a store
// or the HTTP server.
package mirror

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/zan"
	"github.com/socle-geo/socle/ogc/crs"
)

// Store is what a sync needs of the local store: batches, and where the
// last sync of each collection stopped.
type Store interface {
	socle.Importer
	socle.SyncPositions
}

// Options say what to sync from where.
type Options struct {
	// URL is the remote API's root (a Socle, or one of its dataset APIs).
	URL string
	// Collections to sync (nil: every collection both sides have, but
	// those only the updater writes and those Socle computes).
	Collections []string
	// Key is an API key of the remote, for what it does not show to all.
	Key string
	// Territory, when set, keeps the features of several remotes apart in
	// one store: ids are left to the local store, features matched by
	// their keys (a BAL's cle_interop, a source dataset's id), and a
	// feature without one keyed "TERRITORY:remote-id" (see README).
	Territory string
	Actor     string
	// PageSize is the features or changes asked per request.
	PageSize int
	Client   *http.Client
	// Progress is told, per collection, how many features or changes were
	// read.
	Progress func(collection string, n int)
	Log      *slog.Logger
}

// Result is what a sync did to one collection.
type Result struct {
	Collection string `json:"collection"`
	// Mode is "full" (loaded whole: the first run, or the feed no longer
	// reaches back to the last one) or "changes".
	Mode  string `json:"mode"`
	Token string `json:"token"`
	// Entries are the features (full) or changes read.
	Entries int `json:"entries"`
	// Bytes is what was downloaded.
	Bytes int64 `json:"bytes"`
	socle.ImportResult
}

// Sync brings the local store in step with the remote, collection by
// collection; a collection that fails leaves the others synced and its own
// as it was (its batch is whole or nothing).
func Sync(ctx context.Context, st Store, cat *socle.Catalog, opt Options) ([]Result, error) {
	m, err := newMirror(opt)
	if err != nil {
		return nil, err
	}
	cols, err := m.collections(ctx, cat)
	if err != nil {
		return nil, err
	}
	var out []Result
	var errs []error
	communes := false
	for _, c := range cols {
		res, err := m.syncCollection(ctx, st, c)
		if err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			errs = append(errs, fmt.Errorf("%s: %w", c.ID, err))
			continue
		}
		out = append(out, res)
		communes = communes || c.ID == "communes"
	}
	if ref, ok := st.(Reference); ok && communes {
		c, _ := cat.Collection("communes")
		res, err := m.syncReference(ctx, ref, c)
		if err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			errs = append(errs, fmt.Errorf("the ZAN reference: %w", err))
		} else if res != nil {
			out = append(out, *res)
		}
	}
	return out, errors.Join(errs...)
}

// Reference is what a store needs to take the remote's 2011–2021
// reference consumption (the Cerema file, which sets the communes' ZAN
// allowance): both stores have it.
type Reference interface {
	CurrentConsommation(ctx context.Context) (*zan.Consommation, error)
	ImportConsommation(ctx context.Context, b socle.Batch, c *zan.Consommation) (zan.ConsommationResult, error)
}

// ReferenceCollection is the Collection of the Result of the ZAN
// reference's sync.
const ReferenceCollection = "consommation"

// syncReference brings the remote's Cerema reference here. The remote
// serves no Cerema file, but each commune whose indicators come from one
// (zan_source "cerema") carries its consumption per year in
// artificialised_ha_by_year, in hectares to 4 decimals: the file's square
// metres, exactly. Without this, the land cover synced would be
// recomputed here without the file, and the communes' allowance fall back
// to the land-cover estimate. The remote's communes replace theirs in the
// local file (with --territory, other territories' stay); when that
// changes it, the result is loaded as a Cerema file of its own (a batch of
// kind import-consommation, source the remote, revertible), which
// recomputes the indicators. Nil when nothing changed.
func (m *mirror) syncReference(ctx context.Context, st Reference, c *socle.Collection) (*Result, error) {
	res := Result{Collection: ReferenceCollection, Mode: "reference"}
	next := fmt.Sprintf("%s/collections/%s/items?limit=%d&properties=insee,nom,zan_source,artificialised_ha_by_year", m.base, url.PathEscape(c.ID), m.opt.PageSize)
	remote := map[string]bool{}
	var rows []zan.ConsommationRow
	for next != "" {
		var page struct {
			Features []struct {
				Properties struct {
					INSEE  string             `json:"insee"`
					Nom    string             `json:"nom"`
					Source *string            `json:"zan_source"`
					ByYear map[string]float64 `json:"artificialised_ha_by_year"`
				} `json:"properties"`
			} `json:"features"`
			Links []struct {
				Href string `json:"href"`
				Rel  string `json:"rel"`
			} `json:"links"`
		}
		n, err := m.getJSON(ctx, next, &page)
		res.Bytes += n
		if err != nil {
			return nil, err
		}
		next = ""
		for _, l := range page.Links {
			if l.Rel == "next" {
				next = l.Href
			}
		}
		for _, f := range page.Features {
			p := f.Properties
			res.Entries++
			remote[p.INSEE] = true
			if p.Source == nil || *p.Source != zan.IndicatorsCerema {
				continue
			}
			row := zan.ConsommationRow{INSEE: p.INSEE, Name: p.Nom, M2: map[int]float64{}}
			for y, ha := range p.ByYear {
				year, err := strconv.Atoi(y)
				if err != nil {
					return nil, fmt.Errorf("commune %s: artificialised_ha_by_year has a year %q", p.INSEE, y)
				}
				row.M2[year] = math.Round(ha * 10000)
			}
			rows = append(rows, row)
		}
	}
	cur, err := st.CurrentConsommation(ctx)
	if err != nil {
		return nil, err
	}
	if cur != nil {
		for _, r := range cur.Rows {
			if !remote[r.INSEE] {
				rows = append(rows, r)
			}
		}
	}
	slices.SortFunc(rows, func(a, b zan.ConsommationRow) int { return strings.Compare(a.INSEE, b.INSEE) })
	if sameReference(rows, cur) {
		return nil, nil
	}
	years := map[int]bool{}
	for i := range rows {
		rows[i].Line = i + 2
		for y := range rows[i].M2 {
			years[y] = true
		}
	}
	file := &zan.Consommation{Rows: rows, Years: slices.Sorted(maps.Keys(years))}
	b := socle.Batch{ID: socle.NewBatchID(socle.KindConsommation, time.Now()), Kind: socle.KindConsommation,
		Source: m.base + " (the communes' artificialised_ha_by_year)", Actor: m.opt.Actor}
	cr, err := st.ImportConsommation(ctx, b, file)
	if err != nil {
		return nil, err
	}
	res.BatchID, res.Read, res.Inserted, res.Rejected = cr.BatchID, cr.Read, cr.Stored, cr.Rejected+len(cr.Unknown)
	return &res, nil
}

// sameReference says whether rows (by INSEE) are the file cur holds.
func sameReference(rows []zan.ConsommationRow, cur *zan.Consommation) bool {
	if cur == nil {
		return len(rows) == 0
	}
	if len(rows) != len(cur.Rows) {
		return false
	}
	for i, r := range rows {
		c := cur.Rows[i]
		if r.INSEE != c.INSEE || !maps.Equal(r.M2, c.M2) {
			return false
		}
	}
	return true
}

type mirror struct {
	opt    Options
	base   string
	source string
	client *http.Client
	log    *slog.Logger
}

func newMirror(opt Options) (*mirror, error) {
	u, err := url.Parse(opt.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, socle.Errorf(socle.EINVALID, "%q is not the http(s) URL of an API", opt.URL)
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	m := &mirror{opt: opt, base: strings.TrimSuffix(u.String(), "/"), client: opt.Client, log: opt.Log}
	m.source = m.base
	if opt.Territory != "" {
		if strings.ContainsAny(opt.Territory, ": /") {
			return nil, socle.Errorf(socle.EINVALID, "territory %q: a name without ':', '/' or spaces", opt.Territory)
		}
		m.source += "#" + opt.Territory
	}
	if m.client == nil {
		m.client = &http.Client{Timeout: 10 * time.Minute}
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.opt.PageSize <= 0 {
		m.opt.PageSize = 10000
	}
	return m, nil
}

// collections are those to sync: asked for, or every one the remote
// serves that the local catalog has, but the updater's.
func (m *mirror) collections(ctx context.Context, cat *socle.Catalog) ([]*socle.Collection, error) {
	var doc struct {
		Collections []struct {
			ID string `json:"id"`
		} `json:"collections"`
	}
	if _, err := m.getJSON(ctx, m.base+"/collections", &doc); err != nil {
		return nil, err
	}
	remote := map[string]bool{}
	for _, c := range doc.Collections {
		remote[c.ID] = true
	}
	var out []*socle.Collection
	if m.opt.Collections != nil {
		for _, id := range m.opt.Collections {
			c, ok := cat.Collection(id)
			switch {
			case !ok:
				return nil, socle.Errorf(socle.EINVALID, "no collection %s here", id)
			case !remote[id]:
				return nil, socle.Errorf(socle.EINVALID, "the remote serves no collection %s (to this caller)", id)
			case c.FromUpdater():
				return nil, socle.Errorf(socle.EINVALID, "%s is written by the updater's batches only: it is not synced", id)
			case c.Computed():
				return nil, socle.Errorf(socle.EINVALID, "%s is computed from the other collections: it is not synced, the local store computes it", id)
			}
			out = append(out, c)
		}
		return out, nil
	}
	for _, c := range cat.Collections {
		if remote[c.ID] && !c.FromUpdater() && !c.Computed() {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, socle.Errorf(socle.EINVALID, "the remote serves none of this store's collections")
	}
	return out, nil
}

// syncCollection runs one collection's batch.
func (m *mirror) syncCollection(ctx context.Context, st Store, c *socle.Collection) (Result, error) {
	res := Result{Collection: c.ID}
	since, err := st.SyncToken(ctx, m.source, c.ID)
	if err != nil {
		return res, err
	}
	batch := socle.Batch{ID: socle.NewBatchID("sync", time.Now()), Kind: "sync", Source: m.base, Actor: m.opt.Actor, WithDerived: true}
	var rows socle.RowStream
	if since != "" {
		res.Mode = "changes"
		feed, err := m.readChanges(ctx, c, since, &res)
		var pe *problemError
		switch {
		case errors.As(err, &pe) && pe.status == http.StatusGone:
			m.log.Warn("the remote's feed no longer reaches back to the last sync: loading the collection whole", "collection", c.ID, "detail", pe.detail)
			since = ""
		case err != nil:
			return res, err
		default:
			if res.Entries == 0 {
				// Nothing changed: no batch, the token moves on.
				return res, st.SetSyncToken(ctx, m.source, c.ID, res.Token, "", time.Now())
			}
			rows = feed
		}
	}
	if since == "" {
		res.Mode, res.Entries, res.Bytes = "full", 0, 0
		// The token first: a change made while the features download is
		// applied again at the next run, harmlessly.
		if res.Token, err = m.latest(ctx, c, &res); err != nil {
			return res, err
		}
		rows = m.items(ctx, c, &res)
		batch.Replace = m.opt.Territory == ""
	}
	imp, err := st.Import(ctx, batch, c, rows)
	if err != nil {
		return res, err
	}
	res.ImportResult = imp
	return res, st.SetSyncToken(ctx, m.source, c.ID, res.Token, batch.ID, time.Now())
}

// latest returns the token of the remote feed's end.
func (m *mirror) latest(ctx context.Context, c *socle.Collection, res *Result) (string, error) {
	var page feedPage
	n, err := m.getJSON(ctx, m.base+"/collections/"+url.PathEscape(c.ID)+"/changes?since=latest", &page)
	res.Bytes += n
	if err != nil {
		return "", err
	}
	return page.Token, nil
}

// feedPage is a page of a remote feed.
type feedPage struct {
	Changes []struct {
		Change  string                     `json:"change"`
		ID      json.RawMessage            `json:"id"`
		Feature *remoteFeature             `json:"feature"`
		Keys    map[string]json.RawMessage `json:"keys"`
	} `json:"changes"`
	Token string `json:"token"`
	More  bool   `json:"more"`
}

type remoteFeature struct {
	ID         json.RawMessage            `json:"id"`
	Geometry   json.RawMessage            `json:"geometry"`
	Properties map[string]json.RawMessage `json:"properties"`
}

// readChanges reads the remote feed since a token to its end, coalesced
// (one entry per feature), as the rows of one batch: the retirements
// first, so that the keys they free may be taken.
func (m *mirror) readChanges(ctx context.Context, c *socle.Collection, since string, res *Result) (socle.RowStream, error) {
	outCRS := m.outCRS(c)
	var retires, upserts []socle.Row
	var rejects []socle.Reject
	retiredKeys := map[string]bool{}
	token := since
	for {
		u := fmt.Sprintf("%s/collections/%s/changes?coalesce=true&limit=%d&crs=%s&since=%s", m.base, url.PathEscape(c.ID), m.opt.PageSize,
			url.QueryEscape(outCRS.URI), url.QueryEscape(token))
		var page feedPage
		n, err := m.getJSON(ctx, u, &page)
		res.Bytes += n
		if err != nil {
			return nil, err
		}
		for _, e := range page.Changes {
			res.Entries++
			switch e.Change {
			case socle.OpDelete:
				r, err := m.retireRow(c, e.ID, e.Keys)
				if err != nil {
					rejects = append(rejects, socle.Reject{Line: res.Entries, Reason: socle.ErrorMessage(err)})
					continue
				}
				retires = append(retires, r)
				retiredKeys[keyText(c, r)] = true
			case socle.OpInsert, socle.OpUpdate:
				if e.Feature == nil {
					return nil, fmt.Errorf("the remote's %s entry of %s has no feature", e.Change, e.ID)
				}
				r, err := m.row(c, e.Feature, outCRS)
				if err != nil {
					rejects = append(rejects, socle.Reject{Line: res.Entries, Reason: socle.ErrorMessage(err)})
					continue
				}
				upserts = append(upserts, r)
			default:
				return nil, fmt.Errorf("the remote's feed has a change %q", e.Change)
			}
		}
		if m.opt.Progress != nil {
			m.opt.Progress(c.ID, res.Entries)
		}
		if page.Token == "" {
			return nil, errors.New("the remote's feed gave no token")
		}
		token = page.Token
		if !page.More {
			break
		}
	}
	res.Token = token
	if m.opt.Territory != "" {
		// With keys, a feature removed and another added with its key are
		// one feature here: the addition updates it.
		for _, r := range upserts {
			if k := keyText(c, r); k != "" && retiredKeys[k] {
				retires = slices.DeleteFunc(retires, func(x socle.Row) bool { return keyText(c, x) == k })
			}
		}
	}
	return socle.RowsOf(append(retires, upserts...), rejects), nil
}

// items streams the remote collection's features, page after page.
func (m *mirror) items(ctx context.Context, c *socle.Collection, res *Result) socle.RowStream {
	outCRS := m.outCRS(c)
	next := fmt.Sprintf("%s/collections/%s/items?limit=%d&crs=%s", m.base, url.PathEscape(c.ID), m.opt.PageSize, url.QueryEscape(outCRS.URI))
	return &itemStream{m: m, ctx: ctx, c: c, res: res, out: outCRS, next: next}
}

type itemStream struct {
	m       *mirror
	ctx     context.Context
	c       *socle.Collection
	res     *Result
	out     crs.CRS
	next    string
	page    []remoteFeature
	i       int
	row     socle.Row
	rejects []socle.Reject
	err     error
}

func (s *itemStream) Next() bool {
	for {
		if s.err != nil {
			return false
		}
		if s.i < len(s.page) {
			f := &s.page[s.i]
			s.i++
			s.res.Entries++
			r, err := s.m.row(s.c, f, s.out)
			if err != nil {
				s.rejects = append(s.rejects, socle.Reject{Line: s.res.Entries, Reason: socle.ErrorMessage(err)})
				continue
			}
			s.row = r
			return true
		}
		if s.next == "" {
			return false
		}
		var page struct {
			Features []remoteFeature `json:"features"`
			Links    []struct {
				Href string `json:"href"`
				Rel  string `json:"rel"`
			} `json:"links"`
		}
		n, err := s.m.getJSON(s.ctx, s.next, &page)
		s.res.Bytes += n
		if err != nil {
			s.err = err
			return false
		}
		s.page, s.i, s.next = page.Features, 0, ""
		for _, l := range page.Links {
			if l.Rel == "next" {
				s.next = l.Href
			}
		}
		if s.m.opt.Progress != nil {
			s.m.opt.Progress(s.c.ID, s.res.Entries+len(s.page))
		}
	}
}

func (s *itemStream) Row() *socle.Row         { return &s.row }
func (s *itemStream) Err() error              { return s.err }
func (s *itemStream) Rejects() []socle.Reject { return s.rejects }

// outCRS is the CRS features are asked in: the collection's storage CRS
// when the remote serves it (no transformation on either side), else
// CRS84.
func (m *mirror) outCRS(c *socle.Collection) crs.CRS {
	for _, x := range crs.Supported {
		if x.SRID == c.StorageSRID() && !x.Geographic {
			return x
		}
	}
	return crs.CRS84
}

// row turns a remote feature into a row of c: its geometry in the storage
// CRS, its properties typed (what the remote does not show stays empty),
// its id kept, or with a territory left to the local store.
func (m *mirror) row(c *socle.Collection, f *remoteFeature, in crs.CRS) (socle.Row, error) {
	g, err := geojson.UnmarshalGeometry(f.Geometry)
	if err != nil || g == nil || g.Geometry() == nil {
		return socle.Row{}, socle.Errorf(socle.EINVALID, "feature %s: no valid geometry", f.ID)
	}
	geom := g.Geometry()
	if in.SRID != c.StorageSRID() {
		t, err := crs.NewTransformer(in.SRID, c.StorageSRID())
		if err != nil {
			return socle.Row{}, err
		}
		if geom, err = crs.TransformGeometry(geom, t); err != nil {
			return socle.Row{}, socle.Errorf(socle.EINVALID, "feature %s: %v", f.ID, err)
		}
	}
	geom = orb.Clone(geom)
	props := make(map[string]any, len(c.Properties))
	for _, p := range c.Properties {
		raw, ok := f.Properties[p.Name]
		if !ok {
			continue
		}
		v, err := socle.JSONValue(p, raw)
		if err != nil {
			return socle.Row{}, socle.Errorf(socle.EINVALID, "feature %s: %s", f.ID, socle.ErrorMessage(err))
		}
		props[p.Name] = v
	}
	id, err := remoteID(c, f.ID)
	if err != nil {
		return socle.Row{}, err
	}
	r := socle.Row{ID: id, Geometry: geom, Properties: props}
	return r, m.territorial(c, &r, f.ID)
}

// retireRow is the row that retires the feature a tombstone names.
func (m *mirror) retireRow(c *socle.Collection, rawID json.RawMessage, keys map[string]json.RawMessage) (socle.Row, error) {
	id, err := remoteID(c, rawID)
	if err != nil {
		return socle.Row{}, err
	}
	r := socle.Row{ID: id, Retire: true, Properties: map[string]any{}}
	for _, k := range c.Keys {
		p, _ := c.Property(k)
		raw, ok := keys[k]
		if !ok {
			continue
		}
		v, err := socle.JSONValue(p, raw)
		if err != nil {
			return socle.Row{}, err
		}
		r.Properties[k] = v
	}
	return r, m.territorial(c, &r, rawID)
}

// territorial keys a row of a territory: by the collection's keys, the
// source id made from the remote id when the feature has none.
func (m *mirror) territorial(c *socle.Collection, r *socle.Row, rawID json.RawMessage) error {
	if m.opt.Territory == "" || len(c.Keys) == 0 {
		return nil // ids kept: the remote's, or national codes (INSEE)
	}
	r.ID = nil
	if slices.Contains(c.Keys, "source_id") && r.Properties["source_id"] == nil {
		r.Properties["source_id"] = m.opt.Territory + ":" + strings.Trim(string(rawID), `"`)
	}
	for _, k := range c.Keys {
		if r.Properties[k] == nil {
			return socle.Errorf(socle.EINVALID, "feature %s has no %s to key it by in a territory", rawID, k)
		}
	}
	return nil
}

// remoteID types a remote feature id as the collection's ids are.
func remoteID(c *socle.Collection, raw json.RawMessage) (any, error) {
	if c.IDType == socle.TypeString {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, socle.Errorf(socle.EINVALID, "feature id %s is not a string", raw)
		}
		return s, nil
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return nil, socle.Errorf(socle.EINVALID, "feature id %s is not an integer", raw)
	}
	return n, nil
}

// keyText is a row's key as text ("" when it has none).
func keyText(c *socle.Collection, r socle.Row) string {
	var parts []string
	for _, k := range c.Keys {
		v := r.Properties[k]
		if v == nil {
			return ""
		}
		parts = append(parts, fmt.Sprint(v))
	}
	return strings.Join(parts, "\x00")
}

// problemError is a remote's answer other than 200.
type problemError struct {
	url    string
	status int
	detail string
}

func (e *problemError) Error() string {
	return fmt.Sprintf("%s answered %d: %s", e.url, e.status, e.detail)
}

// getJSON fetches a document of the remote, counting its bytes.
func (m *mirror) getJSON(ctx context.Context, u string, v any) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/json, application/geo+json")
	req.Header.Set("Accept-Encoding", "gzip")
	if m.opt.Key != "" {
		req.Header.Set("X-API-Key", m.opt.Key)
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return 0, socle.Errorf(socle.EUNAVAILABLE, "the remote does not answer: %v", err)
	}
	defer resp.Body.Close()
	body := &countingReader{r: resp.Body}
	rd, err := decompressed(resp, body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		var p struct {
			Detail string `json:"detail"`
		}
		b, _ := io.ReadAll(io.LimitReader(rd, 64<<10))
		if json.Unmarshal(b, &p) != nil || p.Detail == "" {
			p.Detail = http.StatusText(resp.StatusCode)
		}
		return body.n, &problemError{url: redact(u), status: resp.StatusCode, detail: p.Detail}
	}
	if err := json.NewDecoder(rd).Decode(v); err != nil {
		return body.n, fmt.Errorf("%s: %w", redact(u), err)
	}
	return body.n, nil
}

// redact drops the query of a URL for messages.
func redact(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i]
	}
	return u
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// decompressed is the body of resp as sent before compression.
func decompressed(resp *http.Response, body io.Reader) (io.Reader, error) {
	if resp.Header.Get("Content-Encoding") != "gzip" {
		return body, nil
	}
	zr, err := gzip.NewReader(body)
	if err != nil {
		return nil, fmt.Errorf("the remote's gzip: %w", err)
	}
	return zr, nil
}
