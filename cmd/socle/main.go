// Command socle serves a territory's reference layers through OGC APIs, and
// manages them: migrate, import, update, copy, keys. It wires the parts
// together — configuration, one store (socle.Store: PostGIS or the embedded
// GeoPackage), the HTTP server, the importer and the updater — and holds
// no logic of its own beyond parsing the command line.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/socle-geo/socle/internal/config"
	"github.com/socle-geo/socle/internal/socle"
)

// command is one subcommand: it parses its own flags and runs.
type command struct {
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what every command shares.
type env struct {
	cfg    config.Config
	stdout io.Writer
	stderr io.Writer
}

var commands = map[string]command{
	"serve":   {"serve the OGC API", serve},
	"migrate": {"create or upgrade the PostGIS schema (idempotent)", migrate},
	"keys":    {"API keys: keys create --name N --roles a,b --rights r1,r2 --expires 90d | keys list | keys revoke ID", keysCmd},
	"import":  {"load data: import fixtures | import bal FILE.csv | import layer COLLECTION FILE.geojson", importCmd},
	"copy":    {"copy the territory to another store: copy TARGET (a postgres:// URL or a .gpkg file)", copyCmd},
	"update":  {"join field data: " + updateUsage, updateCmd},
	"revert":  {"undo a batch (an import, an update, a copy): revert BATCH", revertCmd},
	"sync":    {"keep a copy of another Socle in step by its change feeds: sync URL [--collections a,b] [--key KEY] [--territory NAME]", syncCmd},
	"changes": {"the change log: changes prune --older-than DURATION", changesCmd},
	"export":  {"the territory's vector tiles as one file: " + exportUsage, exportCmd},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "socle: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	e := &env{stdout: stdout, stderr: stderr}
	if err := cmd.run(ctx, e, args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "socle %s: %s\n", args[0], describe(err))
		return 1
	}
	return 0
}

// describe prints an error for a person: the domain message and the choices.
func describe(err error) string {
	var de *socle.Error
	if errors.As(err, &de) && de.Code != socle.EINTERNAL {
		msg := de.Message
		if de.Err != nil && de.Code != socle.EINVALID {
			msg += " (" + de.Err.Error() + ")"
		}
		if len(de.Allowed) > 0 {
			msg += fmt.Sprintf("; expected one of %v", de.Allowed)
		}
		return msg
	}
	return err.Error()
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: socle COMMAND [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nEvery flag can also be set as SOCLE_<FLAG> (e.g. SOCLE_DATABASE_URL) or in the --config YAML file.")
	fmt.Fprintln(w, "Run 'socle COMMAND -h' for a command's flags.")
}

// parse reads the shared configuration and validates it.
func (e *env) parse(name string, args []string, extra func(fs *flag.FlagSet)) ([]string, error) {
	fs := flag.NewFlagSet("socle "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	e.cfg.Flags(fs)
	if extra != nil {
		extra(fs)
	}
	// Flags may come before or after the positional arguments.
	var positional []string
	for {
		if err := config.Parse(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	if err := e.cfg.ReadSecurity(); err != nil {
		return nil, err
	}
	if err := e.cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return positional, nil
}
