package features

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParamError is a malformed standard parameter. Its message says which
// parameter and what was expected.
type ParamError struct {
	Param string
	Msg   string
}

func (e *ParamError) Error() string { return "parameter " + e.Param + ": " + e.Msg }

// ParseBBox parses the bbox parameter: 4 numbers (minx,miny,maxx,maxy) or 6
// (with minz and maxz, which are returned dropped). In CRS84 the box may cross
// the antimeridian (minx > maxx), so only the y order is checked there.
func ParseBBox(s string) (minx, miny, maxx, maxy float64, err error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return 0, 0, 0, 0, &ParamError{"bbox", fmt.Sprintf("expected 4 or 6 comma-separated numbers, got %d", len(parts))}
	}
	v := make([]float64, len(parts))
	for i, p := range parts {
		f, perr := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if perr != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, 0, 0, 0, &ParamError{"bbox", fmt.Sprintf("%q is not a number", p)}
		}
		v[i] = f
	}
	if len(v) == 6 { // minx,miny,minz,maxx,maxy,maxz
		v = []float64{v[0], v[1], v[3], v[4]}
	}
	if v[1] > v[3] {
		return 0, 0, 0, 0, &ParamError{"bbox", "the lower corner is above the upper corner"}
	}
	return v[0], v[1], v[2], v[3], nil
}

// ParseCRS84BBox parses bbox and also checks CRS84 ranges.
func ParseCRS84BBox(s string) (minx, miny, maxx, maxy float64, err error) {
	minx, miny, maxx, maxy, err = ParseBBox(s)
	if err != nil {
		return
	}
	for _, x := range []float64{minx, maxx} {
		if x < -180 || x > 180 {
			return 0, 0, 0, 0, &ParamError{"bbox", fmt.Sprintf("longitude %g is outside [-180, 180]", x)}
		}
	}
	for _, y := range []float64{miny, maxy} {
		if y < -90 || y > 90 {
			return 0, 0, 0, 0, &ParamError{"bbox", fmt.Sprintf("latitude %g is outside [-90, 90]", y)}
		}
	}
	if minx > maxx {
		return 0, 0, 0, 0, &ParamError{"bbox", "boxes crossing the antimeridian are not supported"}
	}
	return
}

// ParseDatetime parses the datetime parameter: an instant, or an interval
// start/end where either end may be ".." or empty (open). Dates (YYYY-MM-DD)
// are accepted; as an interval end a date means the end of that day.
// A nil bound is open.
func ParseDatetime(s string) (start, end *time.Time, err error) {
	if s == "" {
		return nil, nil, &ParamError{"datetime", "empty value"}
	}
	parts := strings.Split(s, "/")
	switch len(parts) {
	case 1:
		t, isDate, perr := parseInstant(parts[0])
		if perr != nil {
			return nil, nil, perr
		}
		if isDate { // a date is the whole day
			e := t.Add(24*time.Hour - time.Nanosecond)
			return &t, &e, nil
		}
		return &t, &t, nil
	case 2:
		if open(parts[0]) && open(parts[1]) {
			return nil, nil, &ParamError{"datetime", "an interval needs at least one bound"}
		}
		if !open(parts[0]) {
			t, _, perr := parseInstant(parts[0])
			if perr != nil {
				return nil, nil, perr
			}
			start = &t
		}
		if !open(parts[1]) {
			t, isDate, perr := parseInstant(parts[1])
			if perr != nil {
				return nil, nil, perr
			}
			if isDate {
				t = t.Add(24*time.Hour - time.Nanosecond)
			}
			end = &t
		}
		if start != nil && end != nil && start.After(*end) {
			return nil, nil, &ParamError{"datetime", "the interval ends before it starts"}
		}
		return start, end, nil
	}
	return nil, nil, &ParamError{"datetime", "expected an instant or an interval start/end"}
}

func open(s string) bool { return s == ".." || s == "" }

func parseInstant(s string) (t time.Time, isDate bool, err error) {
	if t, err = time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), false, nil
	}
	if t, err = time.Parse(time.DateOnly, s); err == nil {
		return t, true, nil
	}
	return time.Time{}, false, &ParamError{"datetime", fmt.Sprintf("%q is not an RFC 3339 date-time or a date (YYYY-MM-DD)", s)}
}

// ParseLimit parses limit: a positive integer; empty gives def. Values above
// max are capped to max, as the standard permits: the next link tells the
// client there is more.
func ParseLimit(s string, def, max int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, &ParamError{"limit", fmt.Sprintf("%q is not an integer", s)}
	}
	if n < 1 {
		return 0, &ParamError{"limit", fmt.Sprintf("must be between 1 and %d", max)}
	}
	return min(n, max), nil
}
