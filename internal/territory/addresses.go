package territory

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// BAL position values (validateur-bal enum; note the typographic apostrophe).
var positions = []struct {
	v string
	w float64
}{
	{"entrée", 0.72}, {"bâtiment", 0.09}, {"délivrance postale", 0.06}, {"parcelle", 0.05},
	{"segment", 0.04}, {"logement", 0.025}, {"cage d’escalier", 0.015},
}

var lotissements = []string{
	"Lotissement Les Cèdres", "Lotissement Le Clos du Moulin", "Résidence Les Jardins d'Occitanie",
	"Lotissement Le Hameau des Vignes", "Résidence Les Terrasses du Lauragais", "Lotissement En Bosc",
}

// addressWeight is the density of addresses along a kind of voie, relative
// to a village street.
func addressWeight(k voieKind) float64 {
	switch k {
	case voieRoute:
		return 0.12
	case voieChemin:
		return 0.08
	default:
		return 1
	}
}

// slot is an address position along a voie before numbering.
type slot struct {
	d      float64 // distance along the voie's chains
	left   bool    // odd numbers on the left, even on the right
	farm   bool
	numero int
	suffix string
}

// buildAddresses places the addresses along the streets, following the BAL
// rules: one voie code per street and commune, numbers increasing along the
// street, odd on the left and even on the right, unique cle_interop.
func (g *gen) buildAddresses() []Address {
	g.assignCodes()
	target := targetAddresses * g.cfg.Scale
	weighted, farms := 0.0, 0
	for _, v := range g.voies {
		weighted += addressWeight(v.kind) * v.length()
		if v.kind == voieChemin {
			farms++
		}
	}
	line := math.Max(0.5*target, target-2*float64(farms))
	spacing := 2 * weighted / line
	var out []Address
	for _, v := range g.voies {
		out = append(out, g.addressVoie(v, spacing)...)
	}
	rank := map[string]int{"": 0, "a": 1, "b": 2, "bis": 3, "ter": 4}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.CleInterop[:10] != b.CleInterop[:10] {
			return a.CleInterop[:10] < b.CleInterop[:10]
		}
		if a.Numero != b.Numero {
			return a.Numero < b.Numero
		}
		return rank[a.Suffixe] < rank[b.Suffixe]
	})
	for i := range out {
		out[i].ID = i + 1
	}
	return out
}

func (v *voie) length() float64 {
	l := 0.0
	for _, ch := range v.chains {
		l += polylineLength(ch)
	}
	return l
}

// assignCodes gives each voie its 4-character code, FANTOIR-like: numeric
// codes in steps of 10 for streets and roads, "b001"… for roads named after a
// lieu-dit. Codes follow the alphabetical order of the names.
func (g *gen) assignCodes() {
	for _, c := range g.cs {
		var streets, lieux []*voie
		for _, v := range c.voies {
			if v.kind == voieChemin && v.lieu != "" {
				lieux = append(lieux, v)
			} else {
				streets = append(streets, v)
			}
		}
		byName := func(vs []*voie) {
			sort.Slice(vs, func(i, j int) bool { return voieKey(vs[i].name) < voieKey(vs[j].name) })
		}
		byName(streets)
		byName(lieux)
		if len(lieux) > 999 {
			streets = append(streets, lieux...)
			lieux = nil
		}
		step := 10
		switch {
		case len(streets)*10 > 9999 && len(streets)*5 <= 9999:
			step = 5
		case len(streets)*5 > 9999:
			step = 1
		}
		for i, v := range streets {
			v.code = fmt.Sprintf("%04d", (i+1)*step)
		}
		for i, v := range lieux {
			v.code = fmt.Sprintf("b%03d", i+1)
		}
	}
}

// at returns the point at distance d along the voie, its direction, and
// whether it is at least margin from the ends of its chain.
func (v *voie) at(d, margin float64) (orb.Point, orb.Point, bool) {
	for _, ch := range v.chains {
		l := polylineLength(ch)
		if d <= l {
			p, dir := pointAlong(ch, d)
			return p, dir, d >= margin && d <= l-margin
		}
		d -= l
	}
	return orb.Point{}, orb.Point{}, false
}

// addressVoie places and numbers the addresses of one voie.
func (g *gen) addressVoie(v *voie, spacing float64) []Address {
	c := v.commune
	r := g.rng("addresses", c.INSEE, voieKey(v.name))
	l := v.length()
	step := spacing / addressWeight(v.kind)
	var slots []slot
	for _, left := range []bool{true, false} {
		for d := r.between(0.15, 1) * step; d < l-6; d += step * r.between(0.7, 1.3) {
			if _, _, ok := v.at(d, 6); ok {
				slots = append(slots, slot{d: d, left: left})
			}
		}
	}
	if v.kind == voieChemin {
		for k := range 1 + r.intn(3) {
			d := l - r.between(8, 30)
			if d > 6 {
				slots = append(slots, slot{d: d, left: k%2 == 0, farm: true})
			}
		}
	}
	sort.SliceStable(slots, func(i, j int) bool { return slots[i].d < slots[j].d })
	metric := v.kind == voieChemin || (v.kind == voieRoute && c.Population < 3000)
	slots = numberSlots(slots, metric, l, r)

	lo := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
	hi := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	arcepLo := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []Address
	for _, s := range slots {
		base, dir, _ := v.at(s.d, 0)
		side := 1.0
		if !s.left {
			side = -1
		}
		off := r.between(5, 15)
		if s.farm {
			off = r.between(8, 15)
		}
		n := leftNormal(dir)
		p := add(base, scale(n, side*off))
		if !c.ri.contains(p) || c.ri.nearBoundary(p, 0.5) {
			p = add(base, scale(n, side*5))
			if !c.ri.contains(p) || c.ri.nearBoundary(p, 0.5) {
				g.stats.SkippedAddresses++
				continue
			}
		}
		wgs := toWGS84Rounded(p)
		a := Address{
			Numero: s.numero, Suffixe: s.suffix, VoieNom: v.name,
			CommuneINSEE: c.INSEE, CommuneNom: c.Nom, Geometry: wgs, L93: ToLambert93(wgs),
		}
		a.CleInterop = strings.ToLower(fmt.Sprintf("%s_%s_%05d", c.INSEE, v.code, s.numero))
		if s.suffix != "" {
			a.CleInterop += "_" + s.suffix
		}
		switch {
		case s.farm && v.lieu != "" && r.chance(0.6):
			a.LieuditComplementNom = v.lieu
		case !s.farm && v.kind != voieChemin && r.chance(0.012):
			a.LieuditComplementNom = c.names.style(lotissements[r.intn(len(lotissements))])
		}
		w := make([]float64, len(positions))
		for i, ps := range positions {
			w[i] = ps.w
		}
		a.Position = positions[r.weighted(w)].v
		if s.farm && r.chance(0.4) {
			a.Position = "bâtiment"
		}
		switch x := r.float(); {
		case x < 0.82:
			a.Source = "Sicoval"
		case x < 0.97:
			a.Source = "commune"
		default:
			a.Source = "arcep"
		}
		from := lo
		if a.Source == "arcep" {
			from = arcepLo
		}
		days := int(hi.Sub(from).Hours() / 24)
		a.DateDerMaj = from.AddDate(0, 0, r.intn(days+1))
		switch a.Source {
		case "arcep":
			a.CertificationCommune = false
		case "commune":
			a.CertificationCommune = r.chance(0.8)
		default:
			a.CertificationCommune = r.chance(0.7)
		}
		if r.chance(0.62) {
			a.CadParcelles = cadastralID(c, p, r)
			if r.chance(0.08) {
				a.CadParcelles += "|" + cadastralID(c, add(p, orb.Point{20, 0}), r)
			}
		}
		out = append(out, a)
	}
	return out
}

// numberSlots numbers the slots of a voie (sorted by distance): sequential
// (1, 3, 5… left; 2, 4, 6… right, with a few gaps) or metric (the distance in
// metres from the start, made odd on the left and even on the right), and adds
// a few bis/ter and a/b addresses.
func numberSlots(slots []slot, metric bool, length float64, r *rng) []slot {
	last := map[bool]int{true: -1, false: 0}
	var out []slot
	for i, s := range slots {
		var n int
		if metric {
			n = int(math.Round(s.d))
			if (n%2 == 1) != s.left {
				n++
			}
			if n <= last[s.left] {
				n = last[s.left] + 2
			}
		} else {
			n = last[s.left] + 2
			if r.chance(0.12) {
				n += 2
			}
		}
		if n < 1 {
			n += 2
		}
		last[s.left] = n
		s.numero = n
		nextD := length - 3
		for _, t := range slots[i+1:] {
			if t.left == s.left {
				nextD = math.Min(nextD, t.d-2)
				break
			}
		}
		switch x := r.float(); {
		case !s.farm && x < 0.035 && s.d+4 < nextD:
			out = append(out, s)
			bis := s
			bis.d, bis.suffix = s.d+4, "bis"
			out = append(out, bis)
			if r.chance(0.3) && s.d+8 < nextD {
				ter := s
				ter.d, ter.suffix = s.d+8, "ter"
				out = append(out, ter)
			}
		case !s.farm && x < 0.05 && s.d+4 < nextD:
			s.suffix = "a"
			out = append(out, s)
			b := s
			b.d, b.suffix = s.d+4, "b"
			out = append(out, b)
		default:
			out = append(out, s)
		}
	}
	return out
}

// cadastralID returns a plausible 14-character cadastral parcel id for a
// point: INSEE code, prefix 000, a 2-character section from a 700 m grid over
// the commune, a 4-digit parcel number.
func cadastralID(c *commune, p orb.Point, r *rng) string {
	b := c.ri.bound
	nx := int(math.Ceil((b.Max[0]-b.Min[0])/700)) + 1
	k := int((p[1]-b.Min[1])/700)*nx + int((p[0]-b.Min[0])/700)
	var section string
	if k < 26 {
		section = "0" + string(rune('A'+k))
	} else {
		k -= 26
		section = string(rune('A'+(k/26)%26)) + string(rune('A'+k%26))
	}
	return fmt.Sprintf("%s000%s%04d", c.INSEE, section, 1+r.intn(2400))
}
