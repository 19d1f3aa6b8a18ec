package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/zan"
)

// consommationImporter is what `socle import consommation` needs of a
// store: both stores have it.
type consommationImporter interface {
	ImportConsommation(ctx context.Context, b socle.Batch, c *zan.Consommation) (zan.ConsommationResult, error)
}

// importConsommationCmd is `socle import consommation FILE.csv [--dry-run]
// [--report FILE.json|-]`: the Cerema NAF-consumption file, one row per
// commune, whose 2011–2021 total sets each commune's ZAN allowance. Rows
// of communes outside the territory are kept apart (in the batch's
// rejects, listed in the report); a row with a bad code or a non-numeric
// cell is refused with its line and column. The ZAN figures are
// recomputed from it.
func importConsommationCmd(ctx context.Context, e *env, args []string) error {
	var dry bool
	var report string
	rest, err := e.parse("import consommation", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&dry, "dry-run", false, "say what the file would do, write nothing")
		fs.StringVar(&report, "report", "", "write the JSON report to this file (- for standard output)")
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("usage: socle import consommation FILE.csv [--dry-run] [--report FILE.json|-]")
	}
	path := rest[0]
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	cons, err := zan.ReadConsommation(strings.NewReader(string(data)))
	if err != nil {
		return err
	}
	log := e.cfg.Logger()
	catalog := socle.DefaultCatalog()
	store, err := e.openStore(ctx, catalog, log, false)
	if err != nil {
		return err
	}
	defer store.Close()
	ci, ok := store.(consommationImporter)
	if !ok {
		return errors.New("this store cannot load a consommation file")
	}
	sum := sha256.Sum256(data)
	b := socle.Batch{ID: socle.NewBatchID(socle.KindConsommation, time.Now()), Kind: socle.KindConsommation,
		Source: filepath.Base(path), FileSHA256: hex.EncodeToString(sum[:]), Actor: actor(), DryRun: dry}
	res, err := ci.ImportConsommation(ctx, b, cons)
	st := 0
	if err != nil {
		st = 1
	}
	_ = store.AppendAudit(context.WithoutCancel(ctx), socle.AuditEntry{Time: time.Now().UTC(), Actor: actor(), Action: "import",
		Target: "communes", Remote: "cli", Status: st, Detail: fmt.Sprintf("import consommation %s: batch %s, %d communes stored, %d unknown, %d rejected",
			path, res.BatchID, res.Stored, len(res.Unknown), res.Rejected)})
	if err != nil {
		return err
	}
	if report != "" {
		js, _ := json.MarshalIndent(res, "", "  ")
		js = append(js, '\n')
		if report == "-" {
			_, err = e.stdout.Write(js)
		} else {
			err = os.WriteFile(report, js, 0o644)
		}
		if err != nil {
			return err
		}
		if report == "-" {
			return nil
		}
	}
	verb := "loaded"
	if dry {
		verb = "would load (dry run)"
	}
	fmt.Fprintf(e.stdout, "consommation: %s %d communes of %d rows (batch %s), %d rejected, %d outside the territory kept apart\n",
		verb, res.Stored, res.Read, res.BatchID, res.Rejected, len(res.Unknown))
	if len(res.Unknown) > 0 {
		fmt.Fprintf(e.stdout, "  communes outside the territory: %s\n", strings.Join(res.Unknown, ", "))
	}
	if len(res.Absent) > 0 {
		fmt.Fprintf(e.stdout, "  communes of the territory absent from the file (their indicators stay the land-cover estimate): %s\n", strings.Join(res.Absent, ", "))
	}
	if len(res.Missing) > 0 {
		fmt.Fprintf(e.stdout, "  years of 2011–2020 missing for some communes: %v\n", res.Missing)
	}
	for i, r := range cons.Rejects {
		if i == 20 {
			fmt.Fprintf(e.stdout, "  … and %d more rejected rows (all kept in batch_rejects)\n", len(cons.Rejects)-20)
			break
		}
		fmt.Fprintf(e.stdout, "  rejected: %s\n", r.Error())
	}
	return nil
}
