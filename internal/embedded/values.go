package embedded

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/socle-geo/socle/internal/socle"
)

// Values are held typed (see kind) and written as PostgreSQL writes them, so
// that both stores give the same bytes for the same data: to_json and
// json_build_object for features, json_build_array for cursor keys.

// jsonValue is JSON text as PostgreSQL prints a jsonb value.
type jsonValue string

// malformed is the error both stores give for a value PostgreSQL would
// refuse to cast (SQLSTATE 22P02, 22003, 22007, 22008: see postgis.dbError).
func malformed(format string, args ...any) error {
	return &socle.Error{Code: socle.EINVALID, Message: "a value in the request is out of range or malformed", Err: fmt.Errorf(format, args...)}
}

// formatTimestamp writes a date-time as a GeoPackage DATETIME:
// 2024-05-01T10:00:00.500Z (microseconds when needed).
func formatTimestamp(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()%int(time.Millisecond) == 0 {
		return t.Format("2006-01-02T15:04:05.000Z")
	}
	return t.Format("2006-01-02T15:04:05.000000Z")
}

// appendProperty appends a property value as GeoJSON properties hold it
// (the text forms of package socle): numbers, booleans and objects as
// themselves, dates and date-times as strings.
func appendProperty(dst []byte, k kind, v any) []byte {
	switch {
	case v == nil:
		return append(dst, "null"...)
	case k == kText:
		return socle.AppendJSONString(dst, v.(string))
	case k == kInt:
		return strconv.AppendInt(dst, v.(int64), 10)
	case k == kFloat:
		return socle.AppendFloat(dst, v.(float64), false)
	case k == kBool:
		return strconv.AppendBool(dst, v.(bool))
	case k == kDate, k == kTime:
		return appendTime(dst, k, v.(time.Time))
	case k == kJSON:
		return append(dst, v.(jsonValue)...)
	}
	panic("embedded: unknown kind")
}

// appendTime is appendProperty for dates and date-times.
func appendTime(dst []byte, k kind, t time.Time) []byte {
	if k == kDate {
		return append(t.AppendFormat(append(dst, '"'), time.DateOnly), '"')
	}
	return socle.AppendJSONString(dst, socle.FormatDateTime(t))
}

// parseText converts the text of a value to kind k as PostgreSQL's input
// functions would (int8in, float8in, boolin, date_in, timestamptz_in with
// TimeZone UTC), for the forms Socle's data and cursors use; bits bounds an
// integer (smallint 16, integer 32).
func parseText(k kind, bits int, s string) (any, error) {
	switch k {
	case kText:
		return s, nil
	case kInt:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, malformed("invalid integer %q", s)
		}
		if bits < 64 && (n < -(1<<(bits-1)) || n >= 1<<(bits-1)) {
			return nil, malformed("integer %d out of range", n)
		}
		return n, nil
	case kFloat:
		t := strings.TrimSpace(s)
		switch strings.ToLower(t) {
		case "nan":
			return math.NaN(), nil
		case "infinity", "+infinity", "inf", "+inf":
			return math.Inf(1), nil
		case "-infinity", "-inf":
			return math.Inf(-1), nil
		}
		if strings.Trim(t, "0123456789+-.eE") != "" {
			return nil, malformed("invalid number %q", s)
		}
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return nil, malformed("invalid number %q", s)
		}
		return f, nil
	case kBool:
		if b, ok := parseBool(s); ok {
			return b, nil
		}
		return nil, malformed("invalid boolean %q", s)
	case kDate:
		t, err := parseTimestamp(s)
		if err != nil {
			return nil, err
		}
		return dateOf(t), nil
	case kTime:
		return parseTimestamp(s)
	case kJSON:
		return jsonValue(s), nil
	}
	return nil, malformed("unknown type")
}

// dateOf is the date of t, as a date column holds it.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// parseBool accepts what PostgreSQL's boolin accepts: true, yes, on, 1 and
// their opposites, any case, and unique prefixes of the words.
func parseBool(s string) (bool, bool) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return false, false
	}
	switch t {
	case "1", "on":
		return true, true
	case "0", "of", "off":
		return false, true
	}
	for _, w := range []struct {
		word string
		v    bool
	}{{"true", true}, {"yes", true}, {"false", false}, {"no", false}} {
		if strings.HasPrefix(w.word, t) {
			return w.v, true
		}
	}
	return false, false
}

// timestampLayouts are the timestamp forms accepted, in the session time
// zone UTC when they carry no offset.
var timestampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	time.DateOnly,
}

// parseTimestamp reads a timestamptz, rounded to the microsecond as
// PostgreSQL stores it.
func parseTimestamp(s string) (time.Time, error) {
	if v, ok := quickTimestamp(s); ok {
		return v, nil
	}
	return layoutTimestamp(s)
}

// layoutTimestamp is parseTimestamp by its layouts alone.
func layoutTimestamp(s string) (time.Time, error) {
	t := strings.TrimSpace(s)
	if len(t) == len(time.DateOnly) {
		if v, err := time.ParseInLocation(time.DateOnly, t, time.UTC); err == nil {
			return v, nil
		}
	}
	for _, layout := range timestampLayouts {
		if v, err := time.ParseInLocation(layout, t, time.UTC); err == nil {
			return roundMicro(v.UTC()), nil
		}
	}
	return time.Time{}, malformed("invalid timestamp %q", s)
}

// quickTimestamp reads the two forms Socle writes — a date (2006-01-02)
// and a UTC time (2006-01-02T15:04:05Z, with a fraction of 1 to 9 digits
// or none) — as parseTimestamp's layouts do, without time.Parse's cost (a
// tenth of the load of a large territory). ok is false for anything else,
// or anything out of range, left to the layouts.
func quickTimestamp(s string) (t time.Time, ok bool) {
	num := func(s string) (int, bool) {
		n := 0
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return t, false
	}
	y, ok1 := num(s[:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(time.Month(m), y) {
		return t, false
	}
	if len(s) == 10 {
		return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), true
	}
	if len(s) < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[len(s)-1] != 'Z' {
		return t, false
	}
	hh, ok1 := num(s[11:13])
	mm, ok2 := num(s[14:16])
	ss, ok3 := num(s[17:19])
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 59 {
		return t, false
	}
	ns := 0
	if frac := s[19 : len(s)-1]; frac != "" {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return t, false
		}
		n, ok := num(frac[1:])
		if !ok {
			return t, false
		}
		for range 10 - len(frac) {
			n *= 10
		}
		ns = n
	}
	return roundMicro(time.Date(y, time.Month(m), d, hh, mm, ss, ns, time.UTC)), true
}

// daysIn is the number of days of month m of year y.
func daysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// roundMicro rounds t to the microsecond, halves to even as PostgreSQL's
// rint does.
func roundMicro(t time.Time) time.Time {
	ns := t.Nanosecond() % 1000
	base := t.Add(-time.Duration(ns))
	switch {
	case ns > 500, ns == 500 && (base.Nanosecond()/1000)%2 == 1:
		return base.Add(time.Microsecond)
	}
	return base
}

// compareValues orders two non-null values of kind k as PostgreSQL orders
// them: text by bytes (the C.UTF-8 collation of Socle's databases), NaN
// after every other number, false before true, dates by day.
func compareValues(k kind, a, b any) int {
	switch k {
	case kText:
		return strings.Compare(a.(string), b.(string))
	case kInt:
		return cmp.Compare(a.(int64), b.(int64))
	case kFloat:
		x, y := a.(float64), b.(float64)
		xn, yn := math.IsNaN(x), math.IsNaN(y)
		switch {
		case xn && yn:
			return 0
		case xn:
			return 1
		case yn:
			return -1
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case kBool:
		x, y := a.(bool), b.(bool)
		switch {
		case x == y:
			return 0
		case y:
			return -1
		}
		return 1
	case kDate, kTime:
		return a.(time.Time).Compare(b.(time.Time))
	case kJSON:
		return strings.Compare(string(a.(jsonValue)), string(b.(jsonValue)))
	}
	return 0
}

// equalValues is SQL's IS NOT DISTINCT FROM on two values of kind k.
func equalValues(k kind, a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return compareValues(k, a, b) == 0
}

// valueText is the text PostgreSQL's ->> operator gives for a JSON value
// decoded with UseNumber: strings as they are, numbers and booleans as
// written, anything else as JSON.
func valueText(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return x.String(), true
	}
	b, _ := json.Marshal(v)
	return string(b), true
}

// sameStored reports whether two values of a column are stored alike (the
// same SQLite value): an update need not set it again.
func sameStored(k kind, a, b any) bool {
	x, y := toSQLite(k, a), toSQLite(k, b)
	if f, ok := x.(float64); ok {
		g, ok := y.(float64)
		return ok && math.Float64bits(f) == math.Float64bits(g)
	}
	return x == y
}
