package bal

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// parsedRow is one CSV record after field parsing (validateur-bal
// rawValues / parsedValues / additionalValues).
type parsedRow struct {
	line   int
	raw    [numFields]string // untrimmed value, "" when the column is absent
	ok     [numFields]bool   // a value was parsed (parsedValues[field] !== undefined)
	colErr [numFields]bool   // the column has at least one issue

	cle               cleKey
	uidRaw            string
	uid               banIDs
	idBan             banIDs
	voieNom, toponyme string
	lieudit           string
	numero            int
	suffixe           string
	communeINSEE      string
	communeNom        string
	delegueeINSEE     string
	delegueeNom       string
	position          string
	x, y, long, lat   float64
	cad               []string
	source            string
	date              time.Time
	cert              bool
	localized         map[string]map[string]string
	issues            []Issue
}

// parseRow parses the fields of rec (one value per header column).
func (r *Reader) parseRow(rec []string, line int) *parsedRow {
	row := &parsedRow{line: line}
	cog := r.opts.cog
	for i, col := range r.cols {
		f := col.field
		if f < 0 {
			continue
		}
		raw := rec[i]
		suggestion := ""
		add := func(suffix string) {
			if col.lang == "" {
				row.colErr[f] = true
				// validateur-bal drops the issues of columns that are not
				// part of the format of the profile (cle_interop in 1.5,
				// uid_adresse in 1.4…); their values are still used.
				if fields[f].formats&r.version == 0 {
					return
				}
			}
			iss := r.newIssue(line, col.name, col.name+"."+suffix, "")
			iss.Suggestion = suggestion
			row.issues = append(row.issues, iss)
		}
		v := jsTrim(raw)
		if v != raw {
			add("espaces_debut_fin")
		}
		if col.lang != "" {
			if v != "" {
				r.parseLocalized(row, col, v, add)
			}
			continue
		}
		row.raw[f] = raw
		if v == "" {
			if fields[f].required {
				add("valeur_manquante")
			}
			continue
		}
		ok := true
		switch f {
		case fCleInterop:
			row.cle, ok = parseCleInterop(v, cog, add)
		case fUIDAdresse:
			row.uid, ok = parseUIDAdresse(v, add)
			if ok {
				row.uidRaw = v
			}
		case fIDBanCommune:
			row.idBan.commune, ok = parseIDBan(v, add)
		case fIDBanToponyme:
			row.idBan.toponyme, ok = parseIDBan(v, add)
		case fIDBanAdresse:
			row.idBan.adresse, ok = parseIDBan(v, add)
		case fVoieNom:
			row.voieNom, ok = parseVoieNom(v, add)
		case fToponyme:
			row.toponyme, ok = parseVoieNom(v, add)
		case fLieudit:
			row.lieudit = v
		case fNumero:
			row.numero, ok = parseNumero(v, add)
		case fSuffixe:
			row.suffixe, ok = parseSuffixe(v, add)
		case fCommuneINSEE:
			row.communeINSEE = strings.ToUpper(v)
			ok = checkCommune(row.communeINSEE, cog, add)
		case fCommuneNom:
			row.communeNom = parseCommuneNom(v, add)
		case fCommuneDelegueeINSEE:
			// validateur-bal only flags unknown codes here (no
			// commune_ancienne) and keeps the value.
			row.delegueeINSEE = strings.ToUpper(v)
			checkCommune(row.delegueeINSEE, cogWithoutAncienne(cog), add)
		case fCommuneDelegueeNom:
			row.delegueeNom = v
		case fPosition:
			row.position, ok = parsePosition(v, add)
		case fX:
			row.x, ok = parseCoord(v, add)
		case fY:
			row.y, ok = parseCoord(v, add)
		case fLong:
			row.long, ok = parseCoord(v, add)
		case fLat:
			row.lat, ok = parseCoord(v, add)
		case fCadParcelles:
			row.cad, ok = parseCadParcelles(v, add)
		case fSource:
			row.source = v
		case fDateDerMaj:
			var d time.Time
			var sugg string
			var errs []string
			d, ok, sugg = parseDate(v, r.today, func(s string) { errs = append(errs, s) })
			row.date = d
			suggestion = sugg
			for _, e := range errs {
				add(e)
			}
			suggestion = ""
		case fCertification:
			row.cert, ok = parseCertification(v, add)
		}
		row.ok[f] = ok
	}
	return row
}

func (r *Reader) parseLocalized(row *parsedRow, col column, v string, add adder) {
	base := fields[col.field].name
	switch col.field {
	case fVoieNom, fToponyme:
		var ok bool
		if v, ok = parseVoieNom(v, add); !ok {
			return
		}
	case fCommuneNom:
		v = parseCommuneNom(v, add)
	}
	if row.localized == nil {
		row.localized = map[string]map[string]string{}
	}
	if row.localized[base] == nil {
		row.localized[base] = map[string]string{}
	}
	row.localized[base][col.lang] = v
}

// cogWithoutAncienne wraps a COG so that checkCommune never reports
// commune_ancienne (commune_deleguee_insee rule).
type noAncienne struct{ COG }

func (n noAncienne) Ancienne(string) bool { return false }

func (n noAncienne) Actuelle(code string) (Commune, bool) {
	if c, ok := n.COG.Actuelle(code); ok {
		return c, ok
	}
	return Commune{}, n.COG.Ancienne(code)
}

func cogWithoutAncienne(c COG) COG {
	if c == nil {
		return nil
	}
	return noAncienne{c}
}

// voie is validateur-bal getVoieNom: voie_nom || toponyme.
func (row *parsedRow) voie() string {
	if row.ok[fVoieNom] && row.voieNom != "" {
		return row.voieNom
	}
	if row.ok[fToponyme] {
		return row.toponyme
	}
	return ""
}

// codeCommune is validateur-bal getCodeCommune: commune_insee, else the
// commune part of cle_interop.
func (row *parsedRow) codeCommune() string {
	if row.ok[fCommuneINSEE] {
		return row.communeINSEE
	}
	if row.ok[fCleInterop] {
		return row.cle.codeCommune
	}
	return ""
}

// banIDs returns the row's BAN ids: id_ban_* columns, else uid_adresse.
func (row *parsedRow) banIDs() banIDs {
	ids := row.idBan
	if ids.commune == "" {
		ids.commune = row.uid.commune
	}
	if ids.toponyme == "" {
		ids.toponyme = row.uid.toponyme
	}
	if ids.adresse == "" {
		ids.adresse = row.uid.adresse
	}
	return ids
}

func (row *parsedRow) isToponyme() bool { return row.ok[fNumero] && row.numero == 99999 }

// checkRow applies the row rules (validateur-bal lib/schema/row.ts, plus
// cog_no_match_id_ban_commune from rows/ban_ids.ts).
func (r *Reader) checkRow(row *parsedRow) {
	add := func(code, col string) {
		row.issues = append(row.issues, r.newIssue(row.line, col, code, ""))
	}

	// cle_interop coherence. validateur-bal: numero only (skipped when
	// numero is 0); Socle adds commune and suffixe as warnings.
	if row.ok[fCleInterop] {
		if row.ok[fNumero] && row.numero != 0 {
			if n, err := strconv.Atoi(row.cle.numeroVoie); err != nil || n != row.numero {
				add("row.incoherence_numero", "")
			}
		}
		if row.ok[fCommuneINSEE] && row.cle.codeCommune != row.communeINSEE &&
			row.cle.codeCommune != row.delegueeINSEE {
			add(codeIncoherenceCommune, "")
		}
		if !row.colErr[fSuffixe] && suffixKey(strings.Join(row.cle.suffixes, "_")) != suffixKey(row.suffixe) {
			add(codeIncoherenceSuffixe, "")
		}
	}

	if !row.ok[fCleInterop] && !row.ok[fCommuneINSEE] {
		add("row.commune_manquante", "")
	}

	if cog := r.opts.cog; cog != nil && row.communeNom != "" {
		if c, ok := cog.Actuelle(row.codeCommune()); ok && row.communeNom != c.Nom {
			add("row.commune_nom_invalide", "")
		}
	}

	// validateur-bal also fires when both are empty (normalize(undefined)
	// is ""), on rows already rejected by row.adresse_incomplete: skipped.
	if row.lieudit != "" && normalizeVoie(row.voie()) == normalizeVoie(row.lieudit) {
		add("row.voie_nom_have_same_lieudit_complement_nom", "")
	}

	if row.ok[fNumero] && row.numero != 99999 && row.raw[fPosition] == "" {
		add("row.position_manquante", "")
	}

	r.checkCoords(row, add)

	if !row.ok[fNumero] || row.voie() == "" {
		add("row.adresse_incomplete", "")
	}

	if cog := r.opts.cog; cog != nil && row.delegueeINSEE != "" &&
		!row.colErr[fCommuneDelegueeINSEE] && !row.colErr[fCommuneINSEE] {
		code := row.codeCommune()
		if c, ok := cog.Actuelle(code); ok && code != "" &&
			row.delegueeINSEE != code && !slices.Contains(c.AnciensCodes, row.delegueeINSEE) {
			add("row.chef_lieu_invalide", "")
		}
	}

	ids := row.banIDs()
	if ids.commune != "" || ids.toponyme != "" || ids.adresse != "" {
		if ids.commune == "" {
			add("row.lack_of_id_ban", "id_ban_commune")
		}
		if ids.toponyme == "" {
			add("row.lack_of_id_ban", "id_ban_toponyme")
		}
		if ids.adresse == "" && !row.isToponyme() {
			add("row.lack_of_id_ban", "id_ban_adresse")
		}
		if ids.commune != "" && (ids.commune == ids.toponyme || ids.commune == ids.adresse) ||
			ids.toponyme != "" && ids.toponyme == ids.adresse {
			add(codeIncoherenceIDsBan, "")
		}
	}
	if r.opts.idBanCommune != nil && ids.commune != "" {
		if code := row.codeCommune(); code != "" {
			if want, ok := r.lookupIDBanCommune(code); ok && want != ids.commune {
				add("row.cog_no_match_id_ban_commune", "id_ban_commune")
			}
		}
	}
}

// checkCoords is validateur-bal validateCoords.
func (r *Reader) checkCoords(row *parsedRow, add func(code, col string)) {
	if row.ok[fNumero] && row.numero != 99999 && (row.raw[fLong] == "" || row.raw[fLat] == "") {
		add("row.longlat_vides", "")
		return
	}
	if row.ok[fLong] && row.ok[fLat] {
		if x, y, _, ok := projectLegal(row.long, row.lat); ok {
			if row.ok[fX] && row.ok[fY] && math.Hypot(row.x-x, row.y-y) > 10 {
				add("row.longlat_xy_incoherents", "")
			}
			return
		}
	}
	if !row.isToponyme() {
		add("row.longlat_invalides", "")
	}
}

// suffixKey compares suffixes ignoring case and separators ("bis",
// "BIS", "b-is").
func suffixKey(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, deburr(s))
}

// address builds the Address of a row without Error issues.
func (row *parsedRow) address() Address {
	a := Address{
		UIDAdresse:           row.uidRaw,
		CleInterop:           row.cle.normalized,
		CommuneINSEE:         row.communeINSEE,
		CommuneNom:           row.communeNom,
		CommuneDelegueeINSEE: row.delegueeINSEE,
		CommuneDelegueeNom:   row.delegueeNom,
		VoieNom:              row.voie(),
		LieuditComplementNom: row.lieudit,
		Numero:               row.numero,
		Suffixe:              row.suffixe,
		Position:             row.position,
		CadParcelles:         row.cad,
		Source:               row.source,
		CertificationCommune: row.cert,
		Localized:            row.localized,
		Line:                 row.line,
	}
	ptr := func(f fieldID, v float64) *float64 {
		if row.ok[f] {
			return &v
		}
		return nil
	}
	a.X, a.Y, a.Long, a.Lat = ptr(fX, row.x), ptr(fY, row.y), ptr(fLong, row.long), ptr(fLat, row.lat)
	if row.ok[fDateDerMaj] {
		d := row.date
		a.DateDerMaj = &d
	}
	ids := row.banIDs()
	a.IDBanCommune, a.IDBanToponyme, a.IDBanAdresse = ids.commune, ids.toponyme, ids.adresse
	return a
}

// crossRows holds what the whole-file rules need (validateur-bal
// lib/schema/rows.ts and rows/ban_ids.ts): counters, BAN ids, street and
// address keys with the lines of their rows.
type crossRows struct {
	rows              int // data records, including unreadable ones
	parsed            int // records with the right number of fields
	banRows           int // rows using BAN ids (validateur-bal balAdresseUseBanId)
	firstNonBanLine   int
	firstCommuneID    string
	secondCommuneLine int

	byToponymeID map[string]*group // id_ban_toponyme → street key
	byVoie       map[string]*group // street key → id_ban_toponyme
	byAdresseID  map[string]*group // id_ban_adresse → address key
	byNumero     map[string]*group // address key → id_ban_adresse
	declared     map[string]bool   // street names of the numero 99999 rows
	lieudits     []lineValue
}

type lineValue struct {
	line  int
	value string
}

// group collects the lines of rows sharing a key and whether they disagree
// on the associated value.
type group struct {
	first    string
	lines    []int
	conflict bool
}

func addToGroup(m *map[string]*group, key, value string, line int) {
	if *m == nil {
		*m = map[string]*group{}
	}
	g := (*m)[key]
	if g == nil {
		g = &group{first: value}
		(*m)[key] = g
	} else if value != g.first {
		g.conflict = true
	}
	g.lines = append(g.lines, line)
}

func (c *crossRows) add(row *parsedRow) {
	c.parsed++
	ids := row.banIDs()
	if ids.commune != "" && ids.toponyme != "" && (ids.adresse != "" || row.isToponyme()) {
		c.banRows++
		if c.firstCommuneID == "" {
			c.firstCommuneID = ids.commune
		} else if ids.commune != c.firstCommuneID && c.secondCommuneLine == 0 {
			c.secondCommuneLine = row.line
		}
	} else if c.firstNonBanLine == 0 {
		c.firstNonBanLine = row.line
	}

	voieKey := normalizeVoie(row.voie()) + "#" + row.cle.codeVoie
	if ids.toponyme != "" {
		addToGroup(&c.byToponymeID, ids.toponyme, voieKey, row.line)
		kind := "#voie"
		if row.isToponyme() {
			kind = "#toponyme"
		}
		addToGroup(&c.byVoie, voieKey+kind, ids.toponyme, row.line)
	}
	if !row.isToponyme() {
		suffixe := "undefined"
		if row.ok[fSuffixe] {
			suffixe = row.suffixe
		}
		adresseKey := numeroString(row) + "#" + suffixe + "#" + normalizeVoie(row.voie()) + "#" + row.delegueeINSEE
		if ids.adresse != "" {
			addToGroup(&c.byAdresseID, ids.adresse, adresseKey, row.line)
		}
		addToGroup(&c.byNumero, adresseKey, ids.adresse, row.line)
	}

	if row.isToponyme() {
		if c.declared == nil {
			c.declared = map[string]bool{}
		}
		c.declared[row.voie()] = true
	}
	if row.lieudit != "" {
		c.lieudits = append(c.lieudits, lineValue{row.line, row.lieudit})
	}
}
