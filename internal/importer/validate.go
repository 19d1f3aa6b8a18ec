package importer

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
)

// typedProperties checks raw properties against the collection's catalog and
// returns them typed as rows carry them (socle.Row). Unknown and derived
// properties are dropped (derived ones are Socle's to compute).
func typedProperties(c *socle.Collection, raw map[string]any) (map[string]any, *socle.Reject) {
	out := make(map[string]any, len(c.Properties))
	for _, p := range c.Properties {
		if p.Derived {
			continue
		}
		v, present := raw[p.Name]
		if !present || v == nil || v == "" && p.Type != socle.TypeString {
			if !p.Nullable && p.Name != "updated_at" && !(c.ID == "communes" && p.Name == "epci_siren") {
				return nil, &socle.Reject{Column: p.Name, Reason: "missing required property " + p.Name}
			}
			out[p.Name] = nil
			continue
		}
		tv, err := typed(p, v)
		if err != nil {
			return nil, &socle.Reject{Column: p.Name, Reason: err.Error()}
		}
		out[p.Name] = tv
	}
	return out, nil
}

// typed converts one JSON value to the property's type, leniently where the
// meaning is unambiguous (a number written as a string), never where it would
// lose information (an INSEE code given as a number loses its leading zero).
func typed(p socle.Property, v any) (any, error) {
	bad := func() error { return fmt.Errorf("%s: %v is not a valid %s", p.Name, v, p.Type) }
	switch p.Type {
	case socle.TypeString:
		s, ok := v.(string)
		if !ok {
			return nil, bad()
		}
		if p.Enum != nil && !slices.Contains(p.Enum, s) {
			return nil, fmt.Errorf("%s: %q is not one of %s", p.Name, s, strings.Join(p.Enum, ", "))
		}
		return v, nil // v itself: boxing s again would allocate
	case socle.TypeInteger:
		switch x := v.(type) {
		case int64:
			return v, nil
		case int:
			return int64(x), nil
		case float64:
			if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
				return nil, bad()
			}
			return int64(x), nil
		case string:
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			if err != nil {
				return nil, bad()
			}
			return n, nil
		}
	case socle.TypeNumber:
		switch x := v.(type) {
		case float64:
			return v, nil
		case int64:
			return float64(x), nil
		case string:
			f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, bad()
			}
			return f, nil
		}
	case socle.TypeBoolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			switch strings.ToLower(x) {
			case "true", "1", "oui":
				return true, nil
			case "false", "0", "non":
				return false, nil
			}
		case float64:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
		}
	case socle.TypeDate:
		switch x := v.(type) {
		case string:
			if d, err := time.Parse(time.DateOnly, x); err == nil {
				return d, nil
			}
		case time.Time:
			return socle.Day(x), nil
		}
	case socle.TypeDateTime:
		switch x := v.(type) {
		case string:
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return t.UTC(), nil
			}
		case time.Time:
			return x.UTC(), nil
		}
	case socle.TypeObject:
		if m, ok := v.(map[string]any); ok {
			b, err := json.Marshal(m)
			if err != nil {
				return nil, bad()
			}
			return json.RawMessage(b), nil
		}
	}
	return nil, bad()
}

// toStorage returns g, in srid, in the storage CRS.
func toStorage(g orb.Geometry, srid int) (orb.Geometry, *socle.Reject) {
	if srid == socle.StorageSRID {
		return g, nil
	}
	tr, err := crs.NewTransformer(srid, socle.StorageSRID)
	if err != nil {
		return nil, &socle.Reject{Column: "geometry", Reason: fmt.Sprintf("EPSG:%d cannot be transformed", srid)}
	}
	out, err := crs.TransformGeometry(g, tr)
	if err != nil {
		return nil, &socle.Reject{Column: "geometry", Reason: "a position is outside the domain of the territory's CRS: " + err.Error()}
	}
	return out, nil
}
