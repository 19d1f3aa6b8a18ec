package territory

import (
	"math"
	"sort"
	"strings"

	"github.com/paulmach/orb"
)

// buildNetwork lays the whole road network: village grids, departmental roads
// between villages (with roundabouts and slip roads), dead ends, country roads
// to farms and footpaths. Every segment starts or ends on a vertex of the
// network laid before it, so the network is connected.
func (g *gen) buildNetwork() {
	s := g.cfg.Scale
	plan := g.planRoutes()
	depEstimate := 0.0
	for _, p := range plan {
		for i, pc := range g.splitByCommunes([]orb.Point{p.a.centre, p.end()}) {
			if pc.owner == nil {
				if p.b == nil && i > 0 {
					break
				}
				continue
			}
			depEstimate += math.Ceil(polylineLength(pc.pts) * 1.02 / maxSegment)
		}
	}
	chemins := 0.2 * targetRoads * math.Sqrt(s)
	sentiers := 0.04 * targetRoads * math.Sqrt(s)
	villageTotal := math.Max(4*float64(len(g.cs)), targetRoads*s-depEstimate-chemins-sentiers-12)

	budgets := g.villageBudgets(villageTotal)
	deadEnds := make([]int, len(g.cs))
	for i, c := range g.cs {
		deadEnds[i] = g.buildVillage(c, budgets[i])
		g.villageStreets(c)
	}
	g.buildRoutes(plan)
	for i, c := range g.cs {
		g.deadEnds(c, deadEnds[i])
	}
	areaTotal := 0.0
	for _, c := range g.cs {
		areaTotal += c.area
	}
	for _, c := range g.cs {
		g.countryRoads(c, int(math.Round(chemins*c.area/areaTotal)))
	}
	for _, c := range g.cs {
		g.footpaths(c, int(math.Round(sentiers*c.area/areaTotal)))
	}
}

// villageBudgets shares total segments between villages by population^0.7,
// capped by what a commune's area can hold at the street spacing (the excess
// goes to the others).
func (g *gen) villageBudgets(total float64) []int {
	sp := g.spacing()
	n := len(g.cs)
	w := make([]float64, n)
	capacity := make([]float64, n)
	for i, c := range g.cs {
		w[i] = math.Pow(float64(c.Population), 0.7)
		capacity[i] = 0.55 * 2 * c.area / (sp * sp)
	}
	alloc := make([]float64, n)
	capped := make([]bool, n)
	remaining := total
	for range n {
		sw := 0.0
		for i := range n {
			if !capped[i] {
				sw += w[i]
			}
		}
		if sw == 0 {
			break
		}
		over := false
		for i := range n {
			if capped[i] {
				continue
			}
			alloc[i] = remaining * w[i] / sw
			if alloc[i] > capacity[i] {
				over = true
			}
		}
		if !over {
			break
		}
		for i := range n {
			if !capped[i] && alloc[i] > capacity[i] {
				alloc[i] = capacity[i]
				capped[i] = true
				remaining -= capacity[i]
			}
		}
	}
	out := make([]int, n)
	for i := range n {
		out[i] = max(4, int(math.Round(alloc[i])))
	}
	return out
}

// routePlan is a departmental road between two villages, or from a village
// towards a town outside the territory.
type routePlan struct {
	a, b    *commune
	ext     string    // destination outside the territory
	extAt   orb.Point // its position (Lambert-93)
	major   bool      // "Route à 2 chaussées"
	reverse bool
}

func (p routePlan) end() orb.Point {
	if p.b != nil {
		return p.b.centre
	}
	return p.extAt
}

// planRoutes links the village centres: their Euclidean minimum spanning tree,
// a few short extra links that cross nothing, and roads leaving the territory
// towards the neighbouring towns.
func (g *gen) planRoutes() []routePlan {
	n := len(g.cs)
	in := make([]bool, n)
	best := make([]float64, n)
	from := make([]int, n)
	for i := range best {
		best[i] = math.Inf(1)
	}
	best[0] = 0
	var plan []routePlan
	var lines [][2]orb.Point
	mstTotal := 0.0
	for range n {
		u := -1
		for i := range n {
			if !in[i] && (u < 0 || best[i] < best[u]) {
				u = i
			}
		}
		in[u] = true
		if u != 0 {
			plan = append(plan, routePlan{a: g.cs[from[u]], b: g.cs[u]})
			lines = append(lines, [2]orb.Point{g.cs[from[u]].centre, g.cs[u].centre})
			mstTotal += best[u]
		}
		for i := range n {
			if in[i] {
				continue
			}
			d := dist(g.cs[u].centre, g.cs[i].centre)
			if !g.withinTerritory(g.cs[u].centre, g.cs[i].centre) {
				d += 1e7 // only if nothing else links i
			}
			if d < best[i] {
				best[i], from[i] = d, u
			}
		}
	}
	mean := mstTotal / float64(n-1)

	// ok reports whether the straight link p–q crosses no planned link and
	// leaves p and q at least 30° away from the links already there.
	ok := func(p, q orb.Point) bool {
		for _, l := range lines {
			shared := l[0] == p || l[1] == p || l[0] == q || l[1] == q
			if !shared && segmentsIntersect(p, q, l[0], l[1]) {
				return false
			}
			for _, end := range [][2]orb.Point{{p, q}, {q, p}} {
				var other orb.Point
				switch end[0] {
				case l[0]:
					other = l[1]
				case l[1]:
					other = l[0]
				default:
					continue
				}
				if dot(unit(sub(end[1], end[0])), unit(sub(other, end[0]))) > math.Cos(math.Pi/6) {
					return false
				}
			}
		}
		return true
	}
	type pair struct {
		i, j int
		d    float64
	}
	var pairs []pair
	for i := range n {
		for j := i + 1; j < n; j++ {
			if d := dist(g.cs[i].centre, g.cs[j].centre); d < 1.3*mean {
				pairs = append(pairs, pair{i, j, d})
			}
		}
	}
	sort.Slice(pairs, func(x, y int) bool {
		if pairs[x].d != pairs[y].d {
			return pairs[x].d < pairs[y].d
		}
		return pairs[x].i*n+pairs[x].j < pairs[y].i*n+pairs[y].j
	})
	linked := map[[2]int]bool{}
	for _, p := range plan {
		linked[[2]int{indexOf(g.cs, p.a), indexOf(g.cs, p.b)}] = true
	}
	extras := 0
	for _, p := range pairs {
		if extras >= 6 || linked[[2]int{p.i, p.j}] || linked[[2]int{p.j, p.i}] {
			continue
		}
		a, b := g.cs[p.i], g.cs[p.j]
		if ok(a.centre, b.centre) && g.withinTerritory(a.centre, b.centre) {
			plan = append(plan, routePlan{a: a, b: b})
			lines = append(lines, [2]orb.Point{a.centre, b.centre})
			extras++
		}
	}
	for _, t := range externalTowns {
		at := ToLambert93(orb.Point{t.lon, t.lat})
		var c *commune
		for _, k := range g.cs {
			if c == nil || dist(k.centre, at) < dist(c.centre, at) {
				c = k
			}
		}
		if ok(c.centre, at) {
			plan = append(plan, routePlan{a: c, ext: t.name, extAt: at, major: t.name == "Toulouse"})
			lines = append(lines, [2]orb.Point{c.centre, at})
		}
	}
	for i := range plan {
		if p := plan[i]; p.b != nil && p.a.Population >= 4000 && p.b.Population >= 4000 {
			plan[i].major = true
		}
	}
	return plan
}

// withinTerritory reports whether the segment pq stays inside the territory.
func (g *gen) withinTerritory(p, q orb.Point) bool {
	for _, pc := range g.splitByCommunes([]orb.Point{p, q}) {
		if pc.owner == nil {
			return false
		}
	}
	return true
}

func indexOf(cs []*commune, c *commune) int {
	for i, k := range cs {
		if k == c {
			return i
		}
	}
	return -1
}

// route is a planned road once laid: a path from the entry node of a's
// village to b's (or out of the territory).
type route struct {
	routePlan
	path      []orb.Point
	class     string
	width     float64
	ringStart bool // a roundabout at the start of path
	ringEnd   bool
}

// routeEnd is where a route leaves a village: the entry node, the end of the
// route's first segment, and the commune.
type routeEnd struct {
	entry, next orb.Point
	c           *commune
	name        string
}

// buildRoutes lays the planned departmental roads.
func (g *gen) buildRoutes(plan []routePlan) {
	r := g.rng("routes")
	var routes []*route
	for _, p := range plan {
		rt := &route{routePlan: p}
		rt.path = g.routePath(p, r)
		rt.class, rt.width = "Route à 1 chaussée", r.between(5.5, 7.5)
		if p.major {
			rt.class, rt.width = "Route à 2 chaussées", r.between(12, 16)
		}
		routes = append(routes, rt)
	}
	// Roundabouts: one where a road leaves each village of 2,000 inhabitants
	// or more.
	for _, c := range g.cs {
		if c.Population < 2000 {
			continue
		}
		for _, rt := range routes {
			if rt.a == c && g.roundabout(rt, false, r) {
				break
			}
			if rt.b == c && g.roundabout(rt, true, r) {
				break
			}
		}
	}
	var ends []routeEnd
	for _, rt := range routes {
		ends = append(ends, g.layRoute(rt)...)
	}
	g.slipRoads(ends, r)
}

// routeName is the name of route rt where it crosses commune c: "Route de" the
// destination, seen from c.
func (g *gen) routeName(rt *route, c *commune, firstHalf bool) string {
	var town string
	switch {
	case rt.b == nil:
		town = rt.ext
	case c == rt.a:
		town = rt.b.Nom
	case c == rt.b:
		town = rt.a.Nom
	case firstHalf:
		town = rt.b.Nom
	default:
		town = rt.a.Nom
	}
	name := routeTo(town, false)
	if v, ok := c.voies[voieKey(name)]; ok {
		return v.name
	}
	c.names.take(name)
	return c.names.style(name)
}

// routePath draws the path of a planned road between the villages' entry
// nodes. The best-placed entry nodes and a curving path are tried first; when
// every piece cannot be laid (the line clips a third commune for a few metres,
// or an entry node is too near the boundary), other entry nodes, straighter
// paths and finally a detour through the common boundary are tried.
func (g *gen) routePath(p routePlan, r *rng) []orb.Point {
	internal := p.b != nil
	starts := p.a.village.entries(unit(sub(p.end(), p.a.centre)), 5)
	ends := []orb.Point{p.extAt}
	if internal {
		ends = p.b.village.entries(unit(sub(p.a.centre, p.b.centre)), 5)
	}
	type pair struct{ i, j int }
	var pairs []pair
	for i := range starts {
		for j := range ends {
			pairs = append(pairs, pair{i, j})
		}
	}
	sort.SliceStable(pairs, func(x, y int) bool { return pairs[x].i+pairs[x].j < pairs[y].i+pairs[y].j })
	for _, amp := range []float64{1, 0.5, 0} {
		for _, pr := range pairs {
			if path := wiggle(starts[pr.i], ends[pr.j], amp, r); g.layable(path, internal) {
				return path
			}
		}
	}
	if internal {
		if d := g.detour(p.a, p.b, starts[0], ends[0], r); d != nil {
			return d
		}
	}
	return wiggle(starts[0], ends[0], 0, r)
}

// layable reports whether a path cuts into pieces that can all be laid:
// inside the territory (up to where an outbound road leaves it) and no
// shorter than a segment.
func (g *gen) layable(path []orb.Point, internal bool) bool {
	for i, pc := range g.splitByCommunes(path) {
		if pc.owner == nil {
			if internal || i == 0 {
				return false
			}
			return true
		}
		if polylineLength(pc.pts) < minSegment {
			return false
		}
	}
	return true
}

// detour routes a road between two neighbouring villages through a point of
// their common boundary, for when the direct line clips a third commune or
// leaves the territory.
func (g *gen) detour(a, b *commune, start, end orb.Point, r *rng) []orb.Point {
	shared := map[orb.Point]bool{}
	for _, p := range a.ring {
		shared[p] = true
	}
	var best []orb.Point
	bestLen := math.Inf(1)
	for _, m := range b.ring {
		if !shared[m] {
			continue
		}
		w1 := add(m, scale(unit(sub(a.centre, m)), 60))
		w2 := add(m, scale(unit(sub(b.centre, m)), 60))
		if l := dist(start, w1) + dist(w1, w2) + dist(w2, end); l < bestLen {
			legs := wiggle(start, w1, 0, r)
			legs = append(legs, wiggle(w1, w2, 0, r)[1:]...)
			legs = append(legs, wiggle(w2, end, 0, r)[1:]...)
			if g.layable(legs, true) {
				best, bestLen = legs, l
			}
		}
	}
	return best
}

// wiggle draws a gently curving road from p to q, a vertex every ~60 m; amp
// scales the curvature (0: straight).
func wiggle(p, q orb.Point, amp float64, r *rng) []orb.Point {
	l := dist(p, q)
	a1 := r.between(-0.04, 0.04) * l * amp
	a2 := r.between(-0.02, 0.02) * l * amp
	nrm := leftNormal(unit(sub(q, p)))
	n := max(2, int(math.Ceil(l/60)))
	pts := make([]orb.Point, 0, n+1)
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		off := a1*math.Sin(math.Pi*t) + a2*math.Sin(2*math.Pi*t)
		pts = append(pts, add(lerp(p, q, t), scale(nrm, off)))
	}
	pts[0], pts[n] = p, q
	return pts
}

// roundabout puts a roundabout on rt a little outside the village it leaves
// (its start, or its end when atEnd): a connector from the entry node, the
// ring in two arcs, and the route continuing from the far side of the ring.
func (g *gen) roundabout(rt *route, atEnd bool, r *rng) bool {
	path := rt.path
	c := rt.a
	if atEnd {
		path = reversed(path)
		c = rt.b
	}
	e := path[0]
	radius := r.between(14, 22)
	reach := radius + 35
	if polylineLength(path) < 4*reach {
		return false
	}
	q, _ := pointAlong(path, reach)
	x2 := add(q, scale(unit(sub(e, q)), radius))
	k := 1
	for k < len(path) && dist(path[k], q) <= radius+25 {
		k++
	}
	if k >= len(path)-1 {
		return false
	}
	x1 := add(q, scale(unit(sub(path[k], q)), radius))
	a1 := math.Atan2(x1[1]-q[1], x1[0]-q[0])
	a2 := math.Atan2(x2[1]-q[1], x2[0]-q[0])
	arc := func(from, to float64, pf, pt orb.Point) []orb.Point {
		sweep := to - from
		for sweep <= 0 {
			sweep += 2 * math.Pi
		}
		n := max(2, int(math.Ceil(sweep/(math.Pi/8))))
		pts := []orb.Point{pf}
		for i := 1; i < n; i++ {
			a := from + sweep*float64(i)/float64(n)
			pts = append(pts, add(q, orb.Point{radius * math.Cos(a), radius * math.Sin(a)}))
		}
		return append(pts, pt)
	}
	arcA := arc(a2, a1, x2, x1) // counter-clockwise, as traffic turns in France
	arcB := arc(a1, a2, x1, x2)
	connector := []orb.Point{e, x2}
	if polylineLength(arcA) < minSegment || polylineLength(arcB) < minSegment {
		return false
	}
	for _, part := range [][]orb.Point{connector, arcA, arcB} {
		if !c.ri.polylineInside(part) {
			return false
		}
	}
	if g.idx.blocked(e, x2, e, true) || g.idx.near(q, radius+12) {
		return false
	}
	for i := 1; i < len(arcA); i++ {
		if g.idx.blocked(arcA[i-1], arcA[i], orb.Point{}, false) {
			return false
		}
	}
	for i := 1; i < len(arcB); i++ {
		if g.idx.blocked(arcB[i-1], arcB[i], orb.Point{}, false) {
			return false
		}
	}
	rest := append([]orb.Point{x1}, path[k:]...)
	if first := g.splitByCommunes(rest)[0]; first.owner != c || polylineLength(first.pts) < 2*minSegment {
		return false
	}
	name := g.routeName(rt, c, !atEnd)
	g.addSegment(c, connector, name, rt.class, "revêtue", rt.width)
	vo := g.voieFor(c, name, voieRoute)
	vo.chains = append(vo.chains, connector)
	rp := c.names.prefixed("Rond-point", roundaboutComplements)
	w := r.between(7, 9)
	g.addSegment(c, arcA, rp, "Rond-point", "revêtue", w)
	g.addSegment(c, arcB, rp, "Rond-point", "revêtue", w)
	if atEnd {
		rest = reversed(rest)
	}
	rt.path = rest
	if atEnd {
		rt.ringEnd = true
	} else {
		rt.ringStart = true
	}
	return true
}

func reversed(p []orb.Point) []orb.Point {
	out := make([]orb.Point, len(p))
	for i, v := range p {
		out[len(p)-1-i] = v
	}
	return out
}

// piece is a part of a path inside one commune (nil: outside the territory).
type piece struct {
	pts   []orb.Point
	owner *commune
	from  float64 // arc length of its start along the path
}

// splitByCommunes cuts a path where it crosses commune boundaries.
func (g *gen) splitByCommunes(path []orb.Point) []piece {
	var out []piece
	cur := []orb.Point{path[0]}
	done := 0.0
	start := 0.0
	closePiece := func(end orb.Point) {
		cur = append(cur, end)
		mid, _ := pointAlong(cur, polylineLength(cur)/2)
		out = append(out, piece{pts: cur, owner: g.communeAt(mid), from: start})
	}
	for i := 1; i < len(path); i++ {
		a, b := path[i-1], path[i]
		var ts []float64
		bx := orb.Bound{Min: orb.Point{math.Min(a[0], b[0]), math.Min(a[1], b[1])}, Max: orb.Point{math.Max(a[0], b[0]), math.Max(a[1], b[1])}}
		for _, c := range g.cs {
			if c.ri.bound.Intersects(bx) {
				ts = append(ts, c.ri.crossings(a, b)...)
			}
		}
		sort.Float64s(ts)
		l := dist(a, b)
		for k, t := range ts {
			if k > 0 && (t-ts[k-1])*l < 1e-6 {
				continue // two communes share this boundary edge
			}
			p := lerp(a, b, t)
			closePiece(p)
			start = done + dist(a, p)
			cur = []orb.Point{p}
		}
		if b != cur[len(cur)-1] {
			cur = append(cur, b)
		}
		done += dist(a, b)
	}
	if len(cur) >= 2 {
		last := cur[len(cur)-1]
		cur = cur[:len(cur)-1]
		closePiece(last)
	}
	return out
}

// communeAt returns the commune containing p, or nil.
func (g *gen) communeAt(p orb.Point) *commune {
	for _, c := range g.cs {
		if c.ri.contains(p) {
			return c
		}
	}
	return nil
}

// layRoute cuts a route by commune and into segments, and names it.
func (g *gen) layRoute(rt *route) []routeEnd {
	total := polylineLength(rt.path)
	pieces := g.splitByCommunes(rt.path)
	var ends []routeEnd
	inside := false
	for pi, pc := range pieces {
		if pc.owner == nil {
			if rt.b == nil && inside {
				break // an outbound road stops at the territory edge
			}
			g.stats.DroppedRoadPieces++
			continue
		}
		inside = true
		l := polylineLength(pc.pts)
		if l < minSegment {
			g.stats.DroppedRoadPieces++
			continue
		}
		c := pc.owner
		name := g.routeName(rt, c, pc.from+l/2 < total/2)
		vo := g.voieFor(c, name, voieRoute)
		if c == rt.b && c != rt.a {
			// numbered from the village outwards, as the road enters b
			vo.chains = append(vo.chains, reversed(pc.pts))
		} else {
			vo.chains = append(vo.chains, pc.pts)
		}
		parts := cutPolyline(pc.pts, int(math.Ceil(l/maxSegment)))
		for _, part := range parts {
			g.addSegment(c, part, name, rt.class, "revêtue", rt.width)
			end := part[len(part)-1]
			if dist(end, c.centre) > c.radius+40 {
				c.joints = append(c.joints, end)
			}
		}
		if pi == 0 && !rt.ringStart {
			ends = append(ends, routeEnd{entry: rt.path[0], next: parts[0][len(parts[0])-1], c: c, name: name})
		}
		if pi == len(pieces)-1 && rt.b != nil && !rt.ringEnd {
			lp := parts[len(parts)-1]
			ends = append(ends, routeEnd{entry: rt.path[len(rt.path)-1], next: lp[0], c: c, name: name})
		}
	}
	return ends
}

// slipRoads adds a few slip roads ("bretelles") between two departmental
// roads that leave a village close together at a moderate angle.
func (g *gen) slipRoads(ends []routeEnd, r *rng) {
	made := 0
	usedEntry := map[orb.Point]bool{}
	for i := range ends {
		for j := i + 1; j < len(ends); j++ {
			if made >= 3 {
				return
			}
			e1, e2 := ends[i], ends[j]
			if dist(e1.entry, e2.entry) > 200 || e1.c != e2.c || usedEntry[e1.entry] || usedEntry[e2.entry] || e1.name == e2.name {
				continue
			}
			d1, d2 := unit(sub(e1.next, e1.entry)), unit(sub(e2.next, e2.entry))
			ang := math.Acos(math.Max(-1, math.Min(1, dot(d1, d2))))
			if ang < 35*math.Pi/180 || ang > 115*math.Pi/180 {
				continue
			}
			v1, v2 := e1.next, e2.next
			k := lerp(lerp(v1, v2, 0.5), lerp(e1.entry, e2.entry, 0.5), 0.45)
			var curve []orb.Point
			for s := 0; s <= 10; s++ {
				t := float64(s) / 10
				p := add(add(scale(v1, (1-t)*(1-t)), scale(k, 2*(1-t)*t)), scale(v2, t*t))
				curve = append(curve, p)
			}
			curve[0], curve[10] = v1, v2
			l := polylineLength(curve)
			n := int(math.Ceil(l / maxSegment))
			if l/float64(n) < minSegment || !e1.c.ri.polylineInside(curve) {
				continue
			}
			blocked := false
			for s := 1; s < len(curve) && !blocked; s++ {
				a, b := curve[s-1], curve[s]
				switch s {
				case 1:
					blocked = g.idx.blocked(a, b, v1, true)
				case len(curve) - 1:
					blocked = g.idx.blocked(b, a, v2, true)
				default:
					blocked = g.idx.blocked(a, b, orb.Point{}, false)
				}
			}
			if blocked {
				continue
			}
			usedEntry[e1.entry], usedEntry[e2.entry] = true, true
			name := "Bretelle de la " + e1.name
			w := r.between(4.5, 6)
			for _, part := range cutPolyline(curve, n) {
				g.addSegment(e1.c, part, name, "Bretelle", "revêtue", w)
			}
			made++
		}
	}
}

// ruralOK checks a new country-road or footpath polyline starting at joint:
// inside its commune, away from every village, crossing no road and ending
// clear of the others.
func (g *gen) ruralOK(c *commune, pts []orb.Point) bool {
	if !c.ri.polylineInside(pts) {
		return false
	}
	for _, p := range pts[1:] {
		if c.ri.nearBoundary(p, 10) {
			return false
		}
		for _, k := range g.cs {
			if k.village != nil && dist(p, k.centre) < k.radius+25 {
				return false
			}
		}
	}
	for i := 1; i < len(pts); i++ {
		if g.idx.blocked(pts[i-1], pts[i], pts[0], i == 1) {
			return false
		}
	}
	last := pts[len(pts)-1]
	return !g.idx.near(last, 30) && !g.idx.near(pts[len(pts)/2], 20)
}

// ruralLengths are the segment length bounds of country roads at this scale.
func (g *gen) ruralLengths() (float64, float64) {
	hi := math.Max(150, math.Min(maxSegment, maxSegment*math.Pow(g.cfg.Scale, -0.15)))
	return 0.35 * hi, hi
}

// walk grows a polyline of up to n segments from start, turning gently; each
// segment is checked before it is kept.
func (g *gen) walk(c *commune, start orb.Point, heading float64, n int, lo, hi float64, r *rng) [][]orb.Point {
	var segs [][]orb.Point
	cur, h := start, heading
	for range n {
		ok := false
		for range 5 {
			hh := h + r.between(-0.6, 0.6)
			l := r.between(lo, hi)
			end := add(cur, orb.Point{l * math.Cos(hh), l * math.Sin(hh)})
			mid := add(lerp(cur, end, 0.5), scale(leftNormal(unit(sub(end, cur))), r.between(-0.08, 0.08)*l))
			seg := []orb.Point{cur, mid, end}
			if g.ruralOK(c, seg) {
				segs = append(segs, seg)
				g.idx.addPolyline(seg)
				cur, h, ok = end, hh, true
				break
			}
		}
		if !ok {
			break
		}
	}
	return segs
}

// heading is the direction a new country road takes from p: away from the
// village when it starts at the village's edge, anywhere otherwise.
func heading(c *commune, p orb.Point, r *rng) float64 {
	if dist(p, c.centre) < c.radius+60 {
		d := sub(p, c.centre)
		return math.Atan2(d[1], d[0]) + r.between(-0.7, 0.7)
	}
	return r.between(0, 2*math.Pi)
}

// countryRoads adds about target segments of "Chemin de …" leading from the
// network to farms.
func (g *gen) countryRoads(c *commune, target int) {
	r := g.rng("chemins", c.INSEE)
	lo, hi := g.ruralLengths()
	made := 0
	for attempt := 0; made < target && attempt < 12*target+20 && len(c.joints) > 0; attempt++ {
		start := c.joints[r.intn(len(c.joints))]
		segs := g.walk(c, start, heading(c, start, r), min(1+r.intn(4), target-made), lo, hi, r)
		if len(segs) == 0 {
			continue
		}
		lieu, name := c.names.lieuDit()
		paved := r.chance(0.4)
		class, surface, width := "Chemin", "empierrée", r.between(2.5, 4)
		switch {
		case paved:
			class, surface, width = "Route à 1 chaussée", "revêtue", r.between(3.5, 5)
		case r.chance(0.4):
			surface = "non revêtue"
		}
		vo := g.voieFor(c, name, voieChemin)
		vo.lieu = lieu
		var chain []orb.Point
		for _, s := range segs {
			g.roads = append(g.roads, &roadSeg{pts: s, commune: c, name: name, class: class, surface: surface, width: width})
			if len(chain) == 0 {
				chain = append(chain, s...)
			} else {
				chain = append(chain, s[1:]...)
			}
			c.joints = append(c.joints, s[len(s)-1])
		}
		vo.chains = append(vo.chains, chain)
		c.farms = append(c.farms, chain[len(chain)-1])
		made += len(segs)
	}
}

// footpaths adds about target footpath segments ("Sentier des …") from farms
// and village edges.
func (g *gen) footpaths(c *commune, target int) {
	r := g.rng("sentiers", c.INSEE)
	lo, hi := g.ruralLengths()
	lo, hi = math.Max(minSegment+9, lo*0.6), hi*0.7
	made := 0
	for attempt := 0; made < target && attempt < 12*target+20 && len(c.joints) > 0; attempt++ {
		var start orb.Point
		if len(c.farms) > 0 && r.chance(0.5) {
			start = c.farms[r.intn(len(c.farms))]
		} else {
			start = c.joints[r.intn(len(c.joints))]
		}
		segs := g.walk(c, start, heading(c, start, r), min(1+r.intn(2), target-made), lo, hi, r)
		if len(segs) == 0 {
			continue
		}
		name := c.names.prefixed("Sentier", sentierComplements)
		surface := "non revêtue"
		if r.chance(0.2) {
			surface = "empierrée"
		}
		w := r.between(1, 2)
		for _, s := range segs {
			g.roads = append(g.roads, &roadSeg{pts: s, commune: c, name: name, class: "Sentier", surface: surface, width: w})
		}
		made += len(segs)
	}
}

// voieKey folds apostrophes so that "l'Église" and "l’Église" are one name.
func voieKey(name string) string { return strings.ReplaceAll(name, "’", "'") }
