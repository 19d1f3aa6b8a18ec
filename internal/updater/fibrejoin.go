package updater

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/tidwall/rtree"

	"github.com/socle-geo/socle/internal/fibre"
	"github.com/socle-geo/socle/internal/normalize"
)

// Address is what the fibre join needs of an address: its identity, its
// normalised parts, its position in Lambert-93 and its current fibre values.
type Address struct {
	ID            int64
	CleInterop    string
	Numero        int
	Suffixe       string
	VoieNom       string
	Insee         string
	CommuneNom    string
	X, Y          float64
	FibreStatus   string
	FibreOperator string
}

// Match methods, in the order they are tried.
const (
	ByIdentifier    = "identifier"
	ByAddress       = "address"
	ByNearestNumber = "nearest_number"
)

// FibreOptions are the tolerances of the fibre join.
type FibreOptions struct {
	// MaxAddressDistance is how far (metres) a building may be from the
	// address its normalised address names: farther, the names agree by
	// chance (a street name reused in the commune, a wrong commune).
	MaxAddressDistance float64
	// NearestNumberDistance is the radius (metres) of the last method: the
	// nearest address with the same number and suffix.
	NearestNumberDistance float64
}

// DefaultFibreOptions suit BAL positions (entrance or building) against
// operators' building points.
var DefaultFibreOptions = FibreOptions{MaxAddressDistance: 150, NearestNumberDistance: 30}

// FibreMatch is the join's verdict on one building.
type FibreMatch struct {
	// Address is the index of the matched address, -1 when none.
	Address int
	Method  string
	// Ambiguous is true when several addresses fit equally: none is
	// chosen.
	Ambiguous bool
	// Reason says why no address was chosen.
	Reason   string
	Distance float64
}

// fibreIndex holds the addresses indexed three ways.
type fibreIndex struct {
	addrs   []Address
	byCle   map[string]int
	byKey   map[string][]int // commune|number|suffix|street
	streets map[string]bool  // commune|street
	// communes maps a normalised commune name to its INSEE codes.
	communes map[string][]string
	tree     rtree.RTreeG[int]
}

func addressKey(insee string, numero int, suffixe, street string) string {
	return insee + "|" + strconv.Itoa(numero) + "|" + normalize.Suffix(suffixe) + "|" + normalize.Name(street)
}

func newFibreIndex(addrs []Address) *fibreIndex {
	ix := &fibreIndex{addrs: addrs, byCle: make(map[string]int, len(addrs)), byKey: make(map[string][]int, len(addrs)),
		streets: map[string]bool{}, communes: map[string][]string{}}
	streetKeys := map[string]string{}
	for i, a := range addrs {
		ix.byCle[a.CleInterop] = i
		street, ok := streetKeys[a.VoieNom]
		if !ok {
			street = normalize.Name(a.VoieNom)
			streetKeys[a.VoieNom] = street
		}
		k := a.Insee + "|" + strconv.Itoa(a.Numero) + "|" + normalize.Suffix(a.Suffixe) + "|" + street
		ix.byKey[k] = append(ix.byKey[k], i)
		ix.streets[a.Insee+"|"+street] = true
		cn := normalize.Name(a.CommuneNom)
		if !slices.Contains(ix.communes[cn], a.Insee) {
			ix.communes[cn] = append(ix.communes[cn], a.Insee)
		}
		ix.tree.Insert([2]float64{a.X, a.Y}, [2]float64{a.X, a.Y}, i)
	}
	return ix
}

// MatchFibre joins buildings to addresses. Methods, in order: the shared
// identifier (a cle_interop column, when the file has one); the normalised
// address (commune, number, suffix, street) if the address is within
// MaxAddressDistance; the nearest address with the same number and suffix
// within NearestNumberDistance. Where two addresses fit one method equally,
// the building is ambiguous and no address is chosen.
func MatchFibre(addrs []Address, buildings []fibre.Building, opts FibreOptions) []FibreMatch {
	ix := newFibreIndex(addrs)
	out := make([]FibreMatch, len(buildings))
	for i := range buildings {
		out[i] = ix.match(&buildings[i], opts)
	}
	return out
}

func (ix *fibreIndex) match(b *fibre.Building, opts FibreOptions) FibreMatch {
	none := FibreMatch{Address: -1}
	if b.CleInterop != "" {
		if i, ok := ix.byCle[b.CleInterop]; ok {
			return FibreMatch{Address: i, Method: ByIdentifier, Distance: ix.dist(i, b)}
		}
	}
	insee := b.Insee
	if insee == "" {
		codes := ix.communes[normalize.Name(b.Commune)]
		switch len(codes) {
		case 0:
			none.Reason = fmt.Sprintf("unknown commune %q (no code_insee in the file)", b.Commune)
			if b.Commune == "" {
				none.Reason = "no commune: no code_insee nor nom_com, and the building lies in no commune of the communes layer"
			}
		case 1:
			insee = codes[0]
		default:
			none.Reason = fmt.Sprintf("commune %q names %d communes (no code_insee in the file)", b.Commune, len(codes))
			none.Ambiguous = true
			return none
		}
	}
	if !b.HasNumero {
		if none.Reason == "" {
			none.Reason = "no house number"
		}
		return none
	}
	var farAddress float64 = -1
	if insee != "" {
		cands := ix.byKey[addressKey(insee, b.Numero, b.Suffixe, b.Street)]
		var near []int
		for _, i := range cands {
			if d := ix.dist(i, b); d <= opts.MaxAddressDistance {
				near = append(near, i)
			} else if farAddress < 0 || d < farAddress {
				farAddress = d
			}
		}
		switch len(near) {
		case 1:
			return FibreMatch{Address: near[0], Method: ByAddress, Distance: ix.dist(near[0], b)}
		case 0:
		default:
			return FibreMatch{Address: -1, Ambiguous: true, Reason: fmt.Sprintf("%d addresses with this number and street within %g m", len(near), opts.MaxAddressDistance)}
		}
	}
	// The nearest address with the same number and suffix.
	r := opts.NearestNumberDistance
	suffix := normalize.Suffix(b.Suffixe)
	var near []int
	ix.tree.Search([2]float64{b.X - r, b.Y - r}, [2]float64{b.X + r, b.Y + r}, func(_, _ [2]float64, i int) bool {
		a := &ix.addrs[i]
		if a.Numero == b.Numero && normalize.Suffix(a.Suffixe) == suffix && ix.dist(i, b) <= r {
			near = append(near, i)
		}
		return true
	})
	switch len(near) {
	case 1:
		return FibreMatch{Address: near[0], Method: ByNearestNumber, Distance: ix.dist(near[0], b)}
	case 0:
	default:
		return FibreMatch{Address: -1, Ambiguous: true, Reason: fmt.Sprintf("%d addresses numbered %d within %g m and none by name", len(near), b.Numero, r)}
	}
	if none.Reason != "" {
		return none
	}
	switch {
	case farAddress >= 0:
		none.Reason = fmt.Sprintf("the address exists %.0f m away, beyond %g m", farAddress, opts.MaxAddressDistance)
	case !ix.streets[insee+"|"+normalize.Name(b.Street)]:
		none.Reason = "unknown street in the commune"
	default:
		none.Reason = "number not in the address layer for this street"
	}
	return none
}

func (ix *fibreIndex) dist(i int, b *fibre.Building) float64 {
	a := &ix.addrs[i]
	return math.Hypot(a.X-b.X, a.Y-b.Y)
}

// statePrecedence orders deployment states when several buildings name one
// address: the address has fibre if any of its buildings has.
var statePrecedence = map[string]int{"deploye": 6, "raccordable demande": 5, "en cours de deploiement": 4, "signe": 3, "cible": 2, "abandonne": 1}
