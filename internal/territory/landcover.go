package territory

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/paulmach/orb"
)

// minParcelArea (m²) drops the slivers a clip can leave along a boundary.
const minParcelArea = 50.0

// lattice is the jittered grid the land-cover parcels are cut from. Cells are
// refined twice (into 2×2, then 2×2 again) near villages. Node positions
// depend only on the node's index: a node on a coarser edge is the midpoint of
// that edge, so refined and unrefined neighbours share their boundary exactly
// and every cell is listed with all the nodes lying on its edges.
type lattice struct {
	seed   uint64
	b, f   float64 // base cell size and fine unit (b/4)
	x0, y0 float64
	ni, nj int         // base cells
	memo   []orb.Point // node positions by index(i, j)
	known  []bool
}

// index numbers the fine-lattice nodes.
func (l *lattice) index(i, j int) int { return j*(4*l.ni+1) + i }

func (l *lattice) pos(i, j int) orb.Point {
	k := l.index(i, j)
	if l.known[k] {
		return l.memo[k]
	}
	p := l.place(i, j)
	l.memo[k], l.known[k] = p, true
	return p
}

func (l *lattice) place(i, j int) orb.Point {
	switch {
	case i%4 == 0 && j%4 == 0:
		jx := (hashUnit(l.seed, 11, int64(i), int64(j), 0) - 0.5) * 0.3 * l.b
		jy := (hashUnit(l.seed, 11, int64(i), int64(j), 1) - 0.5) * 0.3 * l.b
		return orb.Point{l.x0 + float64(i)*l.f + jx, l.y0 + float64(j)*l.f + jy}
	case i%2 == 0 && j%2 == 0:
		switch {
		case i%4 == 0:
			return lerp(l.pos(i, j-2), l.pos(i, j+2), 0.5)
		case j%4 == 0:
			return lerp(l.pos(i-2, j), l.pos(i+2, j), 0.5)
		}
		return l.centre(i, j, 2, 0.04*l.b)
	case i%2 == 0:
		return lerp(l.pos(i, j-1), l.pos(i, j+1), 0.5)
	case j%2 == 0:
		return lerp(l.pos(i-1, j), l.pos(i+1, j), 0.5)
	}
	return l.centre(i, j, 1, 0.02*l.b)
}

// centre is the jittered centre of the cell of half-size h around (i, j).
func (l *lattice) centre(i, j, h int, amp float64) orb.Point {
	a, b := l.pos(i-h, j-h), l.pos(i+h, j-h)
	c, d := l.pos(i+h, j+h), l.pos(i-h, j+h)
	jx := (hashUnit(l.seed, 12, int64(i), int64(j), 0) - 0.5) * 2 * amp
	jy := (hashUnit(l.seed, 12, int64(i), int64(j), 1) - 0.5) * 2 * amp
	return orb.Point{(a[0]+b[0]+c[0]+d[0])/4 + jx, (a[1]+b[1]+c[1]+d[1])/4 + jy}
}

// nominal is the unjittered position of a fine index.
func (l *lattice) nominal(i, j float64) orb.Point {
	return orb.Point{l.x0 + i*l.f, l.y0 + j*l.f}
}

// leaf is a cell of the refined lattice: corner (i, j) and size k in fine units.
type leaf struct{ i, j, k int }

// refine is 2 near a village, 1 around it, 0 in the countryside.
func (g *gen) refine(p orb.Point) int {
	dn := math.Inf(1)
	for _, c := range g.cs {
		dn = math.Min(dn, dist(p, c.centre)/math.Max(c.radius, 250))
	}
	switch {
	case dn < 1.0:
		return 2
	case dn < 2.0:
		return 1
	}
	return 0
}

// leaves lists the cells of the lattice that may meet the territory.
func (g *gen) leaves(l *lattice, bound orb.Bound) []leaf {
	var out []leaf
	for bj := range l.nj {
		for bi := range l.ni {
			i, j := 4*bi, 4*bj
			lo, hi := l.nominal(float64(i)-1, float64(j)-1), l.nominal(float64(i)+5, float64(j)+5)
			if !bound.Intersects(orb.Bound{Min: lo, Max: hi}) {
				continue
			}
			if g.refine(l.nominal(float64(i)+2, float64(j)+2)) == 0 {
				out = append(out, leaf{i, j, 4})
				continue
			}
			for _, d := range [4][2]int{{0, 0}, {2, 0}, {0, 2}, {2, 2}} {
				si, sj := i+d[0], j+d[1]
				if g.refine(l.nominal(float64(si)+1, float64(sj)+1)) == 2 {
					for _, e := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
						out = append(out, leaf{si + e[0], sj + e[1], 1})
					}
				} else {
					out = append(out, leaf{si, sj, 2})
				}
			}
		}
	}
	return out
}

func (g *gen) newLattice(b float64, bound orb.Bound) *lattice {
	l := &lattice{seed: g.cfg.Seed, b: b, f: b / 4}
	l.x0 = (math.Floor(bound.Min[0]/b) - 1) * b
	l.y0 = (math.Floor(bound.Min[1]/b) - 1) * b
	l.ni = int(math.Ceil((bound.Max[0]-l.x0)/b)) + 1
	l.nj = int(math.Ceil((bound.Max[1]-l.y0)/b)) + 1
	n := (4*l.ni + 1) * (4*l.nj + 1)
	l.memo, l.known = make([]orb.Point, n), make([]bool, n)
	return l
}

// landDraft is a clipped piece before it becomes a parcel.
type landDraft struct {
	c     *commune
	order int
	ring  []orb.Point
}

// buildLandCover cuts the territory into OCS GE-like parcels: the refined
// lattice clipped to each commune, each piece given a cover and a use that
// depend on how far it lies from the village.
func (g *gen) buildLandCover() []Parcel {
	bound := g.cs[0].ri.bound
	area := 0.0
	for _, c := range g.cs {
		bound = bound.Union(c.ri.bound)
		area += c.area
	}
	target := targetParcels * g.cfg.Scale
	// Calibrate the base cell size on the number of pieces it gives.
	b := math.Sqrt(area / target)
	var drafts []landDraft
	bestErr := math.Inf(1)
	for range 10 {
		d := g.cut(g.newLattice(b, bound), bound)
		n := 0
		for _, p := range d {
			if signedArea(p.ring) >= minParcelArea {
				n++
			}
		}
		if e := math.Abs(float64(n) - target); e < bestErr {
			drafts, bestErr = d, e
		}
		if bestErr < 0.01*target {
			break
		}
		b *= math.Max(0.7, math.Min(1.4, math.Sqrt(float64(n)/target)))
	}
	sort.SliceStable(drafts, func(i, j int) bool { return drafts[i].c.INSEE < drafts[j].c.INSEE })

	updLo := time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC)
	updSpan := time.Date(2026, 6, 30, 23, 59, 59, 0, time.UTC).Sub(updLo)
	var out []Parcel
	var dated [3][]datedParcel
	streams := map[*commune]*rng{}
	for _, d := range drafts {
		r := streams[d.c]
		if r == nil {
			r = g.rng("landcover", d.c.INSEE)
			streams[d.c] = r
		}
		ring := make(orb.Ring, 0, len(d.ring))
		for _, p := range d.ring {
			q := toWGS84Rounded(p)
			if len(ring) == 0 || ring[len(ring)-1] != q {
				ring = append(ring, q)
			}
		}
		if len(ring) > 1 && ring[0] == ring[len(ring)-1] {
			ring = ring[:len(ring)-1]
		}
		ring = append(ring, ring[0])
		proj := make([]orb.Point, len(ring))
		for i, p := range ring {
			proj[i] = ToLambert93(p)
		}
		a := signedArea(proj)
		if a < minParcelArea || !ringIsSimple(ring) {
			g.stats.DroppedParcels++
			continue
		}
		centroid := ringCentroid(d.ring)
		cs, us, when := g.landUse(d.c, centroid, a, d.ring, r)
		art, ok := g.matrix.Artificialised(cs, us)
		if !ok {
			panic(fmt.Sprintf("territory: %s×%s missing from the OCS GE matrix", cs, us))
		}
		if art && when != artBefore2009 {
			// later parcels lie farther out: villages grow outwards
			key := dist(centroid, d.c.centre)/math.Max(d.c.radius, 250) + r.between(0, 1.5)
			dated[when] = append(dated[when], datedParcel{len(out), key})
		}
		out = append(out, Parcel{
			ID: len(out) + 1, CodeCS: cs, CodeUS: us, Artificialised: art, Year: OCSGEVintage,
			AreaM2: math.Round(a*100) / 100, CommuneINSEE: d.c.INSEE,
			UpdatedAt: updLo.Add(time.Duration(r.float() * float64(updSpan))).Truncate(time.Second),
			Geometry:  orb.Polygon{ring},
		})
	}
	// Years are dealt out by quantiles of yearWeights rather than drawn one by
	// one, so that even the 750-parcel sample shows the post-2021 decline.
	for when, list := range [2][]datedParcel{dated[artSince2009], dated[artRecent]} {
		weights := yearWeights
		first := 2009
		if when == artRecent {
			weights, first = yearWeights[2021-2009:], 2021
		}
		sort.SliceStable(list, func(i, j int) bool { return list[i].key < list[j].key })
		total := 0.0
		for _, w := range weights {
			total += w
		}
		for k, dp := range list {
			q := (float64(k) + 0.5) / float64(len(list)) * total
			y := 0
			for y < len(weights)-1 && q >= weights[y] {
				q -= weights[y]
				y++
			}
			out[dp.index].YearArtificialised = first + y
		}
	}
	return out
}

// When a parcel became artificial, as drawn by landUse.
const (
	artBefore2009 = iota // or never: year_artificialised is null
	artSince2009
	artRecent // building sites: 2021 or later
)

type datedParcel struct {
	index int
	key   float64
}

// cut clips every leaf of the lattice to the communes it meets.
func (g *gen) cut(l *lattice, bound orb.Bound) []landDraft {
	leaves := g.leaves(l, bound)
	used := make([]bool, len(l.known))
	for _, lf := range leaves {
		used[l.index(lf.i, lf.j)] = true
		used[l.index(lf.i+lf.k, lf.j)] = true
		used[l.index(lf.i+lf.k, lf.j+lf.k)] = true
		used[l.index(lf.i, lf.j+lf.k)] = true
	}
	var drafts []landDraft
	for order, lf := range leaves {
		poly := leafPolygon(l, lf, used)
		bx := orb.LineString(poly).Bound()
		for _, c := range g.cs {
			for _, pc := range g.clipTo(c, poly, bx) {
				drafts = append(drafts, landDraft{c: c, order: order, ring: pc})
			}
		}
	}
	return drafts
}

// leafPolygon is the CCW ring of a leaf with every used node on its edges.
func leafPolygon(l *lattice, lf leaf, used []bool) []orb.Point {
	corners := [4][2]int{{lf.i, lf.j}, {lf.i + lf.k, lf.j}, {lf.i + lf.k, lf.j + lf.k}, {lf.i, lf.j + lf.k}}
	var ring []orb.Point
	for c := range 4 {
		a, b := corners[c], corners[(c+1)%4]
		di, dj := sign(b[0]-a[0]), sign(b[1]-a[1])
		ring = append(ring, l.pos(a[0], a[1]))
		for s := 1; s < lf.k; s++ {
			ni, nj := a[0]+s*di, a[1]+s*dj
			if used[l.index(ni, nj)] {
				ring = append(ring, l.pos(ni, nj))
			}
		}
	}
	return append(ring, ring[0])
}

func sign(v int) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// clipTo returns the pieces of the convex cell poly inside commune c.
func (g *gen) clipTo(c *commune, poly []orb.Point, bx orb.Bound) [][]orb.Point {
	if !c.ri.bound.Intersects(bx) {
		return nil
	}
	if !c.ri.boxTouched(bx) {
		if c.ri.contains(ringCentroid(poly)) {
			return [][]orb.Point{poly}
		}
		return nil
	}
	pieces, err := clipConvex(c.ring, poly)
	for attempt := 1; err != nil && attempt <= 8; attempt++ {
		// A commune vertex fell exactly on a cell edge: nudge the commune by
		// a micrometre (far below the 1 cm output grid) and clip again.
		g.stats.DegenerateClips++
		shift := orb.Point{float64(attempt) * 1e-6, float64(attempt) * 0.7e-6}
		moved := make([]orb.Point, len(c.ring))
		for i, p := range c.ring {
			moved[i] = add(p, shift)
		}
		pieces, err = clipConvex(moved, poly)
	}
	if err != nil {
		panic(fmt.Sprintf("territory: clipping commune %s: %v", c.INSEE, err))
	}
	return pieces
}

// coverUse is an OCS GE couverture × usage pair and its weight.
type coverUse struct {
	cs, us string
	w      float64
}

var (
	coreUses = []coverUse{
		{"CS1.1.1.1", "US5", 0.45}, {"CS1.1.1.2", "US4.1.1", 0.12}, {"CS1.1.1.1", "US3", 0.08},
		{"CS1.1.1.1", "US235", 0.05}, {"CS2.2.1", "US5", 0.12}, {"CS2.1.1.1", "US5", 0.05},
		{"CS1.1.2.1", "US4.1.1", 0.03}, {"CS2.2.1", "US3", 0.03}, {"CS1.1.1.2", "US3", 0.03},
		{"CS2.2.1", "US1.1", 0.04},
	}
	fringeUses = []coverUse{
		{"CS1.1.1.1", "US5", 0.25}, {"CS2.2.1", "US5", 0.15}, {"CS1.1.1.1", "US2", 0.08},
		{"CS1.1.1.2", "US4.1.1", 0.07}, {"CS1.1.2.2", "US6.1", 0.015}, {"CS2.2.1", "US6.1", 0.015},
		{"CS2.2.1", "US1.1", 0.25}, {"CS2.1.1.1", "US1.2", 0.05}, {"CS1.1.1.1", "US4.2", 0.03},
		{"CS2.2.1", "US4.3", 0.02}, {"CS2.1.2", "US6.3", 0.04},
	}
	ruralUses = []coverUse{
		{"CS2.2.1", "US1.1", 0.62}, {"CS2.1.1.1", "US1.2", 0.10}, {"CS2.1.1.3", "US1.2", 0.03},
		{"CS2.1.1.2", "US1.2", 0.01}, {"CS2.1.2", "US6.3", 0.06}, {"CS2.1.3", "US1.1", 0.03},
		{"CS1.2.2", "US6.3", 0.02}, {"CS1.2.2", "US4.1.4", 0.005}, {"CS2.2.2", "US6.3", 0.01},
		{"CS1.2.1", "US6.3", 0.01}, {"CS1.1.1.1", "US1.1", 0.03}, {"CS1.1.2.1", "US1.3", 0.01},
		{"CS2.2.1", "US6.6", 0.02}, {"CS1.1.1.2", "US4.1.1", 0.01},
	}
	farmUses = []coverUse{
		{"CS1.1.1.1", "US1.1", 0.5}, {"CS1.1.2.1", "US1.1", 0.2}, {"CS2.2.1", "US1.1", 0.3},
	}
	// yearWeights: artificialisation per year 2009…2024, declining after
	// 2021 (the ZAN law, "Climat et résilience", counts from 2021).
	yearWeights = []float64{8, 8, 9, 9, 8, 7, 7, 7, 8, 8, 8, 7, 6, 5, 4, 3}
)

func drawUse(list []coverUse, r *rng) coverUse {
	w := make([]float64, len(list))
	for i, u := range list {
		w[i] = u.w
	}
	return list[r.weighted(w)]
}

// landUse picks the cover and use of a piece from its distance to the
// village, and when it became artificial if it is.
func (g *gen) landUse(c *commune, centroid orb.Point, area float64, ring []orb.Point, r *rng) (string, string, int) {
	dn := dist(centroid, c.centre) / math.Max(c.radius, 250)
	var u coverUse
	nullShare := 0.5
	farm := false
	if area < 50000 {
		for _, f := range c.farms {
			if ringContains(ring, f) {
				farm = true
				break
			}
		}
	}
	switch {
	case dn < 0.6:
		u, nullShare = drawUse(coreUses, r), 0.8
	case dn < 1.3:
		u, nullShare = drawUse(fringeUses, r), 0.25
	case farm:
		u = drawUse(farmUses, r)
	case area > 40000:
		// a large piece of countryside is fields, woods, water or scrub,
		// not one 4-hectare building
		u = drawUse(g.natural(ruralUses), r)
	default:
		u = drawUse(ruralUses, r)
	}
	when := artBefore2009
	switch {
	case u.us == "US6.1":
		when = artRecent
	case !r.chance(nullShare):
		when = artSince2009
	}
	return u.cs, u.us, when
}

// natural keeps the pairs the matrix does not count as artificialised.
func (g *gen) natural(list []coverUse) []coverUse {
	var out []coverUse
	for _, u := range list {
		if art, _ := g.matrix.Artificialised(u.cs, u.us); !art {
			out = append(out, u)
		}
	}
	return out
}
