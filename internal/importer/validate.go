package importer

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/socle-geo/socle/internal/socle"
)

// typedProperties checks raw properties against the collection's catalog and
// returns them as a JSON object of typed values. Unknown and derived
// properties are dropped (derived ones are Socle's to compute).
func typedProperties(c *socle.Collection, raw map[string]any) (json.RawMessage, *socle.Reject) {
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
	b, err := json.Marshal(out)
	if err != nil {
		return nil, &socle.Reject{Reason: err.Error()}
	}
	return b, nil
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
		return s, nil
	case socle.TypeInteger:
		switch x := v.(type) {
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
			return x, nil
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
		if s, ok := v.(string); ok {
			if _, err := time.Parse(time.DateOnly, s); err == nil {
				return s, nil
			}
		}
	case socle.TypeDateTime:
		if s, ok := v.(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return t.UTC().Format(time.RFC3339Nano), nil
			}
		}
	case socle.TypeObject:
		if m, ok := v.(map[string]any); ok {
			return m, nil
		}
	}
	return nil, bad()
}
