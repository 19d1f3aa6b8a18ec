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
	// edges indexes each commune's boundary segments, so that a point or
	// a segment is tested against the few edges near it rather than all.
	edges []*rtree.RTreeG[[2]orb.Point]
}

// New returns a locator of communes.
func New(communes []Commune) *Locator {
	l := &Locator{communes: communes}
	for i, c := range communes {
		b := c.Geometry.Bound()
		l.tree.Insert(b.Min, b.Max, i)
		var e rtree.RTreeG[[2]orb.Point]
		for _, p := range c.Geometry {
			for _, r := range p {
				for j := 1; j < len(r); j++ {
					sb := orb.Bound{Min: r[j-1], Max: r[j-1]}.Extend(r[j])
					e.Insert(sb.Min, sb.Max, [2]orb.Point{r[j-1], r[j]})
				}
			}
		}
		l.edges = append(l.edges, &e)
	}
	return l
}

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
	switch g.(type) {
	case orb.Polygon, orb.MultiPolygon:
		// Most parcels lie in one commune: every vertex in it, none of
		// its edges crossing another's boundary, settles it without an
		// overlay.
		if i, ok := l.within(g, cands); ok {
			return l.communes[i].Code
		}
	}
	best, bestScore := "", 0.0
	for _, i := range cands {
		s := l.score(g, i)
		if s > bestScore {
			best, bestScore = l.communes[i].Code, s
		}
	}
	return best
}

// within returns the one candidate that holds every vertex of g, when
// no edge of g crosses a candidate's boundary.
func (l *Locator) within(g orb.Geometry, cands []int) (int, bool) {
	var pts []orb.Point
	var segs [][2]orb.Point
	add := func(r orb.Ring) {
		for j := range r {
			pts = append(pts, r[j])
			if j > 0 {
				segs = append(segs, [2]orb.Point{r[j-1], r[j]})
			}
		}
	}
	switch g := g.(type) {
	case orb.Polygon:
		for _, r := range g {
			add(r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				add(r)
			}
		}
	}
	found := -1
	for _, i := range cands {
		all := true
		for _, p := range pts {
			if !l.contains(i, p) {
				all = false
				break
			}
		}
		if !all {
			continue
		}
		for _, s := range segs {
			if len(l.crossings(i, s[0], s[1])) > 0 {
				return -1, false
			}
		}
		if found >= 0 {
			return -1, false
		}
		found = i
	}
	return found, found >= 0
}

// score is how much of g lies in commune i: 1 for a point inside, the
// length of a line inside, the area of a polygon inside.
func (l *Locator) score(g orb.Geometry, i int) float64 {
	switch g := g.(type) {
	case orb.Point:
		if l.contains(i, g) {
			return 1
		}
	case orb.MultiPoint:
		n := 0.0
		for _, p := range g {
			if l.contains(i, p) {
				n++
			}
		}
		return n
	case orb.LineString:
		return l.lengthIn(g, i)
	case orb.MultiLineString:
		s := 0.0
		for _, ls := range g {
			s += l.lengthIn(ls, i)
		}
		return s
	case orb.Polygon, orb.MultiPolygon:
		a, err := zan.IntersectionArea(g, l.communes[i].Geometry)
		if err != nil {
			return 0
		}
		return a
	}
	return 0
}

// contains tells whether p is inside commune i (even-odd rule over all its
// rings, by a ray towards +x through the indexed edges).
func (l *Locator) contains(i int, p orb.Point) bool {
	in := false
	l.edges[i].Search([2]float64{p[0], p[1]}, [2]float64{math.Inf(1), p[1]}, func(_, _ [2]float64, e [2]orb.Point) bool {
		a, b := e[0], e[1]
		if (a[1] > p[1]) != (b[1] > p[1]) {
			x := a[0] + (p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if x > p[0] {
				in = !in
			}
		}
		return true
	})
	return in
}

// crossings are where segment ab meets commune i's boundary, as fractions
// of ab.
func (l *Locator) crossings(i int, a, b orb.Point) []float64 {
	var ts []float64
	sb := orb.Bound{Min: a, Max: a}.Extend(b)
	l.edges[i].Search(sb.Min, sb.Max, func(_, _ [2]float64, e [2]orb.Point) bool {
		if t, ok := crossing(a, b, e[0], e[1]); ok {
			ts = append(ts, t)
		}
		return true
	})
	return ts
}

// lengthIn is the length of the part of ls inside commune i: each segment
// is cut where it crosses the boundary, and each piece counted when its
// middle is inside.
func (l *Locator) lengthIn(ls orb.LineString, i int) float64 {
	total := 0.0
	for k := 1; k < len(ls); k++ {
		a, b := ls[k-1], ls[k]
		ts := append([]float64{0, 1}, l.crossings(i, a, b)...)
		sort.Float64s(ts)
		seg := planar.Distance(a, b)
		for j := 1; j < len(ts); j++ {
			if ts[j] <= ts[j-1] {
				continue
			}
			m := (ts[j-1] + ts[j]) / 2
			if l.contains(i, orb.Point{a[0] + (b[0]-a[0])*m, a[1] + (b[1]-a[1])*m}) {
				total += seg * (ts[j] - ts[j-1])
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
