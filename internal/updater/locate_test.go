package updater_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/internal/updater"
)

// TestFibreRowsWithoutCommune: a deployment file with coordinates and no
// code_insee, code_poste or nom_com is joined, each building's commune
// found by its position in the communes layer; a building outside every
// commune is a candidate that says why.
func TestFibreRowsWithoutCommune(t *testing.T) {
	ctx := context.Background()
	addrC, _ := socle.DefaultCatalog().Collection("addresses")
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("x,y,imb_id,num_voie,cp_no_voie,nom_voie,imb_etat\n")
			n := 0
			for _, r := range storetest.Rows(t, s, addrC) {
				if n == 5 {
					break
				}
				p := r.Geometry.(orb.Point)
				suffix, _ := r.Properties["suffixe"].(string)
				fmt.Fprintf(&b, "%.2f,%.2f,IMB%d,%d,%s,%s,deploye\n", p[0]+1, p[1]+1, n, r.Properties["numero"], suffix, r.Properties["voie_nom"])
				n++
			}
			// Far from every commune of the territory, in Lambert-93 France.
			b.WriteString("300000.00,6800000.00,IMBX,1,,RUE DE NULLE PART,cible\n")
			u := newUpdater(s)
			rep, err := u.Fibre(ctx, "sans-commune.csv", []byte(b.String()), true)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Matched[updater.ByAddress] != 5 || len(rep.Rejects) != 0 {
				t.Errorf("joined %v, rejects %+v, unmatched %v", rep.Matched, rep.Rejects, rep.UnmatchedWhy)
			}
			if rep.Unmatched != 1 || rep.UnmatchedWhy["no commune: no code_insee nor nom_com, and the building lies in no commune of the communes layer"] != 1 {
				t.Errorf("the building outside the territory: %v", rep.UnmatchedWhy)
			}
		})
	}
}
