package socle

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Batch identifies one import or update run: every feature it writes names it.
type Batch struct {
	ID         string
	Kind       string // e.g. "import-layer", "import-bal", "import-fixtures"
	Source     string // file name or URL
	FileSHA256 string
	Actor      string
	// WithDerived says the rows carry Socle's derived values (fibre status,
	// road condition…) too, to be stored as given: a copy from another
	// store. Imports from files never set it.
	WithDerived bool
}

// NewBatchID returns a sortable, unique batch id such as
// "import-layer-20261127T101500Z-3fa1c2".
func NewBatchID(kind string, now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return kind + "-" + now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// ImportResult counts what a batch did.
type ImportResult struct {
	BatchID   string `json:"batch"`
	Read      int    `json:"read"`
	Inserted  int    `json:"inserted"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
	Rejected  int    `json:"rejected"`
}

// Row is one validated feature to write: its id (nil to let the store choose,
// for addresses), its geometry as WKB in the CRS SRID, and its properties as
// a JSON object whose values already have the catalog's types.
type Row struct {
	ID         any
	WKB        []byte
	SRID       int
	Properties json.RawMessage
}

// Reject is an input record that was not loaded, and why.
type Reject struct {
	// Line is the record's line in the file (CSV) or its 1-based position in
	// the feature array (GeoJSON).
	Line   int    `json:"line"`
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
	// Raw is the record as read, for the data's producer to fix it.
	Raw string `json:"raw,omitempty"`
}
