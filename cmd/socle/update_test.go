package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/socle"
)

// TestUpdateCommands runs the updater through the command line on the
// embedded store: a dry run writes nothing, the batch applies, the JSON
// report says what it did, the same file again changes nothing, and the
// batch reverts.
func TestUpdateCommands(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "socle.gpkg")
	if code, out, stderr := runCLI(t, "import", "fixtures", "--data", data, "--fixtures", "../../fixtures", "--log-level", "error"); code != 0 {
		t.Fatalf("import: %s %s", out, stderr)
	}
	// Synthetic rows in the ARCEP layout over the sample territory.
	fibre := "x;y;imb_id;num_voie;cp_no_voie;type_voie;nom_voie;code_insee;code_poste;nom_com;imb_etat;code_l331\n" +
		"1,5961723;43,4320025;IMB/1;0002;;ALL;DE LA MARCAISSONNE;31004;31750;AYGUESVIVES;deploye;FTEL\n" +
		"1,5964308;43,4316418;IMB/2;3;;ALL;MARCAISSONNE;31004;31750;AYGUESVIVES;en cours de deploiement;FTEL\n" +
		"1,5964308;43,4316418;IMB/3;999;;R;DES INCONNUS;31004;31750;AYGUESVIVES;cible;FTEL\n" +
		"1,59;43,43;IMB/4;12;;R;X;31004;31750;AYGUESVIVES;raccorde;FTEL\n"
	file := filepath.Join(dir, "immeubles.csv")
	if err := os.WriteFile(file, []byte(fibre), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "update", "fibre", file, "--dry-run", "--data", data, "--log-level", "error")
	if code != 0 || !strings.Contains(out, "dry run, nothing written") || !strings.Contains(out, "features to change 2") || !strings.Contains(out, "rejected line 5") {
		t.Fatalf("dry run: %d\n%s\n%s", code, out, stderr)
	}
	reportFile := filepath.Join(dir, "report.json")
	code, out, stderr = runCLI(t, "update", "fibre", file, "--data", data, "--log-level", "error", "--report", reportFile)
	if code != 0 || !strings.Contains(out, "changed 2, candidates added 1") {
		t.Fatalf("update: %d\n%s\n%s", code, out, stderr)
	}
	var rep struct {
		Batch     string         `json:"batch"`
		RowsRead  int            `json:"rows_read"`
		Matched   map[string]int `json:"matched"`
		Unmatched int            `json:"unmatched"`
		Rejected  int            `json:"rejected"`
		Rejects   []struct {
			Line   int    `json:"line"`
			Reason string `json:"reason"`
		} `json:"rejects"`
		Changed int `json:"features_changed"`
	}
	b, err := os.ReadFile(reportFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.RowsRead != 4 || rep.Matched["address"] != 2 || rep.Unmatched != 1 || rep.Rejected != 1 || rep.Rejects[0].Line != 5 || rep.Changed != 2 || rep.Batch == "" {
		t.Errorf("report %s", b)
	}
	code, out, _ = runCLI(t, "update", "fibre", file, "--data", data, "--log-level", "error")
	if code != 0 || !strings.Contains(out, "changed 0, candidates added 0") {
		t.Errorf("second update: %s", out)
	}
	batch := regexp.MustCompile(`update-fibre-\S+`).FindString(out)
	code, out, stderr = runCLI(t, "update", "revert", batch, "--data", data, "--log-level", "error")
	if code != 0 || !strings.Contains(out, "0 features put back as they were, 0 removed") {
		t.Errorf("revert of the empty batch: %s %s", out, stderr)
	}
	code, out, stderr = runCLI(t, "update", "revert", rep.Batch, "--data", data, "--log-level", "error")
	if code != 0 || !strings.Contains(out, "2 features put back as they were, 1 removed") {
		t.Errorf("revert: %s %s", out, stderr)
	}
	code, _, stderr = runCLI(t, "update", "revert", rep.Batch, "--data", data, "--log-level", "error")
	if code == 0 || !strings.Contains(stderr, "already reverted") {
		t.Errorf("second revert: %d %s", code, stderr)
	}
	code, _, stderr = runCLI(t, "update", "road-reports", file, "--data", data, "--log-level", "error")
	if code == 0 || !strings.Contains(stderr, "pseudonymisation key") {
		t.Errorf("road reports without a key: %d %s", code, stderr)
	}
	code, out, _ = runCLI(t, "update", "purge", "--older-than", "1ns", "--data", data, "--log-level", "error")
	if code != 0 || !strings.Contains(out, "1 stored input files purged") {
		t.Errorf("purge: %s", out)
	}
	// Every write is audited, the refused ones too; dry runs are not writes.
	st, err := embedded.Open(context.Background(), data, socle.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	entries, err := st.Audit(context.Background(), socle.AuditQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, e := range entries {
		if strings.HasPrefix(e.Action, "update.") {
			got[e.Action+fmt.Sprint(e.Status)]++
		}
	}
	want := map[string]int{"update.fibre0": 2, "update.revert0": 2, "update.revert1": 1, "update.road-reports1": 1, "update.purge0": 1}
	if !maps.Equal(got, want) {
		t.Errorf("audit of the updates: %v, want %v", got, want)
	}
}
