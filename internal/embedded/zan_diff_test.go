package embedded

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"testing"

	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/internal/testdb"
	"github.com/socle-geo/socle/internal/zan/zantest"
)

// TestZANStoresAgree is the differential test of issue 13: the same pair
// of OCS GE millésimes (a generated territory: irregular parcels whose
// boundaries never coincide between the two, communes cut across them)
// imported into the PostGIS store, which overlays them in SQL, and into
// the embedded store, which overlays them in Go, gives the same flux per
// commune and for the EPCI, within 0.01 ha.
func TestZANStoresAgree(t *testing.T) {
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
	em, _ := openTemp(t)
	tr := zantest.Generate(zantest.Config{Parcels: 3000, Communes: 5, Change: 0.05, Seed: 17})
	communes, landCover := storetest.ZANTerritory(tr.Communes, tr.Parcels)
	coC, _ := cat.Collection("communes")
	lcC, _ := cat.Collection("land_cover")
	art, _ := cat.Collection("artificialisation")
	for _, s := range []socle.Importer{pg, em} {
		n := 0
		imp := func(c *socle.Collection, rows []socle.Row) {
			n++
			if _, err := s.Import(ctx, socle.Batch{ID: fmt.Sprintf("diff-zan-%d", n), Kind: "import-layer", Actor: "test"}, c, socle.RowsOf(rows, nil)); err != nil {
				t.Fatal(err)
			}
		}
		imp(coC, communes)
		for _, y := range slices.Sorted(maps.Keys(landCover)) {
			imp(lcC, landCover[y])
		}
	}
	a, b := storetest.ZANFigures(t, pg, art), storetest.ZANFigures(t, em, art)
	if len(a) != len(tr.Communes)+1 || len(a) != len(b) {
		t.Fatalf("PostGIS %d rows, embedded %d, want %d", len(a), len(b), len(tr.Communes)+1)
	}
	var artificialised float64
	for key, ra := range a {
		rb, ok := b[key]
		if !ok {
			t.Errorf("%s: not on the embedded store", key)
			continue
		}
		for _, name := range []string{"area_ha", "artificialised_ha", "deartificialised_ha", "net_ha", "stock_from_ha", "stock_ha"} {
			x, _ := ra[name].(float64)
			y, _ := rb[name].(float64)
			if math.Abs(x-y) > 0.01 {
				t.Errorf("%s: %s PostGIS %v, embedded %v", key, name, x, y)
			}
		}
		for _, name := range []string{"insee", "nom", "level", "from_year", "to_year", "source"} {
			if ra[name] != rb[name] {
				t.Errorf("%s: %s PostGIS %v, embedded %v", key, name, ra[name], rb[name])
			}
		}
		if ra["level"] == "epci" {
			artificialised, _ = ra["artificialised_ha"].(float64)
		}
	}
	if artificialised <= 0 {
		t.Errorf("the generated territory artificialised nothing: %v", a)
	}
}
