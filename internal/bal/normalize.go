package bal

import (
	"strings"
	"unicode"
	"unicode/utf16"

	"golang.org/x/text/unicode/norm"
)

// deburrSpecial covers the letters lodash's deburr maps that Unicode
// decomposition does not.
var deburrSpecial = map[rune]string{
	'Æ': "Ae", 'æ': "ae", 'Ø': "O", 'ø': "o", 'ß': "ss", 'Œ': "Oe", 'œ': "oe",
	'Ð': "D", 'ð': "d", 'Đ': "D", 'đ': "d", 'Þ': "Th", 'þ': "th", 'Ł': "L", 'ł': "l",
	'Ħ': "H", 'ħ': "h", 'ı': "i", 'Ĳ': "IJ", 'ĳ': "ij", 'ĸ': "k", 'Ŀ': "L", 'ŀ': "l",
	'ŉ': "'n", 'Ŋ': "N", 'ŋ': "n", 'Ŧ': "T", 'ŧ': "t", 'ſ': "s",
}

// deburr removes diacritics (lodash deburr).
func deburr(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if rep, ok := deburrSpecial[r]; ok {
			b.WriteString(rep)
			continue
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

// normalizeEnum is validateur-bal's getNormalizedEnumValue:
// deburr(NFC(v)).replace(/\W+/g, ' ').trim().toLowerCase().
func normalizeEnum(v string) string {
	d := deburr(norm.NFC.String(v))
	var b strings.Builder
	space := false
	for _, r := range d {
		if r < 128 && (r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		space = true
	}
	return b.String()
}

// Positions of the BAL format (validateur-bal PositionTypeEnum); the
// staircase value uses the typographic apostrophe U+2019.
var positions = []string{
	"entrée", "bâtiment", "cage d’escalier", "logement",
	"service technique", "délivrance postale", "parcelle", "segment",
}

var positionByKey = func() map[string]string {
	m := make(map[string]string, len(positions))
	for _, p := range positions {
		m[normalizeEnum(p)] = norm.NFC.String(p)
	}
	return m
}()

// Word tables of @ban-team/adresses-util lib/voies/words.js.
var (
	voieStopWords = set([]string{"la", "le", "les", "l", "d", "du", "de", "des", "dos", "las", "los", "sur", "sous", "a", "par", "et", "au", "aux"})
	expandFirst   = map[string]string{
		"pl": "place", "av": "avenue", "bd": "boulevard", "sq": "square", "che": "chemin",
		"chem": "chemin", "rte": "route", "all": "allee", "pas": "passage", "vla": "villa",
		"imp": "impasse", "qu": "quai", "ham": "hammeau", "prt": "porte", "parv": "parvis",
		"lot": "lotissement", "sen": "sente", "r": "rue", "rle": "ruelle", "car": "carrefour",
		"mte": "montee", "ptte": "placette", "str": "sentier", "tsse": "terrasse", "snt": "sente",
	}
	expandOther = map[string]string{"st": "saint", "ste": "sainte", "gal": "general", "mal": "marechal"}
)

// normalizeVoie approximates @ban-team/adresses-util normalize(), used by
// validateur-bal to compare street names: deburr, lower case, significant
// words (abbreviations expanded, "lieu dit" and stop words dropped). Numbers
// are kept as digits (adresses-util spells them out in French), which does
// not change equality between two names written the same way.
func normalizeVoie(s string) string {
	words := strings.FieldsFunc(strings.ToLower(deburr(s)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for i, w := range words {
		if i == 0 {
			if e, ok := expandFirst[w]; ok {
				words[i] = e
			}
		} else if e, ok := expandOther[w]; ok {
			words[i] = e
		}
	}
	if len(words) > 1 && words[0] == "rue" {
		for _, w := range words[1:] {
			if strings.HasSuffix(w, "rue") {
				words = words[1:]
				break
			}
		}
	}
	if len(words) > 2 && words[0] == "lieu" && words[1] == "dit" {
		words = words[2:]
	}
	out := words[:0]
	for _, w := range words {
		if !voieStopWords[w] {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// jsLen is JavaScript's String.prototype.length (UTF-16 code units), which
// validateur-bal uses for its length limits.
func jsLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// jsTrim is JavaScript's String.prototype.trim: Unicode white space, line
// terminators and U+FEFF.
func jsTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' })
}
