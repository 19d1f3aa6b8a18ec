package territory

import (
	"container/heap"
	"math"
	"sort"
	"strconv"

	"github.com/paulmach/orb"
)

// village is a rotated, jittered street grid around a commune's centre. Its
// streets are the lattice edges taken by growing outwards from the centre, so
// the village is connected and roughly round, clipped by the commune.
type village struct {
	c          *commune
	sp, theta  float64
	a0, b0     int // lattice index of the first node
	na, nb     int
	pos        []orb.Point
	inside     []bool
	taken      []bool // per edge: node*2 + dir (0: towards a+1, 1: towards b+1)
	deg        []int8
	centreNode int
	order      []int // taken nodes, in growth order
	edges      int
}

func (v *village) node(a, b int) int {
	if a < v.a0 || b < v.b0 || a >= v.a0+v.na || b >= v.b0+v.nb {
		return -1
	}
	return (b-v.b0)*v.na + (a - v.a0)
}

func (v *village) ab(n int) (int, int) { return v.a0 + n%v.na, v.b0 + n/v.na }

// neighbour returns the node across edge dir (0..3: +a, +b, -a, -b) and the
// edge id.
func (v *village) neighbour(n, dir int) (int, int) {
	a, b := v.ab(n)
	switch dir {
	case 0:
		m := v.node(a+1, b)
		return m, n * 2
	case 1:
		m := v.node(a, b+1)
		return m, n*2 + 1
	case 2:
		m := v.node(a-1, b)
		if m < 0 {
			return -1, -1
		}
		return m, m * 2
	default:
		m := v.node(a, b-1)
		if m < 0 {
			return -1, -1
		}
		return m, m*2 + 1
	}
}

func newVillage(c *commune, sp, theta float64, seed uint64, attempt int) *village {
	u := orb.Point{math.Cos(theta), math.Sin(theta)}
	w := leftNormal(u)
	lo, hi := orb.Point{math.Inf(1), math.Inf(1)}, orb.Point{math.Inf(-1), math.Inf(-1)}
	for _, p := range c.ring {
		d := sub(p, c.centre)
		q := orb.Point{dot(d, u) / sp, dot(d, w) / sp}
		lo = orb.Point{math.Min(lo[0], q[0]), math.Min(lo[1], q[1])}
		hi = orb.Point{math.Max(hi[0], q[0]), math.Max(hi[1], q[1])}
	}
	v := &village{c: c, sp: sp, theta: theta}
	v.a0, v.b0 = int(math.Floor(lo[0]))-1, int(math.Floor(lo[1]))-1
	v.na, v.nb = int(math.Ceil(hi[0]))+2-v.a0, int(math.Ceil(hi[1]))+2-v.b0
	n := v.na * v.nb
	v.pos = make([]orb.Point, n)
	v.inside = make([]bool, n)
	v.taken = make([]bool, 2*n)
	v.deg = make([]int8, n)
	code, _ := strconv.ParseInt(c.INSEE, 36, 64)
	best, bestD := -1, math.Inf(1)
	for i := range n {
		a, b := v.ab(i)
		ja := (hashUnit(seed, code, int64(a), int64(b), int64(2*attempt)) - 0.5) * 0.24
		jb := (hashUnit(seed, code, int64(a), int64(b), int64(2*attempt+1)) - 0.5) * 0.24
		p := add(c.centre, add(scale(u, (float64(a)+ja)*sp), scale(w, (float64(b)+jb)*sp)))
		v.pos[i] = p
		v.inside[i] = c.ri.contains(p) && !c.ri.nearBoundary(p, 8)
		if v.inside[i] && dist(p, c.centre) < bestD {
			best, bestD = i, dist(p, c.centre)
		}
	}
	v.centreNode = best
	return v
}

// edgeHeap orders candidate edges by their farthest end from the centre.
type edgeHeap []edgeCand

type edgeCand struct {
	key  float64
	id   int
	from int
	to   int
}

func (h edgeHeap) Len() int { return len(h) }
func (h edgeHeap) Less(i, j int) bool {
	if h[i].key != h[j].key {
		return h[i].key < h[j].key
	}
	return h[i].id < h[j].id
}
func (h edgeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *edgeHeap) Push(x any)   { *h = append(*h, x.(edgeCand)) }
func (h *edgeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// grow takes up to budget edges, nearest first, keeping the taken set
// connected to the centre node (Prim's order on the distance key).
func (v *village) grow(budget int) int {
	if v.centreNode < 0 {
		return 0
	}
	c := v.c
	seen := make([]bool, len(v.pos))
	seen[v.centreNode] = true
	v.order = append(v.order[:0], v.centreNode)
	h := &edgeHeap{}
	push := func(n int) {
		for dir := range 4 {
			m, id := v.neighbour(n, dir)
			if m < 0 || !v.inside[m] || v.taken[id] {
				continue
			}
			key := math.Max(dist(v.pos[n], c.centre), dist(v.pos[m], c.centre))
			heap.Push(h, edgeCand{key: key, id: id, from: n, to: m})
		}
	}
	push(v.centreNode)
	for v.edges < budget && h.Len() > 0 {
		e := heap.Pop(h).(edgeCand)
		if v.taken[e.id] {
			continue
		}
		if c.ri.crosses(v.pos[e.from], v.pos[e.to]) {
			continue
		}
		v.taken[e.id] = true
		v.edges++
		v.deg[e.from]++
		v.deg[e.to]++
		if !seen[e.to] {
			seen[e.to] = true
			v.order = append(v.order, e.to)
			push(e.to)
		}
	}
	return v.edges
}

// entries lists up to k taken nodes farthest out in direction d, near the
// axis, best first: where a departmental road may leave the village.
func (v *village) entries(d orb.Point, k int) []orb.Point {
	type cand struct {
		n int
		s float64
	}
	var cs []cand
	for _, n := range v.order {
		r := sub(v.pos[n], v.c.centre)
		cs = append(cs, cand{n, dot(r, d) - 0.6*math.Abs(r[0]*d[1]-r[1]*d[0])})
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].s > cs[j].s })
	var out []orb.Point
	for _, c := range cs[:min(k, len(cs))] {
		out = append(out, v.pos[c.n])
	}
	return out
}

// buildVillage lays the village street grid of c with about budget segments
// (88 % grid edges, the rest dead ends added later).
func (g *gen) buildVillage(c *commune, budget int) int {
	r := g.rng("village", c.INSEE)
	base := g.spacing() * r.between(0.92, 1.08)
	theta := r.float() * math.Pi / 2
	gridBudget := budget
	if budget >= 8 {
		gridBudget = int(math.Round(float64(budget) * 0.88))
	}
	var v *village
	for attempt := 0; ; attempt++ {
		sp := math.Max(minSpacing, base*math.Pow(0.87, float64(attempt)))
		v = newVillage(c, sp, theta, g.cfg.Seed, attempt)
		n := v.grow(gridBudget)
		if n*100 >= gridBudget*97 || sp == minSpacing {
			break
		}
	}
	c.village = v
	c.radius = v.sp / 2
	for _, n := range v.order {
		c.radius = math.Max(c.radius, dist(v.pos[n], c.centre))
	}
	return budget - v.edges
}

// villageStreets turns the taken lattice edges into named streets: maximal
// runs along each lattice line, cut into streets of a few blocks.
func (g *gen) villageStreets(c *commune) {
	v := c.village
	r := g.rng("streets", c.INSEE)
	for dir := range 2 {
		lines, along := v.nb, v.na
		if dir == 1 {
			lines, along = v.na, v.nb
		}
		for l := range lines {
			var run []int // nodes
			flush := func() {
				if len(run) >= 2 {
					g.cutStreets(c, run, r)
				}
				run = run[:0]
			}
			for k := range along {
				var n int
				if dir == 0 {
					n = l*v.na + k
				} else {
					n = k*v.na + l
				}
				if v.taken[n*2+dir] {
					if len(run) == 0 {
						run = append(run, n)
					}
					m, _ := v.neighbour(n, dir)
					run = append(run, m)
				} else {
					flush()
				}
			}
			flush()
		}
	}
	for _, n := range v.order {
		if v.deg[n] < 4 {
			c.joints = append(c.joints, v.pos[n])
		}
	}
}

// cutStreets splits a run of lattice nodes into streets of 3–8 blocks.
func (g *gen) cutStreets(c *commune, run []int, r *rng) {
	v := c.village
	for len(run) > 1 {
		k := 3 + r.intn(6)
		if len(run)-1-k < 2 {
			k = len(run) - 1
		}
		part := run[:k+1]
		run = run[k:]
		name := c.names.street(false)
		vo := g.voieFor(c, name, voieStreet)
		chain := make([]orb.Point, len(part))
		for i, n := range part {
			chain[i] = v.pos[n]
		}
		vo.chains = append(vo.chains, chain)
		width := r.between(4, 7.5)
		if isWide(name) {
			width = r.between(8, 12)
		}
		for i := 1; i < len(chain); i++ {
			g.addSegment(c, []orb.Point{chain[i-1], chain[i]}, name, "Route à 1 chaussée", "revêtue", width)
		}
	}
}

func isWide(name string) bool {
	for _, p := range []string{"Avenue ", "Boulevard ", "Cours "} {
		if len(name) > len(p) && name[:len(p)] == p {
			return true
		}
	}
	return false
}

// deadEnds adds up to n one-segment dead ends (impasses) from village nodes
// into empty blocks, at most one per block.
func (g *gen) deadEnds(c *commune, n int) {
	v := c.village
	if n <= 0 || v == nil {
		return
	}
	r := g.rng("deadends", c.INSEE)
	nodes := append([]int(nil), v.order...)
	r.shuffle(len(nodes), func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
	used := map[[2]int]bool{}
	quads := [4][2]int{{1, 1}, {-1, 1}, {-1, -1}, {1, -1}}
	made := 0
	for _, nd := range nodes {
		if made >= n {
			break
		}
		a, b := v.ab(nd)
		q0 := r.intn(4)
		for k := range 4 {
			q := quads[(q0+k)%4]
			opp := v.node(a+q[0], b+q[1])
			if opp < 0 {
				continue
			}
			cell := [2]int{min(a, a+q[0]), min(b, b+q[1])}
			if used[cell] {
				continue
			}
			start := v.pos[nd]
			vec := sub(v.pos[opp], start)
			l := math.Max(minSegment, 0.55*norm(vec))
			if l > 0.7*norm(vec) {
				continue
			}
			end := add(start, scale(unit(vec), l))
			seg := []orb.Point{start, end}
			if !c.ri.polylineInside(seg) || c.ri.nearBoundary(end, 8) ||
				g.idx.blocked(start, end, start, true) || g.idx.near(end, 10) {
				continue
			}
			used[cell] = true
			name := c.names.street(true)
			vo := g.voieFor(c, name, voieDeadEnd)
			vo.chains = append(vo.chains, seg)
			g.addSegment(c, seg, name, "Route à 1 chaussée", "revêtue", r.between(3.5, 5))
			made++
			break
		}
	}
}
