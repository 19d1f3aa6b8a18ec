package territory

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/paulmach/orb"
)

// File names inside the output directory.
const (
	CommunesFile  = "communes.geojson"
	RoadsFile     = "roads.geojson"
	AddressesFile = "addresses.geojson"
	LandCoverFile = "land_cover.geojson"
	// BALCommune is the commune whose addresses are also written as a BAL
	// 1.3 CSV.
	BALCommune = "31113"
)

// BALFile is the path of the BAL CSV relative to the output directory.
func BALFile() string { return filepath.Join("bal", "adresses-31113-castanet-tolosan.bal13.csv") }

// WriteDir writes the four GeoJSON layers and the BAL CSV into dir.
func (t *Territory) WriteDir(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "bal"), 0o755); err != nil {
		return err
	}
	files := []struct {
		name  string
		write func(*bufio.Writer) error
	}{
		{CommunesFile, t.writeCommunes},
		{RoadsFile, t.writeRoads},
		{AddressesFile, t.writeAddresses},
		{LandCoverFile, t.writeLandCover},
		{BALFile(), func(w *bufio.Writer) error { return t.WriteBAL(w, BALCommune) }},
	}
	for _, f := range files {
		if err := writeFile(filepath.Join(dir, f.name), f.write); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, write func(*bufio.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := write(w); err != nil {
		f.Close()
		return fmt.Errorf("territory: writing %s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// fixed is a number written with a fixed count of decimals, so that readers
// infer a real type from the first feature ("7.0", not "7").
type fixed struct {
	v        float64
	decimals int
}

func (f fixed) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, f.v, 'f', f.decimals, 64), nil
}

type communeProps struct {
	INSEE      string `json:"insee"`
	Nom        string `json:"nom"`
	EPCISIREN  string `json:"epci_siren"`
	Population int    `json:"population"`
}

type roadProps struct {
	ID           int    `json:"id"`
	Name         string `json:"name"`
	RoadClass    string `json:"road_class"`
	Surface      string `json:"surface"`
	Width        fixed  `json:"width"`
	CommuneINSEE string `json:"commune_insee"`
	UpdatedAt    string `json:"updated_at"`
}

type addressProps struct {
	ID                   int     `json:"id"`
	CleInterop           string  `json:"cle_interop"`
	Numero               int     `json:"numero"`
	Suffixe              *string `json:"suffixe"`
	VoieNom              string  `json:"voie_nom"`
	LieuditComplementNom *string `json:"lieudit_complement_nom"`
	CommuneINSEE         string  `json:"commune_insee"`
	CommuneNom           string  `json:"commune_nom"`
	Position             string  `json:"position"`
	Source               string  `json:"source"`
	DateDerMaj           string  `json:"date_der_maj"`
	CertificationCommune bool    `json:"certification_commune"`
	CadParcelles         *string `json:"cad_parcelles"`
}

type landCoverProps struct {
	ID                 int    `json:"id"`
	CodeCS             string `json:"code_cs"`
	CodeUS             string `json:"code_us"`
	Artificialised     bool   `json:"artificialised"`
	Year               int    `json:"year"`
	YearArtificialised *int   `json:"year_artificialised"`
	AreaM2             fixed  `json:"area_m2"`
	CommuneINSEE       string `json:"commune_insee"`
	UpdatedAt          string `json:"updated_at"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// featureWriter writes a FeatureCollection, one feature per line.
type featureWriter struct {
	w     *bufio.Writer
	n     int
	buf   []byte
	props bytes.Buffer
	enc   *json.Encoder
}

func newFeatureWriter(w *bufio.Writer) *featureWriter {
	fw := &featureWriter{w: w}
	fw.enc = json.NewEncoder(&fw.props)
	fw.enc.SetEscapeHTML(false)
	w.WriteString(`{"type":"FeatureCollection","features":[` + "\n")
	return fw
}

func (fw *featureWriter) feature(id []byte, geom orb.Geometry, props any) error {
	fw.props.Reset()
	if err := fw.enc.Encode(props); err != nil {
		return err
	}
	b := fw.buf[:0]
	if fw.n > 0 {
		b = append(b, ",\n"...)
	}
	b = append(b, `{"type":"Feature","id":`...)
	b = append(b, id...)
	b = append(b, `,"geometry":`...)
	b = appendGeometry(b, geom)
	b = append(b, `,"properties":`...)
	b = append(b, bytes.TrimRight(fw.props.Bytes(), "\n")...)
	b = append(b, '}')
	fw.buf = b
	fw.n++
	_, err := fw.w.Write(b)
	return err
}

func (fw *featureWriter) close() error {
	_, err := fw.w.WriteString("\n]}\n")
	return err
}

// appendGeometry writes GeoJSON geometry with the shortest decimal form of
// each (already rounded) coordinate.
func appendGeometry(b []byte, g orb.Geometry) []byte {
	b = append(b, `{"type":"`...)
	b = append(b, g.GeoJSONType()...)
	b = append(b, `","coordinates":`...)
	switch g := g.(type) {
	case orb.Point:
		b = appendPoint(b, g)
	case orb.LineString:
		b = appendPoints(b, g)
	case orb.Polygon:
		b = appendRings(b, g)
	case orb.MultiPolygon:
		b = append(b, '[')
		for i, p := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendRings(b, p)
		}
		b = append(b, ']')
	default:
		panic(fmt.Sprintf("territory: unexpected geometry %T", g))
	}
	return append(b, '}')
}

func appendPoint(b []byte, p orb.Point) []byte {
	b = append(b, '[')
	b = strconv.AppendFloat(b, p[0], 'f', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, p[1], 'f', -1, 64)
	return append(b, ']')
}

func appendPoints(b []byte, pts []orb.Point) []byte {
	b = append(b, '[')
	for i, p := range pts {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPoint(b, p)
	}
	return append(b, ']')
}

func appendRings(b []byte, p orb.Polygon) []byte {
	b = append(b, '[')
	for i, r := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPoints(b, r)
	}
	return append(b, ']')
}

func (t *Territory) writeCommunes(w *bufio.Writer) error {
	fw := newFeatureWriter(w)
	for _, c := range t.Communes {
		id, _ := json.Marshal(c.INSEE)
		if err := fw.feature(id, c.Geometry, communeProps{c.INSEE, c.Nom, c.EPCISIREN, c.Population}); err != nil {
			return err
		}
	}
	return fw.close()
}

func (t *Territory) writeRoads(w *bufio.Writer) error {
	fw := newFeatureWriter(w)
	for _, r := range t.Roads {
		p := roadProps{
			ID: r.ID, Name: r.Name, RoadClass: r.Class, Surface: r.Surface,
			Width: fixed{r.Width, 1}, CommuneINSEE: r.CommuneINSEE, UpdatedAt: rfc3339(r.UpdatedAt),
		}
		if err := fw.feature(strconv.AppendInt(nil, int64(r.ID), 10), r.Geometry, p); err != nil {
			return err
		}
	}
	return fw.close()
}

func (t *Territory) writeAddresses(w *bufio.Writer) error {
	fw := newFeatureWriter(w)
	for _, a := range t.Addresses {
		p := addressProps{
			ID: a.ID, CleInterop: a.CleInterop, Numero: a.Numero, Suffixe: optional(a.Suffixe),
			VoieNom: a.VoieNom, LieuditComplementNom: optional(a.LieuditComplementNom),
			CommuneINSEE: a.CommuneINSEE, CommuneNom: a.CommuneNom, Position: a.Position,
			Source: a.Source, DateDerMaj: a.DateDerMaj.Format(time.DateOnly),
			CertificationCommune: a.CertificationCommune, CadParcelles: optional(a.CadParcelles),
		}
		if err := fw.feature(strconv.AppendInt(nil, int64(a.ID), 10), a.Geometry, p); err != nil {
			return err
		}
	}
	return fw.close()
}

func (t *Territory) writeLandCover(w *bufio.Writer) error {
	fw := newFeatureWriter(w)
	for _, p := range t.Parcels {
		props := landCoverProps{
			ID: p.ID, CodeCS: p.CodeCS, CodeUS: p.CodeUS, Artificialised: p.Artificialised,
			Year: p.Year, AreaM2: fixed{p.AreaM2, 2}, CommuneINSEE: p.CommuneINSEE,
			UpdatedAt: rfc3339(p.UpdatedAt),
		}
		if p.YearArtificialised != 0 {
			y := p.YearArtificialised
			props.YearArtificialised = &y
		}
		if err := fw.feature(strconv.AppendInt(nil, int64(p.ID), 10), p.Geometry, props); err != nil {
			return err
		}
	}
	return fw.close()
}

// BALHeader is the BAL 1.3 column list, in the order of real files.
var BALHeader = []string{
	"uid_adresse", "cle_interop", "commune_insee", "commune_nom", "commune_deleguee_insee",
	"commune_deleguee_nom", "voie_nom", "lieudit_complement_nom", "numero", "suffixe", "position",
	"x", "y", "long", "lat", "cad_parcelles", "source", "date_der_maj", "certification_commune",
}

// WriteBAL writes the addresses of one commune as a BAL 1.3 CSV (`;`, UTF-8,
// LF): x, y in Lambert-93 with 2 decimals, long, lat in WGS84 with 6.
//
// The address rows are followed by one toponyme row (numero 99999) for each
// lieudit_complement_nom the addresses use: validateur-bal warns
// (row.lieudit_complement_nom_not_declared) when a complement is not declared
// so. Toponymes get voie codes t001, t002… and stand at the mean position of
// their addresses; they are not addresses, so addresses.geojson has none.
func (t *Territory) WriteBAL(w *bufio.Writer, insee string) error {
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	if err := cw.Write(BALHeader); err != nil {
		return err
	}
	type toponyme struct {
		sum    orb.Point
		n      int
		latest time.Time
		nom    string
	}
	topos := map[string]*toponyme{}
	for _, a := range t.Addresses {
		if a.CommuneINSEE != insee {
			continue
		}
		cert := "0"
		if a.CertificationCommune {
			cert = "1"
		}
		if err := cw.Write(balRecord(a.CleInterop, a, strconv.Itoa(a.Numero), a.Suffixe, a.Position,
			a.LieuditComplementNom, a.CadParcelles, a.Source, a.DateDerMaj, cert)); err != nil {
			return err
		}
		if l := a.LieuditComplementNom; l != "" {
			tp := topos[l]
			if tp == nil {
				tp = &toponyme{nom: a.CommuneNom}
				topos[l] = tp
			}
			tp.sum = add(tp.sum, a.L93)
			tp.n++
			if a.DateDerMaj.After(tp.latest) {
				tp.latest = a.DateDerMaj
			}
		}
	}
	names := make([]string, 0, len(topos))
	for l := range topos {
		names = append(names, l)
	}
	sort.Strings(names)
	for i, l := range names {
		tp := topos[l]
		wgs := toWGS84Rounded(scale(tp.sum, 1/float64(tp.n)))
		a := Address{VoieNom: l, CommuneINSEE: insee, CommuneNom: tp.nom, Geometry: wgs, L93: ToLambert93(wgs)}
		cle := fmt.Sprintf("%s_t%03d_99999", insee, i+1)
		if err := cw.Write(balRecord(cle, a, "99999", "", "", "", "", "Sicoval", tp.latest, "0")); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func balRecord(cle string, a Address, numero, suffixe, position, lieudit, cad, source string, date time.Time, cert string) []string {
	return []string{
		"", cle, a.CommuneINSEE, a.CommuneNom, "", "", a.VoieNom, lieudit, numero, suffixe, position,
		strconv.FormatFloat(a.L93[0], 'f', 2, 64), strconv.FormatFloat(a.L93[1], 'f', 2, 64),
		strconv.FormatFloat(a.Geometry[0], 'f', 6, 64), strconv.FormatFloat(a.Geometry[1], 'f', 6, 64),
		cad, source, date.Format(time.DateOnly), cert,
	}
}

// Counts summarises a territory.
func (t *Territory) Counts() string {
	return fmt.Sprintf("communes %d, roads %d, addresses %d, land_cover %d",
		len(t.Communes), len(t.Roads), len(t.Addresses), len(t.Parcels))
}
