package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"

	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/socle"
)

func importCmd(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "consommation" {
		return importConsommationCmd(ctx, e, args[1:]) // cmd/socle/consommation.go
	}
	rest, err := e.parse("import", args, nil)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return errors.New("what to import? import fixtures | import bal FILE.csv | import layer COLLECTION FILE.geojson")
	}
	log := e.cfg.Logger()
	catalog := socle.DefaultCatalog()
	store, err := e.openStore(ctx, catalog, log, false)
	if err != nil {
		return err
	}
	defer store.Close()
	im := &importer.Importer{Store: store, Catalog: catalog, Log: log, Progress: os.Stderr, Actor: actor()}
	var reports []importer.Report
	switch rest[0] {
	case "fixtures":
		if len(rest) != 1 {
			return errors.New("usage: socle import fixtures (the directory is --fixtures)")
		}
		reports, err = im.ImportFixtures(ctx, e.cfg.Fixtures)
	case "bal":
		if len(rest) != 2 {
			return errors.New("usage: socle import bal FILE.csv")
		}
		var r importer.Report
		r, err = im.ImportBAL(ctx, rest[1])
		reports = append(reports, r)
	case "layer":
		if len(rest) != 3 {
			return errors.New("usage: socle import layer COLLECTION FILE.geojson")
		}
		var r importer.Report
		r, err = im.ImportLayer(ctx, rest[1], rest[2])
		reports = append(reports, r)
	default:
		return fmt.Errorf("unknown import %q: expected fixtures, bal or layer", rest[0])
	}
	auditImport(ctx, store, rest, reports, err)
	for _, r := range reports {
		fmt.Fprintln(e.stdout, r.String())
		for i, rej := range r.Rejects {
			if i == 20 {
				fmt.Fprintf(e.stdout, "  … and %d more rejected records (all kept in batch_rejects)\n", len(r.Rejects)-20)
				break
			}
			fmt.Fprintf(e.stdout, "  rejected line %d: %s\n", rej.Line, rej.Reason)
		}
	}
	return err
}

// actor names who runs a command, for the batch record.
func actor() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}
