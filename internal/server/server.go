// Package server is Socle's HTTP layer: routes, the call of each request
// (caller, language) worked out once at the edge, content negotiation, the
// OGC API documents and their encoders, the airlock. A handler reads top to
// bottom: parse the parameters, resolve them (socle.ResolveItems), call the
// store once, encode.
//
// It may import the domain, auth, metadata, the updater (for the airlock)
// and the standards (ogc/…); it never imports a store and never builds SQL.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"

	"github.com/socle-geo/socle/internal/auth"
	"github.com/socle-geo/socle/internal/metadata"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/tiles"
)

// Store is what the HTTP layer needs of a store: features, tiles and the
// lineage of the data it serves.
type Store interface {
	socle.FeatureReader
	socle.TileReader
	socle.Lineage
	socle.ChangeFeed
	Ping(ctx context.Context) error
}

// Options configure the server.
type Options struct {
	// Metrics says who may read /metrics: MetricsAdmin (the default, "":
	// callers with the right admin), MetricsOpen or MetricsOff.
	Metrics string
	// BaseURL is the public URL of the API root, without a trailing slash;
	// empty means derived from each request.
	BaseURL string
	// Title names the service (the territory).
	Title socle.Text
	// DefaultLimit and MaxLimit bound item pages.
	DefaultLimit, MaxLimit int
	// RequestTimeout bounds a request's work (not its streaming).
	RequestTimeout time.Duration
	// CORSOrigins lists the origins allowed to read the API; "*" for any.
	CORSOrigins []string
	// TileCacheBytes bounds the tile cache (0: 256 MiB; negative: none).
	TileCacheBytes int64
	// FeatureCacheBytes bounds the cache of single-feature responses (0:
	// 64 MiB; negative: none). Both caches rely on the store's change
	// notifications reaching Invalidate.
	FeatureCacheBytes int64
	// Now is the clock (fixed in golden tests).
	Now func() time.Time
	// Metadata are the territory's metadata files; nil means the sample
	// territory's.
	Metadata *metadata.Files
	// WarmDownloads makes the datasets' bulk downloads in the background,
	// at start and after every change, so that clients never wait for
	// them (socle serve sets it; tests make them on demand).
	WarmDownloads bool
	// Auth resolves credentials; nil leaves every caller anonymous.
	Auth *auth.Authenticator
	// Audit records writes and reads of restricted data; nil keeps none.
	Audit AuditLog
	// OIDCIssuer, when set, is declared in the OpenAPI document.
	OIDCIssuer string
	// MaxBodyBytes bounds request bodies (0: 32 MiB).
	MaxBodyBytes int64
	// MaxGPKGBytes bounds a GeoPackage made for a query (0: 512 MiB).
	MaxGPKGBytes int64
	// RateLimit is the requests per minute of one credential (anonymous
	// callers: of one address); RateLimitAddress of one address whatever
	// the credential. 0: no limit.
	RateLimit, RateLimitAddress int
	// Airlock takes deposits (POST /ingest/…); nil refuses them.
	Airlock *Airlock
}

// Server serves the OGC API.
type Server struct {
	store Store
	// catalog is the catalog as served: without personal properties where
	// they may not be shown (servedCatalog); served lists, per collection
	// that hides some, the properties a query returns.
	catalog *socle.Catalog
	served  map[string][]string
	log     *slog.Logger
	opts    Options

	tms         []*tiles.TileMatrixSet
	tiles       *responseCache
	tileFlights tileFlights
	// features caches single-feature JSON responses of public collections.
	features *responseCache

	// meta makes the metadata records (nil without metadata files).
	meta *metadata.Catalogue
	// dataset is set on the API of one dataset (/datasets/{id}), which runs
	// under its parent's middleware with links under prefix.
	dataset   *metadata.DatasetFile
	prefix    string
	subs      map[string]*datasetAPI
	downloads *downloadCache
	// selections lets each caller make one GeoPackage of a query at a
	// time (shared with the datasets' APIs).
	selections *callerGate
	metrics    *metrics
}

// New returns a server over store.
// CacheBytes is the most the response caches hold, its datasets' included:
// what of the heap the server may keep however long it runs.
func (s *Server) CacheBytes() int64 {
	n := max(s.tiles.max, 0) + max(s.features.max, 0)
	for _, d := range s.subs {
		n += d.srv.CacheBytes()
	}
	return n
}

func New(store Store, catalog *socle.Catalog, log *slog.Logger, opts Options) *Server {
	if opts.DefaultLimit == 0 {
		opts.DefaultLimit = 10
	}
	if opts.MaxLimit == 0 {
		opts.MaxLimit = 10000
	}
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = 60 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Title.FR == "" {
		opts.Title = socle.Text{FR: "Socle — données de référence du territoire", EN: "Socle — the territory's reference data"}
	}
	if opts.TileCacheBytes == 0 {
		opts.TileCacheBytes = 256 << 20
	}
	if opts.FeatureCacheBytes == 0 {
		opts.FeatureCacheBytes = 64 << 20
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 32 << 20
	}
	if opts.MaxGPKGBytes == 0 {
		opts.MaxGPKGBytes = 512 << 20
	}
	opts.BaseURL = strings.TrimSuffix(opts.BaseURL, "/")
	tms, err := tiles.Load()
	if err != nil {
		panic(err) // embedded definitions: a build error, not a run-time one
	}
	served, selections := servedCatalog(catalog)
	s := &Server{store: store, catalog: served, served: selections, log: log, opts: opts, tms: tms, tiles: newResponseCache(opts.TileCacheBytes),
		features: newResponseCache(opts.FeatureCacheBytes), selections: &callerGate{busy: map[string]bool{}}}
	s.metrics = newMetrics(s)
	s.initMetadata()
	return s
}

// compressedTypes are the media types worth compressing: text, JSON and
// XML. Not tiles (cached and sent as stored, as pg_tileserv does), images,
// archives, GeoPackages or FlatGeobuf.
var compressedTypes = []string{"application/json", "application/geo+json", "text/html", "text/css", "text/csv",
	"application/vnd.ogc.fg+json", "application/vnd.oai.openapi+json", "application/schema+json",
	"application/problem+json", "application/xml", "text/xml"}

// compressAsked compresses the answers to requests that accept gzip
// (klauspost's gzhttp), and leaves the others unwrapped: for them the
// wrapper would only add a Vary (chi's wrapper cost ~4 % of a single
// feature's CPU for nothing, issue 18).
//
// gzhttp rather than chi's Compress: chi takes a gzip writer from its pool
// and resets it for every request that accepts gzip, before it knows
// whether the answer is compressible. Once the writers have compressed
// something, each reset clears ~640 KB of tables: an empty tile cost twice
// the CPU after a few pages had been compressed. gzhttp starts a writer
// only for an answer of a compressed type and of MinSize bytes or more.
// BestSpeed with klauspost's encoder compresses the kit's pages 4–7 times
// faster than the standard library's level 5, for 14–18 % more bytes
// (docs/benchmarks.md, issue 18). Answers are gzip or plain: no zstd, and
// no longer deflate (chi's), which clients send beside gzip, not alone.
func compressAsked() func(http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(gzhttp.ContentTypes(compressedTypes), gzhttp.CompressionLevel(gzip.BestSpeed),
		gzhttp.MinSize(gzhttp.DefaultMinSize), gzhttp.EnableZstd(false))
	if err != nil {
		panic(err) // fixed options: a programming error
	}
	return func(next http.Handler) http.Handler {
		c := wrap(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := r.Header["Accept-Encoding"]; !ok {
				next.ServeHTTP(w, r)
				return
			}
			c.ServeHTTP(w, r)
		})
	}
}

// Handler returns the HTTP handler with every route and middleware.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	if s.dataset == nil { // a dataset's API runs under its parent's middleware
		byAddress, byCaller := s.rateLimits()
		r.Use(s.recoverer, s.accessLog, s.cors, s.limitBody, byAddress, s.authenticate, byCaller)
		r.Use(compressAsked())
	}
	r.Use(middleware.GetHead)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.problemStatus(w, r, http.StatusNotFound, "no resource at this path")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		s.problemStatus(w, r, http.StatusMethodNotAllowed, "this resource is read-only: use GET")
	})
	if s.dataset == nil { // the service's, not a dataset API's
		r.Get("/healthz", s.healthz)
		r.Get("/readyz", s.readyz)
		s.metricsRoute(r)
		r.With(s.Require(auth.RightAdmin)).Get("/admin/audit", s.adminAudit)
	}
	r.Get("/", s.landing)
	r.Get("/conformance", s.conformance)
	r.Get("/api", s.api)
	r.Get("/collections", s.collections)
	r.Get("/collections/{collectionId}", s.collection)
	r.Get("/collections/{collectionId}/queryables", s.queryables)
	r.Get("/collections/{collectionId}/schema", s.schema)
	r.Get("/collections/{collectionId}/items", s.items)
	r.Get("/collections/{collectionId}/items/{featureId}", s.feature)
	r.Get("/collections/{collectionId}/changes", s.changes)
	r.Get("/changes.atom", s.changesAtom)
	r.Get("/tileMatrixSets", s.tileMatrixSets)
	r.Get("/tileMatrixSets/{tmsId}", s.tileMatrixSetDoc)
	r.Get("/tiles", s.tilesets)
	r.Get("/tiles/{tmsId}", s.tileset)
	r.Get("/tiles/{tmsId}/{tileMatrix}/{tileRow}/{tileCol}", s.tile)
	r.Get("/collections/{collectionId}/tiles", s.tilesets)
	r.Get("/collections/{collectionId}/tiles/{tmsId}", s.tileset)
	r.Get("/collections/{collectionId}/tiles/{tmsId}/{tileMatrix}/{tileRow}/{tileCol}", s.tile)
	r.Get("/styles", s.styleList)
	r.Get("/styles/{styleId}", s.style)
	r.Get("/assets/*", s.assets)
	s.metadataRoutes(r)
	s.ingestRoutes(r)
	if s.dataset == nil {
		return s.requestContext(r)
	}
	return r
}

// base returns the API root URL for links.
func (s *Server) base(r *http.Request) string {
	if s.opts.BaseURL != "" {
		return s.opts.BaseURL + s.prefix
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + s.prefix
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Ping(r.Context()); err != nil {
		s.problem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ready\n"))
	// The read servers (hot standbys), when there are some: a standby down
	// leaves the instance ready, its reads go elsewhere.
	if rs, ok := s.store.(replicaReporter); ok {
		replicas := rs.ReplicaStatus(r.Context())
		if len(replicas) > 0 && !rs.PrimaryAnswers(r.Context()) {
			fmt.Fprintf(w, "primary: does not answer (reads go on; writes answer 503 until a primary is back)\n")
		}
		if ah, ok := s.store.(auditHolder); ok {
			if n := ah.AuditHeld(); n > 0 {
				fmt.Fprintf(w, "audit: %d entries held until a primary accepts writes\n", n)
			}
		}
		for _, st := range replicas {
			switch {
			case st.Error != "":
				fmt.Fprintf(w, "replica %s: down (%s)\n", st.Name, st.Error)
			case st.Primary:
				fmt.Fprintf(w, "replica %s: not a standby (promoted)\n", st.Name)
			default:
				fmt.Fprintf(w, "replica %s: lag %d bytes, %.3f s%s\n", st.Name, st.LagBytes, st.LagSeconds, map[bool]string{true: ", set aside"}[st.Down])
			}
		}
	}
}

// auditHolder is a store that holds audit entries while no primary
// accepts writes (PostGIS).
type auditHolder interface{ AuditHeld() int }

// replicaReporter is a store with read servers (PostGIS with
// --database-read-url).
type replicaReporter interface {
	ReplicaStatus(ctx context.Context) []socle.ReplicaStatus
	PrimaryAnswers(ctx context.Context) bool
}
