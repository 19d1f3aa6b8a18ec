// Package fibre reads the ARCEP "immeubles" files of the FTTH operators
// (mv_immeubles_*.csv): one row per building with its deployment state. It
// copes with the ways real vintages differ: UTF-8 or Windows-1252, ',' or
// ';' between fields, WGS84 longitude/latitude (sometimes swapped) or
// Lambert-93 in x/y, code_insee missing from older files.
package fibre

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/socle-geo/socle/internal/normalize"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
)

// States are the imb_etat values, as the addresses' fibre_status holds them.
var States = []string{"deploye", "en cours de deploiement", "signe", "raccordable demande", "cible", "abandonne"}

// Building is one valid row of the file.
type Building struct {
	Line   int
	ImbID  string
	Numero int
	// HasNumero is false for a building without a house number.
	HasNumero bool
	Suffixe   string // as written
	Street    string // type_voie and nom_voie joined, as written
	// CleInterop is the BAL key, for files that carry one (a cle_interop
	// column): the identifier the join tries first.
	CleInterop string
	// Insee is empty in files without code_insee: the updater then finds
	// the commune by the building's position.
	Insee    string
	Postcode string // 5 digits, zero-padded
	Commune  string
	State    string // one of States
	Operator string // code_l331
	// X, Y are Lambert-93 metres.
	X, Y float64
	// Coords says how x/y were read: "wgs84", "wgs84-swapped", "lambert93",
	// "lambert93-swapped".
	Coords string
}

// Info describes the file as read.
type Info struct {
	Encoding  string `json:"encoding"`
	Delimiter string `json:"delimiter"`
	Rows      int    `json:"rows"`
	// Coords counts the rows by how their coordinates were read.
	Coords map[string]int `json:"coordinates"`
}

// A file that cannot be read at all (no header, a required column missing)
// is an error; a bad row is a Reject.
var errNoHeader = errors.New("fibre: the file is empty: expected a header line")

var required = []string{"x", "y", "imb_id", "num_voie", "nom_voie", "imb_etat"}

// Read parses a whole file. Every row is either a Building or a Reject with
// its line and reason.
func Read(data []byte) ([]Building, []socle.Reject, Info, error) {
	info := Info{Encoding: "utf-8", Coords: map[string]int{}}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		// Windows-1252 is the other encoding ARCEP files come in; every
		// byte decodes, so a file in neither reads with odd letters, not
		// an error.
		dec, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err != nil {
			return nil, nil, info, fmt.Errorf("fibre: decode Windows-1252: %w", err)
		}
		data, info.Encoding = dec, "windows-1252"
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	info.Delimiter = ","
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		info.Delimiter = ";"
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = rune(info.Delimiter[0])
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if err == io.EOF {
		return nil, nil, info, errNoHeader
	}
	if err != nil {
		return nil, nil, info, fmt.Errorf("fibre: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.Trim(strings.TrimSpace(h), `"`))] = i
	}
	for _, name := range required {
		if _, ok := col[name]; !ok {
			return nil, nil, info, socle.Errorf(socle.EINVALID, "fibre: the header lacks the column %s (found %s)", name, strings.Join(header, info.Delimiter))
		}
	}
	// A file without code_insee (nor code_poste and nom_com) is read: the
	// updater finds each building's commune by its position.
	var out []Building
	var rejects []socle.Reject
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				// An unclosed quote runs to the end of the file: the
				// reason says so, as the lines it swallowed are not rows.
				rejects = append(rejects, socle.Reject{Line: pe.StartLine, Reason: fmt.Sprintf("unreadable CSV (lines %d to %d): %v", pe.StartLine, pe.Line, pe.Err)})
				continue
			}
			return nil, nil, info, fmt.Errorf("fibre: %w", err)
		}
		line, _ := r.FieldPos(0)
		info.Rows++
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		reject := func(column, reason string) {
			rejects = append(rejects, socle.Reject{Line: line, Column: column, Reason: reason, Raw: strings.Join(rec, info.Delimiter)})
		}
		if len(rec) != len(header) {
			reject("", fmt.Sprintf("%d fields where the header has %d", len(rec), len(header)))
			continue
		}
		b := Building{Line: line, ImbID: get("imb_id"), Suffixe: get("cp_no_voie"), Commune: get("nom_com"), Operator: get("code_l331"), CleInterop: strings.ToLower(get("cle_interop"))}
		b.Street = normalize.Join(get("type_voie"), get("nom_voie"))
		if s := get("num_voie"); s != "" {
			n, ok := normalize.Number(s)
			if !ok || n > 99999 {
				reject("num_voie", fmt.Sprintf("num_voie %q is not a house number", s))
				continue
			}
			b.Numero, b.HasNumero = n, true
		}
		b.Insee = strings.ToUpper(get("code_insee"))
		if b.Insee != "" && !validInsee(b.Insee) {
			reject("code_insee", fmt.Sprintf("code_insee %q is not an INSEE code", b.Insee))
			continue
		}
		b.Postcode = get("code_poste")
		if b.Postcode != "" {
			if len(b.Postcode) < 5 && allDigits(b.Postcode) {
				b.Postcode = strings.Repeat("0", 5-len(b.Postcode)) + b.Postcode
			}
			if len(b.Postcode) != 5 || !allDigits(b.Postcode) {
				reject("code_poste", fmt.Sprintf("code_poste %q is not a postcode", b.Postcode))
				continue
			}
		}
		if b.ImbID == "" {
			reject("imb_id", "imb_id is empty")
			continue
		}
		if b.Street == "" {
			reject("nom_voie", "nom_voie is empty")
			continue
		}
		state, ok := State(get("imb_etat"))
		if !ok {
			reject("imb_etat", fmt.Sprintf("imb_etat %q is not one of %s", get("imb_etat"), strings.Join(States, ", ")))
			continue
		}
		b.State = state
		x, errX := parseCoord(get("x"))
		y, errY := parseCoord(get("y"))
		if errX != nil || errY != nil {
			reject("x", fmt.Sprintf("x %q, y %q: not numbers", get("x"), get("y")))
			continue
		}
		if b.X, b.Y, b.Coords, err = Lambert93(x, y); err != nil {
			reject("x", err.Error())
			continue
		}
		info.Coords[b.Coords]++
		out = append(out, b)
	}
	return out, rejects, info, nil
}

// State returns the imb_etat value in its canonical spelling: case,
// accents, underscores and spaces do not matter ("Déployé",
// "EN_COURS_DE_DEPLOIEMENT").
func State(s string) (string, bool) {
	k := normalize.Name(s)
	for _, st := range States {
		if k == normalize.Name(st) {
			return st, true
		}
	}
	return "", false
}

// parseCoord reads a number written with a decimal point or, as French
// spreadsheets write it in ';' files, a decimal comma.
func parseCoord(s string) (float64, error) {
	return strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
}

// Metropolitan France, with a margin: positions outside are refused, which
// also tells the coordinate systems apart, since their ranges do not overlap.
const (
	minLon, maxLon = -5.5, 10
	minLat, maxLat = 41, 51.5
	minE, maxE     = 0, 1_300_000
	minN, maxN     = 6_000_000, 7_200_000
)

var toL93, _ = crs.NewTransformer(4326, 2154)

// Lambert93 reads x/y as the file wrote them and returns Lambert-93
// metres, telling WGS84 from Lambert-93 by range and noticing swapped
// axes. The ranges cover metropolitan France: an overseas file is refused,
// not misread.
func Lambert93(x, y float64) (e, n float64, how string, err error) {
	in := func(v, lo, hi float64) bool { return v >= lo && v <= hi }
	switch {
	case in(x, minLon, maxLon) && in(y, minLat, maxLat):
		how = "wgs84"
	case in(y, minLon, maxLon) && in(x, minLat, maxLat):
		x, y, how = y, x, "wgs84-swapped"
	case in(x, minE, maxE) && in(y, minN, maxN):
		return x, y, "lambert93", nil
	case in(y, minE, maxE) && in(x, minN, maxN):
		return y, x, "lambert93-swapped", nil
	default:
		return 0, 0, "", fmt.Errorf("x %g, y %g: neither WGS84 longitude/latitude nor Lambert-93 in metropolitan France", x, y)
	}
	e, n, err = toL93.Transform(x, y)
	if err != nil {
		return 0, 0, "", fmt.Errorf("x %g, y %g: %v", x, y, err)
	}
	return e, n, how, nil
}

func validInsee(s string) bool {
	if len(s) != 5 {
		return false
	}
	for i := 0; i < 5; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || i == 1 && (c == 'A' || c == 'B')) {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
