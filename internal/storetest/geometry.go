package storetest

import (
	"encoding/json"
	"math"
	"reflect"
)

// GeometryDistance is the largest difference between two GeoJSON
// geometries' ordinates, and +Inf with what differs when anything else
// does (type, crs, members, structure): the differential tests' measure of
// two encodings of the same geometry.
func GeometryDistance(a, b []byte) (float64, string) {
	var x, y map[string]any
	if err := json.Unmarshal(a, &x); err != nil {
		return math.Inf(1), err.Error()
	}
	if err := json.Unmarshal(b, &y); err != nil {
		return math.Inf(1), err.Error()
	}
	if x["type"] != y["type"] || !reflect.DeepEqual(x["crs"], y["crs"]) || len(x) != len(y) {
		return math.Inf(1), "type or crs"
	}
	var walk func(p, q any) float64
	walk = func(p, q any) float64 {
		switch p := p.(type) {
		case float64:
			if r, ok := q.(float64); ok {
				return math.Abs(p - r)
			}
		case []any:
			r, ok := q.([]any)
			if !ok || len(r) != len(p) {
				return math.Inf(1)
			}
			d := 0.0
			for i := range p {
				d = math.Max(d, walk(p[i], r[i]))
			}
			return d
		}
		return math.Inf(1)
	}
	return walk(x["coordinates"], y["coordinates"]), "coordinates"
}
