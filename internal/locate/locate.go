// Package locate assigns a feature the commune it lies in when its source
// gives no commune code: the commune that contains a point, with which a
// line shares the longest length, or a polygon the largest area. The
// importer uses it for the layers it loads, the updater for the fibre rows
// that lack a code_insee.
//
// A Locator holds the territory's communes in memory (a territory has tens
// to a few hundred) behind an R-tree; geometries are in the storage CRS
// (Lambert-93, metres). It imports internal/socle (to read the communes
// from a store) and internal/zan (the polygon overlay), nothing else of
// Socle's.
package locate

import (
	"context"
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/tidwall/rtree"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/zan"
)

// Commune is one commune: its INSEE code and boundary.
type Commune struct {
	Code     string
	Geometry orb.MultiPolygon
}

// Locator finds the commune of a geometry. The zero value knows no commune.
type Locator struct {
	tree     rtree.RTreeG[int]
	communes []Commune
}

// New returns a locator of communes.
func New(communes []Commune) *Locator {
	l := &Locator{communes: communes}
	for i, c := range communes {
		b := c.Geometry.Bound()
		l.tree.Insert(b.Min, b.Max, i)
	}
	return l
}

// Len is the number of communes the locator knows.
func (l *Locator) Len() int { return len(l.communes) }

// Reader is what Load needs of a store.
type Reader interface {
	Records(ctx context.Context, q *socle.ItemsQuery, fn func(*socle.Record) error) (socle.Page, error)
}

// Load reads the communes collection of a store: every commune's INSEE
// code and boundary in the storage CRS.
func Load(ctx context.Context, r Reader, cat *socle.Catalog) (*Locator, error) {
	c, ok := cat.Collection("communes")
	if !ok {
		return New(nil), nil
	}
	q, err := socle.AllItems(c, 1000).WithProperties()
	if err != nil {
		return nil, err
	}
	var communes []Commune
	for {
		page, err := r.Records(ctx, q, func(rec *socle.Record) error {
			code, _ := rec.ID.(string)
			var mp orb.MultiPolygon
			switch g := rec.Geometry.(type) {
			case orb.MultiPolygon:
				mp = g
			case orb.Polygon:
				mp = orb.MultiPolygon{g}
			default:
				return nil
			}
			if code != "" {
				communes = append(communes, Commune{Code: code, Geometry: mp})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if page.Next == nil {
			break
		}
		next := *q
		next.Cursor = page.Next
		q = &next
	}
	return New(communes), nil
}

// Commune returns the INSEE code of the commune g lies in: for a point,
// the commune containing it; for a line, the commune with which it shares
// the longest length; for a polygon, the largest area. "" when it lies in
// none. Ties go to the smaller code, so that the answer does not depend
// on the order the communes were loaded in.
func (l *Locator) Commune(g orb.Geometry) string {
	if g == nil || len(l.communes) == 0 {
		return ""
	}
	b := g.Bound()
	var cands []int
	l.tree.Search(b.Min, b.Max, func(_, _ [2]float64, i int) bool {
		cands = append(cands, i)
		return true
	})
	sort.Slice(cands, func(a, b int) bool { return l.communes[cands[a]].Code < l.communes[cands[b]].Code })
	best, bestScore := "", 0.0
	for _, i := range cands {
		c := l.communes[i]
		s := score(g, c.Geometry)
		if s > bestScore {
			best, bestScore = c.Code, s
		}
	}
	return best
}

// score is how much of g lies in mp: 1 for a point inside, the length of
// a line inside, the area of a polygon inside.
func score(g orb.Geometry, mp orb.MultiPolygon) float64 {
	switch g := g.(type) {
	case orb.Point:
		if planar.MultiPolygonContains(mp, g) {
			return 1
		}
	case orb.MultiPoint:
		n := 0.0
		for _, p := range g {
			if planar.MultiPolygonContains(mp, p) {
				n++
			}
		}
		return n
	case orb.LineString:
		return lengthIn(g, mp)
	case orb.MultiLineString:
		s := 0.0
		for _, ls := range g {
			s += lengthIn(ls, mp)
		}
		return s
	case orb.Polygon, orb.MultiPolygon:
		a, err := zan.IntersectionArea(g, mp)
		if err != nil {
			return 0
		}
		return a
	}
	return 0
}

// lengthIn is the length of the part of ls inside mp: each segment is cut
// where it crosses an edge of mp, and each piece counted when its middle
// is inside.
func lengthIn(ls orb.LineString, mp orb.MultiPolygon) float64 {
	total := 0.0
	mb := mp.Bound()
	for i := 1; i < len(ls); i++ {
		a, b := ls[i-1], ls[i]
		sb := orb.Bound{Min: a, Max: a}.Extend(b)
		if !sb.Intersects(mb) {
			continue
		}
		ts := []float64{0, 1}
		for _, poly := range mp {
			for _, ring := range poly {
				for j := 1; j < len(ring); j++ {
					if t, ok := crossing(a, b, ring[j-1], ring[j]); ok {
						ts = append(ts, t)
					}
				}
			}
		}
		sort.Float64s(ts)
		seg := planar.Distance(a, b)
		for k := 1; k < len(ts); k++ {
			if ts[k] <= ts[k-1] {
				continue
			}
			m := (ts[k-1] + ts[k]) / 2
			mid := orb.Point{a[0] + (b[0]-a[0])*m, a[1] + (b[1]-a[1])*m}
			if planar.MultiPolygonContains(mp, mid) {
				total += seg * (ts[k] - ts[k-1])
			}
		}
	}
	return total
}

// crossing returns where, as a fraction of ab, segment ab meets segment
// cd (not when they are parallel: a line along a boundary is counted by
// its pieces' middles).
func crossing(a, b, c, d orb.Point) (float64, bool) {
	rx, ry := b[0]-a[0], b[1]-a[1]
	sx, sy := d[0]-c[0], d[1]-c[1]
	den := rx*sy - ry*sx
	if den == 0 || math.IsNaN(den) {
		return 0, false
	}
	qx, qy := c[0]-a[0], c[1]-a[1]
	t := (qx*sy - qy*sx) / den
	u := (qx*ry - qy*rx) / den
	if t < 0 || t > 1 || u < 0 || u > 1 {
		return 0, false
	}
	return t, true
}
