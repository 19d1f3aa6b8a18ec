package bal

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Address is one row of a BAL file, parsed and normalised.
type Address struct {
	UIDAdresse           string // 1.3 uid_adresse, as written
	CleInterop           string // lower case, numéro zero-padded to 5 digits
	CommuneINSEE         string // upper case (2A/2B)
	CommuneNom           string
	CommuneDelegueeINSEE string
	CommuneDelegueeNom   string
	VoieNom              string // voie_nom, or toponyme (1.5); '_' replaced by ' '
	LieuditComplementNom string
	Numero               int // 99999 = toponyme (lieu-dit without number)
	Suffixe              string
	Position             string   // canonical value ("cage d’escalier" with U+2019), "" when absent or unknown
	X, Y                 *float64 // legal projected CRS of the territory (Lambert-93 in metropolitan France), nil when absent
	Long, Lat            *float64 // WGS84, nil when absent
	CadParcelles         []string // 14-character parcel ids
	Source               string
	DateDerMaj           *time.Time // date only (UTC midnight), nil when absent
	CertificationCommune bool
	// BAN ids (1.4 id_ban_* columns, or the @c:/@v:/@a: parts of a 1.3
	// uid_adresse), lower case.
	IDBanCommune, IDBanToponyme, IDBanAdresse string
	// Localized holds regional-language columns: field ("voie_nom",
	// "toponyme", "lieudit_complement_nom", "commune_nom",
	// "commune_deleguee_nom") → language code ("bre", "eus", …) → value.
	// nil when the file has none.
	Localized map[string]map[string]string
	Line      int // 1-based line of the row in the file (header = line 1)
}

// Issue is a validation finding.
type Issue struct {
	Line     int    // 1-based line (header-level issues: the header line)
	Column   string // canonical column name ("cle_interop", "voie_nom_bre"); "" for row/file rules
	Code     string // validateur-bal code, e.g. "cle_interop.casse_invalide"
	Severity Severity
	Message  string // French, validateur-bal label where one exists
	// Suggestion is a corrected value when one can be inferred
	// (validateur-bal "remediation"), e.g. the YYYY-MM-DD form of a date.
	Suggestion string
}

func (i Issue) String() string {
	s := fmt.Sprintf("ligne %d", i.Line)
	if i.Column != "" {
		s += ", " + i.Column
	}
	s += fmt.Sprintf(": [%s] %s: %s", i.Severity, i.Code, i.Message)
	if i.Suggestion != "" {
		s += " (suggestion : " + i.Suggestion + ")"
	}
	return s
}

// HasError reports whether issues contains an Error-severity issue.
func HasError(issues []Issue) bool {
	for _, i := range issues {
		if i.Severity == Error {
			return true
		}
	}
	return false
}

// MissingColumnsError is returned by NewReader when required columns are
// absent (cle_interop up to 1.4, numero, commune_insee, commune_nom, source,
// voie_nom — toponyme in 1.5).
type MissingColumnsError struct {
	Version string   // detected version
	Columns []string // missing required columns, canonical names
	// Issues are the header-level issues found (field.<col>.missing for
	// every absent column, encoding, separator…).
	Issues []Issue
}

func (e *MissingColumnsError) Error() string {
	return fmt.Sprintf("bal: colonnes obligatoires absentes (BAL %s) : %s", e.Version, strings.Join(e.Columns, ", "))
}

// COG gives access to the Code officiel géographique. With it, commune codes
// are checked as validateur-bal does (current or former commune, commune
// name, chef-lieu of communes déléguées); without it only their format is.
type COG interface {
	// Actuelle returns the current commune with this INSEE code.
	Actuelle(code string) (Commune, bool)
	// Ancienne reports whether code is the code of a former commune.
	Ancienne(code string) bool
}

// Commune is a current commune of the COG.
type Commune struct {
	Nom          string
	AnciensCodes []string // codes of former communes now part of it
}

// Option configures a Reader.
type Option func(*options)

type options struct {
	cog          COG
	idBanCommune func(communeINSEE string) (string, bool)
	now          func() time.Time
}

// WithCOG enables the checks that need the list of communes.
func WithCOG(c COG) Option { return func(o *options) { o.cog = c } }

// WithIDBanCommune gives the BAN id of a commune (validateur-bal asks the
// BAN API); rows whose id_ban_commune differs get the Error
// row.cog_no_match_id_ban_commune. The function is called once per commune.
func WithIDBanCommune(f func(communeINSEE string) (idBanCommune string, ok bool)) Option {
	return func(o *options) { o.idBanCommune = f }
}

// WithClock sets the clock used for date_der_maj checks (future dates).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// column is a header column.
type column struct {
	field  fieldID // -1: unknown column, ignored
	lang   string  // regional-language code for a localized column
	name   string  // canonical name ("voie_nom", "voie_nom_bre")
	header string  // as written
}

// Reader reads and validates a BAL CSV file row by row, holding only the
// current row plus small per-file indexes (ids, street keys and line numbers)
// needed by the cross-row rules. A Reader is not safe for concurrent use.
type Reader struct {
	csv        *csv.Reader
	version    versionSet
	cols       []column
	colOf      [numFields]int
	headerLine int
	opts       options
	today      time.Time

	fileIssues []Issue // header-level issues, then end-of-file issues
	eofIssues  []Issue
	cross      crossRows
	csvIssue   *Issue // first CSV structure problem
	badUTF8    bool
	banCache   map[string]banLookup
	done       bool
	err        error
}

type banLookup struct {
	id string
	ok bool
}

// NewReader reads the header of a BAL file and detects its version:
// 1.5 when a toponyme column is present, 1.4 when any id_ban_* column is,
// 1.3 otherwise. The input may be UTF-8 with or without BOM (Windows-1252
// and UTF-16 with BOM are decoded, with a warning), separated by ';' (','
// and tab are accepted with a warning), with LF, CRLF or CR line breaks
// (CR with a warning). Header names are matched case-insensitively, after
// trimming, and their ten-character truncations (cle_intero, uid_adress,
// commune_in, …) and validateur-bal's legacy aliases are accepted (Info
// field.<col>.fuzzy).
//
// It returns a *MissingColumnsError listing every missing required column,
// ErrEmptyFile, ErrBinaryFile, or the underlying read error.
func NewReader(rd io.Reader, opts ...Option) (*Reader, error) {
	r := &Reader{banCache: map[string]banLookup{}}
	for _, o := range opts {
		o(&r.opts)
	}
	now := time.Now
	if r.opts.now != nil {
		now = r.opts.now
	}
	t := now()
	r.today = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)

	in, err := decodeInput(rd)
	if err != nil {
		return nil, err
	}
	c := csv.NewReader(in.r)
	c.Comma = in.delimiter
	c.FieldsPerRecord = -1
	c.LazyQuotes = true // papaparse keeps stray quotes (Rue de l"Église)
	c.ReuseRecord = true
	r.csv = c

	header, err := c.Read()
	if err == io.EOF {
		return nil, ErrEmptyFile
	}
	if err != nil {
		return nil, fmt.Errorf("bal: en-tête illisible : %w", err)
	}
	r.headerLine, _ = c.FieldPos(0)
	header = append([]string(nil), header...)

	// Version is needed for severities: map the columns first.
	r.mapColumns(header)
	r.version = v13
	switch {
	case r.colOf[fToponyme] >= 0:
		r.version = v15
	case r.colOf[fIDBanCommune] >= 0 || r.colOf[fIDBanToponyme] >= 0 || r.colOf[fIDBanAdresse] >= 0:
		r.version = v14
	}

	if in.encoding != "utf-8" {
		r.addFileIssue(r.headerLine, "", "file.encoding.non_standard", "encodage détecté : "+in.encoding)
	}
	if in.delimiter != ';' {
		name := string(in.delimiter)
		if in.delimiter == '\t' {
			name = "tabulation"
		}
		r.addFileIssue(r.headerLine, "", "file.delimiter.non_standard", "séparateur détecté : « "+name+" »")
	}
	if in.linebreak == "\r" {
		r.addFileIssue(r.headerLine, "", "file.linebreak.non_standard", "retours à la ligne CR (Mac)")
	}
	for i, col := range r.cols {
		if col.field >= 0 && col.lang == "" && header[i] != col.name {
			r.addFileIssue(r.headerLine, col.name, "field."+col.name+".fuzzy",
				"« "+header[i]+" » lue comme « "+col.name+" »")
		}
	}
	for f, def := range fields {
		if def.formats&r.version != 0 && r.colOf[f] < 0 {
			r.addFileIssue(r.headerLine, def.name, "field."+def.name+".missing", "")
		}
	}
	var missing []string
	for _, f := range requiredColumns[r.version] {
		if r.colOf[f] < 0 {
			missing = append(missing, fields[f].name)
		}
	}
	if len(missing) > 0 {
		return nil, &MissingColumnsError{Version: r.version.String(), Columns: missing, Issues: r.fileIssues}
	}
	return r, nil
}

// mapColumns assigns header columns to fields: exact names first, then
// aliases, then regional-language variants of the fields found.
func (r *Reader) mapColumns(header []string) {
	r.cols = make([]column, len(header))
	for i := range r.colOf {
		r.colOf[i] = -1
	}
	norm := make([]string, len(header))
	for i, h := range header {
		r.cols[i] = column{field: -1, header: h}
		norm[i] = strings.ToLower(jsTrim(h))
	}
	assign := func(i int, f fieldID) {
		r.cols[i].field, r.cols[i].name = f, fields[f].name
		r.colOf[f] = i
	}
	for f, def := range fields {
		for i := range header {
			if r.cols[i].field < 0 && norm[i] == def.name {
				assign(i, fieldID(f))
				break
			}
		}
	}
	for i := range header {
		if f, ok := aliases[norm[i]]; ok && r.cols[i].field < 0 && r.colOf[f] < 0 {
			assign(i, f)
		}
	}
	seen := map[string]bool{}
	for i := range header {
		if r.cols[i].field >= 0 || seen[norm[i]] {
			continue
		}
		if base, lang, ok := splitLocalized(norm[i]); ok && r.colOf[fieldByName[base]] >= 0 {
			r.cols[i] = column{field: fieldByName[base], lang: lang, name: norm[i], header: header[i]}
			seen[norm[i]] = true
		}
	}
}

// Version returns the detected format version: "1.3", "1.4" or "1.5".
// Severities follow validateur-bal's profile of the same name.
func (r *Reader) Version() string { return r.version.String() }

// FileIssues returns the file-level issues: header issues (encoding,
// separator, line breaks, renamed or missing columns) as soon as NewReader
// returns, and, once Next has returned io.EOF, the rules that need the whole
// file: rows.empty, rows.every_line_required_id_ban, rows.multi_id_ban_commune,
// CSV structure errors, and the cross-row warnings
// row.different_*_id_ban_* and row.lieudit_complement_nom_not_declared, which
// carry the line of each row concerned (rows already returned by Next).
//
// A file with an Error-severity file issue must be rejected as a whole:
// load its rows in a transaction and commit only when
// HasError(r.FileIssues()) is false after io.EOF.
func (r *Reader) FileIssues() []Issue {
	out := make([]Issue, 0, len(r.fileIssues)+len(r.eofIssues))
	return append(append(out, r.fileIssues...), r.eofIssues...)
}

// Next returns the next row, its issues and a nil error; io.EOF after the
// last row. A row with an Error-severity issue (see HasError) is returned
// as the zero Address with only Line set, together with its issues: it must
// not be loaded. Valid rows carry their Warning and Info issues.
// Any other error is a read error of the underlying input.
func (r *Reader) Next() (Address, []Issue, error) {
	if r.done {
		return Address{}, nil, r.err
	}
	rec, err := r.csv.Read()
	if err == io.EOF {
		r.finish()
		r.done, r.err = true, io.EOF
		return Address{}, nil, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if !errors.As(err, &pe) {
			r.done, r.err = true, err
			return Address{}, nil, err
		}
		r.cross.rows++
		iss := r.newIssue(pe.StartLine, "", codeCSVInvalid, pe.Err.Error())
		r.noteCSVIssue(iss)
		return Address{Line: pe.StartLine}, []Issue{iss}, nil
	}
	line, _ := r.csv.FieldPos(0)
	r.cross.rows++
	if len(rec) != len(r.cols) {
		code := codeCSVTooFewFields
		if len(rec) > len(r.cols) {
			code = codeCSVTooManyFields
		}
		iss := r.newIssue(line, "", code, fmt.Sprintf("%d champs au lieu de %d", len(rec), len(r.cols)))
		r.noteCSVIssue(iss)
		return Address{Line: line}, []Issue{iss}, nil
	}
	for i, v := range rec {
		if !utf8.ValidString(v) {
			rec[i] = strings.ToValidUTF8(v, "\uFFFD")
			if !r.badUTF8 {
				r.badUTF8 = true
				r.eofIssues = append(r.eofIssues, r.newIssue(line, "", "file.encoding.non_standard", "octets non UTF-8"))
			}
		}
	}
	row := r.parseRow(rec, line)
	r.checkRow(row)
	r.cross.add(row)
	if HasError(row.issues) {
		return Address{Line: line}, row.issues, nil
	}
	return row.address(), row.issues, nil
}

func (r *Reader) noteCSVIssue(iss Issue) {
	if r.csvIssue == nil {
		r.csvIssue = &iss
	}
}

func (r *Reader) newIssue(line int, col, code, detail string) Issue {
	msg := message(code)
	if detail != "" {
		msg += " (" + detail + ")"
	}
	return Issue{Line: line, Column: col, Code: code, Severity: severityOf(r.version, code), Message: msg}
}

func (r *Reader) addFileIssue(line int, col, code, detail string) {
	r.fileIssues = append(r.fileIssues, r.newIssue(line, col, code, detail))
}

// finish applies the whole-file rules.
func (r *Reader) finish() {
	var out []Issue
	add := func(line int, col, code, detail string) {
		out = append(out, r.newIssue(line, col, code, detail))
	}
	c := &r.cross
	if c.rows == 0 {
		add(r.headerLine, "", "rows.empty", "")
	}
	if r.csvIssue != nil {
		out = append(out, *r.csvIssue)
	}
	// validateur-bal validateUseBanIds: either every row uses BAN ids (and
	// then with a single id_ban_commune), or none does.
	if c.parsed > 0 && c.banRows == c.parsed {
		if c.secondCommuneLine > 0 {
			add(c.secondCommuneLine, "id_ban_commune", "rows.multi_id_ban_commune", "")
		}
	} else if c.banRows > 0 {
		add(c.firstNonBanLine, "", "rows.every_line_required_id_ban", "")
	}
	for _, g := range []struct {
		groups map[string]*group
		code   string
	}{
		{c.byToponymeID, "row.different_voie_nom_with_same_id_ban_toponyme"},
		{c.byVoie, "row.different_id_ban_toponyme_with_same_voie_nom"},
		{c.byAdresseID, "row.different_adresse_with_same_id_ban_adresse"},
		{c.byNumero, "row.different_id_ban_adresses_with_same_adresse"},
	} {
		for _, grp := range g.groups {
			if grp.conflict {
				for _, l := range grp.lines {
					add(l, "", g.code, "")
				}
			}
		}
	}
	for _, lv := range c.lieudits {
		if !c.declared[lv.value] {
			add(lv.line, "lieudit_complement_nom", "row.lieudit_complement_nom_not_declared", "")
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].Code < out[j].Code
	})
	r.eofIssues = append(r.eofIssues, out...)
}

// lookupIDBanCommune calls the WithIDBanCommune function once per commune.
func (r *Reader) lookupIDBanCommune(code string) (string, bool) {
	if l, ok := r.banCache[code]; ok {
		return l.id, l.ok
	}
	id, ok := r.opts.idBanCommune(code)
	id = strings.ToLower(id)
	r.banCache[code] = banLookup{id, ok}
	return id, ok
}

// numeroString is the numero part of validateur-bal's address identifier.
func numeroString(row *parsedRow) string {
	if !row.ok[fNumero] {
		return "undefined"
	}
	return strconv.Itoa(row.numero)
}
