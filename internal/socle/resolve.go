package socle

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/socle-geo/socle/ogc/cql2"
	"github.com/socle-geo/socle/ogc/crs"
)

// This file turns requests into queries: it is the one place where a
// request for features is checked against its collection, with the one set
// of errors clients see. Stores receive what it returns and never check a
// query again.

// ItemsRequest is a request for features as a client wrote it: parsed
// (numbers, CRS identifiers, CQL2 syntax) but not yet checked against a
// collection.
type ItemsRequest struct {
	// CRS is the output CRS (zero value: CRS84).
	CRS  crs.CRS
	BBox *BBox
	// BBoxCRS is the CRS of BBox (zero value: CRS84).
	BBoxCRS  crs.CRS
	Datetime *Interval
	// Equals are the simple property filters, ?name=value, as text.
	Equals []TextEquals
	Filter cql2.Expr
	// FilterCRS is the CRS of the filter's geometry literals (zero value:
	// CRS84).
	FilterCRS crs.CRS
	// LegacyDates says the filter is in the text encoding of the CQL draft
	// (which GDAL up to 3.6 sends), where dates are plain strings.
	LegacyDates bool
	SortBy      []SortKey
	// Properties selects the properties to return; nil means all.
	Properties []string
	Limit      int
	// Cursor is the token of a next or previous link ("" for the first
	// page).
	Cursor string
}

// TextEquals is a simple property filter as the client wrote it.
type TextEquals struct {
	Property, Value string
}

// ResolveItems checks r against c and returns the query stores run.
func ResolveItems(c *Collection, r ItemsRequest) (*ItemsQuery, error) {
	q := &ItemsQuery{Collection: c, CRS: orCRS84(r.CRS), Limit: r.Limit}
	if r.BBox != nil {
		a, err := storageArea(*r.BBox, orCRS84(r.BBoxCRS), c.StorageSRID())
		if err != nil {
			return nil, err
		}
		q.Area = a
	}
	if r.Datetime != nil {
		tr, err := timeRange(c, *r.Datetime)
		if err != nil {
			return nil, err
		}
		q.Datetime = tr
	}
	var err error
	if q.Properties, err = selectProperties(c, r.Properties); err != nil {
		return nil, err
	}
	if q.Order, err = order(c, r.SortBy); err != nil {
		return nil, err
	}
	eqs := slices.Clone(r.Equals)
	// A stable order, so that SQL texts repeat and their plans are reused.
	slices.SortFunc(eqs, func(a, b TextEquals) int { return strings.Compare(a.Property, b.Property) })
	for _, e := range eqs {
		p, ok := c.Property(e.Property)
		if !ok || !p.Queryable {
			return nil, &Error{Code: EINVALID, Message: fmt.Sprintf("%s is not a queryable property of %s", e.Property, c.ID), Allowed: c.Queryables()}
		}
		v, err := ParseValue(p, e.Value)
		if err != nil {
			return nil, err
		}
		q.Equals = append(q.Equals, Equals{Property: p, Value: v})
	}
	if r.Filter != nil {
		if q.Filter, err = resolveFilter(c, r.Filter, orCRS84(r.FilterCRS), r.LegacyDates); err != nil {
			return nil, err
		}
	}
	q.fingerprint = fingerprint(q)
	if r.Cursor != "" {
		if q.Cursor, err = decodeCursor(q, r.Cursor); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// ResolveFeature checks a request for one feature: its properties and CRS.
func ResolveFeature(c *Collection, id string, properties []string, out crs.CRS) (*FeatureQuery, error) {
	props, err := selectProperties(c, properties)
	if err != nil {
		return nil, err
	}
	return &FeatureQuery{Collection: c, ID: id, Properties: props, CRS: orCRS84(out)}, nil
}

// AllItems returns the query of every feature of c in id order, with
// every property, pages of limit features: what Socle's own readers walk.
func AllItems(c *Collection, limit int) *ItemsQuery {
	q := &ItemsQuery{Collection: c, CRS: StorageCRS, Properties: c.Properties, Order: []OrderKey{idKey(c)}, Limit: limit}
	q.fingerprint = fingerprint(q)
	return q
}

// WithProperties returns a copy of q that returns only the named
// properties, in that order.
func (q *ItemsQuery) WithProperties(names ...string) (*ItemsQuery, error) {
	props, err := selectProperties(q.Collection, names)
	if err != nil {
		return nil, err
	}
	cp := *q
	cp.Properties = props
	return &cp, nil
}

// Index returns the position of the named property among the query's
// properties (the index of its value in a Record), or -1.
func (q *ItemsQuery) Index(name string) int {
	return slices.IndexFunc(q.Properties, func(p Property) bool { return p.Name == name })
}

func orCRS84(c crs.CRS) crs.CRS {
	if c.URI == "" {
		return crs.CRS84
	}
	return c
}

// storageArea turns a bbox given in c into a polygon in the storage CRS
// srid, each edge cut in 32 before projection so that it stays where it
// was drawn.
func storageArea(b BBox, c crs.CRS, srid int) (*Area, error) {
	x0, y0, x1, y1 := b.MinX, b.MinY, b.MaxX, b.MaxY
	if c.YX { // easting or longitude first, whatever the CRS's axis order
		x0, y0, x1, y1 = y0, x0, y1, x1
	}
	var poly orb.Polygon
	if c.SRID == srid {
		poly = envelope(x0, y0, x1, y1)
	} else {
		tr, err := crs.NewTransformer(c.SRID, srid)
		if err != nil {
			return nil, Errorf(EINVALID, "cannot project from EPSG:%d", c.SRID)
		}
		if poly, err = crs.BoxPolygon(x0, y0, x1, y1, 32, tr); err != nil {
			return nil, Errorf(EINVALID, "the box %g,%g,%g,%g is outside the domain of EPSG:%d", x0, y0, x1, y1, c.SRID)
		}
	}
	return &Area{Polygon: poly, Bound: poly.Bound()}, nil
}

func envelope(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{orb.Ring{{x0, y0}, {x0, y1}, {x1, y1}, {x1, y0}, {x0, y0}}}
}

// timeRange resolves datetime on c's temporal property.
func timeRange(c *Collection, iv Interval) (*TimeRange, error) {
	if c.Temporal == "" {
		return nil, Errorf(EINVALID, "collection %s has no temporal property: datetime does not apply", c.ID)
	}
	p, ok := c.Property(c.Temporal)
	if !ok {
		return nil, Errorf(EINTERNAL, "collection %s: temporal property %s is not among its properties", c.ID, c.Temporal)
	}
	bound := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		v := t.UTC().Truncate(time.Microsecond)
		if p.Type == TypeDate {
			v = Day(v)
		}
		return &v
	}
	return &TimeRange{Property: p, Start: bound(iv.Start), End: bound(iv.End)}, nil
}

// Day returns the UTC day of t, at midnight.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// selectProperties resolves a selection of properties (nil: all of them,
// in catalog order); a name given twice is returned once.
func selectProperties(c *Collection, names []string) ([]Property, error) {
	if names == nil {
		return c.Properties, nil
	}
	out := make([]Property, 0, len(names))
	for _, n := range names {
		p, ok := c.Property(n)
		if !ok {
			var all []string
			for _, p := range c.Properties {
				all = append(all, p.Name)
			}
			return nil, &Error{Code: EINVALID, Message: fmt.Sprintf("%s has no property %s", c.ID, n), Allowed: all}
		}
		if !slices.ContainsFunc(out, func(x Property) bool { return x.Name == n }) {
			out = append(out, p)
		}
	}
	return out, nil
}

// order resolves sortby, the feature id last as the tie-breaker.
func order(c *Collection, keys []SortKey) ([]OrderKey, error) {
	var out []OrderKey
	for _, k := range keys {
		p, ok := c.Property(k.Property)
		if !ok || !p.Sortable {
			return nil, &Error{Code: EINVALID, Message: fmt.Sprintf("cannot sort %s by %q", c.ID, k.Property), Allowed: c.Sortables()}
		}
		if slices.ContainsFunc(out, func(o OrderKey) bool { return o.Property.Name == k.Property }) {
			return nil, Errorf(EINVALID, "sortby names %s twice", k.Property)
		}
		out = append(out, OrderKey{Property: p, Desc: k.Desc})
	}
	return append(out, idKey(c)), nil
}

// idKey is the order key of the feature id: a property named after the id
// column, of the ids' type.
func idKey(c *Collection) OrderKey {
	t := c.IDType
	if t == "" {
		t = TypeInteger
	}
	return OrderKey{ID: true, Property: Property{Name: c.IDCol(), Type: t}}
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
		return v.UTC().Truncate(time.Microsecond), nil
	}
	return nil, Errorf(EINVALID, "property %s cannot be filtered by value", p.Name)
}

// fingerprint names what a cursor depends on: the collection, what
// selects features and their order (not the page size, the properties or
// the output CRS, which a client may change while paging).
func fingerprint(q *ItemsQuery) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", q.Collection.ID)
	if q.Area != nil {
		b, _ := wkb.Marshal(q.Area.Polygon)
		h.Write(b)
	}
	h.Write([]byte{'\n'})
	if q.Datetime != nil {
		for _, t := range []*time.Time{q.Datetime.Start, q.Datetime.End} {
			if t != nil {
				h.Write([]byte(t.Format(time.RFC3339Nano)))
			}
			h.Write([]byte{'/'})
		}
	}
	h.Write([]byte{'\n'})
	for _, e := range q.Equals {
		fmt.Fprintf(h, "%s=%v\n", e.Property.Name, e.Value)
	}
	if q.Filter != nil {
		h.Write([]byte(cql2.Text(q.Filter)))
	}
	h.Write([]byte{'\n'})
	for _, k := range q.Order {
		fmt.Fprintf(h, "%s %v %v,", k.Property.Name, k.ID, k.Desc)
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
}

// cursorToken is a cursor as links carry it.
type cursorToken struct {
	Keys   []json.RawMessage `json:"k"`
	Before bool              `json:"b,omitempty"`
	Query  string            `json:"q"`
}

// EncodeCursor returns a page's cursor as an opaque URL-safe token, bound
// to q: ResolveItems refuses it for another selection or order.
func (q *ItemsQuery) EncodeCursor(c *Cursor) string {
	tok := cursorToken{Before: c.Before, Query: q.fingerprint, Keys: make([]json.RawMessage, len(c.Keys))}
	for i, v := range c.Keys {
		tok.Keys[i] = keyJSON(v)
	}
	b, _ := json.Marshal(tok)
	return base64.RawURLEncoding.EncodeToString(b)
}

// keyJSON writes one key value: numbers and booleans as themselves, text
// as a string, instants in RFC 3339 with every fraction digit.
func keyJSON(v any) json.RawMessage {
	switch x := v.(type) {
	case nil:
		return json.RawMessage("null")
	case time.Time:
		b, _ := json.Marshal(x.UTC().Format(time.RFC3339Nano))
		return b
	case float64:
		return strconv.AppendFloat(nil, x, 'g', -1, 64)
	}
	b, _ := json.Marshal(v)
	return b
}

// decodeCursor reads a token EncodeCursor made for the same query.
func decodeCursor(q *ItemsQuery, s string) (*Cursor, error) {
	bad := Errorf(EINVALID, "invalid cursor %q: use the links the server returned", s)
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	var tok cursorToken
	if json.Unmarshal(b, &tok) != nil || len(tok.Keys) == 0 {
		return nil, bad
	}
	if tok.Query != q.fingerprint || len(tok.Keys) != len(q.Order) {
		return nil, Errorf(EINVALID, "the cursor belongs to another query (another collection, filter or order): use the links the server returned")
	}
	keys, err := ParseKeys(q.Order, tok.Keys)
	if err != nil {
		return nil, bad
	}
	return &Cursor{Keys: keys, Before: tok.Before}, nil
}

// ParseKeys types the JSON values of a row's order keys as the keys are.
func ParseKeys(order []OrderKey, raw []json.RawMessage) ([]any, error) {
	if len(raw) != len(order) {
		return nil, fmt.Errorf("socle: %d key values for %d keys", len(raw), len(order))
	}
	out := make([]any, len(order))
	for i, k := range order {
		if string(raw[i]) == "null" {
			if !k.Nullable() {
				return nil, fmt.Errorf("socle: null value for key %d", i)
			}
			continue
		}
		v, err := keyValue(k.Property.Type, raw[i])
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func keyValue(t Type, raw json.RawMessage) (any, error) {
	switch t {
	case TypeInteger:
		return strconv.ParseInt(string(raw), 10, 64)
	case TypeNumber:
		v, err := strconv.ParseFloat(string(raw), 64)
		if err != nil || strings.ContainsAny(string(raw), "nN") {
			return nil, fmt.Errorf("socle: bad number %s", raw)
		}
		return v, nil
	case TypeBoolean:
		return strconv.ParseBool(string(raw))
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	switch t {
	case TypeDate:
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			// A date key written as an instant.
			ts, err2 := time.Parse(time.RFC3339Nano, s)
			if err2 != nil {
				return nil, err
			}
			d = Day(ts)
		}
		return d, nil
	case TypeDateTime:
		ts, err := time.Parse(time.RFC3339Nano, s)
		return ts.UTC(), err
	}
	return s, nil
}
