package zantest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"github.com/socle-geo/socle/internal/zan"
)

// Territory is a generated territory: communes that tile a rectangle, and
// two millésimes of land cover that tile it too.
type Territory struct {
	Communes []zan.Commune
	Parcels  []zan.Parcel // both millésimes, FromYear then ToYear
	Changed  int          // parcels whose artificialisation differs between the two
}

// Config says what to generate.
type Config struct {
	Parcels  int     // per millésime (about)
	Communes int     // about; laid out on a grid
	Change   float64 // share of parcels whose artificialisation changes
	Seed     uint64
}

// Generate makes a realistic territory in memory: parcels of about 0.3 ha
// (OCS GE's mean in peri-urban France) on a jittered mesh whose shared
// edges wiggle, so that parcels are irregular and mostly not convex (4 to 24
// vertices); communes with fractal boundaries of several hundred vertices;
// artificialised land gathered around town centres. The second millésime
// is the first redrawn: every mesh vertex moved by up to 1.5 m and every
// edge wiggled anew, so no boundary coincides between the two; cfg.Change
// of the parcels not artificialised are built on, and a quarter as many of
// the artificialised ones go back to nature. Deterministic for a seed.
func Generate(cfg Config) *Territory {
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5a4e))
	const cellM2 = 3000.0
	area := float64(cfg.Parcels) * cellM2
	W, H := math.Sqrt(area*1.5), math.Sqrt(area/1.5)
	nx := max(1, int(math.Round(math.Sqrt(float64(cfg.Parcels)*1.5))))
	ny := max(1, int(math.Round(float64(cfg.Parcels)/float64(nx))))
	dx, dy := W/float64(nx), H/float64(ny)
	o := orb.Point{540000, 6240000}

	// Mesh vertices, jittered (border vertices only along the border).
	mesh := func(jitter float64) [][]orb.Point {
		v := make([][]orb.Point, nx+1)
		for i := range v {
			v[i] = make([]orb.Point, ny+1)
			for j := range v[i] {
				x, y := float64(i)*dx, float64(j)*dy
				if i > 0 && i < nx {
					x += (rng.Float64() - 0.5) * jitter * dx
				}
				if j > 0 && j < ny {
					y += (rng.Float64() - 0.5) * jitter * dy
				}
				v[i][j] = orb.Point{x, y}
			}
		}
		return v
	}
	base := mesh(0.5)
	moved := make([][]orb.Point, nx+1)
	for i := range moved {
		moved[i] = make([]orb.Point, ny+1)
		for j := range moved[i] {
			p := base[i][j]
			if i > 0 && i < nx {
				p[0] += (rng.Float64() - 0.5) * 3
			}
			if j > 0 && j < ny {
				p[1] += (rng.Float64() - 0.5) * 3
			}
			moved[i][j] = p
		}
	}

	// Town centres, one per commune or so, and the chance of a parcel to
	// be artificialised at a point.
	type town struct{ x, y, r float64 }
	towns := make([]town, max(1, cfg.Communes))
	for i := range towns {
		towns[i] = town{rng.Float64() * W, rng.Float64() * H, 250 + rng.Float64()*550}
	}
	urban := func(x, y float64) float64 {
		p := 0.05
		for _, t := range towns {
			d2 := (x-t.x)*(x-t.x) + (y-t.y)*(y-t.y)
			p += 0.9 * math.Exp(-d2/(2*t.r*t.r))
		}
		return min(p, 0.95)
	}
	artCodes := [][2]string{{"CS1.1.1.1", "US5"}, {"CS1.1.1.2", "US4.1.1"}, {"CS1.1.2.1", "US235"}, {"CS2.2.1.2", "US5"}, {"CS1.1.1.1", "US2"}}
	natCodes := [][2]string{{"CS2.2.1.4", "US1.1"}, {"CS2.2.1.1", "US1.1"}, {"CS2.1.1.1", "US1.2"}, {"CS2.1.2", "US6.3"}, {"CS1.2.2", "US1.4"}}

	t := &Territory{}
	years := [2]int{FromYear, ToYear}
	// Edges: horizontal edge (i,j)-(i+1,j) and vertical (i,j)-(i,j+1), each
	// with its own wiggle, drawn once per millésime and shared by the two
	// parcels on either side.
	for side, v := range [2][][]orb.Point{base, moved} {
		hEdge := make([][][]orb.Point, nx)
		for i := range hEdge {
			hEdge[i] = make([][]orb.Point, ny+1)
			for j := range hEdge[i] {
				hEdge[i][j] = wiggle(rng, v[i][j], v[i+1][j], j == 0 || j == ny)
			}
		}
		vEdge := make([][][]orb.Point, nx+1)
		for i := range vEdge {
			vEdge[i] = make([][]orb.Point, ny)
			for j := range vEdge[i] {
				vEdge[i][j] = wiggle(rng, v[i][j], v[i][j+1], i == 0 || i == nx)
			}
		}
		crng := rand.New(rand.NewPCG(cfg.Seed, 0xc0de)) // the same draws for both millésimes
		for i := range nx {
			for j := range ny {
				var r orb.Ring
				r = append(r, hEdge[i][j]...)                      // bottom, west to east
				r = append(r, vEdge[i+1][j]...)                    // east, south to north
				r = append(r, back(hEdge[i][j+1], v[i+1][j+1])...) // top, east to west
				r = append(r, back(vEdge[i][j], v[i][j+1])...)     // west, north to south
				r = append(r, r[0])
				for k := range r {
					r[k] = orb.Point{o[0] + r[k][0], o[1] + r[k][1]}
				}
				cx, cy := (float64(i)+0.5)*dx, (float64(j)+0.5)*dy
				art := crng.Float64() < urban(cx, cy)
				// Farmland is built on; a quarter as often, built land
				// goes back to nature.
				chance := cfg.Change
				if art {
					chance /= 4
				}
				flip := crng.Float64() < chance
				pick := crng.IntN(5)
				if flip && side == 1 {
					art = !art
					t.Changed++
				}
				codes := natCodes[pick]
				if art {
					codes = artCodes[pick]
				}
				id := int64(side*nx*ny + i*ny + j + 1)
				t.Parcels = append(t.Parcels, zan.Parcel{ID: id, Year: years[side], CodeCS: codes[0], CodeUS: codes[1], Geom: orb.Polygon{r}})
			}
		}
	}
	t.Communes = communes(rng, cfg.Communes, W, H, o)
	return t
}

// wiggle returns the points of the edge a→b without b: a, then 0 to 4
// points displaced sideways by up to 12 % of its length (none on the
// territory's border, which stays straight).
func wiggle(rng *rand.Rand, a, b orb.Point, border bool) []orb.Point {
	out := []orb.Point{a}
	if border {
		return out
	}
	n := rng.IntN(5)
	dx, dy := b[0]-a[0], b[1]-a[1]
	for k := 1; k <= n; k++ {
		f := float64(k) / float64(n+1)
		s := (rng.Float64() - 0.5) * 0.24
		out = append(out, orb.Point{a[0] + f*dx - s*dy, a[1] + f*dy + s*dx})
	}
	return out
}

// back returns an edge drawn the other way: its end, then its inner points
// in reverse order (its start is the next edge's first point).
func back(pts []orb.Point, end orb.Point) []orb.Point {
	out := []orb.Point{end}
	for k := len(pts) - 1; k >= 1; k-- {
		out = append(out, pts[k])
	}
	return out
}

// communes lays about n communes on a grid over W×H, with shared fractal
// boundaries (midpoint displacement down to 25 m) and straight outer edges.
func communes(rng *rand.Rand, n int, W, H float64, o orb.Point) []zan.Commune {
	cx := max(1, int(math.Round(math.Sqrt(float64(n)*W/H))))
	cy := max(1, int(math.Round(float64(n)/float64(cx))))
	corner := make([][]orb.Point, cx+1)
	for i := range corner {
		corner[i] = make([]orb.Point, cy+1)
		for j := range corner[i] {
			x, y := W*float64(i)/float64(cx), H*float64(j)/float64(cy)
			if i > 0 && i < cx {
				x += (rng.Float64() - 0.5) * 0.3 * W / float64(cx)
			}
			if j > 0 && j < cy {
				y += (rng.Float64() - 0.5) * 0.3 * H / float64(cy)
			}
			corner[i][j] = orb.Point{x, y}
		}
	}
	frac := func(a, b orb.Point, border bool) []orb.Point {
		pts := []orb.Point{a, b}
		if border {
			return pts[:1]
		}
		for {
			l := math.Hypot(pts[1][0]-pts[0][0], pts[1][1]-pts[0][1])
			if l < 25 {
				break
			}
			next := []orb.Point{pts[0]}
			for k := 1; k < len(pts); k++ {
				p, q := pts[k-1], pts[k]
				s := (rng.Float64() - 0.5) * 0.2
				m := orb.Point{(p[0]+q[0])/2 - s*(q[1]-p[1]), (p[1]+q[1])/2 + s*(q[0]-p[0])}
				next = append(next, m, q)
			}
			pts = next
		}
		return pts[:len(pts)-1]
	}
	hE := make([][][]orb.Point, cx)
	for i := range hE {
		hE[i] = make([][]orb.Point, cy+1)
		for j := range hE[i] {
			hE[i][j] = frac(corner[i][j], corner[i+1][j], j == 0 || j == cy)
		}
	}
	vE := make([][][]orb.Point, cx+1)
	for i := range vE {
		vE[i] = make([][]orb.Point, cy)
		for j := range vE[i] {
			vE[i][j] = frac(corner[i][j], corner[i][j+1], i == 0 || i == cx)
		}
	}
	var out []zan.Commune
	for i := range cx {
		for j := range cy {
			var r orb.Ring
			r = append(r, hE[i][j]...)
			r = append(r, vE[i+1][j]...)
			r = append(r, back(hE[i][j+1], corner[i+1][j+1])...)
			r = append(r, back(vE[i][j], corner[i][j+1])...)
			r = append(r, r[0])
			for k := range r {
				r[k] = orb.Point{o[0] + r[k][0], o[1] + r[k][1]}
			}
			insee := fmt.Sprintf("31%03d", 100+len(out))
			out = append(out, zan.Commune{INSEE: insee, Name: "Commune " + insee, Geom: orb.MultiPolygon{{r}}})
		}
	}
	return out
}

// ChangeLayer derives the change layer of a territory as an observatory
// would publish it: every overlap of a parcel of the first millésime and
// one of the second whose artificialisation differs, with the codes of
// both. Parcels are expected valid (Generate's are).
func ChangeLayer(t *Territory, m *zan.Matrix) ([]zan.Change, error) {
	var first, second []zan.Parcel
	for _, p := range t.Parcels {
		if p.Year == FromYear {
			first = append(first, p)
		} else {
			second = append(second, p)
		}
	}
	var tree rtree.RTreeG[int]
	for i, p := range first {
		b := p.Geom.Bound()
		tree.Insert(b.Min, b.Max, i)
	}
	art := func(p zan.Parcel) (bool, error) { return m.Artificialised(p.CodeCS, p.CodeUS) }
	var out []zan.Change
	for _, q := range second {
		a2, err := art(q)
		if err != nil {
			return nil, err
		}
		b := q.Geom.Bound()
		var ferr error
		tree.Search(b.Min, b.Max, func(_, _ [2]float64, i int) bool {
			p := first[i]
			a1, err := art(p)
			if err != nil {
				ferr = err
				return false
			}
			if a1 == a2 {
				return true
			}
			g, err := zan.Intersection(p.Geom, q.Geom)
			if err != nil {
				ferr = err
				return false
			}
			if len(g) > 0 {
				out = append(out, zan.Change{ID: int64(len(out) + 1), FromCS: p.CodeCS, FromUS: p.CodeUS, ToCS: q.CodeCS, ToUS: q.CodeUS, Geom: g})
			}
			return true
		})
		if ferr != nil {
			return nil, ferr
		}
	}
	return out, nil
}
