package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/tilearchive"
)

const exportUsage = "export pmtiles FILE [--collections a,b] [--minzoom N] [--maxzoom N]"

// exportCmd writes the territory's vector tiles as one PMTiles archive:
// socle export pmtiles FILE.
func exportCmd(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "pmtiles" {
		return errors.New("usage: socle " + exportUsage)
	}
	var only string
	var minZ, maxZ int
	rest, err := e.parse("export pmtiles", args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&only, "collections", "", "comma-separated collections to put in the archive (default: every public collection with a tile layer)")
		fs.IntVar(&minZ, "minzoom", 0, "first zoom written")
		fs.IntVar(&maxZ, "maxzoom", tilearchive.DefaultMaxZoom, "last zoom written")
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("usage: socle " + exportUsage)
	}
	target := rest[0]
	log := e.cfg.Logger()
	catalog := socle.DefaultCatalog()
	if err := e.cfg.Security.Apply(catalog); err != nil {
		return err
	}
	// The tiles a client of the server gets: personal properties never
	// in them; by default the layers everyone may read.
	served := server.ServedCatalog(catalog)
	cols := tilearchive.Layers(served)
	if only != "" {
		cols = nil
		for _, id := range strings.Split(only, ",") {
			c, ok := served.Collection(strings.TrimSpace(id))
			if !ok || c.Tiles.MaxResolution == 0 {
				var names []string
				for _, c := range served.Collections {
					if c.Tiles.MaxResolution > 0 {
						names = append(names, c.ID)
					}
				}
				return &socle.Error{Code: socle.ENOTFOUND, Message: fmt.Sprintf("no collection %q with vector tiles", id), Allowed: names}
			}
			if c.Access != socle.AccessPublic {
				fmt.Fprintf(e.stderr, "socle export: %s is %s: the archive holds it for whoever gets the file\n", c.ID, c.Access)
			}
			if !slices.Contains(cols, c) {
				cols = append(cols, c)
			}
		}
	}
	st, err := e.openStore(ctx, catalog, log, false)
	if err != nil {
		return err
	}
	defer st.Close()
	// Written beside the target and renamed: the archive appears whole.
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	opt := tilearchive.Options{MinZoom: minZ, MaxZoom: maxZ, Name: "Socle", Attribution: "Sicoval ; limites communales IGN Admin Express",
		Description: "Tuiles vectorielles du territoire", TempDir: filepath.Dir(target)}
	var finish func()
	opt.Progress, finish = e.tileProgress()
	start := time.Now()
	res, err := tilearchive.Export(ctx, st, cols, tmp, opt)
	finish()
	if err == nil {
		err = tmp.Close()
	} else {
		tmp.Close()
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return err
	}
	info, err := os.Stat(target)
	if err != nil {
		return err
	}
	var ids []string
	for _, c := range cols {
		ids = append(ids, c.ID)
	}
	fmt.Fprintf(e.stdout, "%s: %d tiles (of %d asked, zooms %d to %d; the others are empty), %s, %d bytes, in %s\n",
		target, res.Written, res.Tiles, minZ, maxZ, strings.Join(ids, ","), info.Size(), time.Since(start).Round(time.Millisecond))
	return nil
}

// tileProgress is a progress bar of the tiles made, on a terminal.
func (e *env) tileProgress() (func(done, total int), func()) {
	f, ok := e.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, func() {}
	}
	var bar *progressbar.ProgressBar
	return func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(f), progressbar.OptionThrottle(100*time.Millisecond),
					progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionSetDescription("tiles"))
			}
			_ = bar.Set(done)
		}, func() {
			if bar != nil {
				_ = bar.Finish()
			}
		}
}
