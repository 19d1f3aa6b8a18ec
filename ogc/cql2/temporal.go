package cql2

import "time"

// TemporalOp is a temporal comparison function; its value is the CQL2-JSON
// op.
type TemporalOp string

// The temporal comparison functions (CQL2 clause 7.8), defined after the
// W3C/OGC Time Ontology in OWL.
const (
	TAfter        TemporalOp = "t_after"
	TBefore       TemporalOp = "t_before"
	TContains     TemporalOp = "t_contains"
	TDisjoint     TemporalOp = "t_disjoint"
	TDuring       TemporalOp = "t_during"
	TEquals       TemporalOp = "t_equals"
	TFinishedBy   TemporalOp = "t_finishedBy"
	TFinishes     TemporalOp = "t_finishes"
	TIntersects   TemporalOp = "t_intersects"
	TMeets        TemporalOp = "t_meets"
	TMetBy        TemporalOp = "t_metBy"
	TOverlappedBy TemporalOp = "t_overlappedBy"
	TOverlaps     TemporalOp = "t_overlaps"
	TStartedBy    TemporalOp = "t_startedBy"
	TStarts       TemporalOp = "t_starts"
)

// intervalOnly reports whether op is defined for intervals only: applying
// it to an instant is a client error (CQL2 clause 7.8.2).
func (op TemporalOp) intervalOnly() bool {
	switch op {
	case TAfter, TBefore, TDisjoint, TEquals, TIntersects:
		return false
	}
	return true
}

// Temporal applies a temporal comparison function to two temporal
// expressions (rule temporalPredicate).
type Temporal struct {
	Op          TemporalOp
	Left, Right Expr
}

// Date is a calendar date, DATE('1969-07-20') in CQL2-Text. Time is
// midnight UTC of that day.
type Date struct {
	Time time.Time
}

// Timestamp is an instant in UTC, TIMESTAMP('1969-07-20T20:17:40Z') in
// CQL2-Text.
type Timestamp struct {
	Time time.Time
}

// Interval is a closed time interval (rule intervalInstance). Each bound is
// a Date, a Timestamp, a Property, a Function, or nil for an open end
// ('..').
type Interval struct {
	Start, End Expr
}

// NewDate returns the Date of the given day.
func NewDate(year int, month time.Month, day int) Date {
	return Date{time.Date(year, month, day, 0, 0, 0, 0, time.UTC)}
}

// NewTimestamp returns the Timestamp of t, converted to UTC.
func NewTimestamp(t time.Time) Timestamp { return Timestamp{utc(t)} }

// String returns the CQL2-Text form of e.
func (e Temporal) String() string { return Text(e) }

// String returns the CQL2-Text form of e.
func (e Date) String() string { return Text(e) }

// String returns the CQL2-Text form of e.
func (e Timestamp) String() string { return Text(e) }

// String returns the CQL2-Text form of e.
func (e Interval) String() string { return Text(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e Temporal) MarshalJSON() ([]byte, error) { return JSON(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e Date) MarshalJSON() ([]byte, error) { return JSON(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e Timestamp) MarshalJSON() ([]byte, error) { return JSON(e) }

// MarshalJSON returns the CQL2-JSON form of e.
func (e Interval) MarshalJSON() ([]byte, error) { return JSON(e) }
