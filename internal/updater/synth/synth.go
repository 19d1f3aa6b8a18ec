// Package synth generates field files with known truth over a territory's
// addresses and roads: an ARCEP immeubles file written the ways operators
// write them, and a road-report file as trucks send them. Tests measure the
// joins' precision and recall against the truth; benchmarks use the files
// at scale. The data is synthetic, derived from the (synthetic) territory.
package synth

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/paulmach/orb"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"

	"github.com/socle-geo/socle/internal/updater"
	"github.com/socle-geo/socle/ogc/crs"
)

// FibreConfig shapes a fibre file.
type FibreConfig struct {
	Seed uint64
	// Rows is the number of buildings that name a real address.
	Rows int
	// Fake is the share of extra buildings at addresses the layer lacks.
	Fake float64
	// Duplicates is the share of real buildings listed twice.
	Duplicates float64
	// Windows1252 and Semicolon choose the file's encoding and delimiter;
	// NoInsee writes an older file without code_insee.
	Windows1252, Semicolon, NoInsee bool
}

// FibreFile returns the file and, for each data row in order, the id of
// the address it truly is (0 for a building at an address the layer
// lacks).
func FibreFile(addrs []updater.Address, cfg FibreConfig) ([]byte, []int64, error) {
	r := rand.New(rand.NewPCG(cfg.Seed, 1))
	toWGS, err := crs.NewTransformer(2154, 4326)
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if cfg.Semicolon {
		w.Comma = ';'
	}
	header := []string{"x", "y", "imb_id", "num_voie", "cp_no_voie", "type_voie", "nom_voie", "batiment", "code_insee", "code_poste", "nom_com", "catg_loc_imb", "imb_etat", "pm_ref", "pm_etat", "code_l331", "geom_mod", "type_imb"}
	if cfg.NoInsee {
		header = append(header[:8], header[9:]...)
	}
	if err := w.Write(header); err != nil {
		return nil, nil, err
	}
	var truth []int64
	maxNum := map[string]int{}
	for _, a := range addrs {
		k := a.Insee + "|" + a.VoieNom
		maxNum[k] = max(maxNum[k], a.Numero)
	}
	states := []string{"deploye", "deploye", "deploye", "en cours de deploiement", "signe", "raccordable demande", "cible", "abandonne"}
	operators := []string{"FTEL", "SFR0", "ORAN", "COVA"}
	n := 0
	write := func(a updater.Address, id int64, imb string) error {
		// Building points sit a few metres from the address point.
		x := a.X + r.NormFloat64()*6
		y := a.Y + r.NormFloat64()*6
		var xs, ys string
		switch v := r.Float64(); {
		case v < 0.1: // Lambert-93
			xs, ys = fmt.Sprintf("%.2f", x), fmt.Sprintf("%.2f", y)
		default:
			lon, lat, err := toWGS.Transform(x, y)
			if err != nil {
				return err
			}
			xs, ys = strconv.FormatFloat(lon, 'f', 7, 64), strconv.FormatFloat(lat, 'f', 7, 64)
			if v < 0.15 { // swapped
				xs, ys = ys, xs
			}
		}
		if cfg.Semicolon {
			xs, ys = strings.Replace(xs, ".", ",", 1), strings.Replace(ys, ".", ",", 1)
		}
		typ, name := messStreet(a.VoieNom, r)
		num := strconv.Itoa(a.Numero)
		if r.Float64() < 0.2 {
			num = fmt.Sprintf("%04d", a.Numero)
		}
		suffix := a.Suffixe
		if suffix == "bis" && r.Float64() < 0.5 {
			suffix = "B"
		}
		commune := a.CommuneNom
		if r.Float64() < 0.5 {
			commune = strings.ToUpper(deburr(commune))
		}
		row := []string{xs, ys, imb, num, strings.ToUpper(suffix), typ, name, "", a.Insee, "31" + a.Insee[2:], commune, "individuel",
			states[r.IntN(len(states))], "PM" + a.Insee, "deploye", operators[r.IntN(len(operators))], "", "pavillon"}
		if cfg.NoInsee {
			row = append(row[:8], row[9:]...)
		}
		n++
		truth = append(truth, id)
		return w.Write(row)
	}
	perm := r.Perm(len(addrs))
	rows := min(cfg.Rows, len(addrs))
	for i := 0; i < rows; i++ {
		a := addrs[perm[i]]
		imb := fmt.Sprintf("IMB/%s/S/%06d", a.Insee, perm[i])
		if err := write(a, a.ID, imb); err != nil {
			return nil, nil, err
		}
		if r.Float64() < cfg.Duplicates {
			if err := write(a, a.ID, imb); err != nil {
				return nil, nil, err
			}
		}
		if r.Float64() < cfg.Fake {
			// A building the layer lacks: a number past the end of the
			// street, or a street the commune does not have, placed far
			// enough from any same-numbered address.
			f := a
			if r.IntN(2) == 0 {
				f.Numero = maxNum[a.Insee+"|"+a.VoieNom] + 100 + r.IntN(50)
			} else {
				f.VoieNom = "Rue des " + []string{"Genêts", "Mésanges", "Orchidées", "Sittelles"}[r.IntN(4)] + " Nouvelle"
				f.Numero = 500 + r.IntN(300)
			}
			f.Suffixe = ""
			if err := write(f, 0, fmt.Sprintf("IMB/%s/N/%06d", a.Insee, i)); err != nil {
				return nil, nil, err
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, nil, err
	}
	data := buf.Bytes()
	if cfg.Windows1252 {
		enc, err := charmap.Windows1252.NewEncoder().Bytes(data)
		if err != nil {
			return nil, nil, err
		}
		data = enc
	}
	return data, truth, nil
}

// typeAbbreviations are the street types as operators abbreviate them.
var typeAbbreviations = map[string][]string{
	"rue": {"R", "RUE"}, "avenue": {"AV", "AVENUE"}, "boulevard": {"BD"}, "chemin": {"CHE", "CHEM", "CHEMIN"},
	"route": {"RTE", "ROUTE"}, "allee": {"ALL", "ALLEE"}, "impasse": {"IMP"}, "place": {"PL", "PLACE"},
	"lotissement": {"LOT"}, "residence": {"RES"}, "square": {"SQ"}, "cours": {"CRS"}, "passage": {"PAS"}, "quai": {"QU"},
}

// messStreet splits a BAL street name into type_voie and nom_voie as
// operators write them: upper case, no accents, abbreviated type and
// saints, sometimes without the articles.
func messStreet(voie string, r *rand.Rand) (string, string) {
	words := strings.Fields(voie)
	if len(words) == 0 {
		return "", ""
	}
	typ := ""
	if abbr, ok := typeAbbreviations[strings.ToLower(deburr(words[0]))]; ok && len(words) > 1 {
		typ = abbr[r.IntN(len(abbr))]
		words = words[1:]
	}
	switch v := r.Float64(); {
	case v < 0.04 && typ != "":
		// The operator calls the street by another type ("CHE" for a
		// "Route"): only the position and the number can tell.
		typ = []string{"CHE", "RTE", "R", "IMP"}[r.IntN(4)]
	case v < 0.06 && len(words) > 0 && len([]rune(words[len(words)-1])) > 4:
		// A typo: a letter dropped.
		w := []rune(words[len(words)-1])
		i := 1 + r.IntN(len(w)-2)
		words[len(words)-1] = string(append(w[:i:i], w[i+1:]...))
	}
	name := strings.Join(words, " ")
	if r.Float64() < 0.8 {
		name = strings.ToUpper(deburr(name))
		name = strings.NewReplacer("SAINT-", "ST ", "SAINTE-", "STE ", "SAINT ", "ST ", "’", " ", "'", " ").Replace(name)
	}
	if r.Float64() < 0.2 {
		for _, art := range []string{"DE LA ", "DE L ", "DES ", "DU ", "de la ", "des ", "du "} {
			name = strings.Replace(name, art, "", 1)
		}
	}
	if typ == "" && r.Float64() < 0.5 {
		return "", strings.ToUpper(deburr(voie))
	}
	return typ, name
}

func deburr(s string) string {
	var b strings.Builder
	for _, c := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, c) {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// ReportConfig shapes a road-report file.
type ReportConfig struct {
	Seed uint64
	Rows int
	// OffRoad is the share of reports far from every road; Junction the
	// share taken within a few metres of a segment's end; Invalid the
	// share of rows that break the contract.
	OffRoad, Junction, Invalid float64
	// NoHeading is the share of reports without a heading.
	NoHeading float64
	// Start is the earliest report time; reports span 60 days.
	Start time.Time
	// MaxDistance and MaxHeadingDelta are the join's tolerances, to say
	// where the heading decides.
	MaxDistance, MaxHeadingDelta float64
}

// ReportTruth is what one data row truly is.
type ReportTruth struct {
	// Road is the segment driven on; 0 off-road; -1 for an invalid row.
	Road int64
	// NearEnd is true for a report drawn within a few metres of the
	// segment's end, where the next segment starts.
	NearEnd bool
	// HeadingDecides is true when the report has a heading, and every
	// other segment within MaxDistance of it runs in another direction:
	// the heading alone tells the segment.
	HeadingDecides bool
}

// ReportFile returns the file and the truth of each data row.
func ReportFile(roads []updater.Road, cfg ReportConfig) ([]byte, []ReportTruth, error) {
	r := rand.New(rand.NewPCG(cfg.Seed, 2))
	toWGS, err := crs.NewTransformer(2154, 4326)
	if err != nil {
		return nil, nil, err
	}
	grid := newGrid(roads, 50)
	var buf bytes.Buffer
	buf.WriteString("time,lon,lat,vehicle_id,heading,condition,comment\n")
	truth := make([]ReportTruth, 0, cfg.Rows)
	conditions := []string{"0", "1", "2", "3", "bon", "moyen", "degrade", "dangereux"}
	for len(truth) < cfg.Rows {
		t := cfg.Start.Add(time.Duration(r.Int64N(int64(60 * 24 * time.Hour)))).Truncate(time.Second)
		vehicle := fmt.Sprintf("BOM-%02d", r.IntN(20))
		cond := conditions[r.IntN(len(conditions))]
		if r.Float64() < cfg.Invalid {
			fmt.Fprintf(&buf, "%s,1.5,43.4,%s,,%s,\n", t.Format("02/01/2006 15:04"), vehicle, cond)
			truth = append(truth, ReportTruth{Road: -1})
			continue
		}
		ri := r.IntN(len(roads))
		line := roads[ri].Line
		piece := r.IntN(len(line) - 1)
		a, b := line[piece], line[piece+1]
		at := r.Float64()
		nearEnd := r.Float64() < cfg.Junction
		if nearEnd {
			// Within a few metres of the segment's end, where others meet.
			if r.IntN(2) == 0 {
				piece, a, b = 0, line[0], line[1]
				at = math.Min(1, 4/math.Max(1, dist(a, b))*r.Float64())
			} else {
				piece, a, b = len(line)-2, line[len(line)-2], line[len(line)-1]
				at = 1 - math.Min(1, 4/math.Max(1, dist(a, b))*r.Float64())
			}
		}
		p := orb.Point{a[0] + at*(b[0]-a[0]), a[1] + at*(b[1]-a[1])}
		bearing := math.Mod(math.Atan2(b[0]-a[0], b[1]-a[1])*180/math.Pi+360, 360)
		if r.IntN(2) == 0 {
			bearing = math.Mod(bearing+180, 360)
		}
		// GPS noise, 2 m standard deviation.
		p[0] += r.NormFloat64() * 2
		p[1] += r.NormFloat64() * 2
		tr := ReportTruth{Road: roads[ri].ID, NearEnd: nearEnd}
		if r.Float64() < cfg.OffRoad {
			angle := r.Float64() * 2 * math.Pi
			q := orb.Point{p[0] + 150*math.Sin(angle), p[1] + 150*math.Cos(angle)}
			if grid.nearestDistance(q, 3*cfg.MaxDistance) <= 3*cfg.MaxDistance {
				continue // not off-road after all: draw again
			}
			p, tr.Road = q, 0
		}
		if d, _ := pieceDistance(line, p); tr.Road > 0 && d > cfg.MaxDistance {
			continue // noise pushed it out of tolerance: draw again
		}
		heading := ""
		if r.Float64() >= cfg.NoHeading {
			h := math.Mod(bearing+r.NormFloat64()*6+360, 360)
			heading = strconv.FormatFloat(h, 'f', 1, 64)
			if tr.Road > 0 {
				tr.HeadingDecides = grid.headingDecides(roads, ri, p, h, cfg)
			}
		}
		lon, lat, err := toWGS.Transform(p[0], p[1])
		if err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(&buf, "%s,%.7f,%.7f,%s,%s,%s,\n", t.Format(time.RFC3339), lon, lat, vehicle, heading, cond)
		truth = append(truth, tr)
	}
	return buf.Bytes(), truth, nil
}

func dist(a, b orb.Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

// pieceDistance is the distance from p to a line and the direction of the
// nearest piece — computed here independently of the updater, as the
// oracle the tests check it against.
func pieceDistance(l orb.LineString, p orb.Point) (float64, float64) {
	best, bearing := math.Inf(1), 0.0
	for i := 0; i+1 < len(l); i++ {
		a, b := l[i], l[i+1]
		v := orb.Point{b[0] - a[0], b[1] - a[1]}
		n := v[0]*v[0] + v[1]*v[1]
		t := 0.0
		if n > 0 {
			t = ((p[0]-a[0])*v[0] + (p[1]-a[1])*v[1]) / n
		}
		t = math.Max(0, math.Min(1, t))
		if d := dist(p, orb.Point{a[0] + t*v[0], a[1] + t*v[1]}); d < best {
			best, bearing = d, math.Atan2(v[0], v[1])*180/math.Pi
		}
	}
	return best, bearing
}

// grid is a coarse bucket index over segments, independent of the
// updater's R-tree.
type grid struct {
	cell  float64
	cells map[[2]int][]int
	roads []updater.Road
}

func newGrid(roads []updater.Road, cell float64) *grid {
	g := &grid{cell: cell, cells: map[[2]int][]int{}, roads: roads}
	for i, rd := range roads {
		b := rd.Line.Bound()
		for x := int(math.Floor(b.Min[0] / cell)); x <= int(math.Floor(b.Max[0]/cell)); x++ {
			for y := int(math.Floor(b.Min[1] / cell)); y <= int(math.Floor(b.Max[1]/cell)); y++ {
				g.cells[[2]int{x, y}] = append(g.cells[[2]int{x, y}], i)
			}
		}
	}
	return g
}

func (g *grid) near(p orb.Point, r float64, fn func(i int)) {
	seen := map[int]bool{}
	for x := int(math.Floor((p[0] - r) / g.cell)); x <= int(math.Floor((p[0]+r)/g.cell)); x++ {
		for y := int(math.Floor((p[1] - r) / g.cell)); y <= int(math.Floor((p[1]+r)/g.cell)); y++ {
			for _, i := range g.cells[[2]int{x, y}] {
				if !seen[i] {
					seen[i] = true
					fn(i)
				}
			}
		}
	}
}

func (g *grid) nearestDistance(p orb.Point, r float64) float64 {
	best := math.Inf(1)
	g.near(p, r, func(i int) {
		d, _ := pieceDistance(g.roads[i].Line, p)
		best = math.Min(best, d)
	})
	return best
}

// headingDecides: every other segment within MaxDistance runs more than
// twice MaxHeadingDelta away from the heading, so no noise makes it fit.
func (g *grid) headingDecides(roads []updater.Road, truth int, p orb.Point, heading float64, cfg ReportConfig) bool {
	ok := true
	g.near(p, cfg.MaxDistance, func(i int) {
		if i == truth || !ok {
			return
		}
		d, b := pieceDistance(roads[i].Line, p)
		if d > cfg.MaxDistance {
			return
		}
		delta := math.Mod(math.Abs(heading-b), 180)
		if delta > 90 {
			delta = 180 - delta
		}
		if delta <= cfg.MaxHeadingDelta*1.5 {
			ok = false
		}
	})
	return ok
}
