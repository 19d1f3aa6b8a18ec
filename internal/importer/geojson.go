package importer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
)

// crsName matches the CRS names GeoJSON files declare in their (pre-RFC 7946)
// "crs" member: urn:ogc:def:crs:EPSG::2154, EPSG:2154, OGC URIs, CRS84.
var crsName = regexp.MustCompile(`(?i)(?:EPSG(?:::|:|/0/)|epsg\.io/)(\d+)$`)

// parseCRS returns the SRID a GeoJSON "crs" member names.
func parseCRS(raw json.RawMessage) (int, error) {
	var m struct {
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return 0, fmt.Errorf("geojson: invalid crs member: %w", err)
	}
	name := m.Properties.Name
	if strings.HasSuffix(strings.ToUpper(name), "CRS84") {
		return 4326, nil
	}
	sm := crsName.FindStringSubmatch(name)
	if sm == nil {
		return 0, fmt.Errorf("geojson: unsupported crs %q", name)
	}
	srid, err := strconv.Atoi(sm[1])
	if err != nil {
		return 0, fmt.Errorf("geojson: unsupported crs %q", name)
	}
	if _, err := crs.NewTransformer(srid, socle.StorageSRID); err != nil {
		return 0, fmt.Errorf("geojson: unknown CRS EPSG:%d (%q): Socle cannot transform it", srid, name)
	}
	return srid, nil
}

// readGeoJSON streams the features of a FeatureCollection to fn, one at a
// time, so a large file is never held in memory whole. Positions default to
// CRS84; a "crs" member (before "features") declares another CRS.
func readGeoJSON(r io.Reader, fn func(f *geojson.Feature, srid int, index int) error) error {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return err
	}
	srid := 4326
	seenFeatures := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("geojson: %w", err)
		}
		key, _ := tok.(string)
		switch key {
		case "type":
			var t string
			if err := dec.Decode(&t); err != nil || t != "FeatureCollection" {
				return fmt.Errorf("geojson: expected a FeatureCollection, got type %q", t)
			}
		case "crs":
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return fmt.Errorf("geojson: %w", err)
			}
			if seenFeatures {
				return errors.New("geojson: the crs member must come before the features")
			}
			if srid, err = parseCRS(raw); err != nil {
				return err
			}
		case "features":
			seenFeatures = true
			if err := expectDelim(dec, '['); err != nil {
				return err
			}
			for i := 1; dec.More(); i++ {
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return fmt.Errorf("geojson: feature %d: %w", i, err)
				}
				f, err := geojson.UnmarshalFeature(raw)
				if err != nil {
					f = nil // reported as a reject by fn
				}
				if err := fn(f, srid, i); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return fmt.Errorf("geojson: %w", err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fmt.Errorf("geojson: %w", err)
			}
		}
	}
	if !seenFeatures {
		return errors.New("geojson: no features member")
	}
	return nil
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("geojson: %w", err)
	}
	if tok != d {
		return fmt.Errorf("geojson: expected %q, got %v", d, tok)
	}
	return nil
}

// featureRow validates one GeoJSON feature for collection c.
func featureRow(c *socle.Collection, f *geojson.Feature, srid int) (socle.Row, *socle.Reject) {
	if f == nil {
		return socle.Row{}, &socle.Reject{Reason: "not a valid GeoJSON feature"}
	}
	g, rej := checkGeometry(c, f.Geometry, srid)
	if rej != nil {
		return socle.Row{}, rej
	}
	id := f.ID
	if id == nil {
		id = f.Properties["id"]
	}
	if c.ID == "communes" && id == nil {
		id = f.Properties["insee"]
	}
	switch c.IDType {
	case socle.TypeInteger:
		switch x := id.(type) {
		case float64:
			if x != math.Trunc(x) || x < 0 || x > 1<<53 {
				return socle.Row{}, &socle.Reject{Column: "id", Reason: fmt.Sprintf("id %v is not a non-negative integer", x)}
			}
			id = int64(x)
		case string:
			n, err := strconv.ParseInt(x, 10, 64)
			if err != nil || n < 0 {
				return socle.Row{}, &socle.Reject{Column: "id", Reason: fmt.Sprintf("id %q is not a non-negative integer", x)}
			}
			id = n
		case nil:
			if c.ID != "addresses" { // addresses are keyed by cle_interop
				return socle.Row{}, &socle.Reject{Column: "id", Reason: "missing feature id"}
			}
		default:
			return socle.Row{}, &socle.Reject{Column: "id", Reason: "the feature id must be an integer"}
		}
	case socle.TypeString:
		s, ok := id.(string)
		if !ok || s == "" {
			return socle.Row{}, &socle.Reject{Column: "id", Reason: "missing or non-string feature id"}
		}
		if c.ID == "communes" && f.Properties["insee"] != nil && f.Properties["insee"] != s {
			return socle.Row{}, &socle.Reject{Column: "insee", Reason: "the feature id and insee differ"}
		}
		if c.ID == "communes" {
			f.Properties["insee"] = s
		}
	}
	props, rej := typedProperties(c, f.Properties)
	if rej != nil {
		return socle.Row{}, rej
	}
	g, rej = toStorage(g, srid)
	if rej != nil {
		return socle.Row{}, rej
	}
	return socle.Row{ID: id, Geometry: g, Properties: props}, nil
}

// checkGeometry accepts the collection's geometry type (a Polygon where
// MultiPolygons are stored, a one-part MultiPolygon where Polygons are) with
// finite coordinates, in range when geographic.
func checkGeometry(c *socle.Collection, g orb.Geometry, srid int) (orb.Geometry, *socle.Reject) {
	if g == nil {
		return nil, &socle.Reject{Column: "geometry", Reason: "missing geometry"}
	}
	switch {
	case slices.Contains(c.GeometryTypes(), g.GeoJSONType()):
	case c.GeometryType == "MultiPolygon" && g.GeoJSONType() == "Polygon":
		g = orb.MultiPolygon{g.(orb.Polygon)}
	case c.GeometryType == "Polygon" && g.GeoJSONType() == "MultiPolygon" && len(g.(orb.MultiPolygon)) == 1:
		g = g.(orb.MultiPolygon)[0]
	default:
		return nil, &socle.Reject{Column: "geometry", Reason: fmt.Sprintf("expected a %s, got a %s", c.GeometryType, g.GeoJSONType())}
	}
	bad := ""
	count := 0
	forEachPoint(g, func(p orb.Point) {
		count++
		for _, v := range p {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				bad = "non-finite coordinate"
			}
		}
		if srid == 4326 && (p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90) {
			bad = fmt.Sprintf("coordinate %v is not longitude, latitude: declare the file's crs", p)
		}
	})
	if bad == "" && count == 0 {
		bad = "empty geometry"
	}
	if bad == "" {
		switch gg := g.(type) {
		case orb.LineString:
			if len(gg) < 2 {
				bad = "a line needs at least 2 points"
			}
		case orb.Polygon:
			bad = ringProblem(gg)
		case orb.MultiPolygon:
			for _, p := range gg {
				if bad = ringProblem(p); bad != "" {
					break
				}
			}
		}
	}
	if bad != "" {
		return nil, &socle.Reject{Column: "geometry", Reason: bad}
	}
	return g, nil
}

func ringProblem(p orb.Polygon) string {
	for _, r := range p {
		if len(r) < 4 || r[0] != r[len(r)-1] {
			return "a polygon ring needs at least 4 points and must be closed"
		}
	}
	return ""
}

func forEachPoint(g orb.Geometry, fn func(orb.Point)) {
	switch gg := g.(type) {
	case orb.Point:
		fn(gg)
	case orb.MultiPoint:
		for _, p := range gg {
			fn(p)
		}
	case orb.LineString:
		for _, p := range gg {
			fn(p)
		}
	case orb.MultiLineString:
		for _, l := range gg {
			forEachPoint(l, fn)
		}
	case orb.Ring:
		for _, p := range gg {
			fn(p)
		}
	case orb.Polygon:
		for _, r := range gg {
			forEachPoint(r, fn)
		}
	case orb.MultiPolygon:
		for _, p := range gg {
			forEachPoint(p, fn)
		}
	}
}
