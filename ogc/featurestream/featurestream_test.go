package featurestream_test

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/socle-geo/socle/ogc/featurestream"
)

func TestAppendDecimal(t *testing.T) {
	for _, c := range []struct {
		f    float64
		dec  int
		want string
	}{
		{0, 0, "0"},
		{math.Copysign(0, -1), 0, "0"},
		{1, 0, "1"},
		{-12.5, 0, "-12.5"},
		{0.30000000000000004, 0, "0.30000000000000004"},
		{6250000, 0, "6250000"},
		{1e20, 0, "100000000000000000000"},
		{1e21, 0, "1e+21"},
		{1.5e-6, 0, "0.0000015"},
		{1e-7, 0, "1e-07"},
		{572345.678912, 2, "572345.68"},
		{572345.6, 2, "572345.6"},
		{572345.001, 2, "572345"},
		{-0.001, 2, "0"},
		{1.23456789012, 7, "1.2345679"},
		{1e-7, 7, "0.0000001"},
		{1e-9, 7, "0"},
		{math.NaN(), 0, "NaN"},
		{math.Inf(1), 2, "Infinity"},
		{math.Inf(-1), 0, "-Infinity"},
	} {
		got := string(featurestream.AppendDecimal(nil, c.f, c.dec))
		if got != c.want {
			t.Errorf("AppendDecimal(%v, %d) = %q, want %q", c.f, c.dec, got, c.want)
		}
		if c.dec <= 0 && !math.IsNaN(c.f) && !math.IsInf(c.f, 0) {
			back, err := strconv.ParseFloat(got, 64)
			if err != nil || back != c.f {
				t.Errorf("AppendDecimal(%v) = %q reads back as %v, %v", c.f, got, back, err)
			}
		}
	}
}

func TestCheck(t *testing.T) {
	cols := []featurestream.Column{
		{"s", featurestream.TypeString}, {"i", featurestream.TypeInteger}, {"n", featurestream.TypeNumber},
		{"b", featurestream.TypeBoolean}, {"d", featurestream.TypeDate}, {"t", featurestream.TypeDateTime},
		{"o", featurestream.TypeObject},
	}
	if err := featurestream.CheckColumns(cols); err != nil {
		t.Fatal(err)
	}
	good := &featurestream.Feature{ID: int64(1), Values: []any{"a", int64(2), 1.5, true, time.Now(), time.Now(), json.RawMessage(`{}`)}}
	if err := featurestream.Check(cols, good); err != nil {
		t.Errorf("good feature: %v", err)
	}
	nulls := &featurestream.Feature{ID: "x", Values: make([]any, len(cols))}
	if err := featurestream.Check(cols, nulls); err != nil {
		t.Errorf("nulls: %v", err)
	}
	bad := &featurestream.Feature{Values: []any{"a", 2, 1.5, true, nil, nil, nil}} // int, not int64
	var ve *featurestream.ValueError
	if err := featurestream.Check(cols, bad); !errors.As(err, &ve) || ve.Column != "i" {
		t.Errorf("int for integer: %v", err)
	}
	if err := featurestream.Check(cols, &featurestream.Feature{ID: 1.5, Values: nulls.Values}); err == nil {
		t.Error("float id accepted")
	}
	if err := featurestream.Check(cols, &featurestream.Feature{Values: nil}); err == nil {
		t.Error("missing values accepted")
	}
	for _, bad := range [][]featurestream.Column{
		{{"", featurestream.TypeString}},
		{{"a", featurestream.TypeString}, {"a", featurestream.TypeInteger}},
		{{"a", "uuid"}},
	} {
		if err := featurestream.CheckColumns(bad); err == nil {
			t.Errorf("CheckColumns(%v) accepted", bad)
		}
	}
}
