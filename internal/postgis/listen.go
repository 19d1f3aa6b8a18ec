package postgis

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/socle-geo/socle/internal/socle"
)

// ListenChanges calls onChange for every committed change to the data, made
// by this process, another Socle instance or a command-line import, until
// ctx ends. It holds one connection of its own (outside the pool) and
// reconnects when it drops; since notifications sent meanwhile are lost,
// onReset is called after every (re)connection so that caches start afresh.
// It listens on the primary: notifications are not replicated to standbys.
func (s *Store) ListenChanges(ctx context.Context, log *slog.Logger, onChange func(socle.Change), onReset func()) {
	cfg := s.pool.Config().ConnConfig.Copy()
	delay := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listen(ctx, cfg, onChange, onReset)
		if ctx.Err() != nil {
			return
		}
		log.Warn("change notifications interrupted; reconnecting", "error", err, "in", delay)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, 10*time.Second)
	}
}

func (s *Store) listen(ctx context.Context, cfg *pgx.ConnConfig, onChange func(socle.Change), onReset func()) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+ident(ChangesChannel)); err != nil {
		return err
	}
	// With read replicas, reads after a reset or a change wait for the
	// standbys to replay up to now (see readRouter).
	if err := s.noteCommitted(ctx, conn); err != nil {
		return err
	}
	onReset()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if err := s.noteCommitted(ctx, conn); err != nil {
			return err
		}
		var ch socle.Change
		if err := json.Unmarshal([]byte(n.Payload), &ch); err != nil || ch.Collection == "" {
			ch = socle.Change{Collection: ch.Collection, All: true}
			if ch.Collection == "" {
				onReset()
				continue
			}
		}
		onChange(ch)
	}
}
