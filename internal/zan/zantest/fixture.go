// Package zantest holds what the tests of the ZAN figures share across
// packages (internal/zan and the PostGIS twin): a small hand-made territory
// whose flux is known exactly, and a generator of large realistic ones for
// the benchmarks. Nothing here is used outside tests.
package zantest

import (
	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/zan"
)

// Origin is where the hand-made territory lies, in Lambert-93 metres (near
// Labège), so that coordinates have real-world magnitudes.
var Origin = orb.Point{570000, 6270000}

// Expected is a commune's (or, with INSEE "", the total's) exact figures
// in the hand-made territory, in hectares.
type Expected struct {
	INSEE                     string
	AreaHa                    float64
	StockFromHa, StockToHa    float64
	ArtificialisedHa, DeartHa float64
}

// Years of the hand-made millésimes.
const (
	FromYear = 2016
	ToYear   = 2019
)

func rect(x0, y0, x1, y1 float64) orb.Ring {
	o := Origin
	return orb.Ring{{o[0] + x0, o[1] + y0}, {o[0] + x1, o[1] + y0}, {o[0] + x1, o[1] + y1}, {o[0] + x0, o[1] + y1}, {o[0] + x0, o[1] + y0}}
}

func ring(pts ...float64) orb.Ring {
	var r orb.Ring
	for i := 0; i+1 < len(pts); i += 2 {
		r = append(r, orb.Point{Origin[0] + pts[i], Origin[1] + pts[i+1]})
	}
	return r
}

// Communes of the hand-made territory: A, a 1 km square (100 ha), and B, a
// 1 km square east of it with an island (104 ha).
func Communes() []zan.Commune {
	return []zan.Commune{
		{INSEE: "31002", Name: "Bénac", Geom: orb.MultiPolygon{{rect(1000, 0, 2000, 1000)}, {rect(2100, 0, 2300, 200)}}},
		{INSEE: "31001", Name: "Aubiac", Geom: orb.Polygon{rect(0, 0, 1000, 1000)}},
	}
}

// Cover and use codes used by the fixtures.
const (
	built, housing   = "CS1.1.1.1", "US5"
	paved, road      = "CS1.1.1.2", "US4.1.1"
	mineral, network = "CS1.1.2.1", "US4.3"
	arable, farming  = "CS2.2.1.4", "US1.1"
	meadow           = "CS2.2.1.1"
	lawn             = "CS2.2.1.2"
	trees            = "CS2.1.1.1"
	mixed            = "US235"
	noUse            = "US6.3"
)

func p(id int64, year int, cs, us string, g orb.Geometry) zan.Parcel {
	return zan.Parcel{ID: id, Year: year, CodeCS: cs, CodeUS: us, Geom: g}
}

// Parcels of the two hand-made millésimes. Case by case (x, y in metres
// from Origin; A is x 0–1000, B x 1000–2000 plus the island x 2100–2300):
//
//	a  farmland built on: +1 ha in A
//	b  a housing block redrawn 50 m east (boundaries that do not coincide):
//	   3 ha in both, +1 ha and −1 ha in A
//	c  a road across the A–B boundary on a meadow (the matrix's CS2.2.1.1
//	   row is its parent's, CS2.2.1): +1 ha in A, +1 ha in B
//	d  a built block with a 4 ha park in a hole, built over: +4 ha in B
//	e  a MultiPolygon of two mineral network yards, one in B's island; the
//	   other becomes farmland: −1 ha in B
//	g  a building half outside every commune: +1 ha in A, the rest ignored
//	h  a parcel a layer flags artificialised, codes empty: +1 ha in A
//	i  built → paved: artificialised at both dates, no flux, 1 ha of stock
//	j  a lawn under housing (artificialised) planted with trees: −1 ha in A
//	k  two overlapping buildings in one millésime (dirty data): their
//	   union, 1.5 ha, not 2 ha: +1.5 ha in A
//	l  a bow-tie (self-crossing ring): its two 1 ha lobes, as
//	   ST_MakeValid makes them: +2 ha in B
func Parcels() []zan.Parcel {
	f, t := FromYear, ToYear
	return []zan.Parcel{
		p(1, f, arable, farming, orb.Polygon{rect(400, 400, 500, 500)}),
		p(2, t, built, housing, orb.Polygon{rect(400, 400, 500, 500)}),

		p(3, f, built, housing, orb.Polygon{rect(100, 100, 300, 300)}),
		p(4, t, built, housing, orb.Polygon{rect(150, 100, 350, 300)}),

		p(5, f, meadow, farming, orb.Polygon{rect(900, 500, 1100, 600)}),
		p(6, t, paved, road, orb.Polygon{rect(900, 500, 1100, 600)}),

		p(7, f, built, mixed, orb.Polygon{rect(1200, 200, 1600, 600), rect(1300, 300, 1500, 500)}),
		p(8, f, trees, noUse, orb.Polygon{rect(1300, 300, 1500, 500)}),
		p(9, t, built, mixed, orb.Polygon{rect(1200, 200, 1600, 600)}),

		p(10, f, mineral, network, orb.MultiPolygon{{rect(1700, 700, 1800, 800)}, {rect(2150, 50, 2250, 150)}}),
		p(11, t, meadow, farming, orb.Polygon{rect(1700, 700, 1800, 800)}),
		p(12, t, mineral, network, orb.Polygon{rect(2150, 50, 2250, 150)}),

		p(13, t, built, housing, orb.Polygon{rect(-100, 900, 100, 1000)}),

		p(14, f, arable, farming, orb.Polygon{rect(600, 600, 700, 700)}),
		{ID: 15, Year: t, Flag: zan.FlagArtificialised, Geom: orb.Polygon{rect(600, 600, 700, 700)}},

		p(16, f, built, housing, orb.Polygon{rect(700, 100, 800, 200)}),
		p(17, t, paved, road, orb.Polygon{rect(700, 100, 800, 200)}),

		p(18, f, lawn, housing, orb.Polygon{rect(800, 100, 900, 200)}),
		p(19, t, trees, housing, orb.Polygon{rect(800, 100, 900, 200)}),

		p(20, t, built, housing, orb.Polygon{rect(100, 700, 200, 800)}),
		p(21, t, built, housing, orb.Polygon{rect(150, 700, 250, 800)}),

		p(22, t, built, housing, orb.Polygon{ring(1100, 800, 1300, 1000, 1300, 800, 1100, 1000, 1100, 800)}),
	}
}

// Changes is the change layer of the same territory: the polygons whose
// artificialisation differs between the two millésimes, with the codes at
// both dates. It gives the same flux as Parcels.
func Changes() []zan.Change {
	c := func(id int64, fcs, fus, tcs, tus string, g orb.Geometry) zan.Change {
		return zan.Change{ID: id, FromCS: fcs, FromUS: fus, ToCS: tcs, ToUS: tus, Geom: g}
	}
	return []zan.Change{
		c(1, arable, farming, built, housing, orb.Polygon{rect(400, 400, 500, 500)}),
		c(2, arable, farming, built, housing, orb.Polygon{rect(300, 100, 350, 300)}),
		c(3, built, housing, arable, farming, orb.Polygon{rect(100, 100, 150, 300)}),
		c(4, meadow, farming, paved, road, orb.Polygon{rect(900, 500, 1100, 600)}),
		c(5, trees, noUse, built, mixed, orb.Polygon{rect(1300, 300, 1500, 500)}),
		c(6, mineral, network, meadow, farming, orb.Polygon{rect(1700, 700, 1800, 800)}),
		c(7, arable, farming, built, housing, orb.Polygon{rect(-100, 900, 100, 1000)}),
		{ID: 8, FromCS: arable, FromUS: farming, ToFlag: zan.FlagArtificialised, Geom: orb.Polygon{rect(600, 600, 700, 700)}},
		c(9, lawn, housing, trees, housing, orb.Polygon{rect(800, 100, 900, 200)}),
		c(10, arable, farming, built, housing, orb.Polygon{rect(100, 700, 250, 800)}),
		c(11, arable, farming, built, housing, orb.Polygon{ring(1100, 800, 1300, 1000, 1300, 800, 1100, 1000, 1100, 800)}),
		// Unchanged artificialisation: no flux, whatever the codes.
		c(12, built, housing, paved, road, orb.Polygon{rect(700, 100, 800, 200)}),
		c(13, arable, farming, meadow, farming, orb.Polygon{rect(500, 500, 600, 600)}),
	}
}

// Want is the exact flux of the hand-made territory, communes in INSEE
// order then the total.
func Want() []Expected {
	return []Expected{
		{INSEE: "31001", AreaHa: 100, StockFromHa: 6, StockToHa: 10.5, ArtificialisedHa: 6.5, DeartHa: 2},
		{INSEE: "31002", AreaHa: 104, StockFromHa: 14, StockToHa: 20, ArtificialisedHa: 7, DeartHa: 1},
		{INSEE: "", AreaHa: 204, StockFromHa: 20, StockToHa: 30.5, ArtificialisedHa: 13.5, DeartHa: 3},
	}
}
