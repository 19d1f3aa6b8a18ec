package ledger

import (
	"encoding/json"
	"fmt"
	"time"
)

// Time scans a time from either database: a timestamptz, or SQLite's text.
type Time struct{ T time.Time }

// Scan implements sql.Scanner.
func (t *Time) Scan(src any) error {
	v, err := scanTime(src)
	if err != nil {
		return err
	}
	if v == nil {
		return fmt.Errorf("ledger: NULL time")
	}
	t.T = *v
	return nil
}

// NullTime scans a time that may be NULL.
type NullTime struct{ T *time.Time }

// Scan implements sql.Scanner.
func (t *NullTime) Scan(src any) (err error) {
	t.T, err = scanTime(src)
	return err
}

func scanTime(src any) (*time.Time, error) {
	var s string
	switch v := src.(type) {
	case nil:
		return nil, nil
	case time.Time:
		u := v.UTC()
		return &u, nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return nil, fmt.Errorf("ledger: cannot read a time from %T", src)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			u := t.UTC()
			return &u, nil
		}
	}
	return nil, fmt.Errorf("ledger: invalid time %q", s)
}

// SQLiteTime is how times are written in SQLite: UTC at a fixed width, so
// that their text sorts as they do.
const SQLiteTime = "2006-01-02T15:04:05.000000Z"

// StringList scans a list of strings written as a JSON array.
type StringList []string

// Scan implements sql.Scanner.
func (l *StringList) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		*l = []string{}
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("ledger: cannot read a list from %T", src)
	}
	var out []string
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Errorf("ledger: list %q: %w", b, err)
	}
	if out == nil {
		out = []string{}
	}
	*l = out
	return nil
}

// JSON scans a JSON value that may be NULL.
type JSON []byte

// Scan implements sql.Scanner.
func (j *JSON) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*j = nil
	case string:
		*j = JSON(v)
	case []byte:
		*j = append(JSON(nil), v...)
	default:
		b, err := json.Marshal(v) // a driver that decoded it
		if err != nil {
			return err
		}
		*j = b
	}
	return nil
}
