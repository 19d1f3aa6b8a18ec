package embedded

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
)

// Tile returns the Mapbox Vector Tile of the query, as the PostGIS store's
// ST_AsMVT query makes it: one layer per collection whose resolution limit
// admits the tile, holding the features whose box meets the buffered tile,
// each simplified to half a pixel (for layers that ask it), projected to the
// tile's CRS, snapped to the 4096 grid and clipped to the tile and its
// 64-pixel buffer (ST_AsMVTGeom), with the layer's attributes and, for
// integer ids, the feature id. An empty tile is an empty slice.
func (s *Store) Tile(ctx context.Context, q socle.TileQuery) ([]byte, error) {
	if !q.Drawn() {
		// Empty, known without a read slot: a tile at a scale none of its
		// layers is drawn at does not queue behind tiles with work.
		return nil, nil
	}
	release, err := s.reads.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	t := q.Tile
	x0, y0, x1, y1 := t.Bounds()
	res := t.Resolution()
	var out []byte
	qualified := false
	var search orb.Bound
	var toTile crs.Transformer
	for _, c := range q.Collections {
		if !q.Draws(c) {
			continue
		}
		if !qualified {
			qualified = true
			// The buffered tile, densified and brought to Lambert-93 for the
			// index, compared as PostGIS's && compares: boxes rounded out to
			// single precision.
			area, err := q.SearchArea()
			if err != nil {
				return nil, err
			}
			search = floatBound(area.Bound)
			// The transformation fitted to the tile's surroundings (the
			// general one's results to a micrometre, several times faster):
			// features reach beyond the tile, so the region does too.
			grow := max(search.Max[0]-search.Min[0], search.Max[1]-search.Min[1]) + 10_000
			if toTile, err = crs.NewTransformerNear(StorageSRID, t.Set.SRID, search.Pad(grow)); err != nil {
				return nil, &socle.Error{Code: socle.EINVALID, Message: "a value in the request is out of range or malformed", Err: err}
			}
		}
		l, err := s.layer(ctx, c)
		if err != nil {
			return nil, err
		}
		var cands []*feature
		l.tree.Search(search.Min, search.Max, func(_, _ [2]float64, f *feature) bool {
			if floatBound(f.bound).Intersects(search) {
				cands = append(cands, f)
			}
			return true
		})
		if l.t.intID {
			// No type switch per comparison: most of a large tile's sort.
			slices.SortFunc(cands, func(a, b *feature) int { return cmp.Compare(a.fid.n, b.fid.n) })
		} else {
			slices.SortFunc(cands, compareFeatureIDs)
		}
		props := make([]int, 0, len(c.Tiles.Properties))
		for _, name := range c.Tiles.Properties {
			if i, ok := l.t.byName[name]; ok {
				props = append(props, i)
			}
		}
		// A feature's tags in order of key name, as mvt.Marshal writes them.
		slices.SortFunc(props, func(a, b int) int { return strings.Compare(l.t.cols[a].name, l.t.cols[b].name) })
		enc := getLayerEncoder()
		sc := scratches.Get().(*scratch)
		attrs := make([]tag, 0, len(props))
		for i, f := range cands {
			if i%256 == 0 {
				if err := ctx.Err(); err != nil {
					putLayerEncoder(enc)
					putScratch(sc)
					return nil, err
				}
			}
			yieldNow(i)
			g := f.geometry()
			// The previous feature is encoded: its vertices can go.
			sc.pts = sc.pts[:0]
			if c.Tiles.Simplify {
				// Half a pixel on the ground: invisible, and far fewer
				// vertices at small scales.
				if g = sc.simplify(g, res/2, true, false); g == nil {
					continue
				}
			}
			var err error
			_, point := g.(orb.Point)
			if _, shared := g.(orb.MultiPoint); point || c.Tiles.Simplify && !shared {
				// simplify gave lines and rings of its own, or a point is
				// a value: no clone.
				g, err = crs.TransformGeometryInPlace(g, toTile)
			} else {
				g, err = crs.TransformGeometry(g, toTile)
			}
			if err != nil {
				return nil, malformed("transform to EPSG:%d: %v", t.Set.SRID, err)
			}
			if g = sc.mvtGeom(g, x0, y0, x1, y1); g == nil {
				continue
			}
			var id *uint64
			if l.t.intID {
				if v := f.fid.n; v >= 0 {
					u := uint64(v)
					id = &u
				}
			}
			attrs = attrs[:0]
			for _, i := range props {
				if v, ok := f.tileValue(l.t.cols[i].kind, i); ok {
					attrs = append(attrs, tag{l.t.cols[i].name, v})
				}
			}
			if err := enc.add(g, id, attrs); err != nil {
				putLayerEncoder(enc)
				putScratch(sc)
				return nil, &socle.Error{Code: socle.EINTERNAL, Message: "tile encoding failed", Err: err}
			}
		}
		if enc.nFeat > 0 {
			out = enc.appendTo(out, c.ID, 2, socle.TileExtent)
		}
		putLayerEncoder(enc)
		putScratch(sc)
	}
	if !qualified {
		return nil, nil
	}
	if out == nil {
		return []byte{}, nil
	}
	return out, nil
}

// tileValue is an attribute as ST_AsMVT encodes it: integers as unsigned
// when not negative, text of dates and times as PostgreSQL writes them;
// false (left out) for NULL.
func tileValue(k kind, v any) (tileVal, bool) {
	switch x := v.(type) {
	case nil:
		return tileVal{}, false
	case string:
		return tileVal{typ: valueString, s: x}, true
	case int64:
		if x >= 0 {
			return tileVal{typ: valueUint, n: uint64(x)}, true
		}
		return tileVal{typ: valueSint, n: uint64(x)}, true
	case float64:
		return tileVal{typ: valueDouble, n: math.Float64bits(x)}, true
	case bool:
		if x {
			return tileVal{typ: valueBool, n: 1}, true
		}
		return tileVal{typ: valueBool}, true
	case time.Time:
		if k == kDate {
			return tileVal{typ: valueString, s: x.Format(time.DateOnly)}, true
		}
		s := x.UTC().Format("2006-01-02 15:04:05.999999")
		return tileVal{typ: valueString, s: s + "+00"}, true
	case jsonValue:
		return tileVal{typ: valueString, s: string(x)}, true
	}
	// Left for layerEncoder.value to refuse.
	return tileVal{}, true
}

// mvtGeom is ST_AsMVTGeom(g, bounds, 4096, 64, true) of PostGIS 3.3: nil
// for a line or polygon smaller than half a pixel, otherwise g in tile
// pixels (y down), snapped to the grid, straightened, clipped to the
// buffered tile; nil when nothing is left.
func (sc *scratch) mvtGeom(g orb.Geometry, x0, y0, x1, y1 float64) orb.Geometry {
	width, height := x1-x0, y1-y0
	switch g.(type) {
	case orb.LineString, orb.Polygon, orb.MultiLineString, orb.MultiPolygon:
		// The shortcut on the geometry's stored (single-precision) box.
		b := floatBound(bound(g))
		if b.Max[0]-b.Min[0] < width/socle.TileExtent/2 && b.Max[1]-b.Min[1] < height/socle.TileExtent/2 {
			return nil
		}
	}
	fx := socle.TileExtent / width
	fy := -(socle.TileExtent / height)
	g = snap(g, grid{fx, fy, -x0 * fx, -y1 * fy})
	if g == nil {
		return nil
	}
	if g = sc.simplify(g, 0, false, true); g == nil {
		return nil
	}
	return clipToTile(g)
}

// grid maps a position to the nearest point of a grid: fx·x + xoff and
// fy·y + yoff rounded, halves to even. A struct rather than a func, so
// that the call inlines in snap's loop.
type grid struct{ fx, fy, xoff, yoff float64 }

func (t grid) pix(p orb.Point) orb.Point {
	return orb.Point{math.RoundToEven(t.fx*p[0] + t.xoff), math.RoundToEven(t.fy*p[1] + t.yoff)}
}

// unitGrid rounds to integers.
var unitGrid = grid{fx: 1, fy: 1}

// bound is g.Bound() for lines and polygons without orb's Extend per
// position (a tenth of a tile's time with large tiles); other geometries,
// and empty ones, as orb bounds them.
func bound(g orb.Geometry) orb.Bound {
	var b orb.Bound
	ok := true
	first := true
	add := func(pts []orb.Point) {
		if len(pts) == 0 {
			ok = false
			return
		}
		if first {
			b = orb.Bound{Min: pts[0], Max: pts[0]}
			first = false
		}
		for _, p := range pts {
			b.Min[0], b.Max[0] = min(b.Min[0], p[0]), max(b.Max[0], p[0])
			b.Min[1], b.Max[1] = min(b.Min[1], p[1]), max(b.Max[1], p[1])
		}
	}
	switch g := g.(type) {
	case orb.LineString:
		add(g)
	case orb.MultiLineString:
		for _, l := range g {
			add(l)
		}
	case orb.Polygon:
		// A polygon's box is its exterior ring's, as orb has it.
		if len(g) > 0 {
			add(g[0])
		}
	case orb.MultiPolygon:
		for _, p := range g {
			if len(p) == 0 {
				ok = false
				break
			}
			add(p[0])
		}
	default:
		ok = false
	}
	if !ok || first {
		return g.Bound()
	}
	return b
}

// snap maps every position to the grid, drops repeated positions and the
// parts that collapse (lwgeom_grid_in_place), in place: g's lines and rings
// are overwritten.
func snap(g orb.Geometry, t grid) orb.Geometry {
	points := func(pts []orb.Point) []orb.Point {
		out := pts[:0]
		for _, p := range pts {
			q := t.pix(p)
			if len(out) > 0 && out[len(out)-1] == q {
				continue
			}
			out = append(out, q)
		}
		return out
	}
	poly := func(p orb.Polygon) orb.Polygon {
		var out orb.Polygon
		for i, r := range p {
			s := points(r)
			if len(s) < 4 {
				if i == 0 {
					return nil
				}
				continue
			}
			out = append(out, orb.Ring(s))
		}
		return out
	}
	switch g := g.(type) {
	case orb.Point:
		return t.pix(g)
	case orb.MultiPoint:
		out := make(orb.MultiPoint, len(g))
		for i, p := range g {
			out[i] = t.pix(p)
		}
		return out
	case orb.LineString:
		s := points(g)
		if len(s) < 2 {
			return nil
		}
		return orb.LineString(s)
	case orb.MultiLineString:
		var out orb.MultiLineString
		for _, l := range g {
			if s := points(l); len(s) >= 2 {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case orb.Polygon:
		if p := poly(g); p != nil {
			return p
		}
		return nil
	case orb.MultiPolygon:
		var out orb.MultiPolygon
		for _, p := range g {
			if q := poly(p); q != nil {
				out = append(out, q)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return nil
}

// tileClip is the buffered tile in pixels.
var tileClip = orb.Bound{Min: orb.Point{-socle.TileBuffer, -socle.TileBuffer}, Max: orb.Point{socle.TileExtent + socle.TileBuffer, socle.TileExtent + socle.TileBuffer}}

func containsBound(outer, inner orb.Bound) bool {
	return inner.Min[0] >= outer.Min[0] && inner.Max[0] <= outer.Max[0] && inner.Min[1] >= outer.Min[1] && inner.Max[1] <= outer.Max[1]
}

// clipToTile clips g, which it may overwrite, to the buffered tile: points and lines as GEOS's
// clip by rectangle, then snapped again; polygons as PostGIS prepares them
// for Wagyu (clipped on each axis, truncated to integers), then rings with
// an area kept, exterior rings clockwise on screen as MVT wants them.
func clipToTile(g orb.Geometry) orb.Geometry {
	b := bound(g)
	if !b.Intersects(tileClip) {
		return nil
	}
	switch g := g.(type) {
	case orb.Point, orb.MultiPoint:
		if containsBound(tileClip, b) {
			return g
		}
		return clip.Geometry(tileClip, g)
	case orb.LineString, orb.MultiLineString:
		if containsBound(tileClip, b) {
			return g
		}
		c := clip.Geometry(tileClip, g)
		if c == nil {
			return nil
		}
		return snap(c, unitGrid)
	case orb.Polygon:
		return tilePolygons(orb.MultiPolygon{g}, containsBound(tileClip, b))
	case orb.MultiPolygon:
		return tilePolygons(g, containsBound(tileClip, b))
	}
	return nil
}

func tilePolygons(mp orb.MultiPolygon, inside bool) orb.Geometry {
	var out orb.MultiPolygon
	for _, p := range mp {
		if !inside {
			// lwgeom_clip_to_ordinate_range on x, then on y.
			if p = clipPolygonRange(p, 0, tileClip.Min[0], tileClip.Max[0]); p == nil {
				continue
			}
			if p = clipPolygonRange(p, 1, tileClip.Min[1], tileClip.Max[1]); p == nil {
				continue
			}
		}
		// Wagyu takes integer coordinates, converted by truncation, and
		// gives back rings that enclose an area.
		var q orb.Polygon
		for i, r := range p {
			ring := make(orb.Ring, 0, len(r))
			for _, pt := range r {
				pt = orb.Point{math.Trunc(pt[0]), math.Trunc(pt[1])}
				if len(ring) > 0 && ring[len(ring)-1] == pt {
					continue
				}
				ring = append(ring, pt)
			}
			if len(ring) >= 3 && ring[0] != ring[len(ring)-1] {
				ring = append(ring, ring[0])
			}
			a := signedArea(ring)
			if len(ring) < 4 || a == 0 {
				if i == 0 {
					q = nil
					break
				}
				continue
			}
			// Exterior rings with a positive area in tile coordinates (y
			// down: clockwise on screen), holes negative.
			if (i == 0) != (a > 0) {
				slices.Reverse(ring)
			}
			q = append(q, ring)
		}
		if q != nil {
			out = append(out, q)
		}
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return out[0]
	}
	return out
}

// clipPolygonRange is liblwgeom's lwpoly_clip_to_ordinate_range: each ring
// cut to from ≤ ordinate ≤ to, crossing points interpolated; rings left with
// fewer than four points dropped, and the polygon when its exterior is.
func clipPolygonRange(p orb.Polygon, axis int, from, to float64) orb.Polygon {
	var out orb.Polygon
	for i, r := range p {
		c := clampRing(r, axis, from, to)
		if len(c) < 4 {
			if i == 0 {
				break
			}
			continue
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// clampRing is ptarray_clamp_to_ordinate_range for a closed ring.
func clampRing(r orb.Ring, axis int, from, to float64) orb.Ring {
	out := make(orb.Ring, 0, len(r)+4)
	add := func(p orb.Point) {
		if len(out) > 0 && out[len(out)-1] == p {
			return
		}
		out = append(out, p)
	}
	side := func(v float64) int {
		switch {
		case v < from:
			return -1
		case v > to:
			return 1
		}
		return 0
	}
	interp := func(a, b orb.Point, v float64) orb.Point {
		prop := (v - a[axis]) / (b[axis] - a[axis])
		var p orb.Point
		p[axis] = v
		o := 1 - axis
		p[o] = a[o] + prop*(b[o]-a[o])
		return p
	}
	if len(r) == 0 {
		return nil
	}
	p1 := r[0]
	s1 := side(p1[axis])
	if s1 == 0 {
		add(p1)
	}
	for _, p2 := range r[1:] {
		s2 := side(p2[axis])
		switch {
		case s1 == 0 && s2 == 0:
			add(p2)
		case s1 == s2:
		case s1 == -1 && s2 == 0:
			add(interp(p1, p2, from))
			add(p2)
		case s1 == -1 && s2 == 1:
			add(interp(p1, p2, from))
			add(interp(p1, p2, to))
		case s1 == 0 && s2 == -1:
			add(interp(p1, p2, from))
		case s1 == 0 && s2 == 1:
			add(interp(p1, p2, to))
		case s1 == 1 && s2 == -1:
			add(interp(p1, p2, to))
			add(interp(p1, p2, from))
		case s1 == 1 && s2 == 0:
			add(interp(p1, p2, to))
			add(p2)
		}
		p1, s1 = p2, s2
	}
	if len(out) > 2 {
		add(out[0])
	}
	return out
}

func signedArea(r []orb.Point) float64 {
	a := 0.0
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}

// simplify is liblwgeom's lwgeom_simplify_in_place (ST_Simplify): the
// Douglas–Peucker simplification of every line and ring to eps, keeping
// (preserveCollapsed) two points of a line and four of an exterior ring; a
// collapsed part is dropped, nil when nothing is left. eps 0 removes the
// points on straight lines only. With own, g's lines and rings are
// overwritten; without, the result's are new slices, never g's (points and
// multipoints are returned as they are), taken from sc.pts.
func (sc *scratch) simplify(g orb.Geometry, eps float64, preserveCollapsed, own bool) orb.Geometry {
	switch g := g.(type) {
	case orb.Point, orb.MultiPoint:
		return g
	case orb.LineString:
		pts := sc.simplifyPoints(g, eps, 2, own)
		if len(pts) == 2 && !preserveCollapsed && pts[0] == pts[1] {
			return nil
		}
		if len(pts) < 2 {
			return nil
		}
		return orb.LineString(pts)
	case orb.Polygon:
		var out orb.Polygon
		for i, r := range g {
			minPts := 0
			if preserveCollapsed && i == 0 {
				minPts = 4
			}
			pts := sc.simplifyPoints(r, eps, minPts, own)
			if len(pts) < 4 {
				if i == 0 {
					return nil
				}
				continue
			}
			out = append(out, orb.Ring(pts))
		}
		return out
	case orb.MultiLineString:
		var out orb.MultiLineString
		for _, l := range g {
			if s := sc.simplify(l, eps, preserveCollapsed, own); s != nil {
				out = append(out, s.(orb.LineString))
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case orb.MultiPolygon:
		var out orb.MultiPolygon
		for _, p := range g {
			if s := sc.simplify(p, eps, preserveCollapsed, own); s != nil {
				out = append(out, s.(orb.Polygon))
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return g
}

// simplifyPoints is liblwgeom's ptarray_simplify_in_place: iterative
// Douglas–Peucker keeping at least minPts points, or, for eps 0, the
// removal of points on the segment between their kept neighbours. With
// own, the result is written over pts (a kept point only moves down);
// without, it is a new slice (from sc.pts), as Tile transforms it in place.
func (sc *scratch) simplifyPoints(pts []orb.Point, eps float64, minPts int, own bool) []orb.Point {
	n := len(pts)
	if n < 3 || n <= minPts {
		if own {
			return pts
		}
		return append(sc.alloc(n), pts...)
	}
	out := pts[:0]
	if eps == 0 && minPts <= 2 {
		if !own {
			out = sc.alloc(n)
		}
		out = append(out, pts[0])
		kept := pts[0]
		for i := 1; i < n-1; i++ {
			curr, next := pts[i], pts[i+1]
			baX, baY := next[0]-kept[0], next[1]-kept[1]
			abLenSqr := baX*baX + baY*baY
			caX, caY := curr[0]-kept[0], curr[1]-kept[1]
			dot := caX*baX + caY*baY
			sNum := caX*baY - caY*baX
			if dot < 0 || dot > abLenSqr || sNum != 0 {
				out = append(out, curr)
				kept = curr
			}
		}
		return append(out, pts[n-1])
	}
	keep := sc.keep[:0]
	keep = append(keep, make([]bool, n)...)
	sc.keep = keep
	keep[0], keep[n-1] = true, true
	keptN := 2
	stack := append(sc.stack[:0], 0)
	first, last := 0, n-1
	tolSqr := eps * eps
	tol := func() float64 {
		if keptN >= minPts {
			return tolSqr
		}
		return -1
	}
	itTol := tol()
	for len(stack) > 0 {
		split := findSplit(pts, first, last, itTol)
		if split == first {
			first = last
			last = stack[len(stack)-1]
			stack = stack[:len(stack)-1]
		} else {
			keep[split] = true
			keptN++
			stack = append(stack, last)
			last = split
			itTol = tol()
		}
	}
	sc.stack = stack
	if !own {
		out = sc.alloc(keptN)
	}
	for i, k := range keep {
		if k {
			out = append(out, pts[i])
		}
	}
	return out
}

// scratch holds the buffers that one tile's features reuse in turn; kept
// from tile to tile in a pool.
type scratch struct {
	pts   []orb.Point // the current feature's simplified lines and rings
	keep  []bool      // Douglas–Peucker's kept points
	stack []int       // and its pending segments
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

func putScratch(sc *scratch) {
	if cap(sc.pts) > 1<<20 {
		return // an outsized feature: let the collector have it
	}
	scratches.Put(sc)
}

// alloc returns an empty slice with room for n points from sc.pts, valid
// until sc.pts is emptied. A growth leaves the lines already given where
// they are.
func (sc *scratch) alloc(n int) []orb.Point {
	if cap(sc.pts)-len(sc.pts) < n {
		sc.pts = make([]orb.Point, 0, max(2*cap(sc.pts), n, 1024))
	}
	l := len(sc.pts)
	sc.pts = sc.pts[:l+n]
	return sc.pts[l : l : l+n]
}

// findSplit is ptarray_dp_findsplit_in_place: the point between first and
// last farthest from their segment, if farther than √maxDistSqr.
func findSplit(pts []orb.Point, first, last int, maxDistSqr float64) int {
	split := first
	a, b := pts[first], pts[last]
	if distSqr(a, b) < 2.220446049250313e-16 {
		for k := first + 1; k < last; k++ {
			if d := distSqr(pts[k], a); d > maxDistSqr {
				split, maxDistSqr = k, d
			}
		}
		return split
	}
	baX, baY := b[0]-a[0], b[1]-a[1]
	abLenSqr := baX*baX + baY*baY
	maxDistSqr *= abLenSqr
	for k := first + 1; k < last; k++ {
		c := pts[k]
		caX, caY := c[0]-a[0], c[1]-a[1]
		dot := caX*baX + caY*baY
		var d float64
		switch {
		case dot <= 0:
			d = distSqr(c, a) * abLenSqr
		case dot >= abLenSqr:
			d = distSqr(c, b) * abLenSqr
		default:
			s := caX*baY - caY*baX
			d = s * s
		}
		if d > maxDistSqr {
			split, maxDistSqr = k, d
		}
	}
	return split
}

func distSqr(a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	return dx*dx + dy*dy
}
