// Package roadreport reads and validates the road-state reports of the
// waste-collection trucks, as the contract in the README states it: a CSV
// with the header time,lon,lat,vehicle_id,heading,condition,comment, or a
// GeoJSON FeatureCollection of Points with the same properties. Vehicle ids
// identify a driver's round: the reader replaces them at once with a keyed
// hash (Pseudonymizer), so nothing downstream holds the original.
package roadreport

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/socle-geo/socle/internal/socle"
)

// Columns is the CSV header of the contract, in its order.
var Columns = []string{"time", "lon", "lat", "vehicle_id", "heading", "condition", "comment"}

// Conditions names the condition levels, 0 to 3.
var Conditions = []string{"bon", "moyen", "degrade", "dangereux"}

// Report is one valid report.
type Report struct {
	Line int
	Time time.Time
	Lon  float64
	Lat  float64
	// Vehicle is the pseudonym of the vehicle id.
	Vehicle string
	// Heading is in degrees clockwise from north; NaN when not given.
	Heading   float64
	Condition int
	Comment   string
}

// Key identifies a report whatever file brings it: the same report sent
// twice is stored once.
func (r Report) Key() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%d|%.7f|%.7f|%d", r.Vehicle, r.Time.UnixMicro(), r.Lon, r.Lat, r.Condition)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Pseudonymizer replaces vehicle ids by an HMAC-SHA256 under a secret key:
// stable for one key (a vehicle's reports stay linked), not reversible
// without it.
type Pseudonymizer struct{ key []byte }

// NewPseudonymizer refuses keys too short to resist a search over vehicle
// ids, which are few.
func NewPseudonymizer(key []byte) (*Pseudonymizer, error) {
	if len(key) < 16 {
		return nil, socle.Errorf(socle.EINVALID, "the pseudonymisation key must be at least 16 bytes (set --pseudonym-key or SOCLE_PSEUDONYM_KEY)")
	}
	return &Pseudonymizer{key: slices.Clone(key)}, nil
}

// Pseudonym returns the pseudonym of a vehicle id: "v-" and 24 hex digits.
func (p *Pseudonymizer) Pseudonym(vehicle string) string {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(vehicle))
	return "v-" + hex.EncodeToString(m.Sum(nil)[:12])
}

// Info describes the file as read.
type Info struct {
	Format string `json:"format"`
	Rows   int    `json:"rows"`
}

// Read parses a whole file, CSV or GeoJSON (told apart by its first
// character). Every record is a Report or a Reject with its line (for
// GeoJSON, its 1-based position in the features array) and reason; a Reject
// never carries the raw vehicle id.
func Read(data []byte, p *Pseudonymizer) ([]Report, []socle.Reject, Info, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return readGeoJSON(t, p)
	}
	return readCSV(data, p)
}

func readCSV(data []byte, p *Pseudonymizer) ([]Report, []socle.Reject, Info, error) {
	info := Info{Format: "csv"}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err == io.EOF {
		return nil, nil, info, socle.Errorf(socle.EINVALID, "road reports: the file is empty: expected the header %s", strings.Join(Columns, ","))
	}
	if err != nil {
		return nil, nil, info, socle.Errorf(socle.EINVALID, "road reports: header: %v", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	if len(header) != len(Columns) {
		return nil, nil, info, socle.Errorf(socle.EINVALID, "road reports: the header must be %s", strings.Join(Columns, ","))
	}
	for _, c := range Columns {
		if _, ok := col[c]; !ok {
			return nil, nil, info, socle.Errorf(socle.EINVALID, "road reports: the header must be %s (column %s missing)", strings.Join(Columns, ","), c)
		}
	}
	var out []Report
	var rejects []socle.Reject
	var fields record
	var idx [len(record{})]int
	for i, c := range Columns {
		idx[i] = col[c]
	}
	r.ReuseRecord = true
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, nil, info, err
			}
			rejects = append(rejects, socle.Reject{Line: pe.StartLine, Reason: fmt.Sprintf("unreadable CSV (lines %d to %d): %v", pe.StartLine, pe.Line, pe.Err)})
			continue
		}
		info.Rows++
		line, _ := r.FieldPos(0)
		if len(rec) != len(Columns) {
			rejects = append(rejects, socle.Reject{Line: line, Reason: fmt.Sprintf("%d fields where the header has %d", len(rec), len(Columns))})
			continue
		}
		for i, j := range idx {
			fields[i] = strings.TrimSpace(rec[j])
		}
		rep, column, err := parse(&fields, p)
		if err != nil {
			rejects = append(rejects, socle.Reject{Line: line, Column: column, Reason: err.Error(), Raw: rawWithoutVehicle(&fields)})
			continue
		}
		rep.Line = line
		out = append(out, rep)
	}
	return out, rejects, info, nil
}

// record holds a record's fields as text, in the order of Columns.
type record [7]string

const (
	fTime = iota
	fLon
	fLat
	fVehicle
	fHeading
	fCondition
	fComment
)

// rawWithoutVehicle is a rejected record for its producer, with the vehicle
// id left out: rejects are kept in the store and reported.
func rawWithoutVehicle(f *record) string {
	parts := f[:]
	if f[fVehicle] != "" {
		parts = slices.Clone(parts)
		parts[fVehicle] = "(removed)"
	}
	return strings.Join(parts, ",")
}

// parse validates one record's fields (all as text) against the contract.
func parse(f *record, p *Pseudonymizer) (Report, string, error) {
	var r Report
	t, err := time.Parse(time.RFC3339Nano, f[fTime])
	if err != nil {
		return r, "time", fmt.Errorf("time %q is not an RFC 3339 date-time with its offset", f[fTime])
	}
	r.Time = t.UTC()
	lon, err1 := strconv.ParseFloat(f[fLon], 64)
	lat, err2 := strconv.ParseFloat(f[fLat], 64)
	if err1 != nil || err2 != nil || math.IsNaN(lon) || math.IsNaN(lat) {
		return r, "lon", fmt.Errorf("lon %q, lat %q: not numbers", f[fLon], f[fLat])
	}
	if lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return r, "lon", fmt.Errorf("lon %g, lat %g: not WGS84 degrees", lon, lat)
	}
	r.Lon, r.Lat = lon, lat
	if f[fVehicle] == "" {
		return r, "vehicle_id", errors.New("vehicle_id is empty")
	}
	r.Vehicle = p.Pseudonym(f[fVehicle])
	r.Heading = math.NaN()
	if h := f[fHeading]; h != "" {
		v, err := strconv.ParseFloat(h, 64)
		if err != nil || math.IsNaN(v) || v < 0 || v > 360 {
			return r, "heading", fmt.Errorf("heading %q is not a number of degrees from 0 to 360", h)
		}
		r.Heading = math.Mod(v, 360)
	}
	c, ok := Condition(f[fCondition])
	if !ok {
		return r, "condition", fmt.Errorf("condition %q is not 0, 1, 2, 3 or %s", f[fCondition], strings.Join(Conditions, ", "))
	}
	r.Condition = c
	r.Comment = f[fComment]
	return r, "", nil
}

// Condition reads a condition as a number 0–3 or its word (accents and
// case do not matter: "Dégradé" is 2).
func Condition(s string) (int, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) == 1 && s[0] >= '0' && s[0] <= '3' {
		return int(s[0] - '0'), true
	}
	s = strings.NewReplacer("é", "e", "è", "e").Replace(s)
	i := slices.Index(Conditions, s)
	return i, i >= 0
}

// geoJSON is the subset of a FeatureCollection the contract uses.
type geoJSON struct {
	Type     string `json:"type"`
	Features []struct {
		Type     string `json:"type"`
		Geometry *struct {
			Type        string            `json:"type"`
			Coordinates []json.RawMessage `json:"coordinates"`
		} `json:"geometry"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
}

func readGeoJSON(data []byte, p *Pseudonymizer) ([]Report, []socle.Reject, Info, error) {
	info := Info{Format: "geojson"}
	var fc geoJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&fc); err != nil {
		return nil, nil, info, socle.Errorf(socle.EINVALID, "road reports: not a GeoJSON FeatureCollection: %v", err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, nil, info, socle.Errorf(socle.EINVALID, "road reports: a GeoJSON file must be a FeatureCollection, not %q", fc.Type)
	}
	var out []Report
	var rejects []socle.Reject
	for i, f := range fc.Features {
		info.Rows++
		line := i + 1
		var fields record
		for j, c := range Columns {
			switch v := f.Properties[c].(type) {
			case nil:
			case string:
				fields[j] = strings.TrimSpace(v)
			case json.Number:
				fields[j] = v.String()
			default:
				fields[j] = fmt.Sprint(v)
			}
		}
		fields[fLon], fields[fLat] = "", ""
		if f.Type != "Feature" || f.Geometry == nil || f.Geometry.Type != "Point" || len(f.Geometry.Coordinates) < 2 {
			rejects = append(rejects, socle.Reject{Line: line, Column: "geometry", Reason: "not a Feature with a Point geometry", Raw: rawWithoutVehicle(&fields)})
			continue
		}
		fields[fLon] = string(f.Geometry.Coordinates[0])
		fields[fLat] = string(f.Geometry.Coordinates[1])
		rep, column, err := parse(&fields, p)
		if err != nil {
			rejects = append(rejects, socle.Reject{Line: line, Column: column, Reason: err.Error(), Raw: rawWithoutVehicle(&fields)})
			continue
		}
		rep.Line = line
		out = append(out, rep)
	}
	return out, rejects, info, nil
}
