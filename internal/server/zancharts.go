package server

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/socle-geo/socle/internal/socle"
)

// The ZAN charts of a commune's page and of the intercommunality's (its
// artificialisation features, level epci): the land consumed per year
// 2011–2021 against the yearly pace the 2021–2031 allowance permits, and
// the hectares artificialised and de-artificialised per period between
// millésimes. Drawn here as SVG from the served figures (no script, no
// library to load): a councillor reads them without a table, in French or
// English, and they print. Each bar carries its figure (data-value, and a
// <title> the browser shows on hover) so that tests check the values.

// zanChartData is what feature.html shows under the map.
type zanChartData struct {
	Heading     string
	Summary     string
	Source      string
	Consumption template.HTML
	Periods     template.HTML
}

// zanCharts returns the charts of rec, a feature of communes or of
// artificialisation, or nil when it has none.
func (s *Server) zanCharts(ctx context.Context, r *http.Request, c *socle.Collection, rec *socle.Record, props []socle.Property, lang string) *zanChartData {
	val := func(name string) any {
		for i, p := range props {
			if p.Name == name && i < len(rec.Values) {
				return rec.Values[i]
			}
		}
		return nil
	}
	communes, ok1 := s.catalog.Collection("communes")
	art, ok2 := s.catalog.Collection("artificialisation")
	if !ok1 || !ok2 {
		return nil
	}
	p := principal(r)
	var insee, level string
	switch c.ID {
	case "communes":
		insee, level = fmt.Sprint(rec.ID), "commune"
	case "artificialisation":
		insee, _ = val("insee").(string)
		level, _ = val("level").(string)
	default:
		return nil
	}
	if insee == "" {
		return nil
	}
	// The yearly consumption: the commune's, or its communes' summed.
	var rows []map[string]any
	if visible(p, communes) {
		req := socle.ItemsRequest{Limit: 10000}
		if level == "commune" {
			req.Equals = []socle.TextEquals{{Property: "insee", Value: insee}}
		} else {
			req.Equals = []socle.TextEquals{{Property: "epci_siren", Value: insee}}
		}
		rows = s.zanRecords(ctx, communes, req)
	}
	byYear := map[int]float64{}
	var budget, since, ref float64
	sources := map[string]bool{}
	for _, row := range rows {
		if obj, ok := row["artificialised_ha_by_year"]; ok {
			for y, v := range yearValues(obj) {
				byYear[y] += v
			}
		}
		budget += number(row["zan_budget_ha_2021_2031"])
		since += number(row["artificialised_ha_since_2021"])
		ref += number(row["artificialised_ha_2011_2021"])
		if src, ok := row["zan_source"].(string); ok && src != "" {
			sources[src] = true
		}
	}
	// The periods between millésimes.
	var periods []map[string]any
	if visible(p, art) {
		periods = s.zanRecords(ctx, art, socle.ItemsRequest{Limit: 1000, Equals: []socle.TextEquals{{Property: "insee", Value: insee}},
			SortBy: []socle.SortKey{{Property: "from_year"}}})
	}
	if len(byYear) == 0 && len(periods) == 0 {
		return nil
	}
	out := &zanChartData{Heading: t(lang, "Artificialisation et trajectoire ZAN", "Artificialisation and the ZAN trajectory")}
	if len(byYear) > 0 {
		out.Consumption = consumptionChart(byYear, budget, lang)
		out.Summary = fmt.Sprintf(t(lang, "Consommation 2011–2021 (référence) : %s ha ; enveloppe 2021–2031 : %s ha ; consommé depuis 2021 : %s ha.",
			"Consumption 2011–2021 (reference): %s ha; 2021–2031 allowance: %s ha; consumed since 2021: %s ha."),
			formatHa(ref, lang), formatHa(budget, lang), formatHa(since, lang))
	}
	if len(periods) > 0 {
		out.Periods = periodsChart(periods, lang)
	}
	var names []string
	for _, src := range slices.Sorted(maps.Keys(sources)) {
		names = append(names, sourceName(src, lang))
	}
	if len(names) > 0 {
		out.Source = t(lang, "Source des chiffres : ", "Figures from: ") + strings.Join(names, t(lang, " ; ", "; ")) + "."
	}
	return out
}

// zanRecords reads the features of c that req selects, as maps of their
// properties; none when the read fails (the page shows without charts).
func (s *Server) zanRecords(ctx context.Context, c *socle.Collection, req socle.ItemsRequest) []map[string]any {
	q, err := socle.ResolveItems(c, req)
	if err != nil {
		return nil
	}
	var out []map[string]any
	if _, err := s.store.Records(ctx, q, func(r *socle.Record) error {
		m := map[string]any{}
		for i, p := range q.Properties {
			m[p.Name] = r.Values[i]
		}
		out = append(out, m)
		return nil
	}); err != nil {
		return nil
	}
	return out
}

// yearValues reads a JSON object of hectares by year.
func yearValues(v any) map[int]float64 {
	out := map[int]float64{}
	var raw []byte
	switch x := v.(type) {
	case json.RawMessage:
		raw = x
	case []byte:
		raw = x
	case string:
		raw = []byte(x)
	default:
		raw, _ = json.Marshal(v)
	}
	var m map[string]float64
	if json.Unmarshal(raw, &m) != nil {
		return out
	}
	for k, val := range m {
		if y, err := strconv.Atoi(k); err == nil {
			out[y] = val
		}
	}
	return out
}

func number(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case string:
		f, _ := strconv.ParseFloat(x, 64)
		return f
	case interface{ Float64() (float64, error) }:
		f, _ := x.Float64()
		return f
	}
	return 0
}

func sourceName(src, lang string) string {
	switch src {
	case "cerema":
		return t(lang, "fichier Cerema de la consommation d’espaces NAF (fichiers fonciers)", "Cerema NAF land consumption file (fichiers fonciers)")
	case "ocsge-millesimes":
		return t(lang, "estimation depuis les millésimes de l’OCS GE", "estimate from the OCS GE vintages")
	case "ocsge-changes":
		return t(lang, "estimation depuis la couche des changements de l’OCS GE", "estimate from the OCS GE change layer")
	case "land-cover-year":
		return t(lang, "estimation depuis l’année d’artificialisation des parcelles", "estimate from the parcels’ year of artificialisation")
	}
	return src
}

// formatHa writes hectares with two decimals, a decimal comma in French.
func formatHa(v float64, lang string) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// bar is one bar of a chart.
type bar struct {
	Label  string // under the group
	Series string // class and legend key
	Value  float64
}

// chartSeries is a legend entry.
type chartSeries struct {
	Key, Name, Color string
}

// barChartSVG draws groups of bars (one per series present) with a zero
// line, a y axis in hectares and, when line is set, a dashed reference
// line at its value.
func barChartSVG(id, title string, groups []string, bars []bar, series []chartSeries, line *bar, lang string) template.HTML {
	nLegend := len(series)
	if line != nil {
		nLegend++
	}
	const w, left, right, top = 680.0, 56.0, 12.0, 36.0
	bottom := 30 + 20*float64(nLegend)
	h := 230 + bottom
	lo, hi := 0.0, 0.0
	for _, b := range bars {
		lo, hi = math.Min(lo, b.Value), math.Max(hi, b.Value)
	}
	if line != nil {
		hi = math.Max(hi, line.Value)
	}
	if hi == lo {
		hi = lo + 1
	}
	step := niceStep((hi - lo) / 5)
	lo, hi = math.Floor(lo/step)*step, math.Ceil(hi/step)*step
	plotH := h - top - bottom
	y := func(v float64) float64 { return top + (hi-v)/(hi-lo)*plotH }
	color := map[string]string{}
	for _, s := range series {
		color[s.Key] = s.Color
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="zan-chart" id="%s" role="img" viewBox="0 0 %g %g" width="100%%" style="max-width:%gpx" xmlns="http://www.w3.org/2000/svg" aria-labelledby="%s-title">`, id, w, h, w, id)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title>`, id, template.HTMLEscapeString(title))
	fmt.Fprintf(&b, `<text x="%g" y="20" font-size="15" font-weight="bold">%s</text>`, left, template.HTMLEscapeString(title))
	for v := lo; v <= hi+step/2; v += step {
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#ddd"/>`, left, w-right, y(v), y(v))
		fmt.Fprintf(&b, `<text class="tick" x="%g" y="%.1f" font-size="11" text-anchor="end">%s</text>`, left-6, y(v)+4, formatTick(v, step, lang))
	}
	fmt.Fprintf(&b, `<text x="12" y="%g" font-size="11" transform="rotate(-90 12 %g)" text-anchor="middle">ha</text>`, top+plotH/2, top+plotH/2)
	groupW := (w - left - right) / float64(max(1, len(groups)))
	perGroup := map[string][]bar{}
	for _, br := range bars {
		perGroup[br.Label] = append(perGroup[br.Label], br)
	}
	for i, g := range groups {
		gb := perGroup[g]
		x0 := left + float64(i)*groupW
		bw := math.Min(groupW*0.8/float64(max(1, len(gb))), 56)
		x1 := x0 + (groupW-bw*float64(len(gb)))/2
		for j, br := range gb {
			top, bot := y(math.Max(br.Value, 0)), y(math.Min(br.Value, 0))
			fmt.Fprintf(&b, `<rect class="bar %s" data-series="%s" data-label="%s" data-value="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s, %s : %s ha</title></rect>`,
				br.Series, br.Series, template.HTMLEscapeString(g), strconv.FormatFloat(br.Value, 'f', 4, 64),
				x1+float64(j)*bw, top, math.Max(bw-1, 1), math.Max(bot-top, 0.5), color[br.Series],
				template.HTMLEscapeString(seriesName(series, br.Series)), template.HTMLEscapeString(g), formatHa(br.Value, lang))
		}
		fmt.Fprintf(&b, `<text class="group" x="%.1f" y="%g" font-size="11" text-anchor="middle">%s</text>`, x0+groupW/2, top+plotH+16, template.HTMLEscapeString(g))
	}
	fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#333"/>`, left, w-right, y(0), y(0))
	if line != nil {
		fmt.Fprintf(&b, `<line class="allowance" data-value="%s" x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#993404" stroke-width="2" stroke-dasharray="6 4"><title>%s : %s ha</title></line>`,
			strconv.FormatFloat(line.Value, 'f', 4, 64), left, w-right, y(line.Value), y(line.Value),
			template.HTMLEscapeString(line.Label), formatHa(line.Value, lang))
	}
	// The legend.
	entries := slices.Clone(series)
	if line != nil {
		entries = append(entries, chartSeries{Key: "allowance", Name: line.Label, Color: "#993404"})
	}
	for i, s := range entries {
		ly := top + plotH + 30 + 20*float64(i)
		if s.Key == "allowance" {
			fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%g" y2="%g" stroke="%s" stroke-width="2" stroke-dasharray="6 4"/>`, left, left+18, ly+6, ly+6, s.Color)
		} else {
			fmt.Fprintf(&b, `<rect x="%g" y="%g" width="14" height="12" fill="%s"/>`, left, ly, s.Color)
		}
		fmt.Fprintf(&b, `<text class="legend" x="%g" y="%g" font-size="12">%s</text>`, left+24, ly+10, template.HTMLEscapeString(s.Name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text in it is escaped above
}

func seriesName(series []chartSeries, key string) string {
	for _, s := range series {
		if s.Key == key {
			return s.Name
		}
	}
	return key
}

// niceStep rounds a step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func formatTick(v, step float64, lang string) string {
	dec := 0
	if step < 1 {
		dec = int(math.Ceil(-math.Log10(step)))
	}
	s := strconv.FormatFloat(v, 'f', dec, 64)
	if s == "-0" {
		s = "0"
	}
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// consumptionChart draws the land consumed each year from 2011 (the
// reference years apart from the years since 2021) and the yearly pace the
// 2021–2031 allowance permits.
func consumptionChart(byYear map[int]float64, budget float64, lang string) template.HTML {
	last := 2020
	for y := range byYear {
		last = max(last, y)
	}
	first := 2011
	for y := range byYear {
		first = min(first, y)
	}
	var groups []string
	var bars []bar
	for y := first; y <= last; y++ {
		g := strconv.Itoa(y)
		groups = append(groups, g)
		key := "reference"
		if y >= 2021 {
			key = "since2021"
		} else if y < 2011 {
			key = "before2011"
		}
		bars = append(bars, bar{Label: g, Series: key, Value: byYear[y]})
	}
	series := []chartSeries{
		{Key: "reference", Name: t(lang, "Consommation 2011–2021 (référence)", "Consumption 2011–2021 (reference)"), Color: "#C4BBB1"},
		{Key: "since2021", Name: t(lang, "Consommation depuis 2021", "Consumption since 2021"), Color: "#AA3377"},
	}
	if first < 2011 {
		series = append([]chartSeries{{Key: "before2011", Name: t(lang, "Avant 2011", "Before 2011"), Color: "#E4DED2"}}, series...)
	}
	var line *bar
	if budget > 0 {
		line = &bar{Label: t(lang, "Rythme permis 2021–2031 (enveloppe ÷ 10)", "Pace allowed 2021–2031 (allowance ÷ 10)"), Value: budget / 10}
	}
	return barChartSVG("zan-consumption", t(lang, "Espaces naturels, agricoles et forestiers consommés chaque année (ha)",
		"Natural, agricultural and forest land consumed each year (ha)"), groups, bars, series, line, lang)
}

// periodsChart draws, per period between millésimes, the hectares
// artificialised, de-artificialised, and the net change.
func periodsChart(periods []map[string]any, lang string) template.HTML {
	var groups []string
	var bars []bar
	for _, p := range periods {
		g := fmt.Sprintf("%d–%d", int64(number(p["from_year"])), int64(number(p["to_year"])))
		groups = append(groups, g)
		bars = append(bars,
			bar{Label: g, Series: "artificialised", Value: number(p["artificialised_ha"])},
			bar{Label: g, Series: "deartificialised", Value: number(p["deartificialised_ha"])},
			bar{Label: g, Series: "net", Value: number(p["net_ha"])})
	}
	series := []chartSeries{
		{Key: "artificialised", Name: t(lang, "Artificialisé", "Artificialised"), Color: "#E08214"},
		{Key: "deartificialised", Name: t(lang, "Désartificialisé", "De-artificialised"), Color: "#8073AC"},
		{Key: "net", Name: t(lang, "Solde net", "Net change"), Color: "#3A3A3A"},
	}
	return barChartSVG("zan-periods", t(lang, "Artificialisation entre millésimes de l’OCS GE (ha)", "Artificialisation between OCS GE vintages (ha)"),
		groups, bars, series, nil, lang)
}
