package server

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/socle-geo/socle/internal/auth"
	"github.com/socle-geo/socle/internal/socle"
)

// Who may read /metrics (Options.Metrics).
const (
	MetricsAdmin = "admin" // callers with the right admin (the default)
	MetricsOpen  = "open"  // anyone who reaches the port: a private network only
	MetricsOff   = "off"
)

// metrics are the server's Prometheus metrics, in a registry of its own
// (no package globals): requests, latency, caches, and what the store
// reports at each scrape (pools, replica lag, jobs).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	changes  *prometheus.CounterVec
	// byRoute holds each route's and status's series once looked up:
	// WithLabelValues hashes its labels at every call, ~2 % of a single
	// feature's CPU.
	byRoute sync.Map // routeStatus → *routeSeries
}

type routeStatus struct {
	route  string
	status int
}

type routeSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "socle_http_requests_total",
			Help: "HTTP requests answered, by route pattern and status code."}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "socle_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"route"}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "socle_changes_notified_total",
			Help: "Committed batches notified to the caches (from any instance), by collection."}, []string{"collection"}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.changes,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for name, c := range map[string]*responseCache{"tiles": s.tiles, "features": s.features} {
		c := c
		m.reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "socle_cache_hits_total", Help: "Answers served from a cache.",
				ConstLabels: prometheus.Labels{"cache": name}}, func() float64 { return float64(c.hits.Load()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "socle_cache_misses_total", Help: "Answers not found in a cache.",
				ConstLabels: prometheus.Labels{"cache": name}}, func() float64 { return float64(c.misses.Load()) }),
		)
	}
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "socle_tile_renders",
			Help: "Tiles being rendered (uncached), each shared by the requests that ask for it meanwhile."},
			func() float64 { r, _ := s.tileFlights.load(); return float64(r) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "socle_tile_render_waiters",
			Help: "Tile requests waiting on a render (more than socle_tile_renders: requests sharing one)."},
			func() float64 { _, w := s.tileFlights.load(); return float64(w) }),
	)
	m.reg.MustRegister(&storeCollector{s: s})
	return m
}

// observe records one answered request.
func (m *metrics) observe(r *http.Request, status int, took time.Duration) {
	route := "unmatched"
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if p := rc.RoutePattern(); p != "" {
			route = p
		}
	}
	key := routeStatus{route, status}
	v, ok := m.byRoute.Load(key)
	if !ok {
		v, _ = m.byRoute.LoadOrStore(key, &routeSeries{
			requests: m.requests.WithLabelValues(route, strconv.Itoa(status)),
			duration: m.duration.WithLabelValues(route),
		})
	}
	rs := v.(*routeSeries)
	rs.requests.Inc()
	rs.duration.Observe(took.Seconds())
}

// metricsHandler serves the registry as Prometheus text.
func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{ErrorLog: nil})
}

// metricsRoute mounts /metrics as Options.Metrics says.
func (s *Server) metricsRoute(r chi.Router) {
	switch s.opts.Metrics {
	case MetricsOff:
	case MetricsOpen:
		r.Method(http.MethodGet, "/metrics", s.metricsHandler())
	default:
		r.With(s.Require(auth.RightAdmin)).Method(http.MethodGet, "/metrics", s.metricsHandler())
	}
}

// storeCollector reads, at each scrape, what the store reports of itself.
type storeCollector struct{ s *Server }

var (
	poolConnsDesc = prometheus.NewDesc("socle_db_pool_connections", "Database connections by pool role (primary, replica), server and state.",
		[]string{"role", "server", "state"}, nil)
	poolAcquiresDesc = prometheus.NewDesc("socle_db_pool_acquires_total", "Connections taken from a pool; waited: those that had to wait for one.",
		[]string{"role", "server", "waited"}, nil)
	replicaUpDesc         = prometheus.NewDesc("socle_replica_up", "1 when a read server (hot standby) takes reads.", []string{"server"}, nil)
	replicaLagBytesDesc   = prometheus.NewDesc("socle_replica_lag_bytes", "WAL written by the primary not yet replayed by the standby.", []string{"server"}, nil)
	replicaLagSecondsDesc = prometheus.NewDesc("socle_replica_lag_seconds", "Age of the standby's last replayed transaction while it has WAL to replay (0: caught up).", []string{"server"}, nil)
	readsBehindDesc       = prometheus.NewDesc("socle_reads_behind_total", "Reads sent past a standby that had not replayed a notified change yet.", nil, nil)
	jobsPendingDesc       = prometheus.NewDesc("socle_ingest_jobs_pending", "Airlock jobs queued or running (all instances).", nil, nil)
	auditHeldDesc         = prometheus.NewDesc("socle_audit_held", "Audit entries held in memory until a primary accepts writes.", nil, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) { prometheus.DescribeByCollect(c, ch) }

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	st := c.s.store
	if ps, ok := st.(interface{ PoolStats() []socle.PoolStats }); ok {
		for _, p := range ps.PoolStats() {
			for state, v := range map[string]int32{"max": p.Max, "total": p.Total, "idle": p.Idle, "acquired": p.Acquired} {
				ch <- prometheus.MustNewConstMetric(poolConnsDesc, prometheus.GaugeValue, float64(v), p.Role, p.Name, state)
			}
			ch <- prometheus.MustNewConstMetric(poolAcquiresDesc, prometheus.CounterValue, float64(p.Acquires-p.EmptyAcquires), p.Role, p.Name, "false")
			ch <- prometheus.MustNewConstMetric(poolAcquiresDesc, prometheus.CounterValue, float64(p.EmptyAcquires), p.Role, p.Name, "true")
		}
	}
	if rr, ok := st.(replicaReporter); ok {
		for _, r := range rr.ReplicaStatus(ctx) {
			up := 1.0
			if r.Down || r.Error != "" {
				up = 0
			}
			ch <- prometheus.MustNewConstMetric(replicaUpDesc, prometheus.GaugeValue, up, r.Name)
			ch <- prometheus.MustNewConstMetric(replicaLagBytesDesc, prometheus.GaugeValue, float64(r.LagBytes), r.Name)
			ch <- prometheus.MustNewConstMetric(replicaLagSecondsDesc, prometheus.GaugeValue, r.LagSeconds, r.Name)
		}
	}
	if rb, ok := st.(interface{ ReadsBehind() int64 }); ok {
		ch <- prometheus.MustNewConstMetric(readsBehindDesc, prometheus.CounterValue, float64(rb.ReadsBehind()))
	}
	if ah, ok := st.(auditHolder); ok {
		ch <- prometheus.MustNewConstMetric(auditHeldDesc, prometheus.GaugeValue, float64(ah.AuditHeld()))
	}
	if a := c.s.opts.Airlock; a != nil {
		if jobs, err := a.store.PendingIngestJobs(ctx); err == nil {
			ch <- prometheus.MustNewConstMetric(jobsPendingDesc, prometheus.GaugeValue, float64(len(jobs)))
		}
	}
}

// cacheCounters count a cache's hits and misses.
type cacheCounters struct{ hits, misses atomic.Int64 }
