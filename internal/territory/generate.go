// Package territory generates the deterministic sample territory of Socle: the
// real commune boundaries of the CA du Sicoval (Haute-Garonne) and, inside
// them, a synthetic but coherent road network, Base Adresse Locale addresses
// along the roads and an OCS GE-like land-cover partition.
//
// Everything random is drawn from named SplitMix64 streams under one seed, the
// output is sorted and every coordinate is rounded to 1e-7 degree, so one seed
// and one scale always give the same bytes (on one GOARCH: see README).
// Geometry is built in Lambert-93 (EPSG:2154) metres and written in CRS84.
package territory

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/paulmach/orb"
)

// DefaultSeed is the seed of the committed fixtures.
const DefaultSeed uint64 = 243100633

// Config chooses the territory to generate.
type Config struct {
	// Scale multiplies the densities: 1 gives the committed fixtures
	// (≈3,000 addresses, 1,500 road segments, 750 parcels), 83 the
	// metropolitan-size benchmark territory.
	Scale float64
	Seed  uint64
}

// Targets at scale 1.
const (
	targetAddresses = 3000
	targetRoads     = 1500
	targetParcels   = 750

	// OCSGEVintage is the OCS GE millésime the land-cover layer represents.
	OCSGEVintage = 2024
)

// Commune is a member commune with its real boundary.
type Commune struct {
	INSEE      string
	Nom        string
	EPCISIREN  string
	Population int
	Geometry   orb.MultiPolygon
}

// Road is one road segment (BD TOPO-like tronçon).
type Road struct {
	ID           int
	Name         string
	Class        string
	Surface      string
	Width        float64
	CommuneINSEE string
	UpdatedAt    time.Time
	Geometry     orb.LineString
}

// Address is one Base Adresse Locale address.
type Address struct {
	ID                   int
	CleInterop           string
	Numero               int
	Suffixe              string // "" when absent
	VoieNom              string
	LieuditComplementNom string // "" when absent
	CommuneINSEE         string
	CommuneNom           string
	Position             string
	Source               string
	DateDerMaj           time.Time
	CertificationCommune bool
	CadParcelles         string // "" when absent
	Geometry             orb.Point
	L93                  orb.Point // Lambert-93 position of Geometry
}

// Parcel is one land-cover polygon.
type Parcel struct {
	ID                 int
	CodeCS             string
	CodeUS             string
	Artificialised     bool
	Year               int
	YearArtificialised int // 0 when null
	AreaM2             float64
	CommuneINSEE       string
	UpdatedAt          time.Time
	Geometry           orb.Polygon
}

// Stats records what the generator had to leave out, for the report.
type Stats struct {
	DroppedRoadPieces int // departmental-road pieces shorter than 31 m or outside the territory
	DroppedParcels    int // clipped pieces too small or invalid once rounded
	SkippedAddresses  int // address positions that fell outside the commune
	DegenerateClips   int // clips retried after nudging the commune ring
}

// Territory is the generated sample territory.
type Territory struct {
	Config    Config
	Communes  []Commune
	Roads     []Road
	Addresses []Address
	Parcels   []Parcel
	Stats     Stats
}

// Generate builds the territory for cfg.
func Generate(cfg Config) (*Territory, error) {
	if !(cfg.Scale > 0) || cfg.Scale > 1000 {
		return nil, fmt.Errorf("territory: scale %v out of range (0, 1000]", cfg.Scale)
	}
	infos, err := LoadCommunes()
	if err != nil {
		return nil, err
	}
	matrix, err := LoadMatrix()
	if err != nil {
		return nil, err
	}
	g := &gen{cfg: cfg, matrix: matrix, idx: newSegIndex(200)}
	for _, ci := range infos {
		g.cs = append(g.cs, newCommune(ci, cfg.Seed))
	}
	g.buildNetwork()
	addrs := g.buildAddresses()
	parcels := g.buildLandCover()

	t := &Territory{Config: cfg}
	for _, c := range g.cs {
		t.Communes = append(t.Communes, Commune{
			INSEE: c.INSEE, Nom: c.Nom, EPCISIREN: EPCISIREN, Population: c.Population,
			Geometry: orb.MultiPolygon{counterClockwise(c.Geometry)},
		})
	}
	t.Roads = g.finishRoads()
	t.Addresses = addrs
	t.Parcels = parcels
	t.Stats = g.stats
	return t, nil
}

// gen is the state of one generation run.
type gen struct {
	cfg    Config
	matrix Matrix
	cs     []*commune
	roads  []*roadSeg
	voies  []*voie
	idx    *segIndex // every road edge laid so far
	stats  Stats
}

func (g *gen) rng(labels ...string) *rng { return newRNG(g.cfg.Seed, labels...) }

// commune is a member commune and what the generator builds in it.
type commune struct {
	CommuneInfo
	ring    []orb.Point // Lambert-93, closed, CCW
	ri      *ringIndex
	area    float64
	centre  orb.Point // village centre
	radius  float64   // village radius
	names   *namer
	village *village
	voies   map[string]*voie // by voieKey(name)
	joints  []orb.Point      // network nodes from which country roads may start
	farms   []orb.Point
}

func newCommune(ci CommuneInfo, seed uint64) *commune {
	ring := make([]orb.Point, len(ci.Geometry[0]))
	for i, p := range ci.Geometry[0] {
		ring[i] = ToLambert93(p)
	}
	if ring[0] != ring[len(ring)-1] {
		ring = append(ring, ring[0])
	}
	if signedArea(ring) < 0 {
		for i, j := 0, len(ring)-1; i < j; i, j = i+1, j-1 {
			ring[i], ring[j] = ring[j], ring[i]
		}
	}
	c := &commune{
		CommuneInfo: ci, ring: ring, ri: newRingIndex(ring), area: signedArea(ring),
		names: newNamer(newRNG(seed, "names", ci.INSEE)), voies: map[string]*voie{},
	}
	c.centre = c.pickCentre()
	return c
}

// pickCentre chooses the village centre: near the centroid, well inside.
func (c *commune) pickCentre() orb.Point {
	centroid := ringCentroid(c.ring)
	b := c.ri.bound
	best, bestScore := centroid, math.Inf(-1)
	const n = 48
	for i := range n {
		for j := range n {
			p := orb.Point{
				b.Min[0] + (float64(i)+0.5)/n*(b.Max[0]-b.Min[0]),
				b.Min[1] + (float64(j)+0.5)/n*(b.Max[1]-b.Min[1]),
			}
			penalty := 0.35 * dist(p, centroid)
			if 900-penalty <= bestScore || !c.ri.contains(p) {
				continue
			}
			s := math.Min(c.ri.boundaryDist(p), 900) - penalty
			if s > bestScore {
				best, bestScore = p, s
			}
		}
	}
	return best
}

// roadSeg is one generated road segment, in Lambert-93.
type roadSeg struct {
	pts     []orb.Point
	commune *commune
	name    string
	class   string
	surface string
	width   float64
}

// voieKind says how a street is addressed.
type voieKind int

const (
	voieStreet  voieKind = iota // village street: both sides, sequential numbers
	voieDeadEnd                 // impasse, square…: both sides, sequential
	voieRoute                   // departmental road: sparse houses
	voieChemin                  // country road: sparse houses and a farm at the end
)

// voie is one named street of a commune: the unit of BAL numbering.
type voie struct {
	commune *commune
	name    string
	kind    voieKind
	chains  [][]orb.Point // continuous polylines, in numbering order
	lieu    string        // lieu-dit at the end of a country road
	code    string        // 4-character voie code of cle_interop
}

// addSegment records a road segment and indexes its edges.
func (g *gen) addSegment(c *commune, pts []orb.Point, name, class, surface string, width float64) {
	g.roads = append(g.roads, &roadSeg{pts: pts, commune: c, name: name, class: class, surface: surface, width: width})
	g.idx.addPolyline(pts)
}

// voieFor returns the commune's voie with this name, creating it.
func (g *gen) voieFor(c *commune, name string, kind voieKind) *voie {
	key := voieKey(name)
	if v, ok := c.voies[key]; ok {
		return v
	}
	v := &voie{commune: c, name: name, kind: kind}
	c.voies[key] = v
	g.voies = append(g.voies, v)
	return v
}

// finishRoads converts the segments to WGS84, orders them by commune and
// numbers them.
func (g *gen) finishRoads() []Road {
	segs := append([]*roadSeg(nil), g.roads...)
	sort.SliceStable(segs, func(i, j int) bool { return segs[i].commune.INSEE < segs[j].commune.INSEE })
	r := g.rng("road-dates")
	lo := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	span := time.Date(2026, 6, 30, 23, 59, 59, 0, time.UTC).Sub(lo)
	out := make([]Road, 0, len(segs))
	for _, s := range segs {
		ls := make(orb.LineString, 0, len(s.pts))
		for _, p := range s.pts {
			q := toWGS84Rounded(p)
			if len(ls) == 0 || ls[len(ls)-1] != q {
				ls = append(ls, q)
			}
		}
		updated := lo.Add(time.Duration(r.float() * float64(span))).Truncate(time.Second)
		if len(ls) < 2 {
			continue
		}
		out = append(out, Road{
			ID: len(out) + 1, Name: s.name, Class: s.class, Surface: s.surface,
			Width: math.Round(s.width*10) / 10, CommuneINSEE: s.commune.INSEE,
			UpdatedAt: updated, Geometry: ls,
		})
	}
	return out
}

// spacing is the village street spacing at this scale (metres).
func (g *gen) spacing() float64 {
	return math.Max(minSpacing, math.Min(160, 150*math.Pow(g.cfg.Scale, -0.3)))
}

// minSpacing keeps jittered village segments above 30 m.
const minSpacing = 42.0

// Segment-length bounds (metres) kept with a margin inside the 30–400 m
// contract so that rounding to 1e-7 degree cannot cross them.
const (
	minSegment = 31.0
	maxSegment = 380.0
)

// counterClockwise returns the polygon with its exterior ring counter-clockwise
// and its holes clockwise (RFC 7946 §3.1.6); the vertices are unchanged.
func counterClockwise(p orb.Polygon) orb.Polygon {
	out := p.Clone()
	for i, r := range out {
		if (i == 0) != (r.Orientation() == orb.CCW) {
			r.Reverse()
		}
	}
	return out
}
