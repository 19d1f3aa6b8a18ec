package socle

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/socle-geo/socle/ogc/cql2"
	"github.com/socle-geo/socle/ogc/crs"
	"github.com/socle-geo/socle/ogc/tiles"
)

// BBox is an axis-aligned box. In a query its numbers are in the axis order
// of the query's BBoxCRS (for EPSG:4326: minlat, minlon, maxlat, maxlon);
// in a Summary it is in CRS84.
type BBox struct {
	MinX, MinY, MaxX, MaxY float64
}

// Interval is a closed or half-open time interval; a nil end is open. An
// instant has Start == End.
type Interval struct {
	Start, End *time.Time
}

// Equals is a simple property filter, `?name=value`, already typed.
type Equals struct {
	Property string
	Value    any
}

// SortKey orders features by a property.
type SortKey struct {
	Property string
	Desc     bool
}

// Cursor marks where a page starts: after (or, for a previous page, before)
// the feature whose sort keys are Keys. The last key is the feature id.
type Cursor struct {
	Keys   []json.RawMessage `json:"k"`
	Before bool              `json:"b,omitempty"`
}

// Encode returns the cursor as an opaque URL-safe token.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor parses a token made by Encode.
func DecodeCursor(s string) (*Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c Cursor
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || len(c.Keys) == 0 {
		return nil, Errorf(EINVALID, "invalid cursor %q: use the links the server returned", s)
	}
	return &c, nil
}

// ItemsQuery is a parsed, validated request for features: a value, not SQL.
// Each store compiles it its own way.
type ItemsQuery struct {
	Collection *Collection
	// CRS is the output CRS (zero value: CRS84).
	CRS  crs.CRS
	BBox *BBox
	// BBoxCRS is the CRS of BBox (zero value: CRS84).
	BBoxCRS  crs.CRS
	Datetime *Interval
	Equals   []Equals
	// Filter is a CQL2 predicate (nil: none); FilterCRS is the CRS of its
	// geometry literals (zero value: CRS84).
	Filter    cql2.Expr
	FilterCRS crs.CRS
	// SortBy never includes the id: stores append it as the tie-breaker.
	SortBy []SortKey
	// Properties selects the properties to return; nil means all.
	Properties []string
	Limit      int
	Cursor     *Cursor
	// Exact asks for geometries at full precision, not rounded to about a
	// centimetre: for copies between stores, not for clients.
	Exact bool
}

// ExactDecimals is the number of decimals of exact geometries: the most
// ST_AsGeoJSON writes, enough to read back every stored double.
const ExactDecimals = 15

// Decimals returns the number of decimals geometries are written with.
func (q *ItemsQuery) Decimals() int {
	if q.Exact {
		return ExactDecimals
	}
	return q.OutputCRS().Decimals()
}

// ParseValue converts the text of a simple property filter to the type of p.
func ParseValue(p Property, s string) (any, error) {
	bad := func() error {
		return Errorf(EINVALID, "invalid value %q for property %s: expected %s", s, p.Name, p.Type)
	}
	switch p.Type {
	case TypeString:
		return s, nil
	case TypeInteger:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, bad()
		}
		return v, nil
	case TypeNumber:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || strings.ContainsAny(s, "nN") { // no NaN, Inf
			return nil, bad()
		}
		return v, nil
	case TypeBoolean:
		v, err := strconv.ParseBool(s)
		if err != nil {
			return nil, bad()
		}
		return v, nil
	case TypeDate:
		v, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, bad()
		}
		return v, nil
	case TypeDateTime:
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, bad()
		}
		return v, nil
	}
	return nil, Errorf(EINVALID, "property %s cannot be filtered by value", p.Name)
}

// FeatureQuery asks for one feature.
type FeatureQuery struct {
	Collection *Collection
	ID         string
	// Properties selects the properties to return; nil means all.
	Properties []string
	CRS        crs.CRS
}

// OutputCRS returns the CRS to write geometries in.
func (q *ItemsQuery) OutputCRS() crs.CRS { return orCRS84(q.CRS) }

// OutputCRS returns the CRS to write the geometry in.
func (q *FeatureQuery) OutputCRS() crs.CRS { return orCRS84(q.CRS) }

// BoxCRS returns the CRS of the bbox.
func (q *ItemsQuery) BoxCRS() crs.CRS { return orCRS84(q.BBoxCRS) }

func orCRS84(c crs.CRS) crs.CRS {
	if c.URI == "" {
		return crs.CRS84
	}
	return c
}

// TileQuery asks for one vector tile holding the given collections' layers.
type TileQuery struct {
	Tile        tiles.Tile
	Collections []*Collection
}

// TileExtent and TileBuffer are the MVT grid of a tile and the margin
// features are kept in beyond its edges (so strokes and labels join up).
const (
	TileExtent = 4096
	TileBuffer = 64
)
