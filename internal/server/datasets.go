package server

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"golang.org/x/sync/singleflight"

	"github.com/socle-geo/socle/internal/metadata"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/transfer"
	"github.com/socle-geo/socle/ogc/crs"
	"github.com/socle-geo/socle/ogc/features"
)

// The INSPIRE good practice for download services on OGC API – Features:
// one API per dataset, at /datasets/{dataset}/, with its own landing page,
// conformance, OpenAPI and collections. It is the whole-territory API's
// handlers over the dataset's collections only (a Server with a catalog
// subset and its links under the prefix), plus what INSPIRE asks for:
// links to the dataset's metadata record, the licence, the feature
// concepts, and bulk downloads of each collection.

// datasetAPI is the API of one dataset.
type datasetAPI struct {
	srv     *Server
	handler http.Handler
}

// downloadFormats are the bulk download formats offered.
func downloadFormats() []metadata.Format {
	return []metadata.Format{metadata.FormatGeoPackage, metadata.FormatGeoJSON}
}

// initDatasets builds the API of each dataset of the metadata files.
func (s *Server) initDatasets() {
	s.subs = map[string]*datasetAPI{}
	dl := &downloadCache{files: map[string]downloadFile{}}
	s.downloads = dl
	for _, d := range s.meta.Files().Datasets {
		cat := &socle.Catalog{}
		for _, id := range d.Collections {
			c, _ := s.catalog.Collection(id) // checked when the files loaded
			cat.Collections = append(cat.Collections, c)
		}
		opts := s.opts
		opts.Title = socle.Text{FR: d.Title.FR, EN: d.Title.EN}
		// A dataset's API has caches of its own, a quarter of the root's,
		// which hear of changes through the root's Invalidate.
		opts.TileCacheBytes, opts.FeatureCacheBytes = s.opts.TileCacheBytes/4, s.opts.FeatureCacheBytes/4
		sub := &Server{store: s.store, catalog: cat, served: s.served, log: s.log, opts: opts, tms: s.tms,
			tiles: newResponseCache(opts.TileCacheBytes), features: newResponseCache(opts.FeatureCacheBytes),
			meta: s.meta, dataset: d, prefix: "/datasets/" + d.ID, downloads: dl, selections: s.selections}
		s.subs[d.ID] = &datasetAPI{srv: sub, handler: sub.Handler()}
	}
	if s.opts.WarmDownloads {
		dl.warm = make(chan string, 64)
		go s.warmDownloads(dl.warm)
		for _, d := range s.meta.Files().Datasets {
			for _, id := range d.Collections {
				dl.warm <- id
			}
		}
	}
}

// datasetRoutes are the routes of the root API that lead to the datasets.
func (s *Server) datasetRoutes(r chi.Router) {
	r.Get("/datasets", s.datasetList)
	r.Get("/datasets/{dataset}", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := s.subs[chi.URLParam(r, "dataset")]; !ok {
			s.unknownDataset(w, r)
			return
		}
		u := *r.URL
		u.Path += "/"
		http.Redirect(w, r, u.String(), http.StatusMovedPermanently)
	})
	r.Handle("/datasets/{dataset}/*", http.HandlerFunc(s.datasetAPI))
}

func (s *Server) unknownDataset(w http.ResponseWriter, r *http.Request) {
	var ids []string
	for _, d := range s.meta.Files().Datasets {
		if metadata.Visible(r.Context(), d) {
			ids = append(ids, d.ID)
		}
	}
	s.problem(w, r, &socle.Error{Code: socle.ENOTFOUND, Message: "no dataset " + chi.URLParam(r, "dataset"), Allowed: ids})
}

// datasetAPI hands the request to the dataset's API, with the path under
// its root and a fresh routing context.
func (s *Server) datasetAPI(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "dataset")
	api, ok := s.subs[id]
	if !ok || !metadata.Visible(r.Context(), api.srv.dataset) {
		s.unknownDataset(w, r)
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, nil))
	http.StripPrefix("/datasets/"+id, api.handler).ServeHTTP(w, r)
}

// datasetList lists the datasets and their APIs.
func (s *Server) datasetList(w http.ResponseWriter, r *http.Request) {
	f, ok := s.format(w, r, FormatJSON)
	if !ok || !s.checkParams(w, r, nil) {
		return
	}
	lang := language(r)
	base := s.rootBase(r)
	type entry struct {
		ID          string          `json:"id"`
		Title       string          `json:"title"`
		Description string          `json:"description"`
		Links       []features.Link `json:"links"`
	}
	var list []entry
	for _, d := range s.meta.Files().Datasets {
		if !metadata.Visible(r.Context(), d) {
			continue
		}
		rec := s.meta.Files().RecordID(d.ID)
		list = append(list, entry{ID: d.ID, Title: d.Title.In(lang), Description: strings.TrimSpace(d.Abstract.In(lang)), Links: []features.Link{
			{Href: base + "/datasets/" + d.ID + "/", Rel: "service", Type: features.MediaJSON, Title: t(lang, "API de téléchargement du jeu de données", "Download API of the dataset")},
			{Href: base + "/metadata/" + rec + "?f=xml", Rel: "describedby", Type: "application/xml", Title: t(lang, "Fiche de métadonnées ISO 19139", "ISO 19139 metadata record")},
		}})
	}
	s.respond(w, r, f, lang, map[string]any{"datasets": list, "links": []features.Link{
		{Href: base + "/datasets", Rel: "self", Type: features.MediaJSON},
	}}, "datasets", nil)
}

// landingLinks are the links the landing page adds: on the root API, the
// datasets and the service metadata; on a dataset's API, its metadata
// record and its licence.
func (s *Server) landingLinks(r *http.Request, lang string) []features.Link {
	if s.meta == nil {
		return nil
	}
	base := s.rootBase(r)
	files := s.meta.Files()
	if s.dataset == nil {
		rec := base + "/metadata/" + files.RecordID(metadata.ServiceDownload)
		return append([]features.Link{
			{Href: rec + "?f=xml", Rel: "describedby", Type: "application/xml", Title: t(lang, "Fiche de métadonnées du service (ISO 19139)", "Metadata record of the service (ISO 19139)")},
			{Href: rec + "?f=html", Rel: "describedby", Type: features.MediaHTML, Title: t(lang, "Fiche de métadonnées du service", "Metadata record of the service")},
			{Href: base + "/datasets", Rel: "related", Type: features.MediaJSON, Title: t(lang, "Les jeux de données et leurs API de téléchargement", "The datasets and their download APIs")},
			{Href: base + "/csw?service=CSW&request=GetCapabilities", Rel: "search", Type: "application/xml", Title: t(lang, "Catalogue CSW 2.0.2", "CSW 2.0.2 catalogue")},
			{Href: base + cataloguePath, Rel: "http://www.opengis.net/def/rel/ogc/1.0/ogc-catalog", Type: features.MediaJSON, Title: t(lang, "Catalogue des fiches de métadonnées (OGC API – Records)", "Catalogue of the metadata records (OGC API – Records)")},
			s.licenceLink(lang),
		}, s.dcatLinks(r, lang)...)
	}
	return append(append(s.describedBy(r, lang), s.licenceLink(lang)), s.dcatLinks(r, lang)...)
}

// dcatLinks link the DCAT-AP description of the API's data (the whole
// catalogue, or the dataset's) in JSON-LD and RDF/XML.
func (s *Server) dcatLinks(r *http.Request, lang string) []features.Link {
	u := s.base(r) + "/dcat"
	return []features.Link{
		{Href: u, Rel: "alternate", Type: "application/ld+json", Title: t(lang, "Description DCAT-AP (JSON-LD)", "DCAT-AP description (JSON-LD)")},
		{Href: u + "?f=rdf", Rel: "alternate", Type: "application/rdf+xml", Title: t(lang, "Description DCAT-AP (RDF/XML)", "DCAT-AP description (RDF/XML)")},
	}
}

// describedBy links to the dataset's metadata record, in XML and HTML.
func (s *Server) describedBy(r *http.Request, lang string) []features.Link {
	return s.datasetRecordLinks(r, s.dataset, lang)
}

// datasetRecordLinks are the describedby links to the record of d.
func (s *Server) datasetRecordLinks(r *http.Request, d *metadata.DatasetFile, lang string) []features.Link {
	rec := s.rootBase(r) + "/metadata/" + s.meta.Files().RecordID(d.ID)
	q := ""
	if lang == "en" {
		q = "&lang=en"
	}
	return []features.Link{
		{Href: rec + "?f=xml" + q, Rel: "describedby", Type: "application/xml", Title: t(lang, "Fiche de métadonnées ISO 19139 du jeu de données", "ISO 19139 metadata record of the dataset"), Hreflang: lang},
		{Href: rec + "?f=html" + q, Rel: "describedby", Type: features.MediaHTML, Title: t(lang, "Fiche de métadonnées du jeu de données", "Metadata record of the dataset"), Hreflang: lang},
	}
}

func (s *Server) licenceLink(lang string) features.Link {
	l := s.meta.Files().Licence
	return features.Link{Href: l.Href, Rel: "license", Type: features.MediaHTML, Title: l.Title.In(lang)}
}

// collectionLinks are the links a collection adds in a dataset's API: the
// metadata record, the licence, the INSPIRE feature concepts and the bulk
// downloads, whose length needs the file: it is made once per data version,
// in the background (at start and after each change when the server warms
// its downloads, else when first asked for). A description waits for it a
// little (describeWait); a file still being made is linked without its
// length.
func (s *Server) collectionLinks(r *http.Request, c *socle.Collection, sum socle.Summary, lang string) ([]features.Link, error) {
	if s.meta == nil {
		return nil, nil
	}
	if s.dataset == nil {
		// In the whole-territory API: the record of the collection's
		// dataset, its licence and its download API.
		for _, d := range s.meta.Files().Datasets {
			if slices.Contains(d.Collections, c.ID) && metadata.Visible(r.Context(), d) {
				return append(s.datasetRecordLinks(r, d, lang), s.licenceLink(lang), features.Link{
					Href: s.rootBase(r) + "/datasets/" + d.ID + "/", Rel: "service", Type: features.MediaJSON,
					Title: t(lang, "API de téléchargement du jeu de données (fichiers complets)", "Download API of the dataset (bulk files)")}), nil
			}
		}
		// In no dataset: the territory's licence still applies.
		return []features.Link{s.licenceLink(lang)}, nil
	}
	links := append(s.describedBy(r, lang), s.licenceLink(lang))
	for _, fc := range s.dataset.FeatureConcepts[c.ID] {
		name := fc[strings.LastIndex(fc, "/")+1:]
		links = append(links, features.Link{Href: fc, Rel: "tag", Type: features.MediaHTML, Title: t(lang, "Concept INSPIRE ", "INSPIRE feature concept ") + name})
	}
	for _, f := range s.bulkFormats(c, sum) {
		file, _, err := s.downloads.ready(r.Context(), s, c, sum, f, describeWait)
		if err != nil {
			if r.Context().Err() != nil {
				return nil, err
			}
			// A file that cannot be made is left out of the links; the
			// record, the licence and the other files stay.
			s.log.Error("bulk download not made", "collection", c.ID, "format", f.Ext, "err", err)
			continue
		}
		links = append(links, features.Link{
			Href:     metadata.DownloadURL(s.rootBase(r), s.dataset.ID, c.ID, f),
			Rel:      "enclosure",
			Type:     f.MediaType,
			Title:    fmt.Sprintf(t(lang, "%s : toutes les données (%s)", "%s: all the data (%s)"), c.Title.In(lang), f.Name),
			Length:   file.size,
			Hreflang: "fr",
		})
	}
	return links, nil
}

// downloadFile is a bulk download made for one data version.
type downloadFile struct {
	version string
	path    string
	size    int64
	mod     time.Time
}

// downloadCache holds the bulk downloads, made once per data version and
// collection, in a private temporary directory.
type downloadCache struct {
	mu     sync.Mutex
	dir    string
	files  map[string]downloadFile
	flight singleflight.Group
	// warm names collections whose downloads to make in the background
	// (nil: made on demand).
	warm chan string
	// making lets one file be made at a time: each reads a whole
	// collection (or dataset), and requests need the connections too.
	making chan struct{}
}

// How long a collection's description and a download wait for a bulk file
// being made: a small territory's are ready within them; a large one's
// description is given without the length, its download answers 503 with
// Retry-After.
const (
	describeWait = 5 * time.Second
	downloadWait = 30 * time.Second
)

// bulk is what a download file holds: one collection, or every
// collection of a dataset (name is then the dataset's file name).
type bulk struct {
	name string
	cols []*socle.Collection
	sums []socle.Summary
}

// oneCollection is the bulk of c alone.
func oneCollection(c *socle.Collection, sum socle.Summary) bulk {
	return bulk{name: c.ID, cols: []*socle.Collection{c}, sums: []socle.Summary{sum}}
}

// version names the data version of the bulk: it changes with any of its
// collections.
func (b bulk) version() string {
	var parts []string
	for _, sum := range b.sums {
		parts = append(parts, fmt.Sprintf("%d-%d", sum.Version, sum.UpdatedAt.UnixNano()))
	}
	return strings.Join(parts, "_")
}

// mod is the time of the bulk's last change.
func (b bulk) mod() time.Time {
	var m time.Time
	for _, sum := range b.sums {
		if sum.UpdatedAt.After(m) {
			m = sum.UpdatedAt
		}
	}
	return m
}

// ready returns the file of c in format f for the data version of sum,
// starting to make it when missing or stale and waiting at most wait for
// it; ok is false when it is still being made.
func (dc *downloadCache) ready(ctx context.Context, s *Server, c *socle.Collection, sum socle.Summary, f metadata.Format, wait time.Duration) (file downloadFile, ok bool, err error) {
	return dc.readyBulk(ctx, s, oneCollection(c, sum), f, wait)
}

// readyBulk is ready for any bulk.
func (dc *downloadCache) readyBulk(ctx context.Context, s *Server, b bulk, f metadata.Format, wait time.Duration) (file downloadFile, ok bool, err error) {
	key := b.name + "." + f.Ext
	version := b.version()
	dc.mu.Lock()
	cur, have := dc.files[key]
	dc.mu.Unlock()
	if have && cur.version == version {
		return cur, true, nil
	}
	ch := dc.flight.DoChan(key+"@"+version, func() (any, error) { return dc.make(ctx, s, b, key, version, f) })
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case res := <-ch:
		if res.Err != nil {
			return downloadFile{}, false, &socle.Error{Code: socle.EINTERNAL, Message: "the download could not be made", Err: res.Err}
		}
		return res.Val.(downloadFile), true, nil
	case <-timer.C:
		return downloadFile{}, false, nil
	case <-ctx.Done():
		return downloadFile{}, false, ctx.Err()
	}
}

// get returns the file, waiting for it however long it takes (warming).
func (dc *downloadCache) get(ctx context.Context, s *Server, c *socle.Collection, sum socle.Summary, f metadata.Format) (downloadFile, error) {
	file, _, err := dc.ready(ctx, s, c, sum, f, 24*time.Hour)
	return file, err
}

// make writes the file of one data version.
func (dc *downloadCache) make(ctx context.Context, s *Server, b bulk, key, version string, f metadata.Format) (any, error) {
	dc.mu.Lock()
	if dc.dir == "" {
		dir, err := os.MkdirTemp("", "socle-downloads-")
		if err != nil {
			dc.mu.Unlock()
			return nil, err
		}
		dc.dir = dir
	}
	dir := dc.dir
	if dc.making == nil {
		dc.making = make(chan struct{}, 1)
	}
	making := dc.making
	dc.mu.Unlock()
	making <- struct{}{}
	defer func() { <-making }()
	path := filepath.Join(dir, b.name+"-"+version+"."+f.Ext)
	// The file is made apart from the request: a client that leaves
	// does not waste the work of the others waiting for it.
	wctx := context.WithoutCancel(ctx)
	var err error
	switch f.Ext {
	case metadata.FormatGeoPackage.Ext:
		_, err = transfer.WriteGeoPackage(wctx, s.store, &socle.Catalog{Collections: b.cols}, path,
			transfer.Options{Source: "socle", Actor: "download"})
	default:
		if len(b.cols) != 1 {
			return nil, fmt.Errorf("a %s download holds one collection", f.Name)
		}
		if f.Ext == formatPMTiles.Ext {
			err = s.writePMTiles(wctx, b.cols[0], path)
		} else {
			err = writeGeoJSON(wctx, s.store, b.cols[0], path)
		}
	}
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	file := downloadFile{version: version, path: path, size: st.Size(), mod: b.mod()}
	dc.mu.Lock()
	if old, ok := dc.files[key]; ok && old.path != path {
		os.Remove(old.path)
	}
	dc.files[key] = file
	dc.mu.Unlock()
	return file, nil
}

// Close stops the background work and removes the bulk download files.
func (s *Server) Close() {
	if s.downloads == nil {
		return
	}
	s.downloads.mu.Lock()
	if s.downloads.warm != nil {
		close(s.downloads.warm)
		s.downloads.warm = nil
	}
	s.downloads.mu.Unlock()
	s.downloads.close()
}

// warmDownloads makes, one after the other, the downloads of the
// collections named on warm, a burst of changes coalesced into one pass.
func (s *Server) warmDownloads(warm chan string) {
	for id := range warm {
		pending := map[string]bool{id: true}
		for more := true; more; {
			select {
			case id, ok := <-warm:
				if !ok {
					return
				}
				pending[id] = true
			default:
				more = false
			}
		}
		for _, c := range s.catalog.Collections {
			if !pending[c.ID] {
				continue
			}
			ctx := context.Background()
			sum, err := s.store.Summary(ctx, c)
			for _, f := range s.bulkFormats(c, sum) {
				if err == nil {
					_, err = s.downloads.get(ctx, s, c, sum, f)
				}
			}
			if err != nil {
				s.log.Warn("bulk download not made", "collection", c.ID, "err", err)
			}
		}
		// The whole datasets that hold a changed collection.
		for _, sub := range s.subs {
			if !slices.ContainsFunc(sub.srv.dataset.Collections, func(id string) bool { return pending[id] }) {
				continue
			}
			ctx := context.Background()
			b, err := sub.srv.datasetBulk(ctx)
			if err == nil {
				_, _, err = s.downloads.readyBulk(ctx, sub.srv, b, metadata.FormatGeoPackage, 24*time.Hour)
			}
			if err != nil {
				s.log.Warn("bulk download not made", "dataset", sub.srv.dataset.ID, "err", err)
			}
		}
	}
}

// warmAfter asks for the downloads of a changed collection to be made
// again; it never blocks a change notification.
func (s *Server) warmAfter(collection string) {
	if s.downloads == nil || s.dataset != nil { // the root API warms
		return
	}
	s.downloads.mu.Lock()
	defer s.downloads.mu.Unlock()
	if s.downloads.warm == nil {
		return
	}
	select {
	case s.downloads.warm <- collection:
	default: // a pass is already queued for many collections
	}
}

// close removes the files.
func (dc *downloadCache) close() {
	dc.mu.Lock()
	defer dc.mu.Unlock()
	if dc.dir != "" {
		os.RemoveAll(dc.dir)
		dc.dir, dc.files = "", map[string]downloadFile{}
	}
}

// writeGeoJSON streams every feature of c, in CRS84, into a GeoJSON file,
// written beside path and renamed so that it appears whole.
func writeGeoJSON(ctx context.Context, store Store, c *socle.Collection, path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".download-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<16)
	fmt.Fprintf(w, `{"type":"FeatureCollection","name":%q,"features":[`, c.ID)
	first := true
	q := socle.AllItems(c, 5000)
	q.CRS = crs.CRS84
	err = eachFeature(ctx, store, q, func(f *socle.Feature) error {
		if !first {
			w.WriteByte(',')
		}
		first = false
		w.WriteString("\n{\"type\":\"Feature\",\"id\":")
		w.Write(f.ID)
		w.WriteString(",\"geometry\":")
		w.Write(f.Geometry)
		w.WriteString(",\"properties\":")
		w.Write(f.Properties)
		_, err := w.WriteString("}")
		return err
	})
	if err != nil {
		tmp.Close()
		return err
	}
	w.WriteString("\n]}\n")
	if err := w.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// eachFeature streams to fn every feature q selects, page after page,
// following the next links.
func eachFeature(ctx context.Context, store Store, q *socle.ItemsQuery, fn func(*socle.Feature) error) error {
	for {
		page, err := store.Items(ctx, q, fn)
		if err != nil || page.Next == nil {
			return err
		}
		next := *q
		next.Cursor = page.Next
		q = &next
	}
}

// download serves a bulk download of a collection of the dataset:
// /download/{collection}.{ext}. HEAD answers with its Content-Length.
func (s *Server) download(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "file")
	id, ext, _ := strings.Cut(name, ".")
	c, ok := s.catalog.Collection(id)
	ok = ok && visible(principal(r), c)
	var format *metadata.Format
	var sum socle.Summary
	if ok {
		var err error
		if sum, err = s.store.Summary(r.Context(), c); err != nil {
			s.problem(w, r, err)
			return
		}
		for _, f := range s.bulkFormats(c, sum) {
			if f.Ext == ext {
				format = &f
			}
		}
	}
	var b bulk
	var filename string
	switch {
	case id == wholeDataset && ext == metadata.FormatGeoPackage.Ext:
		format = &metadata.FormatGeoPackage
		// The whole dataset: every collection, one GeoPackage layer each.
		var err error
		if b, err = s.datasetBulk(r.Context()); err != nil {
			s.problem(w, r, err)
			return
		}
		filename = s.dataset.ID + "." + ext
	case ok && format != nil:
		b = oneCollection(c, sum)
		filename = s.dataset.ID + "-" + c.ID + "." + ext
	default:
		names := []string{wholeDataset + "." + metadata.FormatGeoPackage.Ext}
		for _, c := range s.visibleCollections(r) {
			sum, _ := s.store.Summary(r.Context(), c)
			for _, f := range s.bulkFormats(c, sum) {
				names = append(names, c.ID+"."+f.Ext)
			}
		}
		s.problem(w, r, &socle.Error{Code: socle.ENOTFOUND, Message: "no download " + name, Allowed: names})
		return
	}
	if !s.checkParams(w, r, nil) {
		return
	}
	file, ok, err := s.downloads.readyBulk(r.Context(), s, b, *format, downloadWait)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if !ok {
		w.Header().Set("Retry-After", "30")
		s.problem(w, r, &socle.Error{Code: socle.EUNAVAILABLE, Message: "the download is being made from the current data, retry in a moment"})
		return
	}
	fh, err := os.Open(file.path)
	if err != nil {
		// Replaced by a newer version meanwhile: the client retries.
		s.problem(w, r, &socle.Error{Code: socle.EUNAVAILABLE, Message: "the download is being renewed, retry", Err: err})
		return
	}
	defer fh.Close()
	h := w.Header()
	h.Set("Content-Type", format.MediaType)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, filename))
	h.Set("Content-Language", "fr")
	h.Set("ETag", `"`+b.name+"-"+file.version+`"`)
	h.Set("Cache-Control", "public, max-age=60")
	http.ServeContent(w, r, "", file.mod, fh)
}

// wholeDataset names the download of a whole dataset (all.gpkg): no
// collection has that id.
const wholeDataset = "all"

// datasetBulk is the bulk of the whole dataset of a dataset's API, at the
// data version of now.
func (s *Server) datasetBulk(ctx context.Context) (bulk, error) {
	b := bulk{name: "dataset~" + s.dataset.ID}
	for _, c := range s.catalog.Collections {
		sum, err := s.store.Summary(ctx, c)
		if err != nil {
			return bulk{}, err
		}
		b.cols = append(b.cols, c)
		b.sums = append(b.sums, sum)
	}
	return b, nil
}

// collectionsLinks are the links the /collections document adds
// (INSPIRE good practice for download services on OGC API – Features):
// on a dataset's API, its metadata record (/req/pre-defined/
// spatial-data-set-metadata: rel describedby, type application/xml), its
// licence (/req/pre-defined/licence) and the whole dataset as one
// GeoPackage (rel enclosure, with its length when ready); on the
// whole-territory API, the record of each dataset it serves, and the
// licence.
func (s *Server) collectionsLinks(r *http.Request, lang string) ([]features.Link, error) {
	if s.meta == nil {
		return nil, nil
	}
	if s.dataset == nil {
		var links []features.Link
		for _, d := range s.meta.Files().Datasets {
			if metadata.Visible(r.Context(), d) {
				l := s.datasetRecordLinks(r, d, lang)[0]
				l.Title = t(lang, "Fiche de métadonnées ISO 19139 : ", "ISO 19139 metadata record: ") + d.Title.In(lang)
				links = append(links, l)
			}
		}
		return append(links, s.licenceLink(lang)), nil
	}
	links := append(s.describedBy(r, lang), s.licenceLink(lang))
	b, err := s.datasetBulk(r.Context())
	if err != nil {
		return nil, err
	}
	f := metadata.FormatGeoPackage
	file, _, err := s.downloads.readyBulk(r.Context(), s, b, f, describeWait)
	if err != nil {
		return nil, err
	}
	return append(links, features.Link{
		Href:     s.rootBase(r) + "/datasets/" + s.dataset.ID + "/download/" + wholeDataset + "." + f.Ext,
		Rel:      "enclosure",
		Type:     f.MediaType,
		Title:    fmt.Sprintf(t(lang, "%s : le jeu de données entier (%s, une couche par collection)", "%s: the whole dataset (%s, one layer per collection)"), s.dataset.Title.In(lang), f.Name),
		Length:   file.size,
		Hreflang: "fr",
	}), nil
}

// apiInfo is the info object of the OpenAPI definition: the licence and
// the contact of the metadata files, and on a dataset's API its title and
// abstract.
func (s *Server) apiInfo(lang string) obj {
	info := obj{
		"title":       s.opts.Title.In(lang),
		"version":     "1.0.0",
		"description": t(lang, "Données de référence du territoire selon OGC API – Features.", "The territory's reference data through OGC API – Features."),
		"license":     obj{"name": "Licence Ouverte 2.0", "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"},
	}
	if s.meta == nil {
		return info
	}
	files := s.meta.Files()
	info["license"] = obj{"name": files.Licence.Title.In(lang), "url": files.Licence.Href}
	contact := obj{"name": files.Organisation.Name.In(lang), "email": files.Organisation.Email}
	if files.Organisation.Website != "" {
		contact["url"] = files.Organisation.Website
	}
	info["contact"] = contact
	if s.dataset != nil {
		info["description"] = strings.TrimSpace(s.dataset.Abstract.In(lang)) + t(lang, " Service de téléchargement INSPIRE fondé sur OGC API – Features.", " INSPIRE download service based on OGC API – Features.")
	}
	return info
}
