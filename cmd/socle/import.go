package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"
	"strings"

	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/socle"
)

const importLayerUsage = "usage: socle import layer COLLECTION FILE [--profile NAME] [--mapping FILE.yaml] [--layer NAME] [--crs CRS] [--year YYYY] [--replace] [--dry-run] [--report FILE.json|-]"

func importCmd(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "consommation" {
		return importConsommationCmd(ctx, e, args[1:]) // cmd/socle/consommation.go
	}
	// --profile without a value lists the profiles.
	for i, a := range args {
		if (a == "--profile" || a == "-profile") && (i == len(args)-1 || strings.HasPrefix(args[i+1], "-")) {
			fmt.Fprint(e.stdout, importer.ProfileList())
			return nil
		}
	}
	var o importer.FileOptions
	var reportPath string
	rest, err := e.parse("import", args, func(fs *flag.FlagSet) {
		fs.StringVar(&o.Profile, "profile", "", "layer: the file's profile (bdtopo, osm, ocsge, admin-express, socle); without a value, list them")
		fs.StringVar(&o.Mapping, "mapping", "", "layer: a YAML file mapping the collection's properties to the file's fields")
		fs.StringVar(&o.Layer, "layer", "", "layer: the GeoPackage table or archive member to read")
		fs.StringVar(&o.CRS, "crs", "", "layer: the file's CRS when it does not say (e.g. EPSG:2154)")
		fs.IntVar(&o.Year, "year", 0, "layer: the millésime of land cover, when the file does not say")
		fs.BoolVar(&o.Replace, "replace", false, "layer: the file is the whole new state of the collection (of --year for land_cover): retire what it lacks")
		fs.BoolVar(&o.DryRun, "dry-run", false, "layer: report what the import would do, write nothing")
		fs.StringVar(&reportPath, "report", "", "layer: write the JSON report to this file (- for standard output)")
	})
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return errors.New("what to import? import fixtures | import bal FILE.csv | import layer COLLECTION FILE")
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
			return errors.New(importLayerUsage)
		}
		var r importer.Report
		r, err = im.ImportFile(ctx, rest[1], rest[2], o)
		if err == nil || r.Result.BatchID != "" {
			reports = append(reports, r)
		}
	default:
		return fmt.Errorf("unknown import %q: expected fixtures, bal or layer", rest[0])
	}
	if !o.DryRun {
		auditImport(ctx, store, rest, reports, err)
	}
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
	if err != nil {
		return err
	}
	if reportPath != "" && len(reports) == 1 {
		b, _ := json.MarshalIndent(reports[0].Summary(), "", "  ")
		b = append(b, '\n')
		if reportPath == "-" {
			_, err = e.stdout.Write(b)
			return err
		}
		return os.WriteFile(reportPath, b, 0o644)
	}
	return nil
}

// actor names who runs a command, for the batch record.
func actor() string {
	if u, err := user.Current(); err == nil {
		return "cli:" + u.Username
	}
	return "cli"
}
