package updater_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/socle-geo/socle/fixtures"
	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/updater"
	"github.com/socle-geo/socle/internal/updater/synth"
)

const childEnv = "SOCLE_UPDATER_CRASH_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		if err := crashChild(os.Getenv(childEnv), os.Getenv("SOCLE_CRASH_FILE")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// announcing says "applying" on standard output when the batch reaches the
// store, so that the parent knows when to kill.
type announcing struct{ updater.Store }

func (a announcing) ApplyUpdate(ctx context.Context, u *socle.Update) (socle.UpdateResult, error) {
	fmt.Println("applying")
	return a.Store.ApplyUpdate(ctx, u)
}

// crashChild applies the report file to the store at path.
func crashChild(input, path string) error {
	ctx := context.Background()
	s, err := embedded.Open(ctx, path, socle.DefaultCatalog())
	if err != nil {
		return err
	}
	defer s.Close()
	data, err := os.ReadFile(input)
	if err != nil {
		return err
	}
	u := newUpdater(announcing{s})
	_, err = u.RoadReports(ctx, "reports.csv", data, false)
	return err
}

// TestCrashDuringUpdateLosesNothing kills (SIGKILL) a process applying a
// large report batch to the embedded store: the file must come back with no
// trace of the batch but its stored input, and the batch run again must
// complete as if nothing had happened.
func TestCrashDuringUpdateLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED in -short mode: applies a large batch twice")
	}
	ctx := context.Background()
	_, roads := territory(t)
	data, _, err := synth.ReportFile(roads, synth.ReportConfig{Seed: 11, Rows: crashRows, NoHeading: 0.2,
		Start: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), MaxDistance: 20, MaxHeadingDelta: 40})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	input := filepath.Join(dir, "reports.csv")
	if err := os.WriteFile(input, data, 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "t.gpkg")
	s, err := embedded.Open(ctx, path, socle.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	im := &importer.Importer{Store: s, Catalog: socle.DefaultCatalog(), Log: quiet, Actor: "test"}
	if _, err := im.ImportFixturesFS(ctx, fixtures.FS); err != nil {
		t.Fatal(err)
	}
	roadsC, _ := socle.DefaultCatalog().Collection("roads")
	before, _ := s.Summary(ctx, roadsC)
	s.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+input, "SOCLE_CRASH_FILE="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || lines.Text() != "applying" {
		t.Fatalf("the child did not reach the store: %q %s", lines.Text(), stderr.String())
	}
	// Under way: a hot journal beside a file grown by uncommitted pages.
	st0, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Minute)
	for {
		_, jerr := os.Stat(path + "-journal")
		st, err := os.Stat(path)
		if jerr == nil && err == nil && st.Size() > st0.Size()+2<<20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the child never got far enough into the batch")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if _, err := os.Stat(path + "-journal"); err != nil {
		t.Fatalf("no hot journal after the kill: %v", err)
	}

	// The input was stored before the batch began.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var inputs int
	err = db.QueryRowContext(ctx, "SELECT count(*) FROM update_inputs WHERE sha256 = ?", fmt.Sprintf("%x", sha256.Sum256(data))).Scan(&inputs)
	db.Close()
	if err != nil || inputs != 1 {
		t.Fatalf("the input is not stored: %d, %v", inputs, err)
	}

	s2, err := embedded.Open(ctx, path, socle.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	after, _ := s2.Summary(ctx, roadsC)
	if after.Version != before.Version || after.LastBatch != before.LastBatch {
		t.Fatalf("the roads moved: %+v, before %+v", after, before)
	}
	n := 0
	if err := s2.RoadReports(ctx, func(socle.StoredReport) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d reports of the killed batch are stored", n)
	}
	rep, err := newUpdater(s2).RoadReports(ctx, "reports.csv", data, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.ReportsAdded == 0 || rep.FeaturesChanged == 0 {
		t.Fatalf("the batch run again: %+v", rep.UpdateResult)
	}
	// The same file on a store that never crashed gives the same result.
	clean, err := embedded.Open(ctx, filepath.Join(dir, "clean.gpkg"), socle.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	defer clean.Close()
	im = &importer.Importer{Store: clean, Catalog: socle.DefaultCatalog(), Log: quiet, Actor: "test"}
	if _, err := im.ImportFixturesFS(ctx, fixtures.FS); err != nil {
		t.Fatal(err)
	}
	want, err := newUpdater(clean).RoadReports(ctx, "reports.csv", data, false)
	if err != nil {
		t.Fatal(err)
	}
	if want.UpdateResult.FeaturesChanged != rep.FeaturesChanged || want.ReportsAdded != rep.ReportsAdded {
		t.Errorf("after the crash %+v, without %+v", rep.UpdateResult, want.UpdateResult)
	}
}
