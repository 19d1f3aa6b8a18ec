package importer

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/internal/testdb"
	"github.com/socle-geo/socle/ogc/crs"
)

// testStore is what these tests need of a store.
type testStore interface {
	storetest.Store
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
