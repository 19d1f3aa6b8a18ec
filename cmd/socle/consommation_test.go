package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
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

// TestConsommationRegionalShare: a regional plan's share of the reference,
// set in the metadata files (zan_allowance of the artificialisation
// dataset), for the territory and for one commune, sets the allowances.
func TestConsommationRegionalShare(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "socle.gpkg")
	meta := filepath.Join(dir, "metadata")
	if err := os.CopyFS(meta, os.DirFS("../../fixtures/metadata")); err != nil {
		t.Fatal(err)
	}
	art := filepath.Join(meta, "artificialisation.yaml")
	b, err := os.ReadFile(art)
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, "zan_allowance:\n  source: SRADDET (test)\n  share: 0.4\n  communes:\n    \"31113\": 0.25\n"...)
	if err := os.WriteFile(art, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "import", "fixtures", "--data", data, "--fixtures", "../../fixtures", "--log-level", "error"); code != 0 {
		t.Fatalf("import fixtures: %s", stderr)
	}
	file := filepath.Join(dir, "conso.csv")
	csv := "idcom;naf11art12;naf12art13;naf13art14;naf14art15;naf15art16;naf16art17;naf17art18;naf18art19;naf19art20;naf20art21\n" +
		"31004;10000;10000;10000;10000;10000;10000;10000;10000;10000;10000\n" +
		"31113;10000;10000;10000;10000;10000;10000;10000;10000;10000;10000\n"
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := runCLI(t, "import", "consommation", file, "--data", data, "--metadata", meta, "--log-level", "error"); code != 0 {
		t.Fatalf("import: %s %s", out, stderr)
	}
	st, err := embedded.Open(context.Background(), data, socle.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	communes, _ := socle.DefaultCatalog().Collection("communes")
	for id, want := range map[string]float64{"31004": 4, "31113": 2.5} {
		q, err := socle.ResolveFeature(communes, id, []string{"zan_budget_ha_2021_2031", "zan_source"}, crs.CRS{})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := st.FeatureRecord(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := rec.Values[0].(float64); got != want || rec.Values[1] != "cerema" {
			t.Errorf("%s: allowance %v (%v), want %v ha from the Cerema file", id, rec.Values[0], rec.Values[1], want)
		}
	}
	// A share out of range is refused with the file named.
	if err := os.WriteFile(art, append(b[:len(b)-len("  share: 0.4\n  communes:\n    \"31113\": 0.25\n")], "  share: 1.5\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "serve", "--data", data, "--metadata", meta, "--addr", "127.0.0.1:0", "--log-level", "error"); code == 0 || !strings.Contains(stderr, "zan_allowance.share 1.5") {
		t.Errorf("a share of 1.5: %d %s", code, stderr)
	}
}

// TestZANSettingsNameTheEPCI: the publisher of service.yaml names the
// intercommunality of its SIREN, for the EPCI's rows of the
// artificialisation collection.
func TestZANSettingsNameTheEPCI(t *testing.T) {
	e := &env{}
	e.cfg.Metadata = "../../fixtures/metadata"
	a, names := e.zanSettings(socle.DefaultCatalog(), slog.New(slog.DiscardHandler))
	if a.Share != 0 || len(names) != 1 || names["243100633"] != "Communauté d'agglomération du Sicoval" {
		t.Errorf("settings from the sample metadata: %+v %v", a, names)
	}
	e.cfg.Metadata = ""
	if _, names := e.zanSettings(socle.DefaultCatalog(), slog.New(slog.DiscardHandler)); names != nil {
		t.Errorf("no metadata, names %v", names)
	}
}
