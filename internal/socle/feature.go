package socle

import "time"

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

// Page is what a store says about the features it streamed.
type Page struct {
	// NumberMatched counts every feature that matches, over all pages.
	NumberMatched  int64
	NumberReturned int
	// Next and Prev are set when there is a next or previous page.
	Next, Prev *Cursor
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

// AppendJSONString appends s as a JSON string: the quote, the backslash,
// \n, \r and \t named, other control characters as \u00XX. Both stores write
// feature properties with it, so their answers are the same bytes.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, `\u00`...)
			dst = append(dst, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
