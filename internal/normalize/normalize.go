// Package normalize turns French address parts written in any of the ways
// field files write them (upper case, missing accents, abbreviated street
// types, articles, punctuation, leading zeros) into comparison keys, so that
// "12 R DU MOULIN" and "12 rue du Moulin" meet.
package normalize

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// abbreviations maps the street-type and title abbreviations found in
// operators' files (FANTOIR / La Poste usage) to their full word.
var abbreviations = map[string]string{
	"r": "rue", "ru": "rue",
	"av": "avenue", "ave": "avenue", "aven": "avenue",
	"bd": "boulevard", "bld": "boulevard", "blvd": "boulevard", "boul": "boulevard",
	"ch": "chemin", "che": "chemin", "chem": "chemin", "chm": "chemin",
	"rte": "route", "rt": "route",
	"pl": "place", "imp": "impasse", "all": "allee", "al": "allee",
	"lot": "lotissement", "lots": "lotissement", "res": "residence", "resid": "residence",
	"sq": "square", "crs": "cours", "fg": "faubourg", "fbg": "faubourg",
	"pas": "passage", "pass": "passage", "qu": "quai", "qua": "quai",
	"ham": "hameau", "sen": "sentier", "sent": "sentier",
	"vla": "villa", "mte": "montee", "tra": "traverse", "trav": "traverse",
	"esp": "esplanade", "prom": "promenade", "car": "carrefour", "carr": "carrefour",
	"rpt": "rond point", "rdpt": "rond point", "prv": "parvis",
	"cit": "cite", "cte": "cote", "gr": "grande", "gde": "grande", "pte": "petite", "pt": "petit",
	"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes",
	"dr": "docteur", "gal": "general", "gen": "general", "mal": "marechal", "pdt": "president",
	"za": "zone artisanale", "zi": "zone industrielle", "zac": "zone d amenagement concerte",
	"ld": "lieu dit",
}

// articles are dropped from keys: files disagree on them ("rue Moulin",
// "rue du Moulin").
var articles = map[string]bool{
	"le": true, "la": true, "les": true, "l": true, "de": true, "du": true,
	"des": true, "d": true, "et": true, "a": true, "au": true, "aux": true, "en": true,
}

// special letters that Unicode decomposition does not take apart.
var special = map[rune]string{'æ': "ae", 'œ': "oe", 'ß': "ss", 'ø': "o", 'ł': "l", 'đ': "d"}

// fold lower-cases s, removes diacritics and turns every run of characters
// that is not a letter or digit into one space.
func fold(s string) []string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		r = unicode.ToLower(r)
		if rep, ok := special[r]; ok {
			b.WriteString(rep)
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			continue
		}
		b.WriteByte(' ')
	}
	return strings.Fields(b.String())
}

// Name returns the comparison key of a street or commune name: folded,
// abbreviations expanded, articles dropped, numbers without leading zeros,
// words joined by one space. Name("R. DU 8 MAI") == Name("rue du 08 Mai").
func Name(s string) string {
	words := fold(s)
	out := make([]string, 0, len(words))
	for i, w := range words {
		full, ok := abbreviations[w]
		// A one-letter "r" is the street type only as the first word: "Rue
		// Jean R" keeps its initial.
		if !ok || (i > 0 && len(w) == 1) {
			full = w
		}
		for _, w := range strings.Fields(full) {
			if articles[w] {
				continue
			}
			if n, err := strconv.Atoi(w); err == nil {
				w = strconv.Itoa(n)
			}
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		// A name made only of articles ("La") keeps them.
		return strings.Join(words, " ")
	}
	return strings.Join(out, " ")
}

// Number parses a house number written with leading zeros or spaces
// ("0012", " 7"). ok is false when s holds no number.
func Number(s string) (n int, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// suffixes maps the spellings of a number complement to the BAL's.
var suffixes = map[string]string{
	"b": "bis", "bi": "bis", "bis": "bis",
	"t": "ter", "ter": "ter",
	"q": "quater", "qua": "quater", "quat": "quater", "quater": "quater",
	"quinq": "quinquies", "quinquies": "quinquies",
}

// Suffix returns the comparison key of a number complement: "" for none,
// "bis", "ter", "quater", or a letter in lower case. "B" is read as "bis",
// as operators abbreviate it; a BAL "b" suffix meets it the same way.
func Suffix(s string) string {
	w := strings.Join(fold(s), "")
	if w == "" {
		return ""
	}
	if full, ok := suffixes[w]; ok {
		return full
	}
	return w
}

// Join puts a street type written apart (type_voie "R", nom_voie "DU
// MOULIN") back in front of the name, for Name. A name that already starts
// with the type keeps it once.
func Join(streetType, streetName string) string {
	streetType, streetName = strings.TrimSpace(streetType), strings.TrimSpace(streetName)
	switch {
	case streetType == "":
		return streetName
	case streetName == "":
		return streetType
	}
	// Some files repeat the type inside the name ("RUE" + "RUE DU MOULIN").
	if t := Name(streetType); t != "" && strings.HasPrefix(Name(streetName)+" ", t+" ") {
		return streetName
	}
	return streetType + " " + streetName
}
