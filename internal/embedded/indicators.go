package embedded

import (
	"cmp"
	"context"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/socle-geo/socle/internal/socle"
)

// refreshIndicators recomputes the communes' artificialisation indicators
// from the land cover, as the PostGIS function refresh_commune_indicators
// (migrations 00001 and 00003) does, writes those that changed and returns
// the envelopes of the communes whose figures changed:
//
//   - hectares artificialised per year: sum(area_m2) / 10000 of the
//     artificialised parcels by year_artificialised, each rounded to 4
//     decimals in a JSON object keyed by year;
//   - the 2011–2021 reference (years 2011 to 2020) and the consumption
//     since 2021, rounded to 4 decimals; the ZAN allowance, half the
//     reference; the share of it used, rounded to 2 decimals, null without a
//     reference.
//
// A commune is updated only when its per-year figures, reference or
// consumption differ from what is stored.
func (im *batchWriter) refreshIndicators(ctx context.Context) ([]orb.Geometry, error) {
	lcT, ok1 := im.s.tables["land_cover"]
	coT, ok2 := im.s.tables["communes"]
	if !ok1 || !ok2 {
		return nil, nil
	}
	col := func(t *table, name string) int {
		if i, ok := t.byName[name]; ok {
			return i
		}
		return -1
	}
	art, yearArt, area, insee := col(lcT, "artificialised"), col(lcT, "year_artificialised"), col(lcT, "area_m2"), col(lcT, "commune_insee")
	byYear, ref2011, since2021, budget, used := col(coT, "artificialised_ha_by_year"), col(coT, "artificialised_ha_2011_2021"),
		col(coT, "artificialised_ha_since_2021"), col(coT, "zan_budget_ha_2021_2031"), col(coT, "zan_budget_used_pct")
	if art < 0 || yearArt < 0 || area < 0 || insee < 0 || byYear < 0 || ref2011 < 0 || since2021 < 0 || budget < 0 || used < 0 {
		return nil, nil
	}

	// per_year: hectares by commune and year.
	type cy struct {
		commune string
		year    int64
	}
	sums := map[cy]float64{}
	for _, f := range im.current("land_cover").feats {
		a, _ := f.vals[art].(bool)
		y, ok := f.vals[yearArt].(int64)
		c, _ := f.vals[insee].(string)
		if !a || !ok {
			continue
		}
		m2, _ := f.vals[area].(float64)
		sums[cy{c, y}] += m2
	}
	type yearHa struct {
		year int64
		ha   float64
	}
	perCommune := map[string][]yearHa{}
	for k, v := range sums {
		perCommune[k.commune] = append(perCommune[k.commune], yearHa{k.year, v / 10000.0})
	}

	communes := im.current("communes")
	var changed []*feature
	var areas []orb.Geometry
	for _, f := range communes.feats {
		years := perCommune[f.id.(string)]
		slices.SortFunc(years, func(a, b yearHa) int { return cmp.Compare(a.year, b.year) })
		var ref, since float64
		obj := jsonValue("{}")
		if len(years) > 0 {
			// jsonb orders keys by length, then bytes.
			keys := make([]string, len(years))
			idx := make([]int, len(years))
			for i, y := range years {
				keys[i] = strconv.FormatInt(y.year, 10)
				idx[i] = i
			}
			slices.SortFunc(idx, func(a, b int) int {
				if c := cmp.Compare(len(keys[a]), len(keys[b])); c != 0 {
					return c
				}
				return strings.Compare(keys[a], keys[b])
			})
			var b strings.Builder
			b.WriteByte('{')
			for n, i := range idx {
				if n > 0 {
					b.WriteString(", ")
				}
				b.Write(socle.AppendJSONString(nil, keys[i]))
				b.WriteString(": ")
				b.WriteString(roundNumeric(years[i].ha, 4))
			}
			b.WriteByte('}')
			obj = jsonValue(b.String())
			for _, y := range years {
				if y.year >= 2011 && y.year <= 2020 {
					ref += y.ha
				}
				if y.year >= 2021 {
					since += y.ha
				}
			}
		}
		newRef := numericFloat(roundNumeric(ref, 4))
		newSince := numericFloat(roundNumeric(since, 4))
		if equalValues(kJSON, f.vals[byYear], obj) && equalValues(kFloat, f.vals[ref2011], newRef) && equalValues(kFloat, f.vals[since2021], newSince) {
			continue
		}
		n := &feature{id: f.id, vals: slices.Clone(f.vals), geom: f.geom, bound: f.bound}
		n.vals[byYear] = obj
		n.vals[ref2011] = newRef
		n.vals[since2021] = newSince
		n.vals[budget] = numericFloat(roundNumeric(ref/2, 4))
		n.vals[used] = nil
		if ref > 0 {
			n.vals[used] = numericFloat(roundNumeric(100*since/(ref/2), 2))
		}
		changed = append(changed, n)
		areas = append(areas, boxGeometry(f.bound))
	}
	if len(changed) == 0 {
		return nil, nil
	}
	st, err := im.tx.PrepareContext(ctx, `UPDATE communes SET artificialised_ha_by_year = ?, artificialised_ha_2011_2021 = ?,
		artificialised_ha_since_2021 = ?, zan_budget_ha_2021_2031 = ?, zan_budget_used_pct = ?, updated_at = ? WHERE insee = ?`)
	if err != nil {
		return nil, storeError(ctx, err)
	}
	defer st.Close()
	stamp := formatTimestamp(im.now)
	for _, f := range changed {
		if _, err := st.ExecContext(ctx, string(f.vals[byYear].(jsonValue)), f.vals[ref2011], f.vals[since2021], f.vals[budget],
			f.vals[used], stamp, f.id); err != nil {
			return nil, storeError(ctx, err)
		}
	}
	n, err := communes.withChanges(changed, communes.state)
	if err != nil {
		return nil, err
	}
	im.next["communes"] = n
	return areas, nil
}

// roundNumeric is PostgreSQL's round(x::numeric, scale) printed as numeric
// prints it: the float8 becomes a numeric through its 15 significant digits
// (float8_numeric), which is rounded half away from zero to scale decimals
// and written with exactly that many.
func roundNumeric(x float64, scale int) string {
	s := strconv.FormatFloat(x, 'e', 14, 64) // d.dddddddddddddde±XX
	mant, exp, _ := strings.Cut(s, "e")
	neg := strings.HasPrefix(mant, "-")
	digits := strings.Replace(strings.TrimPrefix(mant, "-"), ".", "", 1)
	e, _ := strconv.Atoi(exp)
	// x = digits × 10^(e-14); scaled = x × 10^scale.
	n, _ := new(big.Int).SetString(digits, 10)
	shift := e - 14 + scale
	ten := big.NewInt(10)
	if shift >= 0 {
		n.Mul(n, new(big.Int).Exp(ten, big.NewInt(int64(shift)), nil))
	} else {
		div := new(big.Int).Exp(ten, big.NewInt(int64(-shift)), nil)
		q, r := new(big.Int).QuoRem(n, div, new(big.Int))
		if r.Mul(r, big.NewInt(2)).Cmp(div) >= 0 {
			q.Add(q, big.NewInt(1))
		}
		n = q
	}
	t := n.String()
	if len(t) <= scale {
		t = strings.Repeat("0", scale-len(t)+1) + t
	}
	out := t
	if scale > 0 {
		out = t[:len(t)-scale] + "." + t[len(t)-scale:]
	}
	if neg && n.Sign() != 0 {
		out = "-" + out
	}
	return out
}

// numericFloat is a numeric's text read as float8.
func numericFloat(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}
