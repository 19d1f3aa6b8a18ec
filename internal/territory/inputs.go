package territory

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// inputs holds the real data the generator starts from (see inputs/SOURCES.md).
//
//go:embed inputs/*.geojson inputs/*.csv
var inputs embed.FS

// EPCISIREN is the SIREN of the CA du Sicoval, the sample territory.
const EPCISIREN = "243100633"

// CommuneInfo is one member commune with its real boundary.
type CommuneInfo struct {
	INSEE      string
	Nom        string
	Population int
	Geometry   orb.Polygon // WGS84, as published
}

// LoadCommunes returns the 36 member communes, sorted by INSEE code.
func LoadCommunes() ([]CommuneInfo, error) {
	members, err := readCSV("inputs/epci-243100633-membres.csv")
	if err != nil {
		return nil, err
	}
	byCode := map[string]CommuneInfo{}
	for _, r := range members {
		if r["epci_siren"] != EPCISIREN {
			continue
		}
		pop, err := strconv.Atoi(r["population_municipale"])
		if err != nil {
			return nil, fmt.Errorf("territory: population of %s: %w", r["commune_insee"], err)
		}
		byCode[r["commune_insee"]] = CommuneInfo{INSEE: r["commune_insee"], Nom: r["commune_nom"], Population: pop}
	}
	raw, err := inputs.ReadFile("inputs/communes-sicoval.geojson")
	if err != nil {
		return nil, err
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		return nil, fmt.Errorf("territory: communes: %w", err)
	}
	var out []CommuneInfo
	for _, f := range fc.Features {
		code, _ := f.Properties["code"].(string)
		ci, ok := byCode[code]
		if !ok {
			return nil, fmt.Errorf("territory: commune %s is not a member of %s", code, EPCISIREN)
		}
		poly, ok := f.Geometry.(orb.Polygon)
		if !ok || len(poly) != 1 {
			return nil, fmt.Errorf("territory: commune %s: want a Polygon with one ring, got %T", code, f.Geometry)
		}
		ci.Geometry = poly
		out = append(out, ci)
		delete(byCode, code)
	}
	if len(byCode) != 0 {
		return nil, fmt.Errorf("territory: %d member communes have no boundary", len(byCode))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].INSEE < out[j].INSEE })
	return out, nil
}

// Matrix is the OCS GE couverture × usage → artificialised table.
type Matrix map[[2]string]bool

// LoadMatrix reads the OCS GE artificialisation matrix.
func LoadMatrix() (Matrix, error) {
	rows, err := readCSV("inputs/ocsge-matrice-artificialisation.csv")
	if err != nil {
		return nil, err
	}
	m := Matrix{}
	for _, r := range rows {
		v, err := strconv.ParseBool(r["artificialise"])
		if err != nil {
			return nil, fmt.Errorf("territory: matrix %s×%s: %w", r["code_cs"], r["code_us"], err)
		}
		m[[2]string{r["code_cs"], r["code_us"]}] = v
	}
	return m, nil
}

// Artificialised looks a (CS, US) pair up; ok is false when the pair is absent.
func (m Matrix) Artificialised(cs, us string) (v, ok bool) {
	v, ok = m[[2]string{cs, us}]
	return v, ok
}

// readCSV reads an embedded comma-separated file into header-keyed rows.
func readCSV(name string) ([]map[string]string, error) {
	raw, err := inputs.ReadFile(name)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(raw))
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("territory: %s: %w", name, err)
	}
	var rows []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("territory: %s: %w", name, err)
		}
		row := make(map[string]string, len(header))
		for i, h := range header {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
}
