package postgis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/socle-geo/socle/internal/socle"
)

// replicaDownFor is how long a standby that refused a connection, or lost
// one, is left aside before it is tried again.
const replicaDownFor = 3 * time.Second

// readRouter sends reads to hot standbys.
//
// Freshness: a change reaches the caches by a notification from the
// primary, which may come before a standby has replayed it; an answer read
// from that standby then and cached would hold the old data until the next
// change. So the listener notes, for every notification, the primary's WAL
// position once the change is committed (need), and a read goes to a
// standby only when its replay position (pg_last_wal_replay_lsn) has
// reached it; otherwise to another standby, or to the primary. Together
// with the caches' own rule (an answer computed across a notification is
// not kept), nothing older than a notified change is cached, and no read
// that starts after a notification sees the data before it. A read between
// a commit and its notification (a few milliseconds) may be as old as the
// standby's replay lag.
type readRouter struct {
	replicas []*replica
	next     atomic.Uint32
	// need is the WAL position of the last change notified (0: none yet).
	need atomic.Uint64
	// behind counts the reads sent elsewhere because a standby had not
	// replayed a notified change yet.
	behind atomic.Int64
}

// replica is the pool of one read URL (one standby, or several hosts of a
// multi-host URL).
type replica struct {
	name string
	pool *pgxpool.Pool
	// downUntil (Unix nanoseconds) sets the replica aside after a failure.
	downUntil atomic.Int64

	mu sync.Mutex
	// replayed is the replay position last seen per server address: a
	// position only grows, so a server seen past need needs no new look.
	replayed map[string]uint64
}

func (r *replica) down(now time.Time) bool { return r.downUntil.Load() > now.UnixNano() }

// setAside leaves the replica out of reads for a while and drops its
// pooled connections, which a restart or a stop left dead.
func (r *replica) setAside() {
	r.downUntil.Store(time.Now().Add(replicaDownFor).UnixNano())
	r.pool.Reset()
}

// noteLSN raises the position reads must have replayed to lsn.
func (rr *readRouter) noteLSN(lsn uint64) {
	for {
		cur := rr.need.Load()
		if lsn <= cur || rr.need.CompareAndSwap(cur, lsn) {
			return
		}
	}
}

// acquire returns a connection of a standby that answers and has replayed
// what the caches were told of, trying each in turn, or nil.
func (rr *readRouter) acquire(ctx context.Context, timeout time.Duration) (*pgxpool.Conn, *replica) {
	need := rr.need.Load()
	n := len(rr.replicas)
	start := int(rr.next.Add(1))
	now := time.Now()
	for i := range n {
		r := rr.replicas[(start+i)%n]
		if r.down(now) {
			continue
		}
		actx, cancel := context.WithTimeout(ctx, timeout)
		c, err := r.pool.Acquire(actx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil
			}
			var ce *pgconn.ConnectError
			if errors.As(err, &ce) {
				r.setAside()
			}
			continue
		}
		if need > 0 && !r.fresh(ctx, c, need) {
			c.Release()
			rr.behind.Add(1)
			continue
		}
		return c, r
	}
	return nil, nil
}

// fresh tells whether the server of c has replayed the WAL up to need.
func (r *replica) fresh(ctx context.Context, c *pgxpool.Conn, need uint64) bool {
	host := c.Conn().PgConn().Conn().RemoteAddr().String()
	r.mu.Lock()
	seen := r.replayed[host]
	r.mu.Unlock()
	if seen >= need {
		return true
	}
	var lsn *string
	if err := c.QueryRow(ctx, "SELECT pg_last_wal_replay_lsn()::text").Scan(&lsn); err != nil {
		return false
	}
	if lsn == nil {
		return true // not in recovery: a primary (after a failover) has everything
	}
	v, ok := parseLSN(*lsn)
	if !ok {
		return false
	}
	r.mu.Lock()
	if r.replayed == nil {
		r.replayed = map[string]uint64{}
	}
	r.replayed[host] = max(r.replayed[host], v)
	r.mu.Unlock()
	return v >= need
}

// parseLSN reads a WAL position written as PostgreSQL writes pg_lsn
// ("16/B374D848").
func parseLSN(s string) (uint64, bool) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, false
	}
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return h<<32 | l, true
}

// noteCommitted records, for the caches' freshness rule, the primary's WAL
// position now: conn is the listener's connection to the primary, and
// every change notified so far was committed before it.
func (s *Store) noteCommitted(ctx context.Context, conn *pgx.Conn) error {
	if s.reads == nil {
		return nil
	}
	var lsn string
	if err := conn.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn); err != nil {
		return err
	}
	if v, ok := parseLSN(lsn); ok {
		s.reads.noteLSN(v)
	}
	return nil
}

// acquireRead takes a connection for reading the data: a standby's when
// one answers and is fresh enough, else the primary's. r is the standby,
// nil for the primary.
func (s *Store) acquireRead(ctx context.Context) (*pgxpool.Conn, *replica, error) {
	if s.reads != nil {
		if c, r := s.reads.acquire(ctx, s.opts.AcquireTimeout); c != nil {
			return c, r, nil
		}
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
	}
	c, err := s.acquire(ctx)
	return c, nil, err
}

// read runs fn, an idempotent read, on a connection from acquireRead. When
// fn fails because its connection was lost (the server restarted, stopped,
// or failed over) before anything was sent to the client (*sent false, or
// sent nil), the server it came from is set aside (a standby) or its pooled
// connections dropped (the primary), and fn runs once more on a fresh
// connection: a fast restart or a failover costs no failed request.
func (s *Store) read(ctx context.Context, sent *bool, fn func(*pgxpool.Conn) error) error {
	for attempt := 0; ; attempt++ {
		conn, r, err := s.acquireRead(ctx)
		if err != nil {
			return err
		}
		err = fn(conn)
		lost := err != nil && ctx.Err() == nil && (connLost(err) || conn.Conn().IsClosed())
		conn.Release()
		if !lost {
			return err
		}
		if r != nil {
			r.setAside()
		} else {
			s.pool.Reset()
		}
		if attempt > 0 || (sent != nil && *sent) {
			return err
		}
	}
}

// connLost tells whether err means the connection or the server went
// away, rather than that the statement failed: the server ended the
// session (57P01 admin shutdown, 57P02 crash shutdown, 57P03 starting or
// stopping), any connection exception (class 08), or the socket failed.
func connLost(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03", strings.HasPrefix(pgErr.Code, "08"):
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.SafeToRetry(err)
}

// ReplicaStatus reports each read server: whether it answers, and how far
// behind the primary its replay is, in bytes of WAL and in seconds (0 when
// it has replayed everything it received).
func (s *Store) ReplicaStatus(ctx context.Context) []socle.ReplicaStatus {
	if s.reads == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var primary uint64
	var plsn string
	if err := s.pool.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&plsn); err == nil {
		primary, _ = parseLSN(plsn)
	}
	out := make([]socle.ReplicaStatus, 0, len(s.reads.replicas))
	for _, r := range s.reads.replicas {
		st := socle.ReplicaStatus{Name: r.name, Down: r.down(time.Now())}
		var lsn *string
		var secs float64
		err := r.pool.QueryRow(ctx, `SELECT pg_last_wal_replay_lsn()::text,
			CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
				ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8`).Scan(&lsn, &secs)
		switch {
		case err != nil:
			st.Error = "does not answer"
			st.Down = true
		case lsn == nil:
			st.Primary = true
		default:
			st.LagSeconds = secs
			if v, ok := parseLSN(*lsn); ok && primary > v {
				st.LagBytes = int64(primary - v)
			}
		}
		out = append(out, st)
	}
	return out
}

// ReadsBehind counts the reads sent to the primary (or another standby)
// because a standby had not yet replayed a notified change.
func (s *Store) ReadsBehind() int64 {
	if s.reads == nil {
		return 0
	}
	return s.reads.behind.Load()
}

// hosts names the servers of a connection configuration, for logs and
// status ("127.0.0.1:5433,127.0.0.1:5434").
func hosts(c *pgx.ConnConfig) string {
	names := []string{fmt.Sprintf("%s:%d", c.Host, c.Port)}
	for _, f := range c.Fallbacks {
		names = append(names, fmt.Sprintf("%s:%d", f.Host, f.Port))
	}
	return strings.Join(names, ",")
}
