package socle

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/socle-geo/socle/ogc/crs"
)

// A collection's change feed is its change log read in order: every change
// a batch made, with the feature as the change left it. A client resumes
// from the token of its last page. This file holds the feed's query and
// tokens; the ledger reads the log for both stores.

// ChangesRequest is a request for a collection's change feed as a client
// wrote it.
type ChangesRequest struct {
	// Since is a token of an earlier page, an RFC 3339 time, or "latest"
	// (no change, the token of now); "" starts at the oldest change kept.
	Since string
	Limit int
	// Coalesce asks for one entry per feature: its net change since.
	Coalesce   bool
	Properties []string
	CRS        crs.CRS
}

// ChangesQuery is a resolved request for a change feed.
type ChangesQuery struct {
	Collection *Collection
	// Since: the changes after this position of the log.
	Since int64
	// At, when not nil, asks for the changes committed after a time: the
	// store finds the position.
	At *time.Time
	// Latest asks for no change, only the token of the latest.
	Latest bool
	// Coalesce gives one entry per feature changed in (Since, Head], the
	// feature as it is at Head; the features whose last change in that
	// range is after After, in that order. Head 0 is the latest change.
	Coalesce    bool
	Head, After int64
	Limit       int
	Properties  []Property
	CRS         crs.CRS
}

// ChangeEntry is one entry of a feed: a change, or with Coalesce the net
// change of a feature.
type ChangeEntry struct {
	// Seq is the change's position in the log (with Coalesce, the
	// feature's last change).
	Seq       int64
	Op        string
	FeatureID string
	Batch     string
	Time      time.Time
	// Record is the feature as the change left it (nil for a delete), its
	// values those of the query's properties.
	Record *Record
	// Bound is the box of the feature's last known geometry, in the storage
	// CRS: what a tombstone says of where it was.
	Bound orb.Bound
	// Keys are the values of the collection's keys in the feature's last
	// known state (a tombstone's), by name.
	Keys map[string]any
}

// ChangesPage says where the next page starts.
type ChangesPage struct {
	// Token resumes the feed after this page.
	Token string
	// More is true when changes after this page were already known.
	More bool
	// Returned counts the entries.
	Returned int
}

// ChangeFeed reads the change log as a feed.
type ChangeFeed interface {
	// Changes streams the page of entries q asks for, in log order (with
	// Coalesce: in the order of each feature's last change). ETOOOLD (410)
	// when q starts before the oldest change kept.
	Changes(ctx context.Context, q *ChangesQuery, fn func(*ChangeEntry) error) (ChangesPage, error)
	// PruneChanges forgets the changes of the batches finished before a
	// time: a feed can no longer start before them, nor those batches be
	// reverted. It says how many changes it forgot.
	PruneChanges(ctx context.Context, before time.Time) (int64, error)
}

// ResolveChanges checks r against c.
func ResolveChanges(c *Collection, r ChangesRequest) (*ChangesQuery, error) {
	q := &ChangesQuery{Collection: c, Coalesce: r.Coalesce, Limit: r.Limit, CRS: orCRS84(r.CRS)}
	var err error
	if q.Properties, err = selectProperties(c, r.Properties); err != nil {
		return nil, err
	}
	switch s := r.Since; {
	case s == "":
	case s == "latest":
		q.Latest = true
	case strings.ContainsAny(s, "-:T"):
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, Errorf(EINVALID, "since: %q is neither a token of this feed nor an RFC 3339 time", s)
		}
		q.At = &t
	default:
		tok, err := ParseChangeToken(s)
		if err != nil {
			return nil, err
		}
		q.Since = tok.Since
		if tok.Head > 0 {
			q.Coalesce, q.Head, q.After = true, tok.Head, tok.After
		}
	}
	return q, nil
}

// ChangeToken is a position in a feed: after Since, or within a coalesced
// range (Since, Head] after the features whose last change is at or before
// After.
type ChangeToken struct {
	Since, Head, After int64
}

// String writes the token as feeds serve it: "42", or "42.90.57" within a
// coalesced range.
func (t ChangeToken) String() string {
	if t.Head == 0 {
		return strconv.FormatInt(t.Since, 10)
	}
	return fmt.Sprintf("%d.%d.%d", t.Since, t.Head, t.After)
}

// ParseChangeToken reads a token a feed served.
func ParseChangeToken(s string) (ChangeToken, error) {
	bad := Errorf(EINVALID, "since: %q is not a token of this feed", s)
	parts := strings.Split(s, ".")
	if len(parts) != 1 && len(parts) != 3 {
		return ChangeToken{}, bad
	}
	var n [3]int64
	for i, p := range parts {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil || strings.Trim(p, "0123456789") != "" || (p != "0" && p[0] == '0') {
			return ChangeToken{}, bad
		}
		n[i] = v
	}
	t := ChangeToken{Since: n[0], Head: n[1], After: n[2]}
	if len(parts) == 3 && (t.Head <= t.Since || t.After < t.Since || t.After > t.Head) {
		return ChangeToken{}, bad
	}
	return t, nil
}

// LogRow is a row as the change log keeps it: every stored column by name,
// values in their text forms, "geom" the geometry as hex WKB.
type LogRow map[string]json.RawMessage

// ParseLogRow reads a logged row (a change's Before).
func ParseLogRow(before json.RawMessage) (LogRow, error) {
	var m LogRow
	dec := json.NewDecoder(bytes.NewReader(before))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("socle: change log row: %w", err)
	}
	return m, nil
}

// Complete says whether the row holds the whole feature (the updater's
// first logs held only the values it derived).
func (m LogRow) Complete() bool { _, ok := m["geom"]; return ok }

// Geometry returns the row's geometry, in the storage CRS.
func (m LogRow) Geometry() (orb.Geometry, error) {
	raw, ok := m["geom"]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	var h string
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, fmt.Errorf("socle: change log geometry: %w", err)
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("socle: change log geometry: %w", err)
	}
	g, err := wkb.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("socle: change log geometry: %w", err)
	}
	return g, nil
}

// Value returns the value of p the row holds, typed as a Record holds it,
// and whether the row holds it.
func (m LogRow) Value(p Property) (any, bool, error) {
	raw, ok := m[p.Name]
	if !ok {
		return nil, false, nil
	}
	v, err := JSONValue(p, raw)
	return v, true, err
}

// JSONValue reads a property's value written in JSON as Socle writes it
// (PropertiesJSON, and PostgreSQL's to_jsonb forms the change log keeps):
// typed as a Record holds it.
func JSONValue(p Property, raw json.RawMessage) (any, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	bad := func(err error) error {
		return Errorf(EINVALID, "%s: %s is not a %s value (%v)", p.Name, raw, p.Type, err)
	}
	if p.Type == TypeObject {
		return json.RawMessage(bytes.Clone(raw)), nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, bad(err)
	}
	switch p.Type {
	case TypeString:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return string(raw), nil
	case TypeInteger:
		n, ok := v.(json.Number)
		if !ok {
			return nil, bad(fmt.Errorf("not a number"))
		}
		i, err := n.Int64()
		if err != nil {
			return nil, bad(err)
		}
		return i, nil
	case TypeNumber:
		switch n := v.(type) {
		case json.Number:
			f, err := n.Float64()
			if err != nil {
				return nil, bad(err)
			}
			return f, nil
		case string: // NaN, Infinity
			f, err := strconv.ParseFloat(n, 64)
			if err != nil {
				return nil, bad(err)
			}
			return f, nil
		}
		return nil, bad(fmt.Errorf("not a number"))
	case TypeBoolean:
		b, ok := v.(bool)
		if !ok {
			return nil, bad(fmt.Errorf("not a boolean"))
		}
		return b, nil
	case TypeDate, TypeDateTime:
		s, ok := v.(string)
		if !ok {
			return nil, bad(fmt.Errorf("not a time"))
		}
		if p.Type == TypeDate || len(s) == len(time.DateOnly) {
			t, err := time.ParseInLocation(time.DateOnly, s[:min(len(s), len(time.DateOnly))], time.UTC)
			if err != nil {
				return nil, bad(err)
			}
			return t, nil
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, bad(err)
		}
		return t.UTC(), nil
	}
	return nil, bad(fmt.Errorf("unknown type %s", p.Type))
}
