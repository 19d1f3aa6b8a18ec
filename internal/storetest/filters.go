package storetest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/ogc/cql2"
)

// RandomAddressFilter builds a random CQL2 predicate over the addresses'
// properties, nested up to depth, with values drawn from sample (features
// as the Go evaluator reads them: numero a float64, date_der_maj a
// time.Time, geometry an orb.Point in CRS84) so that selections are not all
// empty: the differential tests' filters.
func RandomAddressFilter(rng *rand.Rand, sample []cql2.MapFeature, depth int) string {
	if depth > 0 && rng.IntN(3) == 0 {
		a, b := RandomAddressFilter(rng, sample, depth-1), RandomAddressFilter(rng, sample, depth-1)
		switch rng.IntN(3) {
		case 0:
			return "(" + a + " AND " + b + ")"
		case 1:
			return "(" + a + " OR " + b + ")"
		default:
			return "NOT (" + a + ")"
		}
	}
	f := sample[rng.IntN(len(sample))]
	str := func(k string) string {
		s, _ := f[k].(string)
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	num := func() int { return int(f["numero"].(float64)) }
	pt := f["geometry"].(orb.Point)
	lastWord := func() string {
		w := strings.Fields(strings.Trim(str("voie_nom"), "'"))
		return strings.ReplaceAll(w[len(w)-1], "'", "''")
	}
	switch rng.IntN(18) {
	case 0:
		return "commune_insee = " + str("commune_insee")
	case 1:
		return fmt.Sprintf("numero %s %d", []string{"<", "<=", ">", ">=", "=", "<>"}[rng.IntN(6)], num())
	case 2:
		return fmt.Sprintf("numero BETWEEN %d AND %d", num(), num()+rng.IntN(20))
	case 3:
		return "voie_nom IN (" + str("voie_nom") + ", 'Rue Inconnue')"
	case 4:
		return []string{"suffixe IS NULL", "suffixe IS NOT NULL", "date_der_maj IS NULL", "cad_parcelles IS NULL", "lieudit_complement_nom IS NOT NULL"}[rng.IntN(5)]
	case 5:
		return "CASEI(voie_nom) LIKE CASEI('%" + lastWord() + "%')"
	case 6:
		return "ACCENTI(CASEI(voie_nom)) LIKE ACCENTI(CASEI('%" + lastWord() + "'))"
	case 7:
		d := 0.002 + rng.Float64()*0.02
		return fmt.Sprintf("S_INTERSECTS(geometry, BBOX(%.6f, %.6f, %.6f, %.6f))", pt[0]-d, pt[1]-d, pt[0]+d*rng.Float64(), pt[1]+d)
	case 8:
		d := 0.003 + rng.Float64()*0.01
		return fmt.Sprintf("S_WITHIN(geometry, POLYGON((%.6f %.6f, %.6f %.6f, %.6f %.6f, %.6f %.6f)))",
			pt[0]-d, pt[1]-d, pt[0]+d, pt[1]-d*0.5, pt[0], pt[1]+d, pt[0]-d, pt[1]-d)
	case 9:
		if d, ok := f["date_der_maj"].(time.Time); ok {
			op := []string{"T_AFTER", "T_BEFORE", "T_EQUALS", "T_INTERSECTS", "T_DISJOINT"}[rng.IntN(5)]
			return fmt.Sprintf("%s(date_der_maj, DATE('%s'))", op, d.Format(time.DateOnly))
		}
		return "date_der_maj IS NULL"
	case 10:
		return fmt.Sprintf("T_INTERSECTS(date_der_maj, INTERVAL('%d-01-01', '%d-06-30'))", 2018+rng.IntN(6), 2024+rng.IntN(3))
	case 11:
		return fmt.Sprintf("numero %% %d = %d", 2+rng.IntN(3), rng.IntN(2))
	case 12:
		return []string{"certification_commune = true", "NOT certification_commune = true", "certification_commune = false"}[rng.IntN(3)]
	case 13:
		return fmt.Sprintf("numero * 2 + 1 > %d", num())
	case 14:
		return fmt.Sprintf("date_der_maj > DATE('%d-%02d-01')", 2018+rng.IntN(8), 1+rng.IntN(12))
	case 15:
		return "voie_nom = " + str("voie_nom") + " AND numero <= " + fmt.Sprint(num())
	case 16:
		d := 0.001 + rng.Float64()*0.01
		return fmt.Sprintf("S_DISJOINT(geometry, POLYGON((%.6f %.6f, %.6f %.6f, %.6f %.6f, %.6f %.6f, %.6f %.6f)))",
			pt[0]-d, pt[1]-d, pt[0]+d, pt[1]-d, pt[0]+d, pt[1]+d, pt[0]-d, pt[1]+d, pt[0]-d, pt[1]-d)
	default:
		return "position = " + str("position")
	}
}
