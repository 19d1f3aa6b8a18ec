package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/socle-geo/socle/internal/roadreport"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/updater"
)

const updateUsage = "update fibre FILE.csv | update road-reports FILE.csv|FILE.geojson | update revert BATCH | update purge --older-than DURATION"

func updateCmd(ctx context.Context, e *env, args []string) (err error) {
	var dry bool
	var reportPath, key string
	var window, olderThan time.Duration
	rest, err := e.parse("update", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&dry, "dry-run", false, "join and report, write nothing")
		fs.StringVar(&reportPath, "report", "", "write the JSON report to this file (- for standard output)")
		fs.StringVar(&key, "pseudonym-key", "", "secret key of the vehicle-id pseudonyms (road reports; at least 16 bytes)")
		fs.DurationVar(&window, "window", 30*24*time.Hour, "road condition: the worst report of this period before a segment's latest report")
		fs.DurationVar(&olderThan, "older-than", 0, "purge: delete stored input files received longer ago than this")
	})
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return errors.New("what to update? " + updateUsage)
	}
	var rep *updater.Report
	log := e.cfg.Logger()
	catalog := socle.DefaultCatalog()
	store, err := e.openStore(ctx, catalog, log, false)
	if err != nil {
		return err
	}
	defer store.Close()
	// Every write is in the audit log, whoever made it; a dry run writes
	// nothing.
	defer func() {
		if dry {
			return
		}
		status, detail := 0, "update "+strings.Join(rest, " ")
		if err != nil {
			status, detail = 1, detail+": "+err.Error()
		} else if rep != nil {
			detail += ": " + rep.String()
		}
		_ = store.AppendAudit(context.WithoutCancel(ctx), socle.AuditEntry{Time: time.Now().UTC(), Actor: actor(),
			Action: "update." + rest[0], Target: strings.Join(rest[1:], " "), Remote: "cli", Status: status, Detail: detail})
	}()
	u := &updater.Updater{Store: store, Catalog: catalog, Actor: actor(), Progress: os.Stderr, Window: window}
	switch rest[0] {
	case "fibre", "road-reports":
		if len(rest) != 2 {
			return fmt.Errorf("usage: socle update %s FILE", rest[0])
		}
		data, err := os.ReadFile(rest[1])
		if err != nil {
			return err
		}
		if rest[0] == "fibre" {
			rep, err = u.Fibre(ctx, filepath.Base(rest[1]), data, dry)
		} else {
			if u.Pseudonyms, err = roadreport.NewPseudonymizer([]byte(key)); err != nil {
				return err
			}
			rep, err = u.RoadReports(ctx, filepath.Base(rest[1]), data, dry)
		}
		if err != nil {
			return err
		}
	case "revert":
		if len(rest) != 2 {
			return errors.New("usage: socle update revert BATCH")
		}
		res, err := u.Revert(ctx, rest[1])
		if err != nil {
			return err
		}
		printRevert(e, res)
		return nil
	case "purge":
		if olderThan <= 0 {
			return errors.New("usage: socle update purge --older-than DURATION (e.g. 2160h for 90 days)")
		}
		n, err := store.PurgeUpdateInputs(ctx, time.Now().Add(-olderThan))
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%d stored input files purged\n", n)
		return nil
	default:
		return fmt.Errorf("unknown update %q: %s", rest[0], updateUsage)
	}
	fmt.Fprintln(e.stdout, rep.String())
	for i, r := range rep.Rejects {
		if i == 20 {
			fmt.Fprintf(e.stdout, "  … and %d more rejected records (all in the JSON report and in batch_rejects)\n", len(rep.Rejects)-20)
			break
		}
		fmt.Fprintf(e.stdout, "  rejected line %d: %s\n", r.Line, r.Reason)
	}
	if reportPath != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		b = append(b, '\n')
		if reportPath == "-" {
			_, err = e.stdout.Write(b)
			return err
		}
		return os.WriteFile(reportPath, b, 0o644)
	}
	return nil
}
