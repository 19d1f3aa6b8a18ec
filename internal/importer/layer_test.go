package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/internal/testdb"
	"github.com/socle-geo/socle/ogc/crs"
)

// testStore is what these tests need of a store.
type testStore interface {
	storetest.Store
	socle.ChangeFeed
}

// eachStore runs fn on an empty PostGIS store and an empty embedded store.
func eachStore(t *testing.T, fn func(t *testing.T, im *Importer, s testStore)) {
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, name := range []string{"postgis", "embedded"} {
		t.Run(name, func(t *testing.T) {
			cat := socle.DefaultCatalog()
			var s testStore
			if name == "postgis" {
				pg, err := postgis.Open(ctx, testdb.New(t), cat, postgis.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if err := pg.Migrate(ctx, quiet); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { pg.Close() })
				s = pg
			} else {
				em, err := embedded.Open(ctx, filepath.Join(t.TempDir(), "socle.gpkg"), cat)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { em.Close() })
				s = em
			}
			fn(t, &Importer{Store: s, Catalog: cat, Log: quiet, Actor: "test"}, s)
		})
	}
}

// ogr2ogr converts a test file with GDAL.
func ogr2ogr(t *testing.T, args ...string) {
	t.Helper()
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		t.Skip("GDAL's ogr2ogr is not installed")
	}
	out, err := exec.Command("ogr2ogr", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ogr2ogr %v: %v\n%s", args, err, out)
	}
}

// ignPRJ is the .prj IGN ships with BD TOPO and OCS GE: no EPSG code.
const ignPRJ = `PROJCS["RGF93 Lambert 93",GEOGCS["RGF93",DATUM["Reseau Geodesique Francais 1993",SPHEROID["GRS 1980",6378137,298.2572221010002]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic_2SP"],PARAMETER["standard_parallel_1",44],PARAMETER["standard_parallel_2",49],PARAMETER["latitude_of_origin",46.5],PARAMETER["central_meridian",3],PARAMETER["false_easting",700000],PARAMETER["false_northing",6600000],UNIT["Meter",1]]`

// l93 is a GeoJSON FeatureCollection in Lambert-93.
func l93(features ...string) string {
	return `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2154"}},"features":[` +
		strings.Join(features, ",\n") + `]}`
}

func feature(geom string, props string) string {
	return `{"type":"Feature","geometry":` + geom + `,"properties":{` + props + `}}`
}

func square(x0, y0, x1, y1 float64) string {
	return fmt.Sprintf(`{"type":"MultiPolygon","coordinates":[[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]]}`, x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
}

// Two communes side by side: 31001 west of x = 571000, 31002 east.
var communesL93 = l93(
	feature(square(570000, 6270000, 571000, 6271000), `"INSEE_COM":"31001","NOM":"Lège-Cap-Ferret","POPULATION":8000,"SIREN_EPCI":"243100633"`),
	feature(square(571000, 6270000, 572000, 6271000), `"INSEE_COM":"31002","NOM":"Saint-Œuvre","POPULATION":120,"SIREN_EPCI":"243100633"`),
)

// BD TOPO road sections: a MultiLineString, a named one with Z, one
// without commune codes across both communes (longer in 31002), one with
// a repeated vertex.
var roadsL93 = l93(
	feature(`{"type":"LineString","coordinates":[[570100.12,6270100.34],[570200.56,6270150.78]]}`,
		`"ID":"TRONROUT0000000000000001","NOM_1_G":"Rue de l'Église","NOM_1_D":"","NATURE":"Route à 1 chaussée","LARGEUR":5.5,"IMPORTANCE":"4","NB_VOIES":2,"SENS":"Double sens","INSEECOM_G":"31001","INSEECOM_D":"31001"`),
	feature(`{"type":"MultiLineString","coordinates":[[[570300,6270300],[570400,6270300]],[[570400,6270310],[570500,6270320]]]}`,
		`"ID":"TRONROUT0000000000000002","NOM_1_G":"","NOM_1_D":"Chemin du Moulin","NATURE":"Chemin","LARGEUR":null,"IMPORTANCE":"5","NB_VOIES":null,"SENS":"Sans objet","INSEECOM_G":"31001","INSEECOM_D":null`),
	feature(`{"type":"LineString","coordinates":[[570900,6270500],[571300,6270500]]}`,
		`"ID":"TRONROUT0000000000000003","NOM_1_G":"Route de Saint-Œuvre","NOM_1_D":null,"NATURE":"Route à 2 chaussées","LARGEUR":9,"IMPORTANCE":"2","NB_VOIES":4,"SENS":"Double sens","INSEECOM_G":null,"INSEECOM_D":null`),
	feature(`{"type":"LineString","coordinates":[[571500,6270800],[571500,6270800],[571600,6270900]]}`,
		`"ID":"TRONROUT0000000000000004","NOM_1_G":null,"NOM_1_D":null,"NATURE":"Sentier","LARGEUR":1,"IMPORTANCE":"6","NB_VOIES":null,"SENS":null,"INSEECOM_G":"31002","INSEECOM_D":"31002"`),
)

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	writeFile(t, path, content)
	return path
}

func importOK(t *testing.T, im *Importer, collection, path string, o FileOptions) Report {
	t.Helper()
	rep, err := im.ImportFile(context.Background(), collection, path, o)
	if err != nil {
		t.Fatalf("import %s %s: %v", collection, filepath.Base(path), err)
	}
	return rep
}

// byProp returns the stored rows of c by the value of a property.
func byProp(t *testing.T, s testStore, c *socle.Collection, prop string) map[string]socle.Row {
	t.Helper()
	out := map[string]socle.Row{}
	for _, r := range storetest.Rows(t, s, c) {
		out[fmt.Sprint(r.Properties[prop])] = r
	}
	return out
}

// TestImportPublishedFiles loads communes from a Windows-1252 Shapefile
// with ESRI's .prj (Admin Express), roads from a zipped Shapefile with
// IGN's .prj and from a GeoPackage of several tables (BD TOPO), on both
// stores: properties mapped, commune by location for the road that has no
// code, coordinates within 1 cm, and the same files twice change nothing.
func TestImportPublishedFiles(t *testing.T) {
	dir := t.TempDir()
	cgj := filepath.Join(dir, "communes.geojson")
	writeFile(t, cgj, communesL93)
	ogr2ogr(t, "-f", "ESRI Shapefile", "-lco", "ENCODING=CP1252", filepath.Join(dir, "COMMUNE.shp"), cgj, "-nln", "COMMUNE")
	rgj := filepath.Join(dir, "roads.geojson")
	writeFile(t, rgj, roadsL93)
	shpDir := filepath.Join(dir, "shp")
	ogr2ogr(t, "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", shpDir, rgj, "-nln", "TRONCON_DE_ROUTE", "-nlt", "MULTILINESTRING")
	writeFile(t, filepath.Join(shpDir, "TRONCON_DE_ROUTE.prj"), ignPRJ)
	zipPath := filepath.Join(dir, "TRONCON_DE_ROUTE.zip")
	if out, err := exec.Command("zip", "-j", "-q", zipPath, filepath.Join(shpDir, "TRONCON_DE_ROUTE.shp"), filepath.Join(shpDir, "TRONCON_DE_ROUTE.shx"),
		filepath.Join(shpDir, "TRONCON_DE_ROUTE.dbf"), filepath.Join(shpDir, "TRONCON_DE_ROUTE.prj"), filepath.Join(shpDir, "TRONCON_DE_ROUTE.cpg")).CombinedOutput(); err != nil {
		t.Skipf("zip: %v %s", err, out)
	}
	gpkg := filepath.Join(dir, "bdtopo.gpkg")
	ogr2ogr(t, "-f", "GPKG", gpkg, cgj, "-nln", "commune")
	ogr2ogr(t, "-f", "GPKG", "-update", gpkg, rgj, "-nln", "troncon_de_route")

	eachStore(t, func(t *testing.T, im *Importer, s testStore) {
		cat := im.Catalog
		communes, _ := cat.Collection("communes")
		roads, _ := cat.Collection("roads")
		rep := importOK(t, im, "communes", filepath.Join(dir, "COMMUNE.shp"), FileOptions{Profile: "admin-express"})
		if rep.Result.Inserted != 2 || rep.Result.Rejected != 0 {
			t.Fatalf("communes: %+v %+v", rep.Result, rep.Rejects)
		}
		got := byProp(t, s, communes, "insee")
		if got["31001"].Properties["nom"] != "Lège-Cap-Ferret" || got["31002"].Properties["nom"] != "Saint-Œuvre" ||
			got["31001"].Properties["population"] != int64(8000) || got["31001"].Properties["epci_siren"] != "243100633" {
			t.Errorf("communes: %+v", got)
		}

		for _, file := range []string{zipPath, gpkg} {
			rep = importOK(t, im, "roads", file, FileOptions{Profile: "bdtopo"})
			if file == zipPath && (rep.Result.Inserted != 4 || rep.Result.Rejected != 0) {
				t.Fatalf("roads from %s: %+v %+v", filepath.Base(file), rep.Result, rep.Rejects)
			}
			if file == gpkg && (rep.Result.Unchanged != 4 || rep.Result.Inserted+rep.Result.Updated != 0) {
				t.Errorf("the same roads from a GeoPackage changed something: %+v %+v", rep.Result, rep.Rejects)
			}
			rep = importOK(t, im, "roads", file, FileOptions{Profile: "bdtopo"})
			if rep.Result.Unchanged != 4 || rep.Result.Inserted+rep.Result.Updated+rep.Result.Retired != 0 {
				t.Errorf("second import of %s: %+v", filepath.Base(file), rep.Result)
			}
		}
		rows := byProp(t, s, roads, "source_id")
		if len(rows) != 4 {
			t.Fatalf("%d roads: %v", len(rows), rows)
		}
		r1 := rows["TRONROUT0000000000000001"].Properties
		want := map[string]any{"name": "Rue de l'Église", "road_class": "Route à 1 chaussée", "surface": "revêtue", "width": 5.5,
			"importance": "4", "nb_voies": int64(2), "sens": "Double sens", "commune_insee": "31001"}
		for k, v := range want {
			if r1[k] != v {
				t.Errorf("road 1 %s = %#v, want %#v", k, r1[k], v)
			}
		}
		if p := rows["TRONROUT0000000000000002"].Properties; p["name"] != "Chemin du Moulin" || p["surface"] != "non revêtue" || p["width"] != nil {
			t.Errorf("road 2: %v", p)
		}
		if p := rows["TRONROUT0000000000000003"].Properties; p["commune_insee"] != "31002" {
			t.Errorf("road 3, longer in 31002, is in %v", p["commune_insee"])
		}
		// Coordinates within 1 cm of the source, in Lambert-93.
		g1 := rows["TRONROUT0000000000000001"].Geometry
		near(t, g1, []orb.Point{{570100.12, 6270100.34}, {570200.56, 6270150.78}})
		near(t, rows["TRONROUT0000000000000004"].Geometry, []orb.Point{{571500, 6270800}, {571600, 6270900}})
		near(t, rows["TRONROUT0000000000000002"].Geometry, []orb.Point{{570300, 6270300}, {570400, 6270300}, {570400, 6270310}, {570500, 6270320}})
		// Through the API's path: GeoJSON in EPSG:2154.
		q := storetest.Items(t, roads, socle.ItemsRequest{CRS: crs.Lambert, Limit: 10})
		var texts []string
		if _, err := s.Items(context.Background(), q, func(f *socle.Feature) error {
			texts = append(texts, string(f.Geometry))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(texts, func(s string) bool { return strings.Contains(s, "570100.12") && strings.Contains(s, "6270150.78") }) {
			t.Errorf("road 1 in EPSG:2154 through Items: %v", texts)
		}
	})
}

func near(t *testing.T, g orb.Geometry, want []orb.Point) {
	t.Helper()
	var got []orb.Point
	forEachPoint(g, func(p orb.Point) { got = append(got, p) })
	if len(got) != len(want) {
		t.Errorf("%d points %v, want %v", len(got), got, want)
		return
	}
	for i := range got {
		if math.Hypot(got[i][0]-want[i][0], got[i][1]-want[i][1]) > 0.01 {
			t.Errorf("point %d: %v, want %v within 1 cm", i, got[i], want[i])
		}
	}
}

func poly(x0, y0, x1, y1 float64) string {
	return fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`, x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
}

// OCS GE parcels of one millésime: a MultiPolygon, a parcel across both
// communes (more of it in 31002), a bow-tie to repair, and one whose ring
// encloses nothing.
func ocsge(year int, cs1 string) string {
	y := fmt.Sprint(year)
	return l93(
		feature(`{"type":"MultiPolygon","coordinates":[[[[570000,6270000],[570100,6270000],[570100,6270100],[570000,6270100],[570000,6270000]]],[[[570200,6270000],[570300,6270000],[570300,6270100],[570200,6270100],[570200,6270000]]]]}`,
			`"ID":"OCSGE-1","CODE_CS":"`+cs1+`","CODE_US":"US1.1","MILLESIME":`+y),
		feature(poly(570900, 6270500, 571200, 6270600), `"ID":"OCSGE-2","CODE_CS":"CS1.1.1.1","CODE_US":"US2","MILLESIME":`+y),
		feature(`{"type":"Polygon","coordinates":[[[571400,6270400],[571500,6270500],[571500,6270400],[571400,6270500],[571400,6270400]]]}`,
			`"ID":"OCSGE-3","CODE_CS":"CS2.2.1","CODE_US":"US6.1","MILLESIME":`+y),
		feature(`{"type":"Polygon","coordinates":[[[571600,6270600],[571700,6270600],[571600,6270600]]]}`,
			`"ID":"OCSGE-4","CODE_CS":"CS2.2.1","CODE_US":"US6.1","MILLESIME":`+y),
	)
}

// TestLandCoverMillesimesReplaceRevert loads two millésimes of OCS GE side
// by side, derives area and artificialisation, repairs a self-crossing
// ring, rejects a ring with no area with its record number, replaces one
// millésime (retiring what the new file lacks, leaving the other alone)
// and reverts that batch to exactly what was there; the change feed sees
// every write.
func TestLandCoverMillesimesReplaceRevert(t *testing.T) {
	eachStore(t, func(t *testing.T, im *Importer, s testStore) {
		ctx := context.Background()
		cat := im.Catalog
		lc, _ := cat.Collection("land_cover")
		importOK(t, im, "communes", writeTemp(t, "communes.geojson", communesL93), FileOptions{Profile: "admin-express"})
		f2019 := writeTemp(t, "ocsge-2019.geojson", ocsge(2019, "CS2.2.1"))
		rep := importOK(t, im, "land_cover", f2019, FileOptions{Profile: "ocsge"})
		if rep.Result.Inserted != 3 || rep.Result.Rejected != 1 || rep.Rejects[0].Line != 4 || !strings.Contains(rep.Rejects[0].Reason, "ring") {
			t.Fatalf("2019: %+v %+v", rep.Result, rep.Rejects)
		}
		// The same parcels in 2022 (MILLESIME absent, given by --year), one
		// of them built on.
		f2022 := writeTemp(t, "ocsge-2022.geojson", strings.ReplaceAll(strings.ReplaceAll(ocsge(2019, "CS1.1.1.1"), `,"MILLESIME":2019`, ""), `"CS2.2.1","CODE_US":"US1.1"`, `"CS1.1.1.1","CODE_US":"US1.1"`))
		rep = importOK(t, im, "land_cover", f2022, FileOptions{Profile: "ocsge", Year: 2022})
		if rep.Result.Inserted != 3 {
			t.Fatalf("2022: %+v %+v", rep.Result, rep.Rejects)
		}
		rows := storetest.Rows(t, s, lc)
		if len(rows) != 6 {
			t.Fatalf("%d parcels, want 3 of each millésime", len(rows))
		}
		for _, r := range rows {
			p := r.Properties
			switch p["source_id"] {
			case "OCSGE-1":
				wantArt := p["year"] == int64(2022) // CS1.1.1.1 × US1.1 is built; CS2.2.1 × US1.1 is not
				if p["artificialised"] != wantArt || p["area_m2"] != 20000.0 || p["commune_insee"] != "31001" {
					t.Errorf("parcel 1: %v", p)
				}
				if _, ok := r.Geometry.(orb.MultiPolygon); !ok {
					t.Errorf("parcel 1 stored as %T, want the file's MultiPolygon", r.Geometry)
				}
			case "OCSGE-2":
				if p["commune_insee"] != "31002" || p["area_m2"] != 30000.0 || p["artificialised"] != true {
					t.Errorf("parcel 2: %v", p)
				}
			case "OCSGE-3":
				// The bow-tie made valid: two triangles of 2,500 m² each.
				if math.Abs(p["area_m2"].(float64)-5000) > 0.01 {
					t.Errorf("repaired bow-tie: %v %v", p, r.Geometry)
				}
			default:
				t.Errorf("unexpected parcel %v", p)
			}
		}
		// A re-import changes nothing; a record whose millésime is not
		// --year is refused.
		rep = importOK(t, im, "land_cover", f2019, FileOptions{Profile: "ocsge", Year: 2019})
		if rep.Result.Unchanged != 3 || rep.Result.Inserted+rep.Result.Updated != 0 {
			t.Errorf("2019 again: %+v", rep.Result)
		}
		rep = importOK(t, im, "land_cover", f2019, FileOptions{Profile: "ocsge", Year: 2020, DryRun: true})
		if rep.Result.Rejected != 4 || !strings.Contains(rep.Rejects[0].Reason, "--year 2020") {
			t.Errorf("2019 file as 2020: %+v %+v", rep.Result, rep.Rejects)
		}

		// A new edition of 2019 lacking parcel 2 and changing parcel 1.
		before := storetest.Dump(t, s, lc)
		feedBefore, _ := storetest.ReadFeed(t, s, lc, "", 1000, false)
		edition := l93(
			feature(poly(570000, 6270000, 570100, 6270100), `"ID":"OCSGE-1","CODE_CS":"CS2.1.1.1","CODE_US":"US1.1","MILLESIME":2019`),
			feature(`{"type":"Polygon","coordinates":[[[571400,6270400],[571500,6270500],[571500,6270400],[571400,6270500],[571400,6270400]]]}`,
				`"ID":"OCSGE-3","CODE_CS":"CS2.2.1","CODE_US":"US6.1","MILLESIME":2019`),
		)
		fNew := writeTemp(t, "ocsge-2019-v2.geojson", edition)
		dry := importOK(t, im, "land_cover", fNew, FileOptions{Profile: "ocsge", Year: 2019, Replace: true, DryRun: true})
		if dry.Result.Retired != 1 || dry.Result.Updated != 1 || !slices.Equal(storetest.Dump(t, s, lc), before) {
			t.Errorf("dry run: %+v, or it wrote", dry.Result)
		}
		rep = importOK(t, im, "land_cover", fNew, FileOptions{Profile: "ocsge", Year: 2019, Replace: true})
		if rep.Result.Retired != 1 || rep.Result.Updated != 1 || rep.Result.Unchanged != 1 {
			t.Fatalf("replace: %+v %+v", rep.Result, rep.Rejects)
		}
		var n2019, n2022 int
		for _, r := range storetest.Rows(t, s, lc) {
			if r.Properties["year"] == int64(2019) {
				n2019++
			} else {
				n2022++
			}
		}
		if n2019 != 2 || n2022 != 3 {
			t.Errorf("after replacing 2019: %d parcels of 2019, %d of 2022", n2019, n2022)
		}
		feed, _ := storetest.ReadFeed(t, s, lc, "", 1000, false)
		if len(feed)-len(feedBefore) != 2 {
			t.Errorf("the change feed has %d new entries, want 2 (an update, a retirement)", len(feed)-len(feedBefore))
		}
		sum := rep.Summary()
		if sum.Batch == "" || sum.Retired != 1 || sum.Read != 2 || sum.Rejected == nil {
			t.Errorf("summary: %+v", sum)
		}
		if _, err := s.Revert(ctx, rep.Result.BatchID, "test"); err != nil {
			t.Fatal(err)
		}
		if after := storetest.Dump(t, s, lc); !slices.Equal(after, before) {
			t.Errorf("revert did not restore exactly:\nbefore %v\nafter  %v", before, after)
		}
	})
}

// TestImportFileRefusesBeforeWriting: what the file lacks, an unknown
// profile or layer, the wrong geometry type, --replace of land cover
// without --year, a truncated archive: a clear error and nothing written.
func TestImportFileRefusesBeforeWriting(t *testing.T) {
	dir := t.TempDir()
	roads := filepath.Join(dir, "roads.geojson")
	writeFile(t, roads, roadsL93)
	noNature := filepath.Join(dir, "no-nature.geojson")
	writeFile(t, noNature, strings.ReplaceAll(roadsL93, `"NATURE"`, `"KIND"`))
	gpkg := filepath.Join(dir, "two.gpkg")
	ogr2ogr(t, "-f", "GPKG", gpkg, roads, "-nln", "routes")
	ogr2ogr(t, "-f", "GPKG", "-update", gpkg, roads, "-nln", "chemins")
	truncated := filepath.Join(dir, "bad.zip")
	writeFile(t, truncated, "PK\x03\x04 not a whole archive")
	eachStore(t, func(t *testing.T, im *Importer, s testStore) {
		ctx := context.Background()
		roadsC, _ := im.Catalog.Collection("roads")
		cases := []struct {
			collection, path string
			o                FileOptions
			want             []string
		}{
			{"roads", noNature, FileOptions{Profile: "bdtopo"}, []string{"no field NATURE", "its fields:", "KIND", "NOM_1_G"}},
			{"roads", roads, FileOptions{Profile: "bdtop"}, []string{`unknown profile "bdtop"`, "bdtopo, osm, ocsge, admin-express"}},
			{"roads", roads, FileOptions{Profile: "ocsge"}, []string{"ocsge profile loads land_cover"}},
			{"communes", roads, FileOptions{}, []string{"expected a MultiPolygon, got a LineString", "nothing was loaded"}},
			{"land_cover", roads, FileOptions{Profile: "ocsge", Replace: true}, []string{"--year"}},
			{"roads", gpkg, FileOptions{Profile: "bdtopo"}, []string{"routes", "chemins"}},
			{"roads", gpkg, FileOptions{Profile: "bdtopo", Layer: "rivieres"}, []string{"rivieres", "routes", "chemins"}},
			{"roads", truncated, FileOptions{Profile: "bdtopo"}, []string{"bad.zip"}},
			{"roads", roads, FileOptions{Profile: "bdtopo", Year: 2020}, []string{"--year"}},
		}
		for _, tc := range cases {
			_, err := im.ImportFile(ctx, tc.collection, tc.path, tc.o)
			if socle.ErrorCode(err) != socle.EINVALID {
				t.Errorf("%s %s %+v: %v, want EINVALID", tc.collection, filepath.Base(tc.path), tc.o, err)
				continue
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s %s %+v: %q does not say %q", tc.collection, filepath.Base(tc.path), tc.o, err, w)
				}
			}
		}
		if rows := storetest.Rows(t, s, roadsC); len(rows) != 0 {
			t.Errorf("%d roads written by refused imports", len(rows))
		}
		// With --layer the GeoPackage loads.
		if rep := importOK(t, im, "roads", gpkg, FileOptions{Profile: "bdtopo", Layer: "chemins", DryRun: true}); rep.Result.Rejected != 1 || rep.Result.Inserted != 3 {
			t.Errorf("no communes yet, so the road without a commune code is rejected: %+v %+v", rep.Result, rep.Rejects)
		}
	})
}

// TestMappingFile maps a contractor's layer with a YAML file: a field, a
// constant and a value table; a file without identifiers is identified by
// its content, so the second import is a no-op.
func TestMappingFile(t *testing.T) {
	dir := t.TempDir()
	mapping := filepath.Join(dir, "voirie.yaml")
	good := `# the contractor's road layer
name: LIBELLE
road_class: {field: TYPE, values: {RUE: "Route à 1 chaussée", CHEMIN: Chemin}}
surface: {value: revêtue}
commune_insee: {field: CODE_COM}
`
	file := filepath.Join(dir, "voirie.geojson")
	writeFile(t, file, l93(
		feature(`{"type":"LineString","coordinates":[[570100,6270100],[570200,6270100]]}`, `"LIBELLE":"Rue Haute","TYPE":"RUE","CODE_COM":31001`),
		feature(`{"type":"LineString","coordinates":[[570100,6270200],[570200,6270200]]}`, `"LIBELLE":"Chemin Bas","TYPE":"CHEMIN","CODE_COM":"31001"`),
		feature(`{"type":"LineString","coordinates":[[570100,6270300],[570200,6270300]]}`, `"LIBELLE":"Impasse","TYPE":"IMPASSE","CODE_COM":"31001"`),
	))
	eachStore(t, func(t *testing.T, im *Importer, s testStore) {
		roads, _ := im.Catalog.Collection("roads")
		writeFile(t, mapping, good)
		rep := importOK(t, im, "roads", file, FileOptions{Mapping: mapping})
		if rep.Result.Inserted != 3 {
			t.Fatalf("%+v %+v", rep.Result, rep.Rejects)
		}
		got := byProp(t, s, roads, "name")
		if p := got["Rue Haute"].Properties; p["road_class"] != "Route à 1 chaussée" || p["surface"] != "revêtue" || p["commune_insee"] != "31001" ||
			!strings.HasPrefix(fmt.Sprint(p["source_id"]), "sha256:") {
			t.Errorf("Rue Haute: %v", p)
		}
		if got["Chemin Bas"].Properties["road_class"] != "Chemin" || got["Impasse"].Properties["road_class"] != "IMPASSE" {
			t.Errorf("value table: %v", got)
		}
		rep = importOK(t, im, "roads", file, FileOptions{Mapping: mapping})
		if rep.Result.Unchanged != 3 || rep.Result.Inserted != 0 {
			t.Errorf("second import of a file without ids: %+v", rep.Result)
		}
		for bad, want := range map[string]string{
			"colour: COULEUR\n":                    "colour is not a property of roads",
			"condition: ETAT\n":                    "computed by Socle",
			"name: {field: A, value: B}\n":         "not both",
			"name: {fields: A}\n":                  "unknown key",
			"name: [A]\n":                          "expected a field name",
			"name: NOM_INTROUVABLE\n":              "no field NOM_INTROUVABLE",
			"road_class: {value: 1, values: {}}\n": "needs a field",
		} {
			writeFile(t, mapping, bad)
			_, err := im.ImportFile(context.Background(), "roads", file, FileOptions{Mapping: mapping})
			if socle.ErrorCode(err) != socle.EINVALID || !strings.Contains(err.Error(), want) {
				t.Errorf("mapping %q: %v, want %q", bad, err, want)
			}
		}
	})
}

// TestTheSameCommunesFromEveryFormat imports the communes from GeoJSON,
// then from a Shapefile (Windows-1252 with and without its .cpg, UTF-8
// without, IGN's and ESRI's .prj), zipped or not, a GeoPackage, a
// FlatGeobuf and a CSV with a WKT column: each finds them unchanged, names
// and coordinates read alike.
func TestTheSameCommunesFromEveryFormat(t *testing.T) {
	dir := t.TempDir()
	gj := filepath.Join(dir, "communes.geojson")
	writeFile(t, gj, communesL93)
	files := []string{gj}
	shp := func(name, enc string) string {
		ogr2ogr(t, "-f", "ESRI Shapefile", "-lco", "ENCODING="+enc, filepath.Join(dir, name+".shp"), gj, "-nln", name)
		return filepath.Join(dir, name+".shp")
	}
	files = append(files, shp("c1252", "CP1252"))
	files = append(files, shp("c1252nocpg", "CP1252"))
	if err := os.Remove(filepath.Join(dir, "c1252nocpg.cpg")); err != nil {
		t.Fatal(err)
	}
	files = append(files, shp("cutf8nocpg", "UTF-8"))
	os.Remove(filepath.Join(dir, "cutf8nocpg.cpg"))
	files = append(files, shp("cignf", "UTF-8"))
	writeFile(t, filepath.Join(dir, "cignf.prj"), ignPRJ)
	zipped := filepath.Join(dir, "COMMUNE.zip")
	if out, err := exec.Command("zip", "-j", "-q", zipped, filepath.Join(dir, "c1252.shp"), filepath.Join(dir, "c1252.shx"), filepath.Join(dir, "c1252.dbf"),
		filepath.Join(dir, "c1252.prj"), filepath.Join(dir, "c1252.cpg")).CombinedOutput(); err != nil {
		t.Skipf("zip: %v %s", err, out)
	}
	files = append(files, zipped)
	for _, f := range []struct{ name, driver string }{{"communes.gpkg", "GPKG"}, {"communes.fgb", "FlatGeobuf"}} {
		ogr2ogr(t, "-f", f.driver, filepath.Join(dir, f.name), gj)
		files = append(files, filepath.Join(dir, f.name))
	}
	csvPath := filepath.Join(dir, "communes.csv")
	ogr2ogr(t, "-f", "CSV", "-lco", "GEOMETRY=AS_WKT", csvPath, gj)
	files = append(files, csvPath)
	eachStore(t, func(t *testing.T, im *Importer, s testStore) {
		communes, _ := im.Catalog.Collection("communes")
		for i, f := range files {
			o := FileOptions{Profile: "admin-express"}
			if strings.HasSuffix(f, ".csv") {
				o.CRS = "EPSG:2154" // a CSV says nothing of its CRS
			}
			rep := importOK(t, im, "communes", f, o)
			if i == 0 && rep.Result.Inserted != 2 || i > 0 && rep.Result.Unchanged != 2 {
				t.Errorf("%s: %+v %+v %v", filepath.Base(f), rep.Result, rep.Rejects, storetest.Dump(t, s, communes))
			}
		}
		if got := byProp(t, s, communes, "insee"); got["31001"].Properties["nom"] != "Lège-Cap-Ferret" || got["31002"].Properties["nom"] != "Saint-Œuvre" {
			t.Errorf("names: %v", got)
		}
	})
}

// TestOSMAndPointsByLocation: OpenStreetMap highway lines in WGS 84 mapped
// onto BD TOPO's classes (what is not a road rejected with its tag), their
// commune found by location; addresses without a commune code get the
// commune that contains them.
func TestOSMAndPointsByLocation(t *testing.T) {
	// Lambert-93 570000..572000 × 6270000..6271000 is about 1.39°E-1.42°E, 43.52°N.
	osm := `{"type":"FeatureCollection","name":"lines","features":[
{"type":"Feature","properties":{"osm_id":"1001","highway":"residential","name":"Rue des Lilas","surface":"asphalt"},"geometry":{"type":"LineString","coordinates":[[1.39384359,43.51988739],[1.39630829,43.52019382]]}},
{"type":"Feature","properties":{"osm_id":"1002","highway":"track","name":null,"width":"3 m"},"geometry":{"type":"LineString","coordinates":[[1.40867703,43.52010597],[1.41112441,43.52104174]]}},
{"type":"Feature","properties":{"osm_id":"1003","highway":"construction"},"geometry":{"type":"LineString","coordinates":[[1.39379330,43.52168645],[1.39625807,43.52199288]]}},
{"type":"Feature","properties":{"osm_id":"1004","highway":"primary","junction":"roundabout"},"geometry":{"type":"LineString","coordinates":[[1.39374300,43.52348551],[1.39410883,43.52367090],[1.39373294,43.52384532],[1.39374300,43.52348551]]}}
]}`
	eachStore(t, func(t *testing.T, im *Importer, s testStore) {
		importOK(t, im, "communes", writeTemp(t, "communes.geojson", communesL93), FileOptions{Profile: "admin-express"})
		rep := importOK(t, im, "roads", writeTemp(t, "lines.geojson", osm), FileOptions{Profile: "osm"})
		if rep.Result.Inserted != 3 || len(rep.Rejects) != 1 || rep.Rejects[0].Line != 3 || rep.Rejects[0].Reason != "not a road: highway=construction" {
			t.Fatalf("%+v %+v", rep.Result, rep.Rejects)
		}
		roads, _ := im.Catalog.Collection("roads")
		got := byProp(t, s, roads, "source_id")
		want := map[string][4]any{
			"1001": {"Route à 1 chaussée", "revêtue", nil, "31001"},
			"1002": {"Chemin", "non revêtue", 3.0, "31002"},
			"1004": {"Rond-point", "revêtue", nil, "31001"},
		}
		for id, w := range want {
			p := got[id].Properties
			if p["road_class"] != w[0] || p["surface"] != w[1] || p["width"] != w[2] || p["commune_insee"] != w[3] {
				t.Errorf("osm %s: %v, want %v", id, p, w)
			}
		}
		addrs := l93(
			feature(`{"type":"Point","coordinates":[570500,6270500]}`, `"cle_interop":"31001_0001_00001","numero":1,"voie_nom":"Rue A","commune_nom":"Lège","source":"test","certification_commune":false`),
			feature(`{"type":"MultiPoint","coordinates":[[571500,6270500]]}`, `"cle_interop":"31002_0001_00001","numero":1,"voie_nom":"Rue B","commune_nom":"Œuvre","source":"test","certification_commune":true`),
		)
		rep = importOK(t, im, "addresses", writeTemp(t, "adresses.geojson", addrs), FileOptions{})
		if rep.Result.Inserted != 2 {
			t.Fatalf("addresses: %+v %+v", rep.Result, rep.Rejects)
		}
		ac, _ := im.Catalog.Collection("addresses")
		a := byProp(t, s, ac, "cle_interop")
		if a["31001_0001_00001"].Properties["commune_insee"] != "31001" || a["31002_0001_00001"].Properties["commune_insee"] != "31002" {
			t.Errorf("addresses by location: %v", a)
		}
	})
}

// TestRoundTripThroughTheAPI imports BD TOPO road sections from a
// Shapefile with IGN's .prj, then reads them back through the HTTP API in
// EPSG:2154: every coordinate within 1 cm of the file's, every mapped
// property as the file has it.
func TestRoundTripThroughTheAPI(t *testing.T) {
	dir := t.TempDir()
	rgj := filepath.Join(dir, "roads.geojson")
	writeFile(t, rgj, roadsL93)
	shp := filepath.Join(dir, "TRONCON_DE_ROUTE.shp")
	ogr2ogr(t, "-f", "ESRI Shapefile", "-lco", "ENCODING=CP1252", shp, rgj, "-nln", "TRONCON_DE_ROUTE")
	writeFile(t, filepath.Join(dir, "TRONCON_DE_ROUTE.prj"), ignPRJ)
	var src struct {
		Features []struct {
			Geometry struct {
				Type        string
				Coordinates json.RawMessage
			}
			Properties map[string]any
		}
	}
	if err := json.Unmarshal([]byte(roadsL93), &src); err != nil {
		t.Fatal(err)
	}
	eachStore(t, func(t *testing.T, im *Importer, s testStore) {
		importOK(t, im, "communes", writeTemp(t, "c.geojson", communesL93), FileOptions{Profile: "admin-express"})
		importOK(t, im, "roads", shp, FileOptions{Profile: "bdtopo"})
		hs := httptest.NewServer(server.New(s.(server.Store), im.Catalog, im.Log, server.Options{DefaultLimit: 100, MaxLimit: 1000, FeatureCacheBytes: -1, TileCacheBytes: -1}).Handler())
		defer hs.Close()
		resp, err := http.Get(hs.URL + "/collections/roads/items?crs=" + url.QueryEscape(crs.Lambert.URI) + "&f=json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got struct {
			Features []struct {
				Geometry   orbGeometry
				Properties map[string]any
			}
		}
		if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%d %v", resp.StatusCode, err)
		}
		if len(got.Features) != len(src.Features) {
			t.Fatalf("%d features served, %d in the file", len(got.Features), len(src.Features))
		}
		served := map[string]int{}
		for i, f := range got.Features {
			served[fmt.Sprint(f.Properties["source_id"])] = i
		}
		for _, sf := range src.Features {
			id := sf.Properties["ID"].(string)
			i, ok := served[id]
			if !ok {
				t.Errorf("%s not served", id)
				continue
			}
			f := got.Features[i]
			var want []orb.Point
			var lines [][][2]float64
			if sf.Geometry.Type == "LineString" {
				var l [][2]float64
				json.Unmarshal(sf.Geometry.Coordinates, &l)
				lines = [][][2]float64{l}
			} else {
				json.Unmarshal(sf.Geometry.Coordinates, &lines)
			}
			for _, l := range lines {
				for _, p := range l {
					if len(want) == 0 || want[len(want)-1] != orb.Point(p) {
						want = append(want, orb.Point(p))
					}
				}
			}
			near(t, f.Geometry.g, want)
			p := f.Properties
			name := first(func(k string) any { return sf.Properties[k] }, "NOM_1_G", "NOM_1_D")
			if name == nil {
				name = ""
			}
			commune := first(func(k string) any { return sf.Properties[k] }, "INSEECOM_G", "INSEECOM_D")
			if commune == nil {
				commune = "31002" // by location
			}
			for k, v := range map[string]any{"name": name, "road_class": sf.Properties["NATURE"], "width": sf.Properties["LARGEUR"],
				"importance": sf.Properties["IMPORTANCE"], "nb_voies": sf.Properties["NB_VOIES"], "sens": sf.Properties["SENS"], "commune_insee": commune} {
				if fmt.Sprint(p[k]) != fmt.Sprint(v) {
					t.Errorf("%s %s: served %#v, file %#v", id, k, p[k], v)
				}
			}
		}
	})
}

// orbGeometry decodes a GeoJSON geometry.
type orbGeometry struct{ g orb.Geometry }

func (o *orbGeometry) UnmarshalJSON(b []byte) error {
	g, err := geojson.UnmarshalGeometry(b)
	if err != nil {
		return err
	}
	o.g = g.Geometry()
	return nil
}

// TestRealOpenStreetMapRoads loads the real OpenStreetMap roads of
// Saint-Barthélemy (the sample package source vendors) with the osm
// profile and a mapping that gives their commune (the territory's
// communes layer does not hold the island): from the GeoJSON in WGS 84,
// then from the GeoPackage in RGAF09 / UTM 20N (EPSG:5490), matched by
// their OSM ids.
func TestRealOpenStreetMapRoads(t *testing.T) {
	dir := t.TempDir()
	mapping := filepath.Join(dir, "sbh.yaml")
	writeFile(t, mapping, "commune_insee: {value: \"97701\"}\n")
	eachStore(t, func(t *testing.T, im *Importer, s testStore) {
		rep := importOK(t, im, "roads", "../source/testdata/saint-barthelemy-highways.geojson", FileOptions{Profile: "osm", Mapping: mapping})
		if rep.Result.Inserted != 515 || rep.Result.Rejected != 0 {
			t.Fatalf("geojson: %+v %+v", rep.Result, rep.Rejects[:min(3, len(rep.Rejects))])
		}
		rep = importOK(t, im, "roads", "../source/testdata/saint-barthelemy-highways-epsg5490.gpkg", FileOptions{Profile: "osm", Mapping: mapping})
		if rep.Result.Inserted != 0 || rep.Result.Updated+rep.Result.Unchanged != 515 {
			t.Errorf("gpkg: %+v %+v", rep.Result, rep.Rejects[:min(3, len(rep.Rejects))])
		}
		roads, _ := im.Catalog.Collection("roads")
		classes := map[any]int{}
		for _, r := range storetest.Rows(t, s, roads) {
			classes[r.Properties["road_class"]]++
		}
		if classes["Route à 1 chaussée"] != 506 || classes["Chemin"] != 9 || classes["Route à 2 chaussées"] != 0 {
			t.Errorf("classes: %v", classes)
		}
	})
}

// TestSocleProfileReadsTheFixtures: files in Socle's own shape (the sample
// territory) imported by `socle import layer` find what `socle import
// fixtures` loaded unchanged, ids included (the communes' from the
// GeoJSON id).
func TestSocleProfileReadsTheFixtures(t *testing.T) {
	eachStore(t, func(t *testing.T, im *Importer, s testStore) {
		if _, err := im.ImportFixtures(context.Background(), "../../fixtures"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{"communes", "roads", "addresses"} {
			rep := importOK(t, im, c, filepath.Join("../../fixtures", c+".geojson"), FileOptions{DryRun: true})
			if rep.Result.Unchanged == 0 || rep.Result.Unchanged != rep.Result.Read {
				t.Errorf("%s: %+v %+v", c, rep.Result, rep.Rejects[:min(3, len(rep.Rejects))])
			}
		}
	})
}
