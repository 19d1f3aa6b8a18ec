package embedded

import (
	"testing"
)

// quickTimestampCases: the forms quickTimestamp takes, and forms it must
// leave to the layouts (or get right).
var quickTimestampCases = []string{
	"2020-11-04", "2024-02-29", "2023-02-29", "2023-04-31", "2023-00-10", "2023-13-01", "0000-01-01", "9999-12-31",
	"2026-12-06T20:58:30.585781Z", "2023-12-08T18:48:38.000Z", "2023-12-08T18:48:38Z", "2023-12-08T18:48:38.5Z",
	"2023-12-08T18:48:38.123456789Z", "2023-12-08T18:48:38.1234565Z", "2023-12-08T18:48:38.1234575Z",
	"2023-12-08T18:48:38.1234567891Z", "2023-12-08T18:48:38.Z", "2023-12-08T24:00:00Z", "2023-12-08T23:60:00Z",
	"2023-12-08T23:59:60Z", "2023-12-08 18:48:38Z", "2023-12-08T18:48:38+01:00", "2023-12-08T18:48:38",
	" 2023-12-08", "2023-12-08 ", "2023-1-08", "+023-12-08", "2023-12-08T18:48:38,5Z", "2023-12-08T1:48:38Z",
	"2023-12-08T18:48:38.-5Z", "2023-12-08t18:48:38Z", "2023-12-08T18:48:38z",
}

// TestQuickTimestampSameAsLayouts: whatever quickTimestamp takes, the
// layouts read the same instant, in the same zone.
func TestQuickTimestampSameAsLayouts(t *testing.T) {
	took := 0
	for _, s := range quickTimestampCases {
		checkQuickTimestamp(t, s)
		if _, ok := quickTimestamp(s); ok {
			took++
		}
	}
	if took < 10 {
		t.Fatalf("quickTimestamp took only %d of the cases", took)
	}
}

func checkQuickTimestamp(t *testing.T, s string) {
	t.Helper()
	q, ok := quickTimestamp(s)
	if !ok {
		return
	}
	want, err := layoutTimestamp(s)
	if err != nil {
		t.Fatalf("%q: quickTimestamp %v, the layouts: %v", s, q, err)
	}
	if !q.Equal(want) || q.Location() != want.Location() || q.Nanosecond() != want.Nanosecond() {
		t.Fatalf("%q: quickTimestamp %v, the layouts %v", s, q, want)
	}
	var a, b []byte
	_, a = appendValue(a, q)
	_, b = appendValue(b, want)
	if string(a) != string(b) {
		t.Fatalf("%q: held as %x, the layouts' as %x", s, a, b)
	}
}

func FuzzQuickTimestamp(f *testing.F) {
	for _, s := range quickTimestampCases {
		f.Add(s)
	}
	f.Fuzz(checkQuickTimestamp)
}
