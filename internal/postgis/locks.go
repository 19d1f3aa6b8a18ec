package postgis

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/socle-geo/socle/internal/socle"
)

// TryLock takes the session-level advisory lock of name on the primary,
// on a connection kept for as long as the lock is held: when this process
// dies, or loses the connection, PostgreSQL releases the lock and another
// instance may take it.
func (s *Store) TryLock(ctx context.Context, name string) (socle.Lock, bool, error) {
	conn, err := s.acquire(ctx)
	if err != nil {
		return nil, false, err
	}
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock(hashtextextended($1, 0))", lockPrefix+name).Scan(&ok); err != nil {
		conn.Release()
		return nil, false, dbError(ctx, err)
	}
	if !ok {
		conn.Release()
		return nil, false, nil
	}
	return &advisoryLock{conn: conn, name: lockPrefix + name}, true, nil
}

// lockPrefix keeps Socle's lock names apart from other users of advisory
// locks in the same database.
const lockPrefix = "socle:"

var _ socle.Locks = (*Store)(nil)

type advisoryLock struct {
	conn *pgxpool.Conn
	name string
}

func (l *advisoryLock) Held(ctx context.Context) bool {
	if l.conn == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	// The lock is held while the session that took it lives.
	if err := l.conn.Ping(ctx); err != nil {
		l.Unlock()
		return false
	}
	return true
}

func (l *advisoryLock) Unlock() {
	if l.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := l.conn.Exec(ctx, "SELECT pg_advisory_unlock(hashtextextended($1, 0))", l.name); err != nil {
		// A session whose unlock failed may still hold it: close it.
		_ = l.conn.Conn().Close(ctx)
	}
	l.conn.Release()
	l.conn = nil
}
