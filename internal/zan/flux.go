package zan

import (
	"cmp"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
	"github.com/tidwall/rtree"
)

// Commune is a commune as the flux is computed for it.
type Commune struct {
	INSEE string
	Name  string
	// Geom is an orb.Polygon or orb.MultiPolygon in the territory's
	// projected CRS, in metres (Lambert-93, EPSG:2154).
	Geom orb.Geometry
}

// Flag says whether a parcel is artificialised when its layer says so
// already; FlagFromCodes (the zero value) lets the matrix decide.
type Flag int8

const (
	FlagFromCodes         Flag = iota // the matrix decides from the cover and use codes
	FlagArtificialised                // artificialised, whatever the codes
	FlagNotArtificialised             // not artificialised, whatever the codes
)

// Parcel is a land-cover polygon of one millésime.
type Parcel struct {
	ID     int64 // named in errors
	Year   int   // the millésime
	CodeCS string
	CodeUS string
	Flag   Flag
	Geom   orb.Geometry // Polygon or MultiPolygon, same CRS as the communes
}

// Change is a polygon of a change layer (what changed between two
// millésimes, with the codes at both dates, as observatories publish it).
type Change struct {
	ID               int64
	FromCS, FromUS   string
	ToCS, ToUS       string
	FromFlag, ToFlag Flag
	Geom             orb.Geometry
}

// Flux is what changed in one commune (or, for Result.Total, in all of
// them) between two millésimes. Areas are in hectares.
type Flux struct {
	INSEE    string // "" for the total
	Name     string
	FromYear int
	ToYear   int
	AreaHa   float64 // the commune's area

	ArtificialisedHa   float64 // not artificialised at FromYear, artificialised at ToYear
	DeartificialisedHa float64 // artificialised at FromYear, not at ToYear
	NetHa              float64 // ArtificialisedHa − DeartificialisedHa

	// HasStock is false when the flux comes from a change layer, which
	// says nothing of what did not change: the stock fields are then 0.
	HasStock       bool
	StockFromHa    float64 // artificialised at FromYear
	StockToHa      float64 // artificialised at ToYear
	StockFromShare float64 // StockFromHa / AreaHa, from 0 to 1
	StockToShare   float64
}

// Source says what a Result was computed from.
const (
	SourceMillesimes = "ocsge-millesimes" // two full millésimes overlaid
	SourceChanges    = "ocsge-changes"    // a change layer
)

// Result is the flux of every commune and of all of them together (the
// EPCI) between two millésimes.
type Result struct {
	FromYear, ToYear int
	Source           string
	MatrixVersion    string
	Communes         []Flux // in INSEE order
	Total            Flux

	// Parcels counts the parcels (or change polygons) of the two dates
	// read; Repaired those whose geometry was not valid and was repaired
	// (MakeValid); Retried the overlays retried on a 1 mm grid.
	Parcels, Repaired, Retried int
}

// NoFluxError says there is no pair of millésimes to compare: Years lists
// the millésimes found (none or one, or the two asked for are the same).
// errors.Is(err, ErrNoFlux) holds for it.
type NoFluxError struct{ Years []int }

// ErrNoFlux is matched by every NoFluxError.
var ErrNoFlux = errors.New("zan: no flux: fewer than two millésimes")

func (e *NoFluxError) Error() string {
	return fmt.Sprintf("zan: no flux: needs two millésimes, found %v", e.Years)
}

func (e *NoFluxError) Is(target error) bool { return target == ErrNoFlux }

// Options tune a computation; the zero value is the official matrix on
// every processor.
type Options struct {
	Matrix  *Matrix // nil: DefaultMatrix
	Workers int     // 0: runtime.GOMAXPROCS
}

func (o Options) matrix() *Matrix {
	if o.Matrix != nil {
		return o.Matrix
	}
	return DefaultMatrix()
}

func (o Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Years returns the distinct millésimes of parcels, in order.
func Years(parcels []Parcel) []int {
	seen := map[int]bool{}
	var ys []int
	for _, p := range parcels {
		if !seen[p.Year] {
			seen[p.Year] = true
			ys = append(ys, p.Year)
		}
	}
	slices.Sort(ys)
	return ys
}

// ComputeFluxes computes the flux between each pair of consecutive
// millésimes found in parcels. With fewer than two it returns a
// *NoFluxError (errors.Is(err, ErrNoFlux)), never zeros.
func ComputeFluxes(communes []Commune, parcels []Parcel, opts Options) ([]*Result, error) {
	ys := Years(parcels)
	if len(ys) < 2 {
		return nil, &NoFluxError{Years: ys}
	}
	out := make([]*Result, 0, len(ys)-1)
	for i := 1; i < len(ys); i++ {
		r, err := ComputeFlux(communes, parcels, ys[i-1], ys[i], opts)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// ComputeFlux overlays the parcels of millésimes from and to (other years
// are ignored) and returns, per commune and in all, the hectares that
// became artificialised, that stopped being so, and the artificialised stock
// at each date. Parcels and communes are made valid first (MakeValid) and
// clipped to the communes. Each millésime is taken as the union of its
// artificialised parcels, so parcels of one millésime that overlap are not
// counted twice. When either millésime has no parcel it returns a
// *NoFluxError.
func ComputeFlux(communes []Commune, parcels []Parcel, from, to int, opts Options) (*Result, error) {
	var n [2]int
	for _, p := range parcels {
		switch p.Year {
		case from:
			n[0]++
		case to:
			n[1]++
		}
	}
	if from == to || n[0] == 0 || n[1] == 0 {
		return nil, &NoFluxError{Years: Years(parcels)}
	}
	m := opts.matrix()
	var items []item
	for i := range parcels {
		p := &parcels[i]
		side := -1
		switch p.Year {
		case from:
			side = 0
		case to:
			side = 1
		default:
			continue
		}
		art, err := classify(m, p.Flag, p.CodeCS, p.CodeUS)
		if err != nil {
			return nil, fmt.Errorf("zan: parcel %d (%d): %w", p.ID, p.Year, err)
		}
		if art {
			items = append(items, item{id: p.ID, side: side, g: p.Geom})
		}
	}
	res := &Result{FromYear: from, ToYear: to, Source: SourceMillesimes, MatrixVersion: m.Version(), Parcels: n[0] + n[1]}
	if err := compute(res, communes, items, opts.workers(), true); err != nil {
		return nil, err
	}
	return res, nil
}

// ComputeChangeFlux computes the flux from a change layer: the hectares of
// change polygons artificialised at to and not at from, and the reverse,
// clipped to the communes. For the areas that changed it gives what
// ComputeFlux gives from the two full millésimes; the stock is unknown
// (Flux.HasStock false). from and to only label the result.
func ComputeChangeFlux(communes []Commune, changes []Change, from, to int, opts Options) (*Result, error) {
	if from == to {
		return nil, &NoFluxError{Years: []int{from}}
	}
	m := opts.matrix()
	var items []item
	for i := range changes {
		c := &changes[i]
		a1, err := classify(m, c.FromFlag, c.FromCS, c.FromUS)
		if err != nil {
			return nil, fmt.Errorf("zan: change %d (%d): %w", c.ID, from, err)
		}
		a2, err := classify(m, c.ToFlag, c.ToCS, c.ToUS)
		if err != nil {
			return nil, fmt.Errorf("zan: change %d (%d): %w", c.ID, to, err)
		}
		switch {
		case a1 && !a2:
			items = append(items, item{id: c.ID, side: 0, g: c.Geom})
		case !a1 && a2:
			items = append(items, item{id: c.ID, side: 1, g: c.Geom})
		}
	}
	res := &Result{FromYear: from, ToYear: to, Source: SourceChanges, MatrixVersion: m.Version(), Parcels: len(changes)}
	if err := compute(res, communes, items, opts.workers(), false); err != nil {
		return nil, err
	}
	return res, nil
}

func classify(m *Matrix, f Flag, cs, us string) (bool, error) {
	switch f {
	case FlagArtificialised:
		return true, nil
	case FlagNotArtificialised:
		return false, nil
	case FlagFromCodes:
		return m.Artificialised(cs, us)
	}
	return false, fmt.Errorf("zan: unknown flag %d", f)
}

// item is an artificialised polygon of one side: for millésimes, side 0
// is the first date and side 1 the second; for a change layer, side 0 is
// what stopped being artificialised and side 1 what became so (Areas).
type item struct {
	id   int64
	side int
	g    orb.Geometry
	s    geom.Geometry
	env  geom.Envelope
}

// piece is a part of a commune small enough to overlay quickly: communes
// are cut into pieces (cells of at most pieceSide metres, rings of at most
// pieceVertices vertices) as ST_Subdivide does, so that an overlay never
// carries a whole commune boundary, and pieces are computed in parallel.
type piece struct {
	commune int
	g       geom.Geometry
	env     geom.Envelope
	rect    bool     // g is exactly env
	items   [2][]int // indexes in the items of each side whose envelope meets env
}

const (
	pieceSide     = 400.0 // metres
	pieceVertices = 256
)

// pieceResult is what a piece contributes: for millésimes the area of the
// union of each side clipped to the piece and of their intersection; for a
// change layer, the areas of each side.
type pieceResult struct {
	area  [2]float64
	inter float64
}

func compute(res *Result, communes []Commune, items []item, workers int, millesimes bool) error {
	// Communes, valid and cut into pieces.
	order := make([]int, len(communes))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(communes[a].INSEE, communes[b].INSEE) })
	areas := make([]float64, len(communes))
	var pieces []*piece
	for k, ci := range order {
		c := communes[ci]
		if k > 0 && communes[order[k-1]].INSEE == c.INSEE {
			return fmt.Errorf("zan: commune %s given twice", c.INSEE)
		}
		g, _, err := makeValid(c.Geom)
		if err != nil {
			return fmt.Errorf("zan: commune %s: %w", c.INSEE, err)
		}
		areas[k] = g.Area()
		err = subdivide(g, func(p geom.Geometry, rect bool) {
			pieces = append(pieces, &piece{commune: k, g: p, env: p.Envelope(), rect: rect})
		})
		if err != nil {
			return fmt.Errorf("zan: commune %s: %w", c.INSEE, err)
		}
	}
	var tree rtree.RTreeG[int]
	for i, p := range pieces {
		lo, hi, _ := p.env.MinMaxXYs()
		tree.Insert([2]float64{lo.X, lo.Y}, [2]float64{hi.X, hi.Y}, i)
	}

	// Items, valid, in parallel; then each given to the pieces it may meet.
	var repaired, retried atomic.Int64
	err := parallel(len(items), workers, func(i int) error {
		it := &items[i]
		s, rep, err := makeValid(it.g)
		if err != nil {
			return fmt.Errorf("zan: polygon %d: %w", it.id, err)
		}
		if rep {
			repaired.Add(1)
		}
		it.s, it.env = s, s.Envelope()
		return nil
	})
	if err != nil {
		return err
	}
	for i := range items {
		it := &items[i]
		lo, hi, ok := it.env.MinMaxXYs()
		if !ok {
			continue
		}
		tree.Search([2]float64{lo.X, lo.Y}, [2]float64{hi.X, hi.Y}, func(_, _ [2]float64, pi int) bool {
			p := pieces[pi]
			p.items[it.side] = append(p.items[it.side], i)
			return true
		})
	}

	// Pieces, in parallel, largest first so that no worker is left with a
	// big one at the end; each result kept in its slot so that sums are
	// made in one fixed order (the figures do not depend on scheduling).
	results := make([]pieceResult, len(pieces))
	byWork := make([]int, len(pieces))
	for i := range byWork {
		byWork[i] = i
	}
	work := func(p *piece) int { return len(p.items[0]) + len(p.items[1]) }
	slices.SortStableFunc(byWork, func(a, b int) int { return cmp.Compare(work(pieces[b]), work(pieces[a])) })
	err = parallel(len(pieces), workers, func(k int) error {
		i := byWork[k]
		r, n, err := computePiece(pieces[i], items, millesimes)
		if err != nil {
			return fmt.Errorf("zan: commune %s: %w", communes[order[pieces[i].commune]].INSEE, err)
		}
		retried.Add(int64(n))
		results[i] = r
		pieces[i].items = [2][]int{} // done with
		return nil
	})
	if err != nil {
		return err
	}

	// Sums per commune, then the figures.
	sums := make([]Areas, len(communes))
	for k, ci := range order {
		sums[k] = Areas{INSEE: communes[ci].INSEE, Name: communes[ci].Name, AreaM2: areas[k]}
	}
	for i, p := range pieces {
		s := &sums[p.commune]
		s.FromM2 += results[i].area[0]
		s.ToM2 += results[i].area[1]
		s.BothM2 += results[i].inter
	}
	res.fill(sums, millesimes)
	res.Repaired, res.Retried = int(repaired.Load()), int(retried.Load())
	return nil
}

// Areas is what an overlay measured in one commune, in m²: for two
// millésimes, the artificialised land at the first date (FromM2), at the
// second (ToM2) and at both (BothM2); for a change layer, what became
// artificialised (ToM2) and what stopped being so (FromM2), BothM2 unused.
// The PostGIS twin measures these in SQL and makes its Result with
// NewResult, so that the figures follow from them by one rule.
type Areas struct {
	INSEE, Name string
	AreaM2      float64
	FromM2      float64
	ToM2        float64
	BothM2      float64
}

// NewResult makes the Result of two millésimes (source SourceMillesimes)
// or of a change layer (SourceChanges) from per-commune areas measured
// elsewhere; communes are put in INSEE order.
func NewResult(from, to int, source, matrixVersion string, areas []Areas) *Result {
	res := &Result{FromYear: from, ToYear: to, Source: source, MatrixVersion: matrixVersion}
	sorted := slices.Clone(areas)
	slices.SortFunc(sorted, func(a, b Areas) int { return cmp.Compare(a.INSEE, b.INSEE) })
	res.fill(sorted, source != SourceChanges)
	return res
}

// fill sets the communes' and the total's figures from their areas.
func (res *Result) fill(areas []Areas, millesimes bool) {
	var t Areas
	res.Communes = make([]Flux, 0, len(areas))
	for _, a := range areas {
		res.Communes = append(res.Communes, flux(a, res.FromYear, res.ToYear, millesimes))
		t.AreaM2 += a.AreaM2
		t.FromM2 += a.FromM2
		t.ToM2 += a.ToM2
		t.BothM2 += a.BothM2
	}
	res.Total = flux(t, res.FromYear, res.ToYear, millesimes)
}

func flux(a Areas, from, to int, millesimes bool) Flux {
	const ha = 10000.0
	f := Flux{INSEE: a.INSEE, Name: a.Name, FromYear: from, ToYear: to, AreaHa: a.AreaM2 / ha}
	if millesimes {
		f.HasStock = true
		f.StockFromHa, f.StockToHa = a.FromM2/ha, a.ToM2/ha
		// area(A2 \ A1) = area(A2) − area(A1 ∩ A2), and the reverse; a
		// difference of rounded sums may come out a hair below zero.
		f.ArtificialisedHa = max(0, (a.ToM2-a.BothM2)/ha)
		f.DeartificialisedHa = max(0, (a.FromM2-a.BothM2)/ha)
		if a.AreaM2 > 0 {
			f.StockFromShare, f.StockToShare = a.FromM2/a.AreaM2, a.ToM2/a.AreaM2
		}
	} else {
		f.ArtificialisedHa, f.DeartificialisedHa = a.ToM2/ha, a.FromM2/ha
	}
	f.NetHa = f.ArtificialisedHa - f.DeartificialisedHa
	return f
}

// computePiece clips each side's union to the piece and, for millésimes,
// intersects the two; it returns the areas and the number of overlays
// retried on the snapping grid.
func computePiece(p *piece, items []item, millesimes bool) (pieceResult, int, error) {
	var r pieceResult
	var x [2]geom.Geometry
	retried := 0
	for side := range 2 {
		g, n, err := clipUnion(p, items, p.items[side])
		if err != nil {
			return r, 0, err
		}
		retried += n
		x[side] = g
		r.area[side] = g.Area()
	}
	if millesimes && r.area[0] > 0 && r.area[1] > 0 && x[0].Envelope().Intersects(x[1].Envelope()) {
		g, again, err := overlay(geom.Intersection, x[0], x[1])
		if err != nil {
			return r, 0, err
		}
		if again {
			retried++
		}
		r.inter = g.Area()
	}
	return r, retried, nil
}

// clipUnion is the union of the items idx, clipped to the piece.
func clipUnion(p *piece, items []item, idx []int) (geom.Geometry, int, error) {
	if len(idx) == 0 {
		return geom.Geometry{}, 0, nil
	}
	inside := p.rect
	gs := make([]geom.Geometry, len(idx))
	for k, i := range idx {
		gs[k] = items[i].s
		inside = inside && p.env.Covers(items[i].env)
	}
	if inside && len(gs) == 1 {
		return gs[0], 0, nil // valid already, and within the piece
	}
	all := geom.NewGeometryCollection(gs).AsGeometry()
	if inside {
		g, err := geom.UnaryUnion(all)
		if err == nil {
			return polygonal(g), 0, nil
		}
		// Retried below, through the clipping overlay and its fallback.
	}
	g, again, err := overlay(geom.Intersection, all, p.g)
	n := 0
	if again {
		n = 1
	}
	return g, n, err
}

// subdivide cuts g (valid, polygonal) into pieces of at most pieceSide
// metres a side and pieceVertices vertices, calling emit for each non-empty
// one; rect tells that a piece is exactly its envelope.
func subdivide(g geom.Geometry, emit func(p geom.Geometry, rect bool)) error {
	if g.IsEmpty() {
		return nil
	}
	env := g.Envelope()
	lo, hi, _ := env.MinMaxXYs()
	w, h := hi.X-lo.X, hi.Y-lo.Y
	if w <= 0 || h <= 0 {
		return nil
	}
	if isRect(g, env) {
		nx, ny := cells(w), cells(h)
		for i := range nx {
			for j := range ny {
				a := geom.XY{X: lo.X + w*float64(i)/float64(nx), Y: lo.Y + h*float64(j)/float64(ny)}
				b := geom.XY{X: lo.X + w*float64(i+1)/float64(nx), Y: lo.Y + h*float64(j+1)/float64(ny)}
				if i == nx-1 {
					b.X = hi.X
				}
				if j == ny-1 {
					b.Y = hi.Y
				}
				e := geom.NewEnvelope(a, b)
				emit(e.AsGeometry(), true)
			}
		}
		return nil
	}
	if w <= pieceSide && h <= pieceSide && g.DumpCoordinates().Length() <= pieceVertices {
		emit(g, false)
		return nil
	}
	var halves [2]geom.Envelope
	if w >= h {
		mid := lo.X + w/2
		halves[0] = geom.NewEnvelope(lo, geom.XY{X: mid, Y: hi.Y})
		halves[1] = geom.NewEnvelope(geom.XY{X: mid, Y: lo.Y}, hi)
	} else {
		mid := lo.Y + h/2
		halves[0] = geom.NewEnvelope(lo, geom.XY{X: hi.X, Y: mid})
		halves[1] = geom.NewEnvelope(geom.XY{X: lo.X, Y: mid}, hi)
	}
	for _, e := range halves {
		part, _, err := overlay(geom.Intersection, g, e.AsGeometry())
		if err != nil {
			return err
		}
		if err := subdivide(part, emit); err != nil {
			return err
		}
	}
	return nil
}

func cells(side float64) int {
	n := int(side / pieceSide)
	if float64(n)*pieceSide < side {
		n++
	}
	return max(n, 1)
}

// isRect tells whether g is exactly the rectangle env.
func isRect(g geom.Geometry, env geom.Envelope) bool {
	p, ok := g.AsPolygon()
	if !ok || p.NumInteriorRings() > 0 {
		return false
	}
	a, e := p.Area(), env.Area()
	return e > 0 && a >= e*(1-1e-12)
}

// parallel runs f(0) … f(n-1) on workers goroutines and returns the first
// error (the others stop taking work then).
func parallel(n, workers int, f func(i int) error) error {
	var next atomic.Int64
	var failed atomic.Bool
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range min(workers, max(n, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { first = err })
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	return first
}
