package metadata_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/metadata"
	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/internal/testdb"
	"github.com/socle-geo/socle/internal/xsdtest"
	"github.com/socle-geo/socle/internal/zan"
	"github.com/socle-geo/socle/ogc/iso19139"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const base = "https://geo.sicoval.example"

func fixturesDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "fixtures")
}

type store interface {
	metadata.Store
	importer.Writer
}

// stores opens both stores, empty.
func stores(t *testing.T) map[string]store {
	t.Helper()
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	pg, err := postgis.Open(ctx, testdb.New(t), cat, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	if err := pg.Migrate(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	em, err := embedded.Open(ctx, filepath.Join(t.TempDir(), "socle.gpkg"), cat)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Close() })
	return map[string]store{"postgis": pg, "embedded": em}
}

func TestSampleFilesLoad(t *testing.T) {
	f, err := metadata.Sample(socle.DefaultCatalog())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range f.Datasets {
		ids = append(ids, d.ID)
		if d.Title.EN == "" || d.Abstract.EN == "" || d.Lineage.EN == "" || len(d.Keywords.EN) == 0 {
			t.Errorf("%s: the English texts are incomplete", d.ID)
		}
	}
	if got := strings.Join(ids, ","); got != "addresses,artificialisation,roads" {
		t.Errorf("datasets %s", got)
	}
	if d, _ := f.Dataset("artificialisation"); strings.Join(d.Collections, ",") != "land_cover,communes,artificialisation" {
		t.Errorf("artificialisation holds %v", d.Collections)
	}
}

// TestBadFilesAreListed: every problem of the files is reported at once,
// each naming its file.
func TestBadFilesAreListed(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join(fixturesDir(), "metadata", "service.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{
		"service.yaml": {Data: sample},
		"a.yaml":       {Data: []byte("id: a\ncollections: [road_reports, nowhere]\ntitle: {fr: A}\nthemes: [zz]\n")},
		"b.yaml":       {Data: []byte("id: b\ncollections: [roads]\ntitel: {fr: B}\n")},
	}
	_, err = metadata.Load(fsys, socle.DefaultCatalog())
	if err == nil {
		t.Fatal("bad files loaded")
	}
	for _, want := range []string{"b.yaml", "titel", "field"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	delete(fsys, "b.yaml")
	// A closed collection may have metadata: catalogues show it only to
	// callers who may read it (TestSecurityMetadata in internal/server).
	fsys["a.yaml"] = &fstest.MapFile{Data: []byte("id: a\ncollections: [roads, nowhere]\ntitle: {fr: A}\nthemes: [zz]\n")}
	_, err = metadata.Load(fsys, socle.DefaultCatalog())
	for _, want := range []string{`no collection "nowhere"`, `unknown INSPIRE theme "zz"`, "abstract", "created is missing", "topic category"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %q", err, want)
		}
	}
	if _, err := metadata.Load(fstest.MapFS{}, socle.DefaultCatalog()); err == nil || !strings.Contains(err.Error(), "service.yaml") {
		t.Errorf("no files: %v", err)
	}
}

func encode(t *testing.T, r iso19139.Record) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := r.Encode(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestRecordsFollowTheData: the records of both stores are valid INSPIRE
// records (TG checks and XSD), hold the data's extent, dates and lineage,
// and an import changes them accordingly.
func TestRecordsFollowTheData(t *testing.T) {
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	files, err := metadata.Sample(cat)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string][]byte{}
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			mc := metadata.New(files, cat, s, metadata.Options{Formats: []metadata.Format{metadata.FormatGeoJSON, metadata.FormatGeoPackage}})
			im := &importer.Importer{Store: s, Catalog: cat, Log: quiet, Actor: "sig"}
			if _, err := im.ImportFixtures(ctx, fixturesDir()); err != nil {
				t.Fatal(err)
			}
			before := map[string]iso19139.Record{}
			for _, lang := range metadata.Languages {
				rs, err := mc.Records(ctx, base, lang)
				if err != nil {
					t.Fatal(err)
				}
				if len(rs) != 5 {
					t.Fatalf("%d records, want 3 datasets and 2 services", len(rs))
				}
				for _, r := range rs {
					if err := r.Validate(); err != nil {
						t.Errorf("%s (%s): %v", r.FileIdentifier, lang, err)
					}
					docs[name+"-"+lang+"-"+r.FileIdentifier+".xml"] = encode(t, r)
					if lang == "fr" {
						before[r.FileIdentifier] = r
					}
				}
			}
			roads := before["fr-243100633-roads"]
			if roads.BBox == nil || roads.BBox.West < 1.3 || roads.BBox.East > 1.8 || roads.BBox.South < 43.3 || roads.BBox.North > 43.7 {
				t.Fatalf("roads bbox %+v is not the Sicoval's", roads.BBox)
			}
			if !strings.Contains(roads.Abstract, "Réseau routier : 1467") && !strings.Contains(roads.Abstract, ": 1467") {
				t.Errorf("roads abstract does not count 1467 segments: %q", roads.Abstract)
			}
			if !strings.Contains(roads.Lineage, "roads.geojson") || !strings.Contains(roads.Lineage, "par sig") {
				t.Errorf("roads lineage lacks its import: %q", roads.Lineage)
			}
			art := before["fr-243100633-artificialisation"]
			if strings.Count(art.Lineage, "\n- ") != 2 {
				t.Errorf("artificialisation lineage should list the land_cover and communes imports: %q", art.Lineage)
			}
			if svc := before["fr-243100633-download"]; len(svc.Service.OperatesOn) != 3 {
				t.Errorf("download service operates on %v", svc.Service.OperatesOn)
			}

			// A road far east of the territory: the extent, the revision
			// date and the lineage move; the other datasets stay.
			path := filepath.Join(t.TempDir(), "new-road.geojson")
			road := `{"type":"FeatureCollection","features":[{"type":"Feature","id":900001,"geometry":{"type":"LineString","coordinates":[[1.95,43.60],[1.96,43.61]]},` +
				`"properties":{"id":900001,"name":"Route nouvelle","road_class":"Route à 1 chaussée","surface":"revêtue","width":6,"commune_insee":"31004","updated_at":"2026-01-02T10:00:00Z"}}]}`
			if err := os.WriteFile(path, []byte(road), 0o644); err != nil {
				t.Fatal(err)
			}
			rep, err := im.ImportLayer(ctx, "roads", path)
			if err != nil || rep.Result.Inserted != 1 {
				t.Fatalf("import: %+v, %v", rep, err)
			}
			after, err := mc.Record(ctx, base, "fr", "fr-243100633-roads")
			if err != nil {
				t.Fatal(err)
			}
			if after.BBox.East < 1.9599 || after.BBox.North < 43.6099 {
				t.Errorf("bbox after import %+v does not hold the new road", after.BBox)
			}
			rev := func(r iso19139.Record) time.Time {
				for _, d := range r.Dates {
					if d.Type == iso19139.DateRevision {
						return d.Date
					}
				}
				return time.Time{}
			}
			if rev(roads).IsZero() || rev(after).Before(rev(roads)) || !after.DateStamp.After(roads.DateStamp) {
				t.Errorf("revision %v → %v, date stamp %v → %v", rev(roads), rev(after), roads.DateStamp, after.DateStamp)
			}
			if !strings.Contains(after.Lineage, rep.Result.BatchID) || !strings.Contains(after.Lineage, "new-road.geojson") ||
				strings.Index(after.Lineage, rep.Result.BatchID) > strings.Index(after.Lineage, "roads.geojson") {
				t.Errorf("lineage does not start with the new import %s: %q", rep.Result.BatchID, after.Lineage)
			}
			if !strings.Contains(after.Abstract, "1468") {
				t.Errorf("abstract does not count the new road: %q", after.Abstract)
			}
			addr, err := mc.Record(ctx, base, "fr", "fr-243100633-addresses")
			if err != nil {
				t.Fatal(err)
			}
			if addr.Lineage != before["fr-243100633-addresses"].Lineage || !addr.DateStamp.Equal(before["fr-243100633-addresses"].DateStamp) {
				t.Errorf("the addresses record changed with the roads")
			}
			if _, err := mc.Record(ctx, base, "fr", "fr-243100633-nothing"); socle.ErrorCode(err) != socle.ENOTFOUND {
				t.Errorf("unknown record: %v", err)
			}
		})
	}
	xsdtest.Docs(t, xsdtest.ISO19139, docs)
}

// TestZANLineage checks, on both stores, that the artificialisation
// dataset's ISO 19139 record says where the ZAN figures come from — the
// OCS GE millésimes overlaid, the matrix version, the Cerema file — and
// has the millésimes' temporal extent.
func TestZANLineage(t *testing.T) {
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	files, err := metadata.Sample(cat)
	if err != nil {
		t.Fatal(err)
	}
	communes, _ := cat.Collection("communes")
	landCover, _ := cat.Collection("land_cover")
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			zs := s.(storetest.ZANStore)
			mc := metadata.New(files, cat, s, metadata.Options{})
			for i, step := range []struct {
				c    *socle.Collection
				rows []socle.Row
			}{{communes, storetest.ZANCommunes()}, {landCover, storetest.ZANMillesime(2016)}} {
				if _, err := zs.Import(ctx, socle.Batch{ID: fmt.Sprintf("lineage-%d", i), Kind: "import-layer", Actor: "sig"}, step.c, socle.RowsOf(step.rows, nil)); err != nil {
					t.Fatal(err)
				}
			}
			r, err := mc.Record(ctx, base, "fr", "fr-243100633-artificialisation")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(r.Lineage, "un seul millésime d’occupation du sol (2016)") || !strings.Contains(r.Lineage, "Aucun fichier Cerema") {
				t.Errorf("lineage with one millésime: %q", r.Lineage)
			}
			if _, err := zs.Import(ctx, socle.Batch{ID: "lineage-2019", Kind: "import-layer", Actor: "sig"}, landCover, socle.RowsOf(storetest.ZANMillesime(2019), nil)); err != nil {
				t.Fatal(err)
			}
			cons, err := zan.ReadConsommation(strings.NewReader("idcom;naf11art12;naf20art21;naf21art22\n31001;1;2;3\n"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := zs.ImportConsommation(ctx, socle.Batch{ID: "lineage-cerema", Source: "conso-31.csv", FileSHA256: "abc123", Actor: "sig"}, cons); err != nil {
				t.Fatal(err)
			}
			for _, lang := range metadata.Languages {
				r, err := mc.Record(ctx, base, lang, "fr-243100633-artificialisation")
				if err != nil {
					t.Fatal(err)
				}
				if err := r.Validate(); err != nil {
					t.Error(err)
				}
				want := map[string][]string{
					"fr": {"millésimes OCS GE 2016, 2019", "matrice couverture × usage (" + zan.DefaultMatrix().Version() + ")", "conso-31.csv (SHA-256 abc123)", "lot lineage-cerema", "années 2011, 2020, 2021"},
					"en": {"OCS GE vintages 2016, 2019", "cover × use matrix (" + zan.DefaultMatrix().Version() + ")", "conso-31.csv (SHA-256 abc123)", "batch lineage-cerema"},
				}[lang]
				for _, w := range want {
					if !strings.Contains(r.Lineage, w) {
						t.Errorf("%s lineage lacks %q: %q", lang, w, r.Lineage)
					}
				}
				if strings.Contains(r.Lineage, socle.KindDerive+"-") {
					t.Errorf("%s lineage lists the recomputations as imports: %q", lang, r.Lineage)
				}
				te := r.TemporalExtent
				if te == nil || !te.Begin.Equal(time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)) || !te.End.Equal(time.Date(2019, 12, 31, 0, 0, 0, 0, time.UTC)) {
					t.Errorf("%s temporal extent %+v, want the millésimes 2016–2019", lang, te)
				}
				xsdtest.Doc(t, xsdtest.ISO19139, name+"-zan-"+lang+".xml", encode(t, r))
			}
		})
	}
}
