package cql2

import (
	"regexp"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// likeRegexp is likeMatch's definition as a regular expression, the
// reference FuzzLike checks it against.
func likeRegexp(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	esc := false
	for _, r := range pattern {
		switch {
		case esc:
			b.WriteString(regexp.QuoteMeta(string(r)))
			esc = false
		case r == '\\':
			esc = true
		case r == '%':
			b.WriteString(`.*`)
		case r == '_':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	if esc {
		b.WriteString(`\\`)
	}
	b.WriteString(`\z`)
	return regexp.MustCompile(b.String())
}

func FuzzLike(f *testing.F) {
	for _, c := range [][2]string{
		{"Rue de l'Église", "Rue de l'_glise"}, {"Rue", "%"}, {"", "%"}, {"", "_"}, {"50%", `50\%`},
		{"aaa", "%a%a%a%"}, {"aa", "%a%a%a%"}, {`a\`, `a\`}, {"é€x", "_€%"}, {"\xff\xfe", "_\xff"},
		{strings.Repeat("ab", 30), strings.Repeat("%a_", 20)},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, s, pattern string) {
		if got, want := likeMatch(s, pattern), likeRegexp(pattern).MatchString(s); got != want {
			t.Fatalf("likeMatch(%q, %q) = %v, want %v", s, pattern, got, want)
		}
	})
}

// FuzzText checks caseFold and stripAccents, whose ASCII shortcuts must
// give what the general case gives.
func FuzzText(f *testing.F) {
	for _, s := range []string{"", "Rue de l'Église", "STRASSE", "Straße", "rue", "A\x00\x7f", "Chișinău", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := caseFold(s), cases.Fold().String(s); got != want {
			t.Errorf("caseFold(%q) = %q, want %q", s, got, want)
		}
		var b strings.Builder
		for _, r := range norm.NFD.String(s) {
			if !unicode.Is(unicode.Mn, r) || r == 0x3099 || r == 0x309A {
				b.WriteRune(r)
			}
		}
		if got, want := stripAccents(s), norm.NFC.String(b.String()); got != want {
			t.Errorf("stripAccents(%q) = %q, want %q", s, got, want)
		}
	})
}
