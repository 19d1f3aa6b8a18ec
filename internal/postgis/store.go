// Package postgis is Socle's PostgreSQL/PostGIS store: the schema and its
// migrations, the compilation of resolved queries (socle.ItemsQuery) to SQL
// with bound parameters, vector tiles, the writes of imports and updater
// batches, and the change notifications (LISTEN/NOTIFY). Its books (keys,
// audit, jobs, deposits) are the ledger's.
//
// It may import the domain (internal/socle), the ledger and the standards
// (ogc/…); it never writes HTTP and never checks a request: what it is
// given is resolved.
package postgis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/socle-geo/socle/internal/ledger"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/zan"
)

// Schema is the PostgreSQL schema that holds Socle's tables.
const Schema = "socle"

// StorageSRID is the territory's CRS: Lambert-93.
const StorageSRID = socle.StorageSRID

// Options tune the connection pool.
type Options struct {
	// MaxConns bounds the pool; 0 means 4 per core, at least 8.
	MaxConns int32
	// AcquireTimeout is how long a request waits for a free connection
	// before the store answers EUNAVAILABLE.
	AcquireTimeout time.Duration
	// StatementTimeout bounds every statement on the server side.
	StatementTimeout time.Duration
	// Allowance is the share of the 2011–2021 reference each commune may
	// consume 2021–2031 (the law's half unless a regional plan set another).
	Allowance zan.Allowance
	// EPCINames name the intercommunality's row of the artificialisation
	// collection, which the communes know only by SIREN.
	EPCINames zan.EPCINames
	// ReadURLs are servers for reads (hot standbys of the primary): each a
	// URL, possibly multi-host with target_session_attrs. None: every
	// read goes to the primary.
	ReadURLs []string
	// AuditHold bounds the audit entries held in memory while no primary
	// accepts writes (0: 10,000); see AppendAudit.
	AuditHold int
}

// Store is a PostGIS-backed store of the territory's layers.
type Store struct {
	// The books (keys, audit, jobs, deposited files) are the ledger's.
	*ledger.Ledger
	pool    *pgxpool.Pool
	catalog *socle.Catalog
	opts    Options
	// reads routes reads to standbys; nil without any.
	reads *readRouter
	// audit holds the audit entries written while no primary accepts
	// writes.
	audit *auditHold

	mu sync.Mutex
	// summaries caches each collection's summary, valid while its version holds.
	summaries map[string]socle.Summary
	// density is each collection's features per square metre, learnt from
	// the bbox pages served (narrowPage).
	density map[string]float64
	// columns caches select lists (jsonColumns).
	columns sync.Map
}

// Open connects to the database at url (the primary: writes, change
// notifications, the books). With opts.ReadURLs, reads of the data go to
// those servers (hot standbys) while they answer and have replayed the
// changes the caches were told of. It does not migrate.
func Open(ctx context.Context, url string, catalog *socle.Catalog, opts Options) (*Store, error) {
	if opts.AcquireTimeout == 0 {
		opts.AcquireTimeout = 2 * time.Second
	}
	if opts.StatementTimeout == 0 {
		opts.StatementTimeout = 30 * time.Second
	}
	pool, err := newPool(ctx, url, "socle", opts)
	if err != nil {
		return nil, err
	}
	s := &Store{Ledger: ledger.New(ledger.Postgres(pool, dbError)), pool: pool, catalog: catalog, opts: opts, summaries: map[string]socle.Summary{}, density: map[string]float64{}}
	if opts.AuditHold <= 0 {
		opts.AuditHold = defaultAuditHold
	}
	s.audit = &auditHold{max: opts.AuditHold, write: s.Ledger.AppendAudit}
	if len(opts.ReadURLs) > 0 {
		s.reads = &readRouter{}
		for _, u := range opts.ReadURLs {
			rp, err := newPool(ctx, u, "socle-read", opts)
			if err != nil {
				s.Close()
				return nil, err
			}
			s.reads.replicas = append(s.reads.replicas, &replica{name: hosts(rp.Config().ConnConfig), pool: rp,
				books: ledger.New(ledger.Postgres(rp, dbError))})
		}
	}
	return s, nil
}

// newPool makes the connection pool of one database URL.
func newPool(ctx context.Context, url, app string, opts Options) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgis: invalid database URL: %w", err)
	}
	plainOnLoopback(&cfg.ConnConfig.Config, url)
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	rp := cfg.ConnConfig.RuntimeParams
	rp["application_name"] = app
	rp["search_path"] = Schema + ",public"
	rp["TimeZone"] = "UTC"
	rp["statement_timeout"] = strconv.FormatInt(opts.StatementTimeout.Milliseconds(), 10)
	// Measured on the 250,000-address territory (docs/benchmarks.md, "Query
	// plans"): with default settings a page filtered by commune_insee took
	// 55–127 ms instead of 0.6 ms, the time going to JIT compilation of a
	// query that reads 101 rows; a parallel count of the same filter took
	// 55 ms instead of 33 ms, its workers each paying PostGIS start-up.
	rp["jit"] = "off"
	rp["max_parallel_workers_per_gather"] = "0"
	// A client that leaves cancels its statement on the server, and the
	// connection goes back to the pool instead of being closed: a new one
	// pays PostGIS's start-up again (250–940 ms measured on the first page).
	cfg.ConnConfig.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 2 * time.Second}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgis: %w", err)
	}
	return pool, nil
}

// The PostGIS store keeps everything Socle keeps.
var _ socle.Store = (*Store)(nil)

// Close closes the pools, once the audit entries held while no primary
// accepted writes are written (it tries for a few seconds, and says how
// many are lost).
func (s *Store) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err := s.audit.close(ctx)
	if s.reads != nil {
		for _, r := range s.reads.replicas {
			r.pool.Close()
		}
	}
	s.pool.Close()
	return err
}

// Ping checks that the database answers. With read servers, one of them
// answering is enough: reads are served while there is no primary (a
// failover), and a load balancer must keep sending them.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var one int
	err := s.pool.QueryRow(ctx, "SELECT 1").Scan(&one)
	if err != nil && s.reads != nil {
		for _, r := range s.reads.replicas {
			if r.pool.QueryRow(ctx, "SELECT 1").Scan(&one) == nil {
				return nil
			}
		}
	}
	if err != nil {
		return &socle.Error{Code: socle.EUNAVAILABLE, Message: "the database does not answer", Err: err}
	}
	return nil
}

// PrimaryAnswers tells whether the primary (writes) answers.
func (s *Store) PrimaryAnswers(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var one int
	return s.pool.QueryRow(ctx, "SELECT 1").Scan(&one) == nil
}

// acquire takes a connection, waiting at most AcquireTimeout: a full pool
// queues briefly, then the caller is told to retry rather than left hanging.
// A server that refuses connections (restarting, or a failover under way)
// is asked again every 100 ms within the same time.
func (s *Store) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	actx, cancel := context.WithTimeout(ctx, s.opts.AcquireTimeout)
	defer cancel()
	c, err := s.pool.Acquire(actx)
	for err != nil && actx.Err() == nil && connLost(err) {
		select {
		case <-actx.Done():
		case <-time.After(100 * time.Millisecond):
			c, err = s.pool.Acquire(actx)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &socle.Error{Code: socle.EUNAVAILABLE, Message: "the server is busy, retry shortly", Err: err}
	}
	return c, nil
}

// dbError maps a database error to a domain error.
func dbError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57014": // query_canceled: statement_timeout
			return &socle.Error{Code: socle.ETIMEOUT, Message: "the query took too long; narrow it (bbox, filter, limit)", Err: err}
		case "22P02", "22003", "22007", "22008", "22023", "22012", "2201F", "2201E", "22019", "22025", "XX000":
			// invalid input, out of range, bad datetime, division by zero,
			// invalid power or logarithm argument, bad LIKE escape; XX000 is
			// what PostGIS raises for a geometry it cannot process
			return &socle.Error{Code: socle.EINVALID, Message: "a value in the request is out of range or malformed", Err: err}
		case "53300": // too many connections
			return &socle.Error{Code: socle.EUNAVAILABLE, Message: "the database is busy, retry shortly", Err: err}
		case "25006": // read_only_sql_transaction: a write reached a standby (no primary yet)
			return &socle.Error{Code: socle.EUNAVAILABLE, Message: "the database accepts no writes now (failover); retry shortly", Err: err}
		}
	}
	if connLost(err) {
		// A restart, a stop or a failover of the server is not an error of
		// Socle's: the caller may retry.
		return &socle.Error{Code: socle.EUNAVAILABLE, Message: "the database does not answer; retry shortly", Err: err}
	}
	return &socle.Error{Code: socle.EINTERNAL, Message: "database error", Err: err}
}

// table returns the sanitized, schema-qualified table of a collection.
func table(c *socle.Collection) string {
	return pgx.Identifier{Schema, c.ID}.Sanitize()
}

// idColumn is the column that holds feature ids.
func idColumn(c *socle.Collection) string { return c.IDCol() }

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }
