package bal

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Field parsers, after validateur-bal @ ecec9a5 lib/schema/fields.ts. Each
// receives the trimmed, non-empty value and reports error suffixes
// ("casse_invalide") through add; ok=false means no parsed value
// (validateur-bal: parse returned undefined).

type adder func(errSuffix string)

// cleKey is a parsed cle_interop.
type cleKey struct {
	normalized  string // {insee}_{voie}_{numéro 5 chiffres}[_{suffixe}…], lower case
	codeCommune string // upper case
	codeVoie    string // upper case; "" when invalid or not provided (xxxx/0000)
	numeroVoie  string // without leading zeros
	suffixes    []string
}

var reCommuneINSEE = regexp.MustCompile(`^(?:\d{5}|2[AB]\d{3})$`)

// checkCommune applies validateur-bal's COG test to an upper-cased code:
// commune_invalide when the code is neither a current nor a former commune,
// commune_ancienne for a former one. Without a COG only the format of the
// code (5 digits, or 2A/2B + 3 digits) is checked.
func checkCommune(code string, cog COG, add adder) (valid bool) {
	if cog == nil {
		if !reCommuneINSEE.MatchString(code) {
			add("commune_invalide")
			return false
		}
		return true
	}
	_, actuelle := cog.Actuelle(code)
	ancienne := cog.Ancienne(code)
	if !actuelle && !ancienne {
		add("commune_invalide")
		return false
	}
	if ancienne {
		add("commune_ancienne")
	}
	return true
}

func parseCleInterop(v string, cog COG, add adder) (cleKey, bool) {
	if strings.ToLower(v) != v {
		add("casse_invalide")
	}
	parts := strings.Split(v, "_")
	if len(parts) < 3 {
		add("structure_invalide")
		return cleKey{}, false
	}
	for _, p := range parts {
		if p == "" {
			add("structure_invalide")
			return cleKey{}, false
		}
	}
	codeCommune := strings.ToUpper(parts[0])
	codeVoie, numeroVoie, suffixes := parts[1], parts[2], parts[3:]
	checkCommune(codeCommune, cog, add)

	voieOK := true
	if jsLen(codeVoie) != 4 {
		add("voie_invalide")
		voieOK = false
	} else if strings.ToUpper(codeVoie) == "XXXX" || codeVoie == "0000" {
		add("voie_non_renseignee")
		voieOK = false
	}
	if !isDigits(numeroVoie) {
		add("numero_invalide")
		return cleKey{}, false
	}
	if len(numeroVoie) != 5 {
		add("numero_prefixe_manquant")
	}
	k := cleKey{
		codeCommune: codeCommune,
		numeroVoie:  strings.TrimLeft(numeroVoie, "0"),
		suffixes:    suffixes,
	}
	if voieOK {
		k.codeVoie = strings.ToUpper(codeVoie)
	}
	padded := numeroVoie
	if len(padded) < 5 {
		padded = strings.Repeat("0", 5-len(padded)) + padded
	}
	k.normalized = strings.ToLower(strings.Join(append([]string{codeCommune, codeVoie, padded}, suffixes...), "_"))
	return k, true
}

// banIDs are the three BAN identifiers of a row.
type banIDs struct{ commune, toponyme, adresse string }

var (
	reUIDCommune  = regexp.MustCompile(`(?i)@c:(\S+)`)
	reUIDToponyme = regexp.MustCompile(`(?i)@v:(\S+)`)
	reUIDAdresse  = regexp.MustCompile(`(?i)@a:(\S+)`)
	reUUIDv4      = regexp.MustCompile(`(?i)^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

func isUUIDv4(s string) bool { return reUUIDv4.MatchString(s) }

// parseUIDAdresse reads the BAN ids of a 1.3 uid_adresse
// ("@c:<uuid> @v:<uuid> @a:<uuid>", each part optional).
func parseUIDAdresse(v string, add adder) (banIDs, bool) {
	get := func(re *regexp.Regexp) string {
		if m := re.FindStringSubmatch(v); m != nil {
			return m[1]
		}
		return ""
	}
	ids := banIDs{get(reUIDCommune), get(reUIDToponyme), get(reUIDAdresse)}
	for _, id := range []string{ids.commune, ids.toponyme, ids.adresse} {
		if id != "" && !isUUIDv4(id) {
			add("type_invalide")
			return banIDs{}, false
		}
	}
	ids.commune, ids.toponyme, ids.adresse = strings.ToLower(ids.commune), strings.ToLower(ids.toponyme), strings.ToLower(ids.adresse)
	return ids, true
}

func parseIDBan(v string, add adder) (string, bool) {
	if !isUUIDv4(v) {
		add("type_invalide")
		return "", false
	}
	return strings.ToLower(v), true
}

// parseVoieNom is the voie_nom / toponyme parser (also used for their
// regional-language variants).
func parseVoieNom(v string, add adder) (string, bool) {
	if n := jsLen(v); n < 3 {
		add("trop_court")
		return "", false
	} else if n > 200 {
		add("trop_long")
		return "", false
	}
	if strings.ContainsRune(v, '\uFFFD') {
		add("caractere_invalide")
		return "", false
	}
	if strings.Contains(v, "_") {
		add("contient_tiret_bas")
		v = strings.ReplaceAll(v, "_", " ")
	}
	if strings.ToUpper(v) == v {
		add("casse_incorrecte")
	}
	return v, true
}

func parseNumero(v string, add adder) (int, bool) {
	if !isDigits(v) {
		add("type_invalide")
		return 0, false
	}
	digits := strings.TrimLeft(v, "0")
	if len(digits) > 5 {
		add("trop_grand")
		return 0, false
	}
	n := 0
	if digits != "" {
		n, _ = strconv.Atoi(digits)
	}
	if n == 0 {
		add("not_to_be_zero")
	}
	if v[0] == '0' && n != 0 {
		add("contient_prefixe")
	}
	return n, true
}

func parseSuffixe(v string, add adder) (string, bool) {
	if c := v[0]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		add("debut_invalide")
		return "", false
	}
	if jsLen(v) > 9 {
		add("trop_long")
		return "", false
	}
	for _, r := range v {
		if !isSuffixRune(r) {
			add("caractere_invalide")
			break
		}
	}
	return v, true
}

// isSuffixRune is validateur-bal's isAlphaNumericWithAccents character class.
func isSuffixRune(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', unicode.IsSpace(r):
		return true
	}
	return strings.ContainsRune("àáâãäåæçèéêëìíîïñòóôõöùúûüýÿÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝŸ", r)
}

func parseCommuneNom(v string, add adder) string {
	if strings.ToLower(v) == v || strings.ToUpper(v) == v {
		add("casse_incorrecte")
	}
	return v
}

func parsePosition(v string, add adder) (string, bool) {
	canonical, ok := positionByKey[normalizeEnum(v)]
	if !ok {
		add("valeur_invalide")
		return "", false
	}
	if canonical != norm.NFC.String(v) {
		add("enum_fuzzy")
	}
	return canonical, true
}

var (
	reFloat       = regexp.MustCompile(`^-?(?:0|[1-9]\d*)(?:\.\d+)?\d?$`)
	reFrenchFloat = regexp.MustCompile(`^-?(?:0|[1-9]\d*)(?:,\d+)?\d?$`)
)

func parseCoord(v string, add adder) (float64, bool) {
	if reFloat.MatchString(v) {
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	if reFrenchFloat.MatchString(v) {
		add("separateur_decimal_invalide")
		f, err := strconv.ParseFloat(strings.Replace(v, ",", ".", 1), 64)
		return f, err == nil
	}
	add("valeur_invalide")
	return 0, false
}

func parseCadParcelles(v string, add adder) ([]string, bool) {
	trimmed := strings.Trim(v, "|")
	if trimmed != v {
		add("pipe_debut_fin")
	}
	if trimmed == "" {
		add("valeur_invalide")
		return nil, false
	}
	parts := strings.Split(trimmed, "|")
	for _, p := range parts {
		if n := jsLen(p); n != 14 && n != 15 {
			add("valeur_invalide")
			return nil, false
		}
	}
	out := make([]string, len(parts))
	for i, p := range parts {
		if jsLen(p) == 15 {
			// 15-character form (department on 3 characters): drop the
			// third character.
			r := []rune(p)
			p = string(r[:2]) + string(r[3:])
		}
		out[i] = p
	}
	return out, true
}

func parseCertification(v string, add adder) (bool, bool) {
	switch v {
	case "1":
		return true, true
	case "0":
		return false, true
	}
	add("valeur_invalide")
	return false, false
}

var (
	reISODate    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	minDate      = time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
	reFrenchDate = regexp.MustCompile(`(?i)^(\d{1,2}) (janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre) (\d{4})$`)
	frenchMonths = map[string]time.Month{
		"janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
		"juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
		"décembre": 12, "decembre": 12,
	}
	reISODateTime = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}`)
)

// remediationLayouts are validateur-bal's date_der_maj remediation formats
// (date-fns dd/MM/yy, dd/MM/yyyy, yyyy/MM/dd, dd-MM-yyyy, yyyy-MM-dd,
// dd MM yyyy, yyyy MM dd, yyyy-MM-dd HH:mm), plus the dotted forms.
var remediationLayouts = []string{
	"2/1/06", "2/1/2006", "2006/1/2", "2-1-2006", "2006-1-2", "2 1 2006", "2006 1 2", "2006-1-2 15:04",
	"2006.1.2", "2.1.2006",
}

// parseDate parses date_der_maj. today is the current date (UTC midnight).
// suggestion is validateur-bal's remediation: the YYYY-MM-DD form of a
// recognisable date between 2010-01-01 and today.
func parseDate(v string, today time.Time, add adder) (d time.Time, ok bool, suggestion string) {
	if !reISODate.MatchString(v) {
		add("date_invalide")
		return time.Time{}, false, dateRemediation(v, today)
	}
	d, err := time.Parse("2006-01-02", v)
	if err != nil {
		add("date_invalide")
		return time.Time{}, false, dateRemediation(v, today)
	}
	if d.Before(minDate) {
		add("date_ancienne")
	}
	if d.After(today) {
		add("date_future")
		return time.Time{}, false, ""
	}
	return d, true, ""
}

func dateRemediation(v string, today time.Time) string {
	accept := func(d time.Time) bool { return d.After(minDate) && d.Before(today) }
	for _, layout := range remediationLayouts {
		if d, err := time.Parse(layout, v); err == nil && accept(d) {
			return d.Format("2006-01-02")
		}
	}
	if m := reFrenchDate.FindStringSubmatch(v); m != nil {
		day, _ := strconv.Atoi(m[1])
		year, _ := strconv.Atoi(m[3])
		month := frenchMonths[strings.ToLower(m[2])]
		d := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
		if d.Day() == day && accept(d) {
			return d.Format("2006-01-02")
		}
	}
	// ISO 8601 date-time (as written by some BAL tools): keep the date part.
	if m := reISODateTime.FindStringSubmatch(v); m != nil {
		if d, err := time.Parse("2006-01-02", m[1]); err == nil && accept(d) {
			return m[1]
		}
	}
	return ""
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
