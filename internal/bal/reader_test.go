package bal

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

const realFile = "testdata/adresses-54084-mont-bonvillers.bal13.csv"

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readString(t *testing.T, s string, opts ...Option) *readResult {
	t.Helper()
	res, err := readAll(t, strings.NewReader(s), opts...)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	return res
}

func hasIssue(issues []Issue, line int, code string, sev Severity) bool {
	return slices.ContainsFunc(issues, func(i Issue) bool {
		return i.Code == code && i.Severity == sev && (line == 0 || i.Line == line)
	})
}

// The real commune: every row valid. The file has 486 data rows (486 "\n",
// the last line has no final newline); the 485 in SOURCES.md is one short.
func TestRealCommune(t *testing.T) {
	res, err := readFile(t, realFile)
	if err != nil {
		t.Fatal(err)
	}
	if res.version != "1.3" {
		t.Errorf("version = %s", res.version)
	}
	if len(res.rejected) != 0 || HasError(res.rowIssues) || HasError(res.fileIssues) {
		t.Fatalf("errors: rejected %v\n%v\n%v", res.rejected, codes(res.rowIssues, Error), codes(res.fileIssues, Error))
	}
	if len(res.addrs) != 486 {
		t.Fatalf("rows = %d, want %d", len(res.addrs), 486)
	}
	for i, a := range res.addrs {
		if a.Line != i+2 {
			t.Fatalf("row %d: Line = %d, want %d", i, a.Line, i+2)
		}
	}
	// Warnings present in the file: empty date_der_maj everywhere, 9 rows
	// without position.
	if got := countCode(res.rowIssues, "date_der_maj.valeur_manquante"); got != 486 {
		t.Errorf("date_der_maj.valeur_manquante = %d", got)
	}
	if got := countCode(res.rowIssues, "row.position_manquante"); got != 9 {
		t.Errorf("row.position_manquante = %d", got)
	}
	if got := codes(res.rowIssues, Warning); !slices.Equal(got, []string{"date_der_maj.valeur_manquante", "row.position_manquante"}) {
		t.Errorf("warnings = %v", got)
	}
	arcep, suffixes := 0, 0
	for _, a := range res.addrs {
		if a.Source == "arcep" {
			arcep++
		}
		if a.Suffixe != "" {
			suffixes++
			if !strings.HasSuffix(a.CleInterop, "_"+strings.ToLower(a.Suffixe)) {
				t.Errorf("line %d: cle %s / suffixe %s", a.Line, a.CleInterop, a.Suffixe)
			}
		}
	}
	if arcep != 9 || suffixes != 41 {
		t.Errorf("arcep rows = %d (want 9), suffixed = %d (want 41)", arcep, suffixes)
	}

	first := res.addrs[0]
	want := Address{
		CleInterop: "54084_0200_00001", CommuneINSEE: "54084", CommuneNom: "Mont-Bonvillers",
		VoieNom: "Rue Joffre", Numero: 1, Position: "segment", Source: "inconnue", Line: 2,
	}
	if first.CleInterop != want.CleInterop || first.CommuneINSEE != want.CommuneINSEE ||
		first.CommuneNom != want.CommuneNom || first.VoieNom != want.VoieNom || first.Numero != 1 ||
		first.Position != want.Position || first.Source != want.Source || first.CertificationCommune ||
		first.DateDerMaj != nil || first.CadParcelles != nil {
		t.Errorf("first row = %+v", first)
	}
	if first.X == nil || *first.X != 906010.92 || *first.Y != 6917321.29 || *first.Long != 5.833622 || *first.Lat != 49.322203 {
		t.Errorf("first row coordinates = %v %v %v %v", first.X, first.Y, first.Long, first.Lat)
	}
	last := res.addrs[len(res.addrs)-1]
	if last.Line != 487 || last.CleInterop != "54084_0240_00003" || last.Numero != 3 || last.VoieNom != "Rue de la Paix" {
		t.Errorf("last row = %+v", last)
	}
}

func countCode(issues []Issue, code string) int {
	n := 0
	for _, i := range issues {
		if i.Code == code {
			n++
		}
	}
	return n
}

func TestBOM(t *testing.T) {
	plain := mustRead(t, realFile)
	if bytes.HasPrefix(plain, []byte("\xEF\xBB\xBF")) {
		t.Fatal("real file unexpectedly has a BOM")
	}
	withBOM := append([]byte("\xEF\xBB\xBF"), plain...)
	a, err := readAll(t, bytes.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	b, err := readAll(t, bytes.NewReader(withBOM))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.addrs) != 486 || len(b.addrs) != 486 || len(a.fileIssues) != len(b.fileIssues) {
		t.Fatalf("rows %d/%d, file issues %v / %v", len(a.addrs), len(b.addrs), a.fileIssues, b.fileIssues)
	}
	for i := range a.addrs {
		if a.addrs[i].CleInterop != b.addrs[i].CleInterop || a.addrs[i].Line != b.addrs[i].Line {
			t.Fatalf("row %d differs: %+v / %+v", i, a.addrs[i], b.addrs[i])
		}
	}
	if hasIssue(b.fileIssues, 0, "field.uid_adresse.fuzzy", Info) || hasIssue(b.fileIssues, 0, "file.encoding.non_standard", Warning) {
		t.Errorf("BOM reported: %v", b.fileIssues)
	}

	// sample.csv starts with a BOM before "cle_interop": only commune_insee
	// is missing, so the first column was recognised.
	_, err = readFile(t, fixturesDir+"/sample.csv")
	var me *MissingColumnsError
	if !errors.As(err, &me) || !slices.Equal(me.Columns, []string{"commune_insee"}) {
		t.Fatalf("sample.csv: %v", err)
	}
	if slices.ContainsFunc(me.Issues, func(i Issue) bool {
		return i.Code == "field.cle_interop.missing" || i.Code == "field.cle_interop.fuzzy"
	}) {
		t.Errorf("BOM broke the first column: %v", me.Issues)
	}
}

func TestHeaderAliases(t *testing.T) {
	header := "cle_intero;uid_adress;commune_in;commune_no;commune_de;voie_nom;lieudit_co;numero;suffixe;position;x;y;long;lat;cad_parcel;source;date_der_m;certificat"
	row := "54084_0200_00001;;54084;Mont-Bonvillers;54999;Rue Joffre;La Côte;1;;entrée;906010.92;6917321.29;5.833622;49.322203;540840000A0001;inconnue;2023-05-01;1"
	r, err := NewReader(strings.NewReader(header + "\n" + row + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"cle_interop", "uid_adresse", "commune_insee", "commune_nom", "lieudit_complement_nom", "cad_parcelles", "date_der_maj", "certification_commune"} {
		if !hasIssue(r.FileIssues(), 1, "field."+f+".fuzzy", Info) {
			t.Errorf("no field.%s.fuzzy in %v", f, r.FileIssues())
		}
	}
	// "commune_de" is ambiguous (commune_deleguee_insee / _nom): not mapped.
	for _, f := range []string{"commune_deleguee_insee", "commune_deleguee_nom"} {
		if !hasIssue(r.FileIssues(), 1, "field."+f+".missing", Info) {
			t.Errorf("%s should be missing: %v", f, r.FileIssues())
		}
	}
	a, issues, err := r.Next()
	if err != nil || HasError(issues) {
		t.Fatalf("Next: %v %v", err, issues)
	}
	if a.CleInterop != "54084_0200_00001" || a.CommuneINSEE != "54084" || a.LieuditComplementNom != "La Côte" ||
		!slices.Equal(a.CadParcelles, []string{"540840000A0001"}) || a.DateDerMaj == nil || !a.CertificationCommune ||
		a.CommuneDelegueeINSEE != "" {
		t.Errorf("address = %+v", a)
	}

	// Case and surrounding spaces are tolerated (Info), exact names win
	// over aliases.
	res := readString(t, " CLE_INTEROP ;cle_intero;commune_insee;commune_nom;voie_nom;numero;source;long;lat\n54084_0200_00001;zzz;54084;Mont-Bonvillers;Rue Joffre;1;x;5.833622;49.322203\n")
	if !hasIssue(res.fileIssues, 1, "field.cle_interop.fuzzy", Info) || len(res.addrs) != 1 || res.addrs[0].CleInterop != "54084_0200_00001" {
		t.Errorf("case-insensitive header: %+v %v", res.addrs, res.fileIssues)
	}
}

func TestLineNumbersWithQuotedNewlines(t *testing.T) {
	in := "cle_interop;commune_insee;commune_nom;voie_nom;numero;source;long;lat;position\r\n" +
		"54084_0200_00001;54084;Mont-Bonvillers;\"Rue\r\nJoffre\";1;x;5.833622;49.322203;entrée\r\n" +
		"\r\n" + // blank line, skipped
		"54084_0200_00002;54084;Mont-Bonvillers;\"Rue \"\"Foch\"\"\";2;\"multi\nline\nsource\";5.833622;49.322203;entrée\r\n" +
		"54084_0200_00003;54084;Mont-Bonvillers;Rue de l\"Eglise;3;x;5.833622;49.322203;entrée\r\n" +
		"54084_0200_00004;54084;Mont-Bonvillers;Rue Foch;;x;5.833622;49.322203;entrée" // no final newline, numero missing
	res := readString(t, in)
	var lines []int
	for _, a := range res.addrs {
		lines = append(lines, a.Line)
	}
	if !slices.Equal(lines, []int{2, 5, 8}) || !slices.Equal(res.rejected, []int{9}) {
		t.Fatalf("valid lines %v, rejected %v, want [2 5 8] and [9]", lines, res.rejected)
	}
	if res.addrs[0].VoieNom != "Rue\nJoffre" || res.addrs[1].VoieNom != `Rue "Foch"` || res.addrs[2].VoieNom != `Rue de l"Eglise` {
		t.Errorf("voie_nom values: %q %q %q", res.addrs[0].VoieNom, res.addrs[1].VoieNom, res.addrs[2].VoieNom)
	}
	if !hasIssue(res.rowIssues, 9, "numero.valeur_manquante", Error) {
		t.Errorf("issues: %v", res.rowIssues)
	}
}

const miniHeader = "cle_interop;commune_insee;commune_nom;voie_nom;numero;position;long;lat;source;date_der_maj"

func miniRow(n int) string {
	return fmt.Sprintf("54084_0200_%05d;54084;Mont-Bonvillers;Rue Joffre;%d;entrée;5.833622;49.322203;commune;2023-05-01", n, n)
}

func TestSeparators(t *testing.T) {
	for _, tc := range []struct {
		name, sep string
		warn      bool
	}{{"semicolon", ";", false}, {"comma", ",", true}, {"tab", "\t", true}} {
		t.Run(tc.name, func(t *testing.T) {
			in := strings.ReplaceAll(miniHeader+"\n"+miniRow(1)+"\n"+miniRow(2)+"\n", ";", tc.sep)
			res := readString(t, in)
			if len(res.addrs) != 2 || HasError(res.rowIssues) {
				t.Fatalf("rows %d, issues %v", len(res.addrs), res.rowIssues)
			}
			if got := hasIssue(res.fileIssues, 1, "file.delimiter.non_standard", Warning); got != tc.warn {
				t.Errorf("delimiter warning = %v, want %v: %v", got, tc.warn, res.fileIssues)
			}
		})
	}
}

func TestEncodingsAndLineBreaks(t *testing.T) {
	utf8In := miniHeader + "\r\n" + miniRow(1) + "\r\n" + strings.Replace(miniRow(2), "Rue Joffre", "Allée des Acacias", 1) + "\r\n"
	cp1252, err := charmap.Windows1252.NewEncoder().String(utf8In)
	if err != nil {
		t.Fatal(err)
	}
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(utf8In)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, in, warn string
	}{
		{"utf-8 crlf", utf8In, ""},
		{"utf-8 lf", strings.ReplaceAll(utf8In, "\r\n", "\n"), ""},
		{"utf-8 cr (old mac)", strings.ReplaceAll(utf8In, "\r\n", "\r"), "file.linebreak.non_standard"},
		{"windows-1252", cp1252, "file.encoding.non_standard"},
		{"utf-16le with BOM", utf16, "file.encoding.non_standard"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := readString(t, tc.in)
			if len(res.addrs) != 2 || HasError(res.rowIssues) || HasError(res.fileIssues) {
				t.Fatalf("rows %d, issues %v %v", len(res.addrs), res.rowIssues, res.fileIssues)
			}
			if res.addrs[0].Position != "entrée" || res.addrs[1].VoieNom != "Allée des Acacias" || res.addrs[1].Line != 3 {
				t.Errorf("decoded rows: %+v", res.addrs)
			}
			warned := slices.ContainsFunc(res.fileIssues, func(i Issue) bool { return strings.HasPrefix(i.Code, "file.") })
			if tc.warn == "" && warned || tc.warn != "" && !hasIssue(res.fileIssues, 1, tc.warn, Warning) {
				t.Errorf("file issues = %v, want %q", res.fileIssues, tc.warn)
			}
		})
	}

	// Non-UTF-8 bytes after the sniffed window: replaced by U+FFFD, which
	// voie_nom rejects (voie_nom.caractere_invalide), plus a file warning.
	var b strings.Builder
	b.WriteString(miniHeader + "\n")
	n := 0
	for b.Len() < 2*sniffSize {
		n++
		b.WriteString(miniRow(n) + "\n")
	}
	bad := strings.Replace(miniRow(n+1), "Rue Joffre", "All\xe9e des Acacias", 1)
	b.WriteString(bad + "\n")
	res := readString(t, b.String())
	if len(res.addrs) != n || !slices.Equal(res.rejected, []int{n + 2}) ||
		!hasIssue(res.rowIssues, n+2, "voie_nom.caractere_invalide", Error) ||
		!hasIssue(res.fileIssues, n+2, "file.encoding.non_standard", Warning) {
		t.Errorf("late bad byte: %d rows, rejected %v, %v", len(res.addrs), res.rejected, res.fileIssues)
	}
}

func TestBadInputs(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrEmptyFile},
		{"only newlines", "\n\n\r\n", ErrEmptyFile},
		{"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ErrBinaryFile},
		{"xlsx", "PK\x03\x04\x14\x00\x06\x00", ErrBinaryFile},
	} {
		if _, err := NewReader(strings.NewReader(tc.in)); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	// Read errors of the input are returned as is.
	boom := errors.New("boom")
	if _, err := NewReader(io.MultiReader(strings.NewReader("cle_interop;"), errReader{boom})); !errors.Is(err, boom) {
		t.Errorf("read error: %v", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestFieldCountMismatch(t *testing.T) {
	in := miniHeader + "\n" + miniRow(1) + "\n" + miniRow(2) + ";extra\n" + "54084_0200_00003;54084\n" + miniRow(4) + "\n"
	res := readString(t, in)
	if !slices.Equal(res.rejected, []int{3, 4}) || len(res.addrs) != 2 {
		t.Fatalf("rejected %v, valid %d", res.rejected, len(res.addrs))
	}
	if !hasIssue(res.rowIssues, 3, codeCSVTooManyFields, Error) || !hasIssue(res.rowIssues, 4, codeCSVTooFewFields, Error) {
		t.Errorf("row issues: %v", res.rowIssues)
	}
	// validateur-bal refuses the whole file (papaparse TooManyFields is fatal).
	if !hasIssue(res.fileIssues, 3, codeCSVTooManyFields, Error) {
		t.Errorf("file issues: %v", res.fileIssues)
	}
}

// The two synthetic 1.4 files (ban-plateforme) use an ISO date-time in
// date_der_maj and "true"/"false" in certification_commune: every row is
// rejected by validateur-bal's rules. With those two columns fixed they
// read as 1.4 with BAN ids and regional names.
func TestSynthetic14(t *testing.T) {
	for _, tc := range []struct {
		file string
		rows int
	}{
		{"testdata/synthetic-21286-cocorico.bal14.csv", 34},
		{"testdata/synthetic-96004-euzero.bal14-multilingue.csv", 18},
	} {
		res, err := readFile(t, tc.file)
		if err != nil {
			t.Fatal(err)
		}
		if res.version != "1.4" || len(res.addrs) != 0 || len(res.rejected) != tc.rows {
			t.Errorf("%s: version %s, valid %d, rejected %d", tc.file, res.version, len(res.addrs), len(res.rejected))
		}
		if got := countCode(res.rowIssues, "date_der_maj.date_invalide"); got != tc.rows {
			t.Errorf("%s: date_invalide on %d rows", tc.file, got)
		}
		if got := countCode(res.rowIssues, "certification_commune.valeur_invalide"); got != tc.rows {
			t.Errorf("%s: certification_commune.valeur_invalide on %d rows", tc.file, got)
		}
		for _, i := range res.rowIssues {
			if i.Code == "date_der_maj.date_invalide" && !strings.HasPrefix(i.Suggestion, "20") {
				t.Errorf("%s: no remediation: %v", tc.file, i)
				break
			}
		}
	}

	fix := func(path string) string {
		s := string(mustRead(t, path))
		s = strings.ReplaceAll(s, "T00:00:00.000Z", "")
		s = strings.ReplaceAll(s, ";true", ";1")
		return strings.ReplaceAll(s, ";false", ";0")
	}

	res := readString(t, fix("testdata/synthetic-21286-cocorico.bal14.csv"))
	// 5 toponyme rows have an upper-case cle_interop (21286_B019_99999…).
	if len(res.addrs) != 29 || len(res.rejected) != 5 || codes(res.rowIssues, Error)[0] != "cle_interop.casse_invalide" ||
		len(codes(res.rowIssues, Error)) != 1 || HasError(res.fileIssues) {
		t.Fatalf("cocorico: %d valid, rejected %v, %v, %v", len(res.addrs), res.rejected, codes(res.rowIssues, Error), res.fileIssues)
	}
	a := res.addrs[0]
	if a.IDBanCommune != "e2b5c142-3eb3-4d07-830a-3d1a59195dfd" || a.IDBanAdresse != "03fb190a-cf5b-4f48-a1ab-7caa4d10e157" ||
		a.IDBanToponyme != "787ca7cf-8072-47ae-a8c6-98a62a8dd90c" || a.CleInterop != "21286_2xdjog_00001" ||
		!slices.Equal(a.CadParcelles, []string{"212860000C0115", "212860000C0114"}) || !a.CertificationCommune ||
		a.DateDerMaj == nil || a.DateDerMaj.Format("2006-01-02") != "2022-08-23" || a.LieuditComplementNom != "La voie celeste" {
		t.Errorf("cocorico first row = %+v", a)
	}

	res = readString(t, fix("testdata/synthetic-96004-euzero.bal14-multilingue.csv"))
	if len(res.addrs) != 18 || HasError(res.rowIssues) {
		t.Fatalf("euzero: %d valid, %v", len(res.addrs), codes(res.rowIssues, Error))
	}
	// Each row of this synthetic file has its own id_ban_commune.
	if !hasIssue(res.fileIssues, 3, "rows.multi_id_ban_commune", Error) {
		t.Errorf("euzero file issues: %v", res.fileIssues)
	}
	a = res.addrs[0]
	// voie_nom_hyl: "hyl" is not a regional language of the BAL list, ignored.
	want := map[string]map[string]string{"voie_nom": {"fra": "Route du Vent"}, "commune_nom": {"fra": "Euzero"}}
	if fmt.Sprint(a.Localized) != fmt.Sprint(want) || a.VoieNom != "Rohuuteh duu Vehnth" {
		t.Errorf("euzero localized = %v, voie %q", a.Localized, a.VoieNom)
	}
}

// validateur-bal "validation avec locales": voie_nom_eus "-" is too short
// (warning for a regional variant), values read per language.
func TestRegionalLanguages(t *testing.T) {
	locales := string(mustRead(t, fixturesDir+"/locales.csv"))
	lines := strings.Split(strings.TrimSpace(locales), "\n")
	in := lines[0] + ";cle_interop;numero;source;long;lat;position;date_der_maj\n"
	for i, l := range lines[1:] {
		in += l + fmt.Sprintf(";01001_0001_%05d;%d;commune;4.9;46.1;entrée;2024-01-01\n", i+1, i+1)
	}
	res := readString(t, in)
	if len(res.addrs) != 2 || HasError(res.rowIssues) {
		t.Fatalf("rows %d, %v", len(res.addrs), res.rowIssues)
	}
	var tooShort *Issue
	for i := range res.rowIssues {
		if res.rowIssues[i].Code == "voie_nom_eus.trop_court" {
			tooShort = &res.rowIssues[i]
		}
	}
	if tooShort == nil || tooShort.Line != 2 || tooShort.Severity != Warning || tooShort.Column != "voie_nom_eus" ||
		tooShort.Message != "Le nom de la voie est trop court (3 caractères minimum) [eus]" {
		t.Errorf("voie_nom_eus.trop_court = %+v", tooShort)
	}
	want := map[string]string{"bre": "Nom de la rue en breton", "eus": "Nom de la voie en basque"}
	if fmt.Sprint(res.addrs[1].Localized["voie_nom"]) != fmt.Sprint(want) ||
		res.addrs[1].Localized["commune_nom"]["bre"] != "Nom de la commune en breton" {
		t.Errorf("localized = %v", res.addrs[1].Localized)
	}
}

func TestCrossRowRules(t *testing.T) {
	const h = "id_ban_commune;id_ban_toponyme;id_ban_adresse;cle_interop;commune_insee;commune_nom;voie_nom;lieudit_complement_nom;numero;position;long;lat;source;date_der_maj"
	const c = "0246e48c-f33d-433a-8984-034219be842e"
	t1, t2 := "8a3bab10-f329-4ce3-9c7d-280d91a8053a", "9a3bab10-f329-4ce3-9c7d-280d91a8053a"
	a1, a2, a3 := "3c87abe4-887b-46ee-9192-5c1b35a06625", "4c87abe4-887b-46ee-9192-5c1b35a06625", "5c87abe4-887b-46ee-9192-5c1b35a06625"
	row := func(top, adr, voie, lieudit string, numero int) string {
		return fmt.Sprintf("%s;%s;%s;31591_0001_%05d;31591;Escoulis;%s;%s;%d;entrée;1.028392;43.111637;commune;2024-01-01", c, top, adr, numero, voie, lieudit, numero)
	}
	in := strings.Join([]string{h,
		row(t1, a1, "Rue des 3 Places", "", 1),                  // 2
		row(t1, a2, "Rue du Moulin", "", 2),                     // 3 same toponyme id, other street
		row(t2, a3, "Rue du Moulin", "", 3),                     // 4 same street, other toponyme id
		row(t1, a1, "Rue des 3 Places", "", 4),                  // 5 same adresse id as line 2, other number
		row(t1, "", "Le Bourg", "", 99999),                      // 6 toponyme row: declares "Le Bourg", no id_ban_adresse needed
		row(t1, a2, "Rue des 3 Places", "Le Bourg", 5),          // 7 declared lieu-dit
		row(t1, a3, "Rue des 3 Places", "Le Hameau", 6),         // 8 undeclared lieu-dit
		row(t1, a2, "Rue des 3 Places", "rue des 3  places", 7), // 9 lieu-dit = voie, undeclared
	}, "\n")
	res := readString(t, in)
	if HasError(res.rowIssues) || HasError(res.fileIssues) {
		t.Fatalf("errors: %v %v", res.rowIssues, res.fileIssues)
	}
	lines := func(code string) []int {
		var out []int
		for _, i := range res.fileIssues {
			if i.Code == code {
				out = append(out, i.Line)
			}
		}
		return out
	}
	for code, want := range map[string][]int{
		// t1 is used with "Rue des 3 Places" and "Rue du Moulin".
		"row.different_voie_nom_with_same_id_ban_toponyme": {2, 3, 5, 6, 7, 8, 9},
		// "Rue du Moulin" has t1 and t2.
		"row.different_id_ban_toponyme_with_same_voie_nom": {3, 4},
		// a1: numbers 1 and 4; a2: numbers 2 (Moulin), 5, 7; a3: 3 (Moulin), 6.
		"row.different_adresse_with_same_id_ban_adresse": {2, 3, 4, 5, 7, 8, 9},
		"row.lieudit_complement_nom_not_declared":        {8, 9},
	} {
		if got := lines(code); !slices.Equal(got, want) {
			t.Errorf("%s lines = %v, want %v", code, got, want)
		}
		if !hasIssue(res.fileIssues, want[0], code, Warning) {
			t.Errorf("%s not a warning", code)
		}
	}
	if !hasIssue(res.rowIssues, 9, "row.voie_nom_have_same_lieudit_complement_nom", Warning) {
		t.Errorf("row issues: %v", res.rowIssues)
	}

	// Two rows for the same address with different id_ban_adresse.
	res = readString(t, strings.Join([]string{h, row(t1, a1, "Rue A", "", 1), row(t1, a2, "Rue A", "", 1)}, "\n"))
	if got := lines("row.different_id_ban_adresses_with_same_adresse"); !slices.Equal(got, []int{2, 3}) {
		t.Errorf("different_id_ban_adresses_with_same_adresse = %v", got)
	}
}

// NewReader and the first rows must not consume the whole input.
func TestStreaming(t *testing.T) {
	const rows = 200000
	src := &countingReader{r: &rowGenerator{rows: rows}}
	r, err := NewReader(src)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if _, issues, err := r.Next(); err != nil || HasError(issues) {
			t.Fatalf("Next: %v %v", err, issues)
		}
	}
	if src.n > 4*sniffSize {
		t.Errorf("read %d bytes before the 10th row", src.n)
	}
	n := 10
	for {
		_, _, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != rows || HasError(r.FileIssues()) {
		t.Errorf("rows %d, file issues %v", n, r.FileIssues())
	}
	// Next after EOF keeps returning EOF.
	if _, _, err := r.Next(); err != io.EOF {
		t.Errorf("Next after EOF: %v", err)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// rowGenerator produces a valid BAL of `rows` rows without holding it.
type rowGenerator struct {
	rows, i int
	buf     []byte
}

func (g *rowGenerator) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		if g.i > g.rows {
			return 0, io.EOF
		}
		if g.i == 0 {
			g.buf = []byte(miniHeader + "\n")
		} else {
			g.buf = []byte(fmt.Sprintf("54084_%04d_%05d;54084;Mont-Bonvillers;Rue %d;%d;entrée;5.833622;49.322203;commune;2023-05-01\n",
				g.i/1000, g.i%1000+1, g.i/1000, g.i%1000+1))
		}
		g.i++
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}
