package features

import (
	"errors"
	"testing"
	"time"
)

func TestParseBBox(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want [4]float64
		err  bool
	}{
		{in: "1.4,43.4,1.6,43.6", want: [4]float64{1.4, 43.4, 1.6, 43.6}},
		{in: " 1.4, 43.4 ,1.6,43.6", want: [4]float64{1.4, 43.4, 1.6, 43.6}},
		{in: "1.4,43.4,0,1.6,43.6,100", want: [4]float64{1.4, 43.4, 1.6, 43.6}},
		{in: "1.4,43.4,1.6", err: true},
		{in: "1.4,43.4,1.6,43.6,1", err: true},
		{in: "a,43.4,1.6,43.6", err: true},
		{in: "1.4,NaN,1.6,43.6", err: true},
		{in: "1.4,43.4,Inf,43.6", err: true},
		{in: "1.4,43.6,1.6,43.4", err: true}, // upside down
		{in: "", err: true},
		{in: "1.4,,1.6,43.6", err: true},
	} {
		a, b, c, d, err := ParseBBox(tc.in)
		if tc.err {
			var pe *ParamError
			if !errors.As(err, &pe) || pe.Param != "bbox" {
				t.Errorf("ParseBBox(%q) error = %v, want a bbox ParamError", tc.in, err)
			}
			continue
		}
		if err != nil || [4]float64{a, b, c, d} != tc.want {
			t.Errorf("ParseBBox(%q) = %v %v %v %v, %v; want %v", tc.in, a, b, c, d, err, tc.want)
		}
	}
}

func TestParseCRS84BBoxRanges(t *testing.T) {
	for _, in := range []string{"-181,0,1,1", "0,-91,1,1", "0,0,1,91", "10,0,-10,1"} {
		if _, _, _, _, err := ParseCRS84BBox(in); err == nil {
			t.Errorf("ParseCRS84BBox(%q) accepted an out-of-range box", in)
		}
	}
	if _, _, _, _, err := ParseCRS84BBox("-180,-90,180,90"); err != nil {
		t.Errorf("the whole world is a valid box: %v", err)
	}
}

func TestParseDatetime(t *testing.T) {
	ts := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	for _, tc := range []struct {
		in         string
		start, end *time.Time
		err        bool
	}{
		{in: "2024-05-01T10:00:00Z", start: ts("2024-05-01T10:00:00Z"), end: ts("2024-05-01T10:00:00Z")},
		{in: "2024-05-01T12:00:00+02:00", start: ts("2024-05-01T10:00:00Z"), end: ts("2024-05-01T10:00:00Z")},
		{in: "2024-05-01", start: ts("2024-05-01T00:00:00Z"), end: ts("2024-05-01T23:59:59.999999999Z")},
		{in: "2024-01-01/2024-12-31", start: ts("2024-01-01T00:00:00Z"), end: ts("2024-12-31T23:59:59.999999999Z")},
		{in: "../2024-12-31T00:00:00Z", end: ts("2024-12-31T00:00:00Z")},
		{in: "2024-01-01T00:00:00Z/..", start: ts("2024-01-01T00:00:00Z")},
		{in: "2024-01-01T00:00:00Z/", start: ts("2024-01-01T00:00:00Z")},
		{in: "../..", err: true},
		{in: "/", err: true},
		{in: "2024-13-01", err: true},
		{in: "yesterday", err: true},
		{in: "2024-12-31/2024-01-01", err: true},
		{in: "2024-01-01/2024-02-01/2024-03-01", err: true},
		{in: "", err: true},
	} {
		s, e, err := ParseDatetime(tc.in)
		if tc.err {
			if err == nil {
				t.Errorf("ParseDatetime(%q) accepted a bad value", tc.in)
			}
			continue
		}
		if err != nil || !eqTime(s, tc.start) || !eqTime(e, tc.end) {
			t.Errorf("ParseDatetime(%q) = %v, %v, %v; want %v, %v", tc.in, s, e, err, tc.start, tc.end)
		}
	}
}

func eqTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func TestParseLimit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		err  bool
	}{
		{in: "", want: 10}, {in: "1", want: 1}, {in: "10000", want: 10000}, {in: "20000", want: 10000},
		{in: "0", err: true}, {in: "-5", err: true}, {in: "ten", err: true}, {in: "1.5", err: true},
		{in: "99999999999999999999", err: true},
	} {
		got, err := ParseLimit(tc.in, 10, 10000)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("ParseLimit(%q) = %d, %v", tc.in, got, err)
		}
	}
}

// FuzzParseParams checks that no input makes the parsers panic, and that an
// accepted bbox and interval are well ordered.
func FuzzParseParams(f *testing.F) {
	for _, s := range []string{"1,2,3,4", "1,2,0,3,4,5", "2024-01-01/..", "../2024-01-01T00:00:00Z", "1e308,1,-1e308,2", ",,,", "2024-02-30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, miny, _, maxy, err := ParseBBox(s); err == nil && miny > maxy {
			t.Errorf("ParseBBox(%q) accepted miny > maxy", s)
		}
		if minx, _, maxx, _, err := ParseCRS84BBox(s); err == nil && minx > maxx {
			t.Errorf("ParseCRS84BBox(%q) accepted minx > maxx", s)
		}
		if start, end, err := ParseDatetime(s); err == nil {
			if start == nil && end == nil {
				t.Errorf("ParseDatetime(%q) accepted a fully open interval", s)
			}
			if start != nil && end != nil && start.After(*end) {
				t.Errorf("ParseDatetime(%q) accepted an inverted interval", s)
			}
		}
		if n, err := ParseLimit(s, 10, 100); err == nil && (n < 1 || n > 100) {
			t.Errorf("ParseLimit(%q) = %d out of range", s, n)
		}
	})
}
