package embedded

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/socle"
)

// childEnv makes the test binary a child process doing one job (see
// TestMain): the crash test kills it mid-import, the benchmark has it build
// the large territory's file.
const childEnv = "SOCLE_EMBEDDED_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		code := m.Run()
		removeBenchTemp()
		os.Exit(code)
	case "import-large":
		if err := childImportLarge(os.Getenv("SOCLE_EMBEDDED_FILE")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	case "import-territory":
		if err := childImportTerritory(os.Getenv("SOCLE_EMBEDDED_FILE"), os.Getenv("SOCLE_EMBEDDED_DIR")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	default:
		fmt.Fprintln(os.Stderr, "unknown child job", os.Getenv(childEnv))
		os.Exit(2)
	}
}

// childImportTerritory loads a territory directory into a new file.
func childImportTerritory(path, dir string) error {
	ctx := context.Background()
	s, err := Open(ctx, path, socle.DefaultCatalog())
	if err != nil {
		return err
	}
	defer s.Close()
	im := importer.Importer{Store: s, Catalog: socle.DefaultCatalog(), Log: quiet, Actor: "benchmark"}
	reports, err := im.ImportFixtures(ctx, dir)
	for _, r := range reports {
		fmt.Println(r)
	}
	return err
}
