// Package featurestream is the input contract of the feature encoders (CSV,
// FlatGeobuf, JSON-FG): a schema of typed columns, then features one at a
// time, each with its id, its geometry already in the output CRS and its
// values aligned with the columns. A store streams rows into an Encoder
// without knowing the format; an encoder writes without knowing the store.
//
// The package owns the contract and the few rules every encoder applies the
// same way (which Go value a column type holds, how a number is written as
// decimal text). It is storage-free and imports only the standard library
// and github.com/paulmach/orb; the encoders import it, never the reverse.
package featurestream

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/paulmach/orb"
)

// Type is the type of a column: the JSON-Schema-like property types of OGC
// API – Features schemas and queryables (Socle's socle.Type converts to it).
type Type string

// Column types, and the Go value a feature holds for each (nil is null):
const (
	TypeString   Type = "string"    // string
	TypeInteger  Type = "integer"   // int64
	TypeNumber   Type = "number"    // float64
	TypeBoolean  Type = "boolean"   // bool
	TypeDate     Type = "date"      // time.Time, its date in its own location
	TypeDateTime Type = "date-time" // time.Time
	TypeObject   Type = "object"    // json.RawMessage holding a JSON object
)

// Column is one attribute of the features, in the order encoders write them.
type Column struct {
	Name string
	Type Type
}

// Feature is one feature of the stream. Encoders read it during Encode only
// and keep no reference to it, so a producer may reuse one Feature (and its
// Values slice) for every row.
type Feature struct {
	// ID is an int64, a string, or nil when the feature has none.
	ID any
	// Geometry is in the output CRS, easting or longitude first (PostGIS
	// axis order, whatever the CRS's official order); nil when the feature
	// has no geometry.
	Geometry orb.Geometry
	// Values holds one value per column, of the column's Go type or nil.
	Values []any
}

// Encoder writes features to its output as they arrive. Close ends the
// document (it does not close the underlying writer); after an error the
// output is incomplete and must be discarded.
type Encoder interface {
	Encode(f *Feature) error
	Close() error
}

// ErrClosed is returned by Encode after Close.
var ErrClosed = errors.New("featurestream: encoder closed")

// ValueError is a feature value that does not fit its column.
type ValueError struct {
	Column string
	Type   Type
	Value  any
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("featurestream: column %q of type %s holds a %T", e.Column, e.Type, e.Value)
}

// CheckColumns validates a schema: names present and unique, types known.
func CheckColumns(cols []Column) error {
	seen := make(map[string]bool, len(cols))
	for _, c := range cols {
		if c.Name == "" {
			return errors.New("featurestream: a column has no name")
		}
		if seen[c.Name] {
			return fmt.Errorf("featurestream: column %q appears twice", c.Name)
		}
		seen[c.Name] = true
		switch c.Type {
		case TypeString, TypeInteger, TypeNumber, TypeBoolean, TypeDate, TypeDateTime, TypeObject:
		default:
			return fmt.Errorf("featurestream: column %q has unknown type %q", c.Name, c.Type)
		}
	}
	return nil
}

// Check reports whether f fits the schema: an id that is nil, int64 or
// string, and one value per column of the column's Go type (or nil).
func Check(cols []Column, f *Feature) error {
	switch f.ID.(type) {
	case nil, int64, string:
	default:
		return fmt.Errorf("featurestream: feature id is a %T, not an int64 or a string", f.ID)
	}
	if len(f.Values) != len(cols) {
		return fmt.Errorf("featurestream: feature %v has %d values for %d columns", f.ID, len(f.Values), len(cols))
	}
	for i, v := range f.Values {
		if v == nil {
			continue
		}
		var ok bool
		switch cols[i].Type {
		case TypeString:
			_, ok = v.(string)
		case TypeInteger:
			_, ok = v.(int64)
		case TypeNumber:
			_, ok = v.(float64)
		case TypeBoolean:
			_, ok = v.(bool)
		case TypeDate, TypeDateTime:
			_, ok = v.(time.Time)
		case TypeObject:
			_, ok = v.(json.RawMessage)
		}
		if !ok {
			return &ValueError{Column: cols[i].Name, Type: cols[i].Type, Value: v}
		}
	}
	return nil
}
