package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/socle-geo/socle/internal/testdb"
)

// TestImportLayerCommand runs `socle import layer` with its options on the
// embedded store and on PostGIS: the profile list, a dry run, the JSON
// report, --replace with a retirement, and `socle revert` of that batch.
func TestImportLayerCommand(t *testing.T) {
	code, out, _ := runCLI(t, "import", "layer", "--profile")
	if code != 0 || !strings.Contains(out, "bdtopo") || !strings.Contains(out, "admin-express") {
		t.Fatalf("--profile alone: %d %s", code, out)
	}
	dir := t.TempDir()
	communes := filepath.Join(dir, "COMMUNE.geojson")
	os.WriteFile(communes, []byte(`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2154"}},"features":[
{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[570000,6270000],[572000,6270000],[572000,6271000],[570000,6271000],[570000,6270000]]]},"properties":{"INSEE_COM":"31001","NOM":"Lège","SIREN_EPCI":"243100633"}}]}`), 0o644)
	road := func(id string, x float64) string {
		return `{"type":"Feature","geometry":{"type":"LineString","coordinates":[[` + strings.Join([]string{ftoa(x), "6270100"}, ",") + `],[` + ftoa(x+50) + `,6270100]]},"properties":{"ID":"` + id + `","NATURE":"Chemin","NOM_1_G":"Chemin ` + id + `"}}`
	}
	roads := filepath.Join(dir, "TRONCON_DE_ROUTE.geojson")
	write := func(feats ...string) {
		os.WriteFile(roads, []byte(`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2154"}},"features":[`+strings.Join(feats, ",")+`]}`), 0o644)
	}
	targets := map[string][]string{"embedded": {"--data", filepath.Join(dir, "t.gpkg")}}
	if testdb.AdminURL(t) != "" {
		targets["postgis"] = []string{"--database-url", testdb.New(t)}
	}
	for name, target := range targets {
		t.Run(name, func(t *testing.T) {
			cli := func(args ...string) (int, string, string) {
				return runCLI(t, append(append(args, target...), "--log-level", "error")...)
			}
			if code, out, errs := cli("import", "layer", "communes", communes, "--profile", "admin-express"); code != 0 || !strings.Contains(out, "inserted 1") {
				t.Fatalf("communes: %d %s %s", code, out, errs)
			}
			write(road("A", 570100), road("B", 570200), road("C", 570300))
			code, out, errs := cli("import", "layer", "roads", roads, "--profile", "bdtopo", "--dry-run", "--report", "-")
			if code != 0 || !strings.Contains(out, "dry run") {
				t.Fatalf("dry run: %d %s %s", code, out, errs)
			}
			var rep struct {
				Batch    string
				DryRun   bool `json:"dry_run"`
				Read     int
				Inserted int
				Retired  int
				Rejected []struct {
					Record int
					Reason string
				}
			}
			if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &rep); err != nil || !rep.DryRun || rep.Inserted != 3 || rep.Read != 3 {
				t.Fatalf("dry-run report %+v %v\n%s", rep, err, out)
			}
			if code, out, errs = cli("import", "layer", "roads", roads, "--profile", "bdtopo"); code != 0 || !strings.Contains(out, "inserted 3") {
				t.Fatalf("import: %d %s %s", code, out, errs)
			}
			write(road("A", 570100), road("C", 570300), `{"type":"Feature","geometry":{"type":"LineString","coordinates":[[570100,6270100],[570100,6270100]]},"properties":{"ID":"D","NATURE":"Chemin"}}`)
			reportFile := filepath.Join(t.TempDir(), "report.json")
			if code, out, errs = cli("import", "layer", "roads", roads, "--profile", "bdtopo", "--replace", "--report", reportFile); code != 0 || !strings.Contains(out, "retired 1") {
				t.Fatalf("replace: %d %s %s", code, out, errs)
			}
			data, _ := os.ReadFile(reportFile)
			if err := json.Unmarshal(data, &rep); err != nil || rep.Retired != 1 || len(rep.Rejected) != 1 || rep.Rejected[0].Record != 3 || rep.Batch == "" {
				t.Fatalf("report %+v %v\n%s", rep, err, data)
			}
			if code, out, errs = cli("revert", rep.Batch); code != 0 || !strings.Contains(out, "1 restored after a retirement") {
				t.Fatalf("revert: %d %s %s", code, out, errs)
			}
			if code, _, errs = cli("import", "layer", "roads", roads, "--profile", "nope"); code == 0 || !strings.Contains(errs, "bdtopo, osm, ocsge") {
				t.Errorf("unknown profile: %d %s", code, errs)
			}
		})
	}
}

func ftoa(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}
