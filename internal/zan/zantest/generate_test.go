package zantest

import (
	"math"
	"testing"

	"github.com/paulmach/orb/planar"

	"github.com/socle-geo/socle/internal/zan"
)

func TestGeneratedTerritoryTiles(t *testing.T) {
	t.Parallel()
	tr := Generate(Config{Parcels: 3000, Communes: 6, Change: 0.04, Seed: 1})
	var sum [2]float64
	var n [2]int
	for _, p := range tr.Parcels {
		mp, repaired, err := zan.MakeValid(p.Geom)
		if err != nil || repaired {
			t.Fatalf("parcel %d is not valid: %v", p.ID, err)
		}
		side := 0
		if p.Year == ToYear {
			side = 1
		}
		sum[side] += planar.Area(mp)
		n[side]++
	}
	var communes float64
	for _, c := range tr.Communes {
		mp, repaired, err := zan.MakeValid(c.Geom)
		if err != nil || repaired {
			t.Fatalf("commune %s is not valid: %v", c.INSEE, err)
		}
		communes += planar.Area(mp)
	}
	if len(tr.Communes) != 6 || n[0] != n[1] || n[0] < 2900 {
		t.Errorf("%d communes, %v parcels", len(tr.Communes), n)
	}
	// Both millésimes and the communes tile the same rectangle.
	if math.Abs(sum[0]-communes) > 1e-6*communes || math.Abs(sum[1]-communes) > 1e-6*communes {
		t.Errorf("areas: millésimes %.1f and %.1f m², communes %.1f m²", sum[0], sum[1], communes)
	}
	if share := float64(tr.Changed) / float64(n[0]); share < 0.02 || share > 0.05 {
		t.Errorf("%.3f of the parcels changed, want 0.02 to 0.05", share)
	}
}
