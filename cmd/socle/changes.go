package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/socle-geo/socle/internal/socle"
)

// changesCmd manages the change log: socle changes prune --older-than D.
func changesCmd(ctx context.Context, e *env, args []string) error {
	var olderThan time.Duration
	rest, err := e.parse("changes", args, func(fs *flag.FlagSet) {
		fs.DurationVar(&olderThan, "older-than", 0, "prune: forget the changes of the batches finished longer ago than this")
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 || rest[0] != "prune" || olderThan <= 0 {
		return errors.New("usage: socle changes prune --older-than DURATION (e.g. 8760h for a year): the feeds then start after it, and those batches can no longer be reverted")
	}
	log := e.cfg.Logger()
	store, err := e.openStore(ctx, socle.DefaultCatalog(), log, false)
	if err != nil {
		return err
	}
	defer store.Close()
	n, err := pruneOnce(ctx, store, store, time.Now().Add(-olderThan), "cli", log)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d changes pruned\n", n)
	return nil
}

// pruneOnce forgets the changes of the batches finished before cutoff; a
// prune that forgets is audited.
func pruneOnce(ctx context.Context, feed socle.ChangeFeed, audit socle.AuditLog, cutoff time.Time, remote string, log *slog.Logger) (int64, error) {
	n, err := feed.PruneChanges(ctx, cutoff)
	if err != nil {
		return 0, err
	}
	if n > 0 {
		log.Info("change log pruned", "changes", n, "before", cutoff.UTC().Format(time.RFC3339))
		_ = audit.AppendAudit(ctx, socle.AuditEntry{Time: time.Now().UTC(), Actor: actor(), Action: "prune", Target: "feature_changes",
			Remote: remote, Detail: fmt.Sprintf("%d changes of batches finished before %s", n, cutoff.UTC().Format(time.RFC3339))})
	}
	return n, nil
}
