package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/socle-geo/socle/internal/socle"
)

// revertCmd undoes any batch — an import, an update, a copy — by the change
// log: socle revert BATCH (socle update revert BATCH is the same).
func revertCmd(ctx context.Context, e *env, args []string) (err error) {
	rest, err := e.parse("revert", args, nil)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("usage: socle revert BATCH (the batch ids are in the import and update reports, and at /metadata and /admin/audit)")
	}
	log := e.cfg.Logger()
	store, err := e.openStore(ctx, socle.DefaultCatalog(), log, false)
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := store.Revert(ctx, rest[0], actor())
	status, detail := 0, ""
	if err != nil {
		status, detail = 1, err.Error()
	} else {
		detail = fmt.Sprintf("revert batch %s: %d restored, %d removed, %d reinserted", res.RevertBatch, res.Restored, res.Removed, res.Reinserted)
	}
	_ = store.AppendAudit(context.WithoutCancel(ctx), socle.AuditEntry{Time: time.Now().UTC(), Actor: actor(), Action: "revert",
		Target: rest[0], Remote: "cli", Status: status, Detail: detail})
	if err != nil {
		return err
	}
	printRevert(e, res)
	return nil
}

// printRevert says what a revert did.
func printRevert(e *env, res socle.RevertResult) {
	var parts []string
	for c, n := range res.Collections {
		parts = append(parts, fmt.Sprintf("%s %d", c, n))
	}
	sort.Strings(parts)
	fmt.Fprintf(e.stdout, "batch %s reverted (revert batch %s): %d features put back as they were, %d removed, %d restored after a retirement [%s]\n",
		res.BatchID, res.RevertBatch, res.Restored, res.Removed, res.Reinserted, strings.Join(parts, ", "))
}
