package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportConsommation loads a Cerema file into the sample territory on
// the embedded store: the territory's communes stored, a commune outside
// it kept apart, a non-numeric cell refused with its line and column, a
// dry run that writes nothing, and the report.
func TestImportConsommation(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "socle.gpkg")
	if code, _, stderr := runCLI(t, "import", "fixtures", "--data", data, "--fixtures", "../../fixtures", "--log-level", "error"); code != 0 {
		t.Fatalf("import fixtures: %s", stderr)
	}
	file := filepath.Join(dir, "conso.csv")
	csv := "idcom;idcomtxt;naf11art12;naf12art13;naf13art14;naf14art15;naf15art16;naf16art17;naf17art18;naf18art19;naf19art20;naf20art21;naf21art22\n" +
		"31004;Ayguesvives;1000;2000;3000;4000;5000;6000;7000;8000;9000;10000;1500\n" +
		"31113;Castanet-Tolosan;10000;10000;10000;10000;10000;10000;10000;10000;10000;10000;20000\n" +
		"75056;Paris;1;1;1;1;1;1;1;1;1;1;1\n" +
		"31025;Aureville;12;douze;1;1;1;1;1;1;1;1;1\n"
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "import", "consommation", file, "--data", data, "--dry-run", "--log-level", "error")
	if code != 0 || !strings.Contains(out, "would load (dry run) 2 communes") {
		t.Fatalf("dry run: %d %s %s", code, out, stderr)
	}
	code, out, stderr = runCLI(t, "import", "consommation", file, "--data", data, "--report", "-", "--log-level", "error")
	if code != 0 {
		t.Fatalf("import: %s %s", out, stderr)
	}
	var rep struct {
		Stored   int      `json:"stored"`
		Read     int      `json:"read"`
		Rejected int      `json:"rejected"`
		Unknown  []string `json:"unknown_communes"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report %q: %v", out, err)
	}
	if rep.Stored != 2 || rep.Read != 4 || rep.Rejected != 1 || len(rep.Unknown) != 1 || rep.Unknown[0] != "75056" {
		t.Errorf("report: %+v", rep)
	}
	code, out, _ = runCLI(t, "import", "consommation", file, "--data", data, "--log-level", "error")
	if code != 0 || !strings.Contains(out, `line 5, column 4 (naf12art13): "douze"`) || !strings.Contains(out, "75056") {
		t.Errorf("the text report names the refused cell and the commune kept apart:\n%s", out)
	}
	code, _, stderr = runCLI(t, "import", "consommation", filepath.Join(dir, "none.csv"), "--data", data, "--log-level", "error")
	if code == 0 || !strings.Contains(stderr, "none.csv") {
		t.Errorf("a missing file: %d %s", code, stderr)
	}
}
