package socle

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/paulmach/orb"
)

// Batch identifies one import, update, copy or revert: every feature it
// writes names it, and every change it makes is logged under it.
type Batch struct {
	ID         string
	Kind       string // e.g. "import-layer", "import-bal", "import-fixtures", "copy", "revert"
	Source     string // file name or URL
	FileSHA256 string
	Actor      string
	// WithDerived says the rows carry Socle's derived values (fibre status,
	// road condition…) too, to be stored as given: a copy from another
	// store. Imports from files never set it.
	WithDerived bool
	// DryRun asks for everything but the commit: the result says what the
	// batch would do, and nothing is written.
	DryRun bool
	// Replace says the rows are the whole new state of the collection
	// within Scope: a stored feature of the scope the batch does not hold
	// is retired (deleted, its last state logged).
	Replace bool
	// Scope narrows what Replace retires: the features whose properties
	// have these values (land cover: {year: 2019}); nil is the whole
	// collection.
	Scope []Equals
}

// NewBatchID returns a sortable, unique batch id such as
// "import-layer-20261127T101500Z-3fa1c2".
func NewBatchID(kind string, now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return kind + "-" + now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// ImportResult counts what a batch did (or, in a dry run, would do).
type ImportResult struct {
	BatchID   string `json:"batch"`
	Read      int    `json:"read"`
	Inserted  int    `json:"inserted"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
	Retired   int    `json:"retired"`
	Rejected  int    `json:"rejected"`
	DryRun    bool   `json:"dry_run,omitempty"`
}

// Row is one validated feature to write.
type Row struct {
	// ID is the feature's id when the source gives Socle's own (a copy, a
	// file in Socle's own shape); nil lets the store match the row by the
	// collection's key (Collection.Keys) or give it a new id.
	ID any
	// Geometry is in the collection's storage CRS, of its geometry type
	// (single or multi as the collection accepts).
	Geometry orb.Geometry
	// Properties by name, typed as the catalog says: string, int64,
	// float64, bool, time.Time (a date at midnight UTC), json.RawMessage
	// for objects; absent or nil is null. Derived properties are written
	// only when the batch is WithDerived.
	Properties map[string]any
	// Retire asks to delete the feature with the row's id, or its key's
	// values (Properties holds only those), logging its last state; a row
	// naming no stored feature does nothing. Rows that retire come before
	// the others in a stream, so that the keys they free may be taken.
	Retire bool
}

// RowStream yields the rows of a batch one at a time, so that a file larger
// than memory streams through an import; the records it refused are known
// once it is exhausted.
type RowStream interface {
	// Next advances to the next row; false at the end or on an error.
	Next() bool
	Row() *Row
	// Err is the error that ended the stream (nil at its end): the batch
	// then writes nothing.
	Err() error
	// Rejects are the records refused, complete once Next returned false.
	Rejects() []Reject
}

// RowsOf streams rows and rejects already in memory.
func RowsOf(rows []Row, rejects []Reject) RowStream {
	return &sliceStream{rows: rows, rejects: rejects, i: -1}
}

type sliceStream struct {
	rows    []Row
	rejects []Reject
	i       int
}

func (s *sliceStream) Next() bool        { s.i++; return s.i < len(s.rows) }
func (s *sliceStream) Row() *Row         { return &s.rows[s.i] }
func (s *sliceStream) Err() error        { return nil }
func (s *sliceStream) Rejects() []Reject { return s.rejects }

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

// CheckValue checks that v is of the Go type rows carry for p's type (see
// Row): both stores refuse a row whose values are not, with this error.
func CheckValue(p Property, v any) error {
	ok := true
	switch v.(type) {
	case nil:
	case string:
		ok = p.Type == TypeString
	case int64:
		ok = p.Type == TypeInteger || p.Type == TypeNumber
	case float64:
		ok = p.Type == TypeNumber
	case bool:
		ok = p.Type == TypeBoolean
	case time.Time:
		ok = p.Type == TypeDate || p.Type == TypeDateTime
	case json.RawMessage:
		ok = p.Type == TypeObject
	default:
		ok = false
	}
	if !ok {
		return Errorf(EINVALID, "%s: a %T where the property holds %s", p.Name, v, p.Type)
	}
	return nil
}
