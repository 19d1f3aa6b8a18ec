package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/socle"
)

// largeRows makes n new addresses (keyless, so the store numbers them), on
// a grid over the territory.
func largeRows(n int) ([]socle.Row, error) {
	rows := make([]socle.Row, 0, n)
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		g, err := transform(orb.Point{1.45 + float64(i%700)*0.0004, 43.38 + float64(i/700)*0.0001}, 4326, StorageSRID)
		if err != nil {
			return nil, err
		}
		rows = append(rows, socle.Row{Geometry: g, Properties: map[string]any{
			"cle_interop": fmt.Sprintf("31999_%04d_%05d", i/99999, i%99999), "numero": int64(1 + i%9999),
			"voie_nom": fmt.Sprintf("Rue du Crash %d", i/100), "commune_insee": "31999", "commune_nom": "Essai",
			"position": "entrée", "source": "test", "date_der_maj": day, "certification_commune": false}})
	}
	return rows, nil
}

// childImportLarge imports largeN addresses into the file at path: the
// crash test kills it on the way.
func childImportLarge(path string) error {
	ctx := context.Background()
	s, err := Open(ctx, path, socle.DefaultCatalog())
	if err != nil {
		return err
	}
	defer s.Close()
	rows, err := largeRows(largeN)
	if err != nil {
		return err
	}
	c, _ := socle.DefaultCatalog().Collection("addresses")
	fmt.Println("importing")
	res, err := s.Import(ctx, socle.Batch{ID: "large", Kind: "test"}, c, socle.RowsOf(rows, nil))
	fmt.Println(res)
	return err
}

// TestCrashDuringImportLosesNothing kills (SIGKILL) a process in the middle
// of a large import: the file must come back consistent, with the data it
// had before, and the import run again must complete.
func TestCrashDuringImportLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIPPED in -short mode: imports a large batch twice")
	}
	s, path := openTemp(t)
	loadFixtures(t, s, fixturesDir())
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	before := map[string]socle.Summary{}
	for _, c := range cat.Collections {
		before[c.ID], _ = s.Summary(ctx, c)
	}
	s.Close()

	// The child imports; it is killed once the transaction has written
	// a good part of its rollback journal.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=import-large", "SOCLE_EMBEDDED_FILE="+path)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() }) // whatever happens below
	// New rows go to new pages, which the journal does not hold: the sign
	// of a transaction well under way is a hot journal beside a file that
	// has grown by megabytes of uncommitted pages.
	journal := path + "-journal"
	st0, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timeout := time.After(15 * time.Minute)
wait:
	for {
		select {
		case err := <-done:
			t.Fatalf("the import ended before it could be killed (%v):\n%s", err, out.String())
		case <-timeout:
			t.Fatal("the child never got far enough into the import")
		case <-time.After(2 * time.Millisecond):
		}
		_, jerr := os.Stat(journal)
		st, err := os.Stat(path)
		if jerr == nil && err == nil && st.Size() > st0.Size()+largeN*40 {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-done
			break wait
		}
	}
	t.Logf("child killed with a %s journal and a %s file (%s before); its output:\n%s", fileSize(journal), fileSize(path), fmt.Sprintf("%.1f MiB", float64(st0.Size())/(1<<20)), out.String())
	if _, err := os.Stat(journal); err != nil {
		t.Fatalf("no hot journal after the kill: %v", err)
	}

	// SQLite rolls the hot journal back on the next open.
	s2, err := Open(ctx, path, cat)
	if err != nil {
		t.Fatal(err)
	}
	var check string
	if err := s2.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q, %v", check, err)
	}
	for _, c := range cat.Collections {
		sum, _ := s2.Summary(ctx, c)
		b := before[c.ID]
		if sum.Count != b.Count || sum.Version != b.Version || sum.LastBatch != b.LastBatch {
			t.Errorf("%s after the crash: count %d version %d batch %s, before %d %d %s", c.ID, sum.Count, sum.Version, sum.LastBatch, b.Count, b.Version, b.LastBatch)
		}
	}
	var n int
	if err := s2.db.QueryRowContext(ctx, "SELECT count(*) FROM batches WHERE id = 'large'").Scan(&n); err != nil || n != 0 {
		t.Errorf("the killed batch is recorded (%d, %v)", n, err)
	}
	if err := checkRTreeMatches(ctx, s2.db, "addresses"); err != nil {
		t.Error(err)
	}

	// The same import, run again, completes.
	rows, err := largeRows(largeN)
	if err != nil {
		t.Fatal(err)
	}
	addresses, _ := cat.Collection("addresses")
	res, err := s2.Import(ctx, socle.Batch{ID: "large", Kind: "test"}, addresses, socle.RowsOf(rows, nil))
	if err != nil {
		t.Fatal(err)
	}
	if res.Inserted != largeN {
		t.Errorf("re-run: %+v", res)
	}
	sum, _ := s2.Summary(ctx, addresses)
	if sum.Count != before["addresses"].Count+largeN || sum.Version != before["addresses"].Version+1 {
		t.Errorf("after the re-run: %d addresses, version %d", sum.Count, sum.Version)
	}
	s2.Close()
	s3, err := Open(ctx, path, cat)
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	if sum3, _ := s3.Summary(ctx, addresses); sum3.Count != sum.Count {
		t.Errorf("reopened: %d addresses, want %d", sum3.Count, sum.Count)
	}
	if err := checkRTreeMatches(ctx, s3.db, "addresses"); err != nil {
		t.Error(err)
	}
}

// checkRTreeMatches compares a table's spatial index with its rows.
func checkRTreeMatches(ctx context.Context, db *sql.DB, table string) error {
	var rows, indexed, missing int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+quote(table)).Scan(&rows); err != nil {
		return err
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+quote("rtree_"+table+"_geom")).Scan(&indexed); err != nil {
		return err
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+quote(table)+" t LEFT JOIN "+quote("rtree_"+table+"_geom")+
		" r ON r.id = t.id WHERE r.id IS NULL").Scan(&missing); err != nil {
		return err
	}
	if rows != indexed || missing != 0 {
		return fmt.Errorf("%s: %d rows, %d in the R-tree, %d missing", table, rows, indexed, missing)
	}
	return nil
}

func fileSize(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return "missing"
	}
	return fmt.Sprintf("%.1f MiB", float64(st.Size())/(1<<20))
}
