package features

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/ogc/crs"
)

// ordinateByStrings is AppendOrdinate as first written, through strings:
// the allocation-free version must write the same bytes.
func ordinateByStrings(d float64, prec int) string {
	switch {
	case d == 0:
		return "0"
	case math.IsNaN(d):
		return "NaN"
	case math.IsInf(d, 1):
		return "Infinity"
	case math.IsInf(d, -1):
		return "-Infinity"
	}
	s := strconv.FormatFloat(math.Abs(d), 'e', -1, 64)
	e := len(s) - 1
	for s[e] != 'e' {
		e--
	}
	sci, _ := strconv.Atoi(s[e+1:])
	var mant uint64
	n := 0
	for i := 0; i < e; i++ {
		if s[i] != '.' {
			mant = mant*10 + uint64(s[i]-'0')
			n++
		}
	}
	if math.Abs(d) <= 1e-8 || math.Abs(d) >= 1e15 {
		out := string(appendFixed(nil, mant, 1-n, d < 0, prec)) + "e"
		if sci < 0 {
			return out + "-" + strconv.Itoa(-sci)
		}
		return out + "+" + strconv.Itoa(sci)
	}
	return string(appendFixed(nil, mant, sci-(n-1), d < 0, prec))
}

func TestAppendOrdinate(t *testing.T) {
	// Values checked against PostGIS 3.3's ST_AsGeoJSON.
	for _, c := range []struct {
		d    float64
		prec int
		want string
	}{
		{1.4620318, 7, "1.4620318"},
		{43.71838054999, 7, "43.7183805"},
		{574123.455, 2, "574123.46"}, // the shortest digits end in 5: half to even on them
		{574123.445, 2, "574123.44"},
		{-0.000000001, 7, "-1e-9"},
		{1e15, 2, "1e+15"},
		{-0.00000004, 7, "0"},
		{0.5, 0, "0"},
		{1.5, 0, "2"},
		{2316975.115, 2, "2316975.12"},
		{123456789012.345678, 2, "123456789012.35"},
	} {
		if got := string(AppendOrdinate(nil, c.d, c.prec)); got != c.want {
			t.Errorf("AppendOrdinate(%v, %d) = %s, want %s", c.d, c.prec, got, c.want)
		}
	}
	r := rand.New(rand.NewPCG(4326, 2154))
	for i := 0; i < 200000; i++ {
		d := math.Float64frombits(r.Uint64())
		switch i % 4 {
		case 0:
			d = (r.Float64() - 0.5) * 360
		case 1:
			d = r.Float64() * 1e7
		case 2:
			d = math.Round(r.Float64()*1e9) / 1e3 // halves and ties
		}
		prec := []int{0, 2, 7, 15}[i%4]
		if got, want := string(AppendOrdinate(nil, d, prec)), ordinateByStrings(d, prec); got != want {
			t.Fatalf("AppendOrdinate(%v, %d) = %s, want %s", d, prec, got, want)
		}
	}
}

func TestAppendGeometryEmptyPoint(t *testing.T) {
	// WKB holds POINT EMPTY as NaN NaN; ST_AsGeoJSON writes it so.
	got := string(AppendGeometry(nil, orb.Point{math.NaN(), math.NaN()}, crs.Lambert, 2))
	want := `{"type":"Point","crs":{"type":"name","properties":{"name":"EPSG:2154"}},"coordinates":[]}`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func BenchmarkAppendOrdinate(b *testing.B) {
	b.ReportAllocs()
	var buf []byte
	for i := 0; i < b.N; i++ {
		buf = AppendOrdinate(buf[:0], 43.71838054999, 7)
	}
}
