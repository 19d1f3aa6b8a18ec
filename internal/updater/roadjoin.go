package updater

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"
)

// Road is what the report join needs of a road segment: its line in
// Lambert-93 and its current condition values.
type Road struct {
	ID   int64
	Line orb.LineString
	// Condition is -1 when unknown.
	Condition   int
	ObservedAt  time.Time // zero when unknown
	ReportCount int
}

// SnapOptions are the tolerances of the report join.
type SnapOptions struct {
	// MaxDistance is how far (metres) a report may be from its segment:
	// GPS error plus half a road's width.
	MaxDistance float64
	// MaxHeadingDelta is the largest angle (degrees) between a report's
	// heading and a segment's direction (either way) for the segment to be
	// the one driven on.
	MaxHeadingDelta float64
	// TieDistance: without a heading, two segments whose distances differ
	// by less than this (metres) are a tie — the report is at a junction
	// and is not guessed.
	TieDistance float64
}

// DefaultSnapOptions suit consumer GPS in trucks (a few metres of error).
var DefaultSnapOptions = SnapOptions{MaxDistance: 20, MaxHeadingDelta: 40, TieDistance: 1}

// Snap is the join's verdict on one report.
type Snap struct {
	// Road is the index of the segment, -1 when none.
	Road     int
	Distance float64
	// ByHeading is true when the heading chose between segments.
	ByHeading bool
	// Ambiguous is true at a junction where nothing chose a segment.
	Ambiguous bool
	Reason    string
}

// roadIndex is an R-tree over the segments' bounds.
type roadIndex struct {
	roads []Road
	tree  rtree.RTreeG[int]
}

func newRoadIndex(roads []Road) *roadIndex {
	ix := &roadIndex{roads: roads}
	for i, r := range roads {
		b := r.Line.Bound()
		ix.tree.Insert(b.Min, b.Max, i)
	}
	return ix
}

type snapCandidate struct {
	road    int
	dist    float64
	bearing float64 // of the nearest piece, degrees clockwise from north
}

// snap finds the segment a report at x, y (Lambert-93) with heading
// (degrees, NaN when unknown) was taken on: among the segments within
// MaxDistance, those whose direction agrees with the heading, and of them
// the nearest. Without a heading, or when no segment agrees with it, the
// nearest — unless two are tied, at a junction.
func (ix *roadIndex) snap(x, y, heading float64, opts SnapOptions, buf []snapCandidate) (Snap, []snapCandidate) {
	r := opts.MaxDistance
	cands := buf[:0]
	p := orb.Point{x, y}
	ix.tree.Search([2]float64{x - r, y - r}, [2]float64{x + r, y + r}, func(_, _ [2]float64, i int) bool {
		d, b := nearestPiece(ix.roads[i].Line, p)
		if d <= r {
			cands = append(cands, snapCandidate{road: i, dist: d, bearing: b})
		}
		return true
	})
	if len(cands) == 0 {
		return Snap{Road: -1, Reason: fmt.Sprintf("no road within %g m", r)}, cands
	}
	slices.SortFunc(cands, func(a, b snapCandidate) int {
		if a.dist != b.dist {
			if a.dist < b.dist {
				return -1
			}
			return 1
		}
		return int(ix.roads[a.road].ID - ix.roads[b.road].ID)
	})
	if !math.IsNaN(heading) {
		for _, c := range cands {
			if headingDelta(heading, c.bearing) <= opts.MaxHeadingDelta {
				return Snap{Road: c.road, Distance: c.dist, ByHeading: len(cands) > 1 && c.road != cands[0].road}, cands
			}
		}
	}
	if len(cands) > 1 && cands[1].dist-cands[0].dist < opts.TieDistance && !sameDirection(cands[0], cands[1], opts) {
		return Snap{Road: -1, Ambiguous: true, Reason: fmt.Sprintf("at a junction: %d segments within %g m of each other and no heading to choose", len(cands), opts.TieDistance)}, cands
	}
	return Snap{Road: cands[0].road, Distance: cands[0].dist}, cands
}

// sameDirection: two tied segments in line (one street cut in two) are not
// a junction to refuse; the nearest of the two is as good as the other.
func sameDirection(a, b snapCandidate, opts SnapOptions) bool {
	return headingDelta(a.bearing, b.bearing) <= opts.MaxHeadingDelta
}

// headingDelta is the angle between a heading and a two-way segment
// direction, 0–90 degrees.
func headingDelta(heading, bearing float64) float64 {
	d := math.Mod(math.Abs(heading-bearing), 180)
	if d > 90 {
		d = 180 - d
	}
	return d
}

// nearestPiece returns the distance from p to the line and the bearing of
// the line's piece nearest p.
func nearestPiece(l orb.LineString, p orb.Point) (float64, float64) {
	best, bearing := math.Inf(1), 0.0
	for i := 0; i+1 < len(l); i++ {
		a, b := l[i], l[i+1]
		dx, dy := b[0]-a[0], b[1]-a[1]
		t := 0.0
		if n := dx*dx + dy*dy; n > 0 {
			t = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/n))
		}
		d := math.Hypot(p[0]-(a[0]+t*dx), p[1]-(a[1]+t*dy))
		if d < best {
			best = d
			bearing = math.Mod(math.Atan2(dx, dy)*180/math.Pi+360, 360)
		}
	}
	return best, bearing
}

// Aggregate is a segment's condition as the reports tell it.
type Aggregate struct {
	Condition  int
	ObservedAt time.Time
	Count      int
}

// Observation is one report snapped to a segment.
type Observation struct {
	Time      time.Time
	Condition int
}

// Aggregate computes the documented aggregate of a segment's reports: the
// worst condition among the reports of the Window before the latest one,
// the time of the latest report, and how many reports the window holds. It
// depends only on the set of reports, so applying a file twice, or files in
// any order, gives the same values.
func AggregateReports(obs []Observation, window time.Duration) Aggregate {
	var latest time.Time
	for _, o := range obs {
		if o.Time.After(latest) {
			latest = o.Time
		}
	}
	a := Aggregate{Condition: -1, ObservedAt: latest}
	from := latest.Add(-window)
	for _, o := range obs {
		if o.Time.Before(from) {
			continue
		}
		a.Count++
		a.Condition = max(a.Condition, o.Condition)
	}
	return a
}

// Position is a report's position in Lambert-93 and its heading (NaN when
// unknown).
type Position struct{ X, Y, Heading float64 }

// SnapReports snaps each position to a segment (see roadIndex.snap).
func SnapReports(roads []Road, pos []Position, opts SnapOptions) []Snap {
	ix := newRoadIndex(roads)
	out := make([]Snap, len(pos))
	var buf []snapCandidate
	for i, p := range pos {
		out[i], buf = ix.snap(p.X, p.Y, p.Heading, opts, buf)
	}
	return out
}
