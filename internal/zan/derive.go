package zan

import (
	"cmp"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// What the stores keep of the flux and the reference: the rows of the
// artificialisation collection (FluxRows) and the communes' ZAN indicators
// (CommuneIndicators), made here once so that both stores store the same
// figures, rounded the same way.

// Level of a row of the artificialisation collection.
const (
	LevelCommune = "commune"
	LevelEPCI    = "epci"
)

// Where the communes' ZAN indicators come from (the communes' zan_source).
const (
	// IndicatorsCerema: the Cerema NAF-consumption file (fichiers fonciers),
	// the reference the law sets.
	IndicatorsCerema = "cerema"
	// IndicatorsMillesimes, IndicatorsChanges: an estimate from the land
	// cover's flux between millésimes (or from a change layer), each
	// period's artificialisation spread evenly over its years.
	IndicatorsMillesimes = SourceMillesimes
	IndicatorsChanges    = SourceChanges
	// IndicatorsLandCoverYear: the year_artificialised attribute of the
	// land cover (the synthetic sample's).
	IndicatorsLandCoverYear = "land-cover-year"
)

// EPCI names the intercommunality the communes form: its row of the
// artificialisation collection sums theirs.
type EPCI struct {
	Code string // its SIREN, or "epci"
	Name string
}

// EPCINames are names of intercommunalities by SIREN, as the territory's
// metadata give them (its publisher, when it is the EPCI itself): the
// communes carry only their EPCI's SIREN.
type EPCINames map[string]string

// EPCIName is the name of the EPCI's row: the one names give its SIREN,
// else "Intercommunalité" and the SIREN.
func EPCIName(siren string, names EPCINames) string {
	if n := names[siren]; n != "" && siren != "" {
		return n
	}
	if siren == "" || siren == LevelEPCI {
		return "Intercommunalité"
	}
	return "Intercommunalité " + siren
}

// FluxRow is one feature of the artificialisation collection: a commune's
// (or the EPCI's) flux between two millésimes. Areas are in hectares,
// rounded to 4 decimals (1 m²); the share to 6.
type FluxRow struct {
	Key, INSEE, Name, Level string
	FromYear, ToYear        int
	AreaHa                  float64
	ArtificialisedHa        float64
	DeartificialisedHa      float64
	NetHa                   float64
	// Stock is false for a change layer, which says nothing of what did
	// not change: the stock properties are then null.
	Stock                 bool
	StockFromHa, StockHa  float64
	StockShare            float64
	Source, MatrixVersion string
}

// FluxKey is the feature id of a row: "31004-2016-2019", "epci-2016-2019".
func FluxKey(insee string, from, to int) string {
	return insee + "-" + strconv.Itoa(from) + "-" + strconv.Itoa(to)
}

// FluxRows returns the rows of the artificialisation collection for the
// results: one per commune and period, and one per period for the EPCI,
// in key order.
func FluxRows(results []*Result, epci EPCI) []FluxRow {
	if epci.Code == "" {
		epci.Code = LevelEPCI
	}
	var out []FluxRow
	for _, r := range results {
		for _, f := range r.Communes {
			out = append(out, fluxRow(f, r, f.INSEE, f.Name, LevelCommune))
		}
		out = append(out, fluxRow(r.Total, r, epci.Code, epci.Name, LevelEPCI))
	}
	slices.SortFunc(out, func(a, b FluxRow) int { return cmp.Compare(a.Key, b.Key) })
	return out
}

func fluxRow(f Flux, r *Result, insee, name, level string) FluxRow {
	row := FluxRow{
		Key: FluxKey(insee, r.FromYear, r.ToYear), INSEE: insee, Name: name, Level: level,
		FromYear: r.FromYear, ToYear: r.ToYear, AreaHa: Round(f.AreaHa, 4),
		ArtificialisedHa: Round(f.ArtificialisedHa, 4), DeartificialisedHa: Round(f.DeartificialisedHa, 4),
		Source: r.Source, MatrixVersion: r.MatrixVersion,
	}
	row.NetHa = Round(row.ArtificialisedHa-row.DeartificialisedHa, 4)
	if f.HasStock {
		row.Stock = true
		row.StockFromHa, row.StockHa = Round(f.StockFromHa, 4), Round(f.StockToHa, 4)
		row.StockShare = Round(f.StockToShare, 6)
	}
	return row
}

// Properties returns the row's properties by the collection's names, typed
// as rows carry them (int64 years, float64 areas, nil for no stock).
func (r FluxRow) Properties() map[string]any {
	p := map[string]any{
		"insee": r.INSEE, "nom": r.Name, "level": r.Level,
		"from_year": int64(r.FromYear), "to_year": int64(r.ToYear), "area_ha": r.AreaHa,
		"artificialised_ha": r.ArtificialisedHa, "deartificialised_ha": r.DeartificialisedHa, "net_ha": r.NetHa,
		"stock_from_ha": nil, "stock_ha": nil, "stock_share": nil,
		"source": r.Source, "matrix_version": r.MatrixVersion,
	}
	if r.Stock {
		p["stock_from_ha"], p["stock_ha"], p["stock_share"] = r.StockFromHa, r.StockHa, r.StockShare
	}
	return p
}

// AsChangeLayer makes a result of two "millésimes" that are in fact the two
// dates of a change layer (imported once per date) what it is: its flux
// stands, its stock is unknown.
func (r *Result) AsChangeLayer() {
	r.Source = SourceChanges
	for i := range r.Communes {
		r.Communes[i].noStock()
	}
	r.Total.noStock()
}

func (f *Flux) noStock() {
	f.HasStock = false
	f.StockFromHa, f.StockToHa, f.StockFromShare, f.StockToShare = 0, 0, 0, 0
}

// ChangeLayerCoverage is the share of the communes' area below which a
// pair of millésimes is taken for the two dates of a change layer: OCS GE
// millésimes cover the whole territory (a partition), a layer of what
// changed covers a few per cent of it.
const ChangeLayerCoverage = 0.5

// IsChangeLayer says whether two millésimes whose parcels cover fromM2 and
// toM2 of communes covering communesM2 are the dates of a change layer.
func IsChangeLayer(fromM2, toM2, communesM2 float64) bool {
	return communesM2 > 0 && fromM2 < ChangeLayerCoverage*communesM2 && toM2 < ChangeLayerCoverage*communesM2
}

// Round rounds x to scale decimals as PostgreSQL's round(x::numeric,
// scale)::float8 does: x through its 15 significant digits, then half away
// from zero.
func Round(x float64, scale int) float64 {
	f, _ := strconv.ParseFloat(RoundText(x, scale), 64)
	return f
}

// RoundText is round(x::numeric, scale) as PostgreSQL prints it: the
// float8 becomes a numeric through its 15 significant digits
// (float8_numeric), rounded half away from zero to scale decimals, written
// with exactly that many.
func RoundText(x float64, scale int) string {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		if scale == 0 {
			return "0"
		}
		return "0." + strings.Repeat("0", scale)
	}
	s := strconv.FormatFloat(x, 'e', 14, 64) // d.dddddddddddddde±XX
	mant, exp, _ := strings.Cut(s, "e")
	neg := strings.HasPrefix(mant, "-")
	digits := strings.Replace(strings.TrimPrefix(mant, "-"), ".", "", 1)
	e, _ := strconv.Atoi(exp)
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

// IndicatorInputs is what the communes' ZAN indicators are computed from.
type IndicatorInputs struct {
	// Communes are the INSEE codes of the stored communes.
	Communes []string
	// LandCoverYears is, per commune, the hectares of artificialised land
	// cover by its year_artificialised (the synthetic sample's attribute).
	LandCoverYears map[string]map[int]float64
	// Fluxes are the flux of each pair of consecutive millésimes.
	Fluxes []*Result
	// Consommation is the current Cerema file, nil without one.
	Consommation *Consommation
	Allowance    Allowance
}

// Indicators are a commune's ZAN properties as stored.
type Indicators struct {
	// ByYear is the JSON object of hectares per year
	// (artificialised_ha_by_year), as PostgreSQL's jsonb prints it.
	ByYear      string
	ReferenceHa float64 // 2011–2021, rounded to 4 decimals
	SinceHa     float64 // since 1 January 2021
	AllowanceHa float64 // 2021–2031
	UsedPct     *float64
	// Source is where the figures come from (Indicators*), "" when
	// nothing gives any.
	Source string
}

// CommuneIndicators computes each commune's ZAN indicators from the best
// source it has: the Cerema file when it has the commune (its yearly
// consumption; the reference 2011–2021 is the sum of naf11art12 …
// naf20art21), else the flux between millésimes (each period's
// artificialised hectares spread evenly over its years, from its first
// millésime's 1 January to its last's), else the land cover's
// year_artificialised. The allowance is the reference times the
// commune's share (the law's half unless a regional plan set another);
// the share used, in per cent to 2 decimals, is null without a reference.
func CommuneIndicators(in IndicatorInputs) map[string]Indicators {
	cerema := map[string]ConsommationRow{}
	if in.Consommation != nil {
		for _, r := range in.Consommation.Rows {
			cerema[r.INSEE] = r
		}
	}
	spread := map[string]map[int]float64{}
	spreadSource := map[string]string{}
	for _, r := range in.Fluxes {
		years := r.ToYear - r.FromYear
		if years <= 0 {
			continue
		}
		for _, f := range r.Communes {
			m := spread[f.INSEE]
			if m == nil {
				m = map[int]float64{}
				spread[f.INSEE] = m
			}
			// The hectares as the artificialisation collection stores
			// them, so that indicators recomputed from its rows
			// (StoredFluxes) are those of a full recomputation.
			ha := Round(f.ArtificialisedHa, 4)
			for y := r.FromYear; y < r.ToYear; y++ {
				m[y] += ha / float64(years)
			}
			if spreadSource[f.INSEE] != SourceMillesimes {
				spreadSource[f.INSEE] = r.Source
			}
		}
	}
	out := make(map[string]Indicators, len(in.Communes))
	for _, insee := range in.Communes {
		var byYear map[int]float64
		var source string
		if row, ok := cerema[insee]; ok {
			byYear = map[int]float64{}
			for y, m2 := range row.M2 {
				byYear[y] = m2 / 10000
			}
			source = IndicatorsCerema
		} else if m, ok := spread[insee]; ok {
			byYear, source = m, spreadSource[insee]
		} else if m := in.LandCoverYears[insee]; len(m) > 0 {
			byYear, source = m, IndicatorsLandCoverYear
		}
		out[insee] = indicators(byYear, source, in.Allowance.share(insee))
	}
	return out
}

func indicators(byYear map[int]float64, source string, share float64) Indicators {
	years := slices.Sorted(maps.Keys(byYear))
	var b strings.Builder
	b.WriteByte('{')
	var ref, since float64
	for i, y := range years {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(`"` + strconv.Itoa(y) + `": ` + RoundText(byYear[y], 4))
		if y >= ReferenceFrom && y < ReferenceTo {
			ref += byYear[y]
		}
		if y >= ReferenceTo {
			since += byYear[y]
		}
	}
	b.WriteByte('}')
	ind := Indicators{ByYear: b.String(), ReferenceHa: Round(ref, 4), SinceHa: Round(since, 4), AllowanceHa: Round(ref*share, 4), Source: source}
	if ref > 0 {
		p := Round(100*since/(ref*share), 2)
		ind.UsedPct = &p
	}
	return ind
}

// StoredFluxes rebuilds, from the communes' rows of the artificialisation
// collection as stored (level commune; the EPCI's are ignored), what
// CommuneIndicators needs of the flux: each period's artificialised
// hectares per commune and its source. A store uses it when only the
// Cerema file changed: the flux does not rest on it, and reading it back
// costs nothing where recomputing it overlays every parcel.
func StoredFluxes(rows []FluxRow) []*Result {
	type period struct{ from, to int }
	by := map[period]*Result{}
	for _, r := range rows {
		if r.Level != LevelCommune {
			continue
		}
		p := period{r.FromYear, r.ToYear}
		res := by[p]
		if res == nil {
			res = &Result{FromYear: r.FromYear, ToYear: r.ToYear, Source: r.Source, MatrixVersion: r.MatrixVersion}
			by[p] = res
		}
		res.Communes = append(res.Communes, Flux{INSEE: r.INSEE, Name: r.Name, FromYear: r.FromYear, ToYear: r.ToYear,
			ArtificialisedHa: r.ArtificialisedHa, DeartificialisedHa: r.DeartificialisedHa, NetHa: r.NetHa})
	}
	out := slices.Collect(maps.Values(by))
	slices.SortFunc(out, func(a, b *Result) int {
		return cmp.Or(cmp.Compare(a.FromYear, b.FromYear), cmp.Compare(a.ToYear, b.ToYear))
	})
	for _, r := range out {
		slices.SortFunc(r.Communes, func(a, b Flux) int { return cmp.Compare(a.INSEE, b.INSEE) })
	}
	return out
}

// RecomputeSource is the source of the derive batch of a recomputation
// asked for itself (the stores' RecomputeZAN), which follows no batch.
const RecomputeSource = "recompute"

// Moves says whether a batch written to collection makes the ZAN figures
// (the artificialisation flux and the communes' indicators) move, so that
// the store recomputes them after it. Land cover always does. Communes do,
// unless the batch carries their figures along (a copy or a sync brings
// the indicators its source computed: recomputing them then, before the
// land cover follows, would zero them for one batch and back).
func Moves(collection string, carriesDerived bool) bool {
	switch collection {
	case "land_cover":
		return true
	case "communes":
		return !carriesDerived
	}
	return false
}
