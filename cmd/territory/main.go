// Command territory generates Socle's sample territory: the CA du Sicoval's
// real commune boundaries with synthetic roads, addresses and land cover.
//
//	go run ./cmd/territory --scale 1 --out fixtures        # the committed fixtures
//	go run ./cmd/territory --scale 83 --out "$SOCLE_TERRITORY_DIR" # the benchmark territory
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/socle-geo/socle/internal/territory"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "territory:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("territory", flag.ContinueOnError)
	scale := fs.Float64("scale", 1, "density multiplier: 1 = committed fixtures, 83 = metropolitan benchmark")
	out := fs.String("out", "fixtures", "output directory")
	seed := fs.Uint64("seed", territory.DefaultSeed, "seed of the pseudo-random streams")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	start := time.Now()
	t, err := territory.Generate(territory.Config{Scale: *scale, Seed: *seed})
	if err != nil {
		return err
	}
	gen := time.Since(start)
	if err := t.WriteDir(*out); err != nil {
		return err
	}
	fmt.Printf("%s (scale %g, seed %d) in %s: %s (generation %s)\n", t.Counts(), *scale, *seed, *out,
		time.Since(start).Round(time.Millisecond), gen.Round(time.Millisecond))
	s := t.Stats
	fmt.Printf("dropped road pieces %d, dropped parcels %d, skipped addresses %d, degenerate clips %d\n",
		s.DroppedRoadPieces, s.DroppedParcels, s.SkippedAddresses, s.DegenerateClips)
	return nil
}
