package zan_test

import (
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/socle-geo/socle/internal/zan"
)

func readFile(t *testing.T, name string) *zan.Consommation {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := zan.ReadConsommation(f)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReadConsommationKeepsBadRowsApartWithLineAndColumn(t *testing.T) {
	t.Parallel()
	c := readFile(t, "consommation-utf8.csv")
	if c.Separator != ';' || c.Encoding != "UTF-8" {
		t.Errorf("separator %q, encoding %s", c.Separator, c.Encoding)
	}
	if want := []int{2009, 2010, 2011, 2012, 2013, 2014, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022}; !slices.Equal(c.Years, want) {
		t.Errorf("years %v, want %v (naf11art21 and naf09art23 are periods, not years)", c.Years, want)
	}
	var codes []string
	for _, r := range c.Rows {
		codes = append(codes, r.INSEE)
	}
	// 01001 lost its leading zero in a spreadsheet; 2A004 is in Corsica.
	if want := []string{"31254", "31003", "01001", "2A004"}; !slices.Equal(codes, want) {
		t.Errorf("communes %v, want %v", codes, want)
	}
	if c.Rows[0].Name != "Labège" || c.Rows[0].Line != 2 || c.Rows[0].M2[2022] != 12345.5 {
		t.Errorf("first row: %+v", c.Rows[0])
	}
	if _, ok := c.Rows[1].M2[2015]; ok {
		t.Error("an empty cell became a value")
	}
	if c.Rows[3].M2[2012] != -200 {
		t.Errorf("a negative consumption (the file has some) was not kept: %v", c.Rows[3].M2[2012])
	}
	want := []zan.RowError{
		{Line: 4, Column: 37, Header: "naf13art14", Value: "12a4", Reason: "is not a number of square metres"},
		{Line: 5, Column: 1, Header: "idcom", Value: "31254", Reason: "was given already on line 2"},
		{Line: 6, Column: 1, Header: "idcom", Value: "3100X", Reason: "is not an INSEE commune code"},
	}
	if len(c.Rejects) != len(want) {
		t.Fatalf("rejects: %v", c.Err())
	}
	for i, w := range want {
		if *c.Rejects[i] != w {
			t.Errorf("reject %d: %+v, want %+v", i, *c.Rejects[i], w)
		}
	}
	err := c.Err()
	var re *zan.RowError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "line 4, column 37 (naf13art14)") {
		t.Errorf("Err() = %v", err)
	}
}

func TestReadConsommationWindows1252WithCommas(t *testing.T) {
	t.Parallel()
	c := readFile(t, "consommation-cp1252.csv")
	if c.Separator != ',' || c.Encoding != "Windows-1252" || len(c.Rejects) != 0 || len(c.Rows) != 2 {
		t.Fatalf("separator %q, encoding %s, %d rows, rejects %v", c.Separator, c.Encoding, len(c.Rows), c.Err())
	}
	if c.Rows[0].Name != "Labège" || c.Rows[0].M2[2022] != 12345.5 {
		t.Errorf("first row: %+v", c.Rows[0])
	}
}

func TestReferenceAndAllowance(t *testing.T) {
	t.Parallel()
	c := readFile(t, "consommation-utf8.csv")
	refs, total := c.References(zan.Allowance{})
	lab := refs[0]
	// naf11art12 … naf20art21 = 10,000 … 100,000 m²: 550,000 m².
	if lab.INSEE != "31254" || lab.ReferenceHa != 55 || lab.Share != 0.5 || lab.AllowanceHa != 27.5 || len(lab.Missing) != 0 {
		t.Errorf("Labège: %+v", lab)
	}
	// Since 2021: naf21art22 + naf22art23 = 30,000 + 12,345.5 m².
	if math.Abs(lab.SinceHa-4.23455) > 1e-9 || !slices.Equal(lab.SinceYears, []int{2021, 2022}) || math.Abs(lab.UsedShare-4.23455/27.5) > 1e-12 {
		t.Errorf("Labège since 2021: %+v", lab)
	}
	aig := refs[1]
	if aig.ReferenceHa != 4.5 || !slices.Equal(aig.Missing, []int{2015}) {
		t.Errorf("Aigrefeuille, 2015 missing: %+v", aig)
	}
	if want := 55 + 4.5 + 1 + 0.88; math.Abs(total.ReferenceHa-want) > 1e-9 || total.INSEE != "" || !slices.Equal(total.Missing, []int{2015}) {
		t.Errorf("total: %+v, want a reference of %.2f ha", total, want)
	}
	if math.Abs(total.AllowanceHa-total.ReferenceHa/2) > 1e-9 || total.Share != 0.5 {
		t.Errorf("total allowance: %+v", total)
	}

	// A SRADDET territorialisation: 45.5 % for the territory, 30 % for
	// Labège.
	refs, total = c.References(zan.Allowance{Share: 0.455, PerCommune: map[string]float64{"31254": 0.3}})
	if refs[0].AllowanceHa != 55*0.3 || refs[1].AllowanceHa != 4.5*0.455 {
		t.Errorf("overridden allowances: %+v / %+v", refs[0], refs[1])
	}
	if want := 55*0.3 + (4.5+1+0.88)*0.455; math.Abs(total.AllowanceHa-want) > 1e-9 {
		t.Errorf("territory allowance %.4f ha, want %.4f", total.AllowanceHa, want)
	}
}

func TestReadConsommationRefusesWhatIsNotTheFile(t *testing.T) {
	t.Parallel()
	for name, text := range map[string]string{
		"no INSEE column":   "commune;naf11art12\n31254;10\n",
		"no yearly column":  "idcom;naf11art21\n31254;10\n",
		"a column twice":    "idcom;naf11art12;NAF11ART12\n31254;1;2\n",
		"broken quoting":    "idcom;naf11art12\n\"31254;10\n",
		"empty":             "",
		"a period, no year": "idcom,naf09art23\n31254,1\n",
	} {
		if _, err := zan.ReadConsommation(strings.NewReader(text)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	c, err := zan.ReadConsommation(strings.NewReader("idcom;naf11art12\n31254;10;11\n\n31003;\n"))
	if err != nil || len(c.Rejects) != 1 || c.Rejects[0].Line != 2 || len(c.Rows) != 1 {
		t.Errorf("a row with too many fields: %v, %v", c, err)
	}
}

// FuzzReadConsommation: whatever the bytes, no panic, and what is returned
// holds together: every row a valid code given once with values only for
// the years of the header, every reject a line after the header.
func FuzzReadConsommation(f *testing.F) {
	for _, name := range []string{"consommation-utf8.csv", "consommation-cp1252.csv"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("idcom;naf11art12\n31254;1,5\n"))
	f.Add([]byte("IDCOM,NAF20ART21\n2B033,NA\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := zan.ReadConsommation(strings.NewReader(string(b)))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, r := range c.Rows {
			if len(r.INSEE) != 5 || seen[r.INSEE] || r.Line < 2 {
				t.Fatalf("row %+v", r)
			}
			seen[r.INSEE] = true
			for y, v := range r.M2 {
				if !slices.Contains(c.Years, y) || math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("row %s: year %d value %v, years %v", r.INSEE, y, v, c.Years)
				}
			}
		}
		for _, r := range c.Rejects {
			if r.Line < 2 || r.Reason == "" {
				t.Fatalf("reject %+v", r)
			}
		}
		if (c.Err() == nil) != (len(c.Rejects) == 0) {
			t.Fatal("Err() disagrees with Rejects")
		}
		refs, total := c.References(zan.Allowance{})
		if len(refs) != len(c.Rows) || math.IsNaN(total.ReferenceHa) {
			t.Fatalf("references %d for %d rows, total %+v", len(refs), len(c.Rows), total)
		}
	})
}
