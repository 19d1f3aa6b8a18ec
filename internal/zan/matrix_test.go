package zan

import (
	"encoding/csv"
	"errors"
	"strings"
	"testing"
)

func TestEmbeddedMatrixMatchesItsRows(t *testing.T) {
	t.Parallel()
	b, err := nomenclatureFS.ReadFile("nomenclature/ocsge-matrice-artificialisation.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	m := DefaultMatrix()
	n := 0
	for _, r := range rows[1:] {
		got, err := m.Artificialised(r[0], r[1])
		if err != nil {
			t.Fatalf("%s × %s: %v", r[0], r[1], err)
		}
		if want := r[2] == "true"; got != want {
			t.Errorf("%s × %s = %v, want %v", r[0], r[1], got, want)
		}
		if got {
			n++
		}
	}
	if len(rows)-1 != 600 || n != 175 {
		t.Errorf("%d rows, %d artificialised; SOURCES.md says 600 and 175", len(rows)-1, n)
	}
	if v := m.Version(); !strings.Contains(v, "sha256:19705a48d012") {
		t.Errorf("version %q does not name the vendored file's checksum", v)
	}
}

func TestMatrixRules(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		cs, us string
		want   bool
	}{
		{"CS1.1.1.1", "US1.1", true},   // buildings, whatever the use
		{"CS1.1.1.2", "", true},        // paved, use unknown
		{"CS1.1.2.1", "US1.3", false},  // mineral surfaces of a quarry
		{"CS1.1.2.1", "US4.3", true},   // mineral surfaces of a network
		{"CS2.2.1", "US5", true},       // a garden
		{"CS2.2.1.4", "US5", true},     // level 4: no row of its own, its parent's
		{"CS2.2.1.4", "US1.1", false},  // arable land farmed
		{"cs2.2.1.1 ", " us235", true}, // case and spaces do not matter
		{"CS2.1.1.1", "US5", false},    // trees are never artificialised
		{"CS1.2.2", "US4.1.4", false},  // water
		{"", "US5", false},             // cover unknown
	} {
		got, err := Artificialised(c.cs, c.us)
		if err != nil || got != c.want {
			t.Errorf("Artificialised(%q, %q) = %v, %v; want %v", c.cs, c.us, got, err, c.want)
		}
	}
	for _, c := range [][2]string{{"CS3", "US5"}, {"CS1.1.1.1", "US7"}, {"1.1.1.1", "US5"}} {
		_, err := Artificialised(c[0], c[1])
		var uc *UnknownCodeError
		if !errors.As(err, &uc) {
			t.Errorf("Artificialised(%q, %q): err = %v, want an UnknownCodeError", c[0], c[1], err)
		}
	}
}

func TestParseMatrixRejectsBadFiles(t *testing.T) {
	t.Parallel()
	cover := "code,parent\nCS1,\nCS1.1,CS1\n"
	use := "code,parent\nUS1,\n"
	for name, c := range map[string][3]string{
		"not a boolean":  {"code_cs,code_us,artificialise\nCS1,US1,maybe\n", cover, use},
		"unknown cover":  {"code_cs,code_us,artificialise\nCS2,US1,true\n", cover, use},
		"no rows":        {"code_cs,code_us,artificialise\n", cover, use},
		"bad header":     {"cs,us,art\nCS1,US1,true\n", cover, use},
		"unknown parent": {"code_cs,code_us,artificialise\nCS1,US1,true\n", "code,parent\nCS1.1,CS1\n", use},
	} {
		if _, err := ParseMatrix(strings.NewReader(c[0]), strings.NewReader(c[1]), strings.NewReader(c[2]), "t"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	m, err := ParseMatrix(strings.NewReader("code_cs,code_us,artificialise\nCS1,US1,true\n,,false\n"),
		strings.NewReader(cover), strings.NewReader(use), "mine")
	if err != nil {
		t.Fatal(err)
	}
	if a, err := m.Artificialised("CS1.1", "US1"); !a || err != nil || m.Version() != "mine" {
		t.Errorf("a territory's own matrix: %v %v %q", a, err, m.Version())
	}
}
