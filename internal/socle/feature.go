package socle

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/paulmach/orb"
)

// Feature is one feature as ready-made JSON fragments: stores produce them,
// encoders copy them to the response without decoding.
type Feature struct {
	// ID is the feature id as a JSON value (number or string).
	ID []byte
	// Geometry is a GeoJSON geometry object.
	Geometry []byte
	// Properties is a JSON object.
	Properties []byte
}

// Record is a feature as Go values, for Socle's own readers: the id
// (int64 or string), the geometry in the storage CRS at full precision, and
// the values of the query's properties in their order (nil, string, int64,
// float64, bool, time.Time for dates and date-times, json.RawMessage for
// objects). The geometry may be the store's own: read it, never change it.
type Record struct {
	ID       any
	Geometry orb.Geometry
	Values   []any
}

// Summary describes a collection's data: what metadata and caches need.
type Summary struct {
	// Version changes with every write to the collection.
	Version int64
	Count   int64
	// BBox is the extent in CRS84; nil when the collection is empty.
	BBox *BBox
	// Start and End bound the temporal property; nil when unknown.
	Start, End *time.Time
	// UpdatedAt is the time of the last write.
	UpdatedAt time.Time
	LastBatch string
}

// Change is what a committed write changed: the collection, its new
// version, and the areas touched, as boxes in each tile CRS (by SRID), old
// and new positions included, so caches drop exactly what is stale.
type Change struct {
	Collection string               `json:"collection"`
	Version    int64                `json:"version"`
	Boxes      map[int][][4]float64 `json:"boxes"`
	// All is true when the areas are unknown: drop everything of the
	// collection.
	All bool `json:"all,omitempty"`
}

// PropertiesJSON writes the values of props (as a Record holds them) as a
// JSON object: dates as YYYY-MM-DD, date-times in RFC 3339 with their
// fraction, objects as they are.
func PropertiesJSON(props []Property, values []any) (json.RawMessage, error) {
	buf := []byte{'{'}
	for i, p := range props {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = AppendJSONString(buf, p.Name)
		buf = append(buf, ':')
		switch v := values[i].(type) {
		case nil:
			buf = append(buf, "null"...)
		case json.RawMessage:
			buf = append(buf, v...)
		case string:
			buf = AppendJSONString(buf, v)
		case time.Time:
			if p.Type == TypeDate {
				buf = AppendJSONString(buf, v.Format(time.DateOnly))
			} else {
				buf = AppendJSONString(buf, FormatDateTime(v))
			}
		case int64:
			buf = strconv.AppendInt(buf, v, 10)
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("socle: property %s: %v has no JSON form", p.Name, v)
			}
			buf = AppendFloat(buf, v, false)
		case bool:
			buf = strconv.AppendBool(buf, v)
		default:
			return nil, fmt.Errorf("socle: property %s: unexpected %T", p.Name, v)
		}
	}
	return append(buf, '}'), nil
}
