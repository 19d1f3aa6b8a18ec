package socle

import (
	"slices"
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/ogc/cql2"
	"github.com/socle-geo/socle/ogc/crs"
	"github.com/socle-geo/socle/ogc/tiles"
)

// StorageSRID is the CRS every store keeps geometries in: Lambert-93.
const StorageSRID = 2154

// StorageCRS is the CRS of StorageSRID.
var StorageCRS = crs.Lambert

// BBox is an axis-aligned box. In a request its numbers are in the axis
// order of the request's BBoxCRS (for EPSG:4326: minlat, minlon, maxlat,
// maxlon); in a Summary it is in CRS84.
type BBox struct {
	MinX, MinY, MaxX, MaxY float64
}

// Interval is a closed or half-open time interval; a nil end is open. An
// instant has Start == End.
type Interval struct {
	Start, End *time.Time
}

// SortKey is one key of a requested order: a property name, ascending
// unless Desc.
type SortKey struct {
	Property string
	Desc     bool
}

// ItemsQuery is a request for features resolved against its collection
// (ResolveItems): every name checked, every value typed, every geometry in
// the storage CRS, the cursor bound to the query. Stores compile it their
// own way and never find anything in it to refuse.
type ItemsQuery struct {
	Collection *Collection
	// CRS is the output CRS (CRS84 unless asked otherwise).
	CRS crs.CRS
	// Area is the bbox, as a polygon in the storage CRS (nil: none).
	Area *Area
	// Datetime bounds the collection's temporal property (nil: none).
	Datetime *TimeRange
	// Equals are the simple property filters, ?name=value, by name.
	Equals []Equals
	// Filter is a CQL2 predicate (nil: none) whose property names are
	// queryables of the collection and whose geometry literals are in the
	// storage CRS (BBOX literals became polygons): see ResolveItems.
	Filter cql2.Expr
	// Order is the order of the features, the feature id last.
	Order []OrderKey
	// Properties are the properties returned, in order.
	Properties []Property
	Limit      int
	// Cursor is where the page starts (nil: the first page).
	Cursor *Cursor
	// fingerprint binds cursors to the selection and order that made them.
	fingerprint string
}

// Area is a bbox in the storage CRS: the box's outline (its edges cut
// before projection so that they stay where they were drawn) and its
// bounds.
type Area struct {
	Polygon orb.Polygon
	Bound   orb.Bound
}

// TimeRange bounds a temporal property. Date-times are truncated to the
// microsecond, the precision stores keep; for a date property the bounds
// are the UTC days of the instants asked for (a date is its whole day).
type TimeRange struct {
	Property   Property
	Start, End *time.Time
}

// Equals is a simple property filter, `?name=value`, typed as its property.
type Equals struct {
	Property Property
	Value    any
}

// OrderKey is one key of a resolved order: a property, or the feature id
// (ID true, always the last key; its Property names the id column and
// gives the ids' type).
type OrderKey struct {
	Property Property
	ID       bool
	Desc     bool
}

// Nullable says whether the key may be null: nulls come after every value
// in ascending order and before them in descending order.
func (k OrderKey) Nullable() bool { return !k.ID && k.Property.Nullable }

// Cursor marks where a page starts: after (or, for a previous page,
// before) the feature whose order keys are Keys, typed as the keys are
// (int64, float64, string, bool, time.Time, or nil).
type Cursor struct {
	Keys   []any
	Before bool
}

// FeatureQuery asks for one feature.
type FeatureQuery struct {
	Collection *Collection
	ID         string
	// Properties are the properties returned, in order.
	Properties []Property
	CRS        crs.CRS
}

// Page is what a store says about the features it streamed.
type Page struct {
	// NumberMatched counts every feature that matches, over all pages.
	NumberMatched  int64
	NumberReturned int
	// Next and Prev are set when there is a next or previous page.
	Next, Prev *Cursor
}

// NewPage assembles the links of a page: rows were read in walking order
// (backwards for a previous page), more says whether a row beyond Limit
// was found, first and last are the keys of the page's first and last
// features in q's order (nil when the page is empty).
func NewPage(q *ItemsQuery, returned int, more bool, first, last []any) Page {
	p := Page{NumberReturned: returned}
	if q.Cursor != nil && q.Cursor.Before {
		// Walking backwards, the extra row means there is an earlier page;
		// and there is always a later one: the page we came from.
		if more && first != nil {
			p.Prev = &Cursor{Keys: first, Before: true}
		}
		if last != nil {
			p.Next = &Cursor{Keys: last}
		}
		return p
	}
	if more && last != nil {
		p.Next = &Cursor{Keys: last}
	}
	if q.Cursor != nil && first != nil {
		p.Prev = &Cursor{Keys: first, Before: true}
	}
	return p
}

// Backwards says whether the page is read backwards (a previous page).
func (q *ItemsQuery) Backwards() bool { return q.Cursor != nil && q.Cursor.Before }

// Decimals returns the number of decimals geometries are written with:
// about a centimetre.
func (q *ItemsQuery) Decimals() int { return q.CRS.Decimals() }

// Filtered says whether anything but the collection selects features.
func (q *ItemsQuery) Filtered() bool {
	return q.Area != nil || q.Datetime != nil || q.Filter != nil || len(q.Equals) > 0
}

// TileQuery asks for one vector tile holding the given collections' layers.
type TileQuery struct {
	Tile        tiles.Tile
	Collections []*Collection
}

// Draws reports whether the tile draws collection c: a layer is drawn at
// the scales up to its MaxResolution.
func (q TileQuery) Draws(c *Collection) bool { return q.Tile.Resolution() <= c.Tiles.MaxResolution }

// Drawn reports whether the tile draws any of its collections: when it
// does not, it is empty.
func (q TileQuery) Drawn() bool { return slices.ContainsFunc(q.Collections, q.Draws) }

// TileExtent and TileBuffer are the MVT grid of a tile and the margin
// features are kept in beyond its edges (so strokes and labels join up).
const (
	TileExtent = 4096
	TileBuffer = 64
)

// SearchArea is the tile with its buffer (TileBuffer pixels around), in the
// storage CRS: the area whose features a tile draws.
func (q TileQuery) SearchArea() (*Area, error) {
	t := q.Tile
	x0, y0, x1, y1 := t.Bounds()
	margin := (x1 - x0) * TileBuffer / TileExtent
	c := crs.CRS{SRID: t.Set.SRID}
	return storageArea(BBox{MinX: x0 - margin, MinY: y0 - margin, MaxX: x1 + margin, MaxY: y1 + margin}, c, StorageSRID)
}

// TileSRIDs are the CRS of the tile matrix sets: the areas a change
// touches are announced in each, so that tile caches drop exactly the
// tiles it made stale.
var TileSRIDs = []int{3857, 3035}

// Key returns the feature id of q as its collection types ids; ok is false
// for text that cannot be an id of the collection (such as "abc" for an
// integer id), which no feature has.
func (q *FeatureQuery) Key() (key any, ok bool) {
	if q.Collection.IDType != TypeInteger {
		return q.ID, true
	}
	n, err := strconv.ParseInt(q.ID, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != q.ID {
		return nil, false
	}
	return n, true
}

// NotFound is the error of a feature q does not find.
func (q *FeatureQuery) NotFound() error {
	return Errorf(ENOTFOUND, "no feature %q in %s", q.ID, q.Collection.ID)
}
