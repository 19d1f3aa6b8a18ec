package bal

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
)

const fixturesDir = "testdata/fixtures-validateur-bal"

// readResult is everything a Reader produced for one input.
type readResult struct {
	version    string
	addrs      []Address // valid rows
	rowIssues  []Issue   // issues of all rows, valid or rejected
	rejected   []int     // lines of rows with an Error issue
	fileIssues []Issue
}

func readAll(t testing.TB, rd io.Reader, opts ...Option) (*readResult, error) {
	t.Helper()
	r, err := NewReader(rd, opts...)
	if err != nil {
		return nil, err
	}
	res := &readResult{version: r.Version()}
	for {
		a, issues, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		res.rowIssues = append(res.rowIssues, issues...)
		if HasError(issues) {
			res.rejected = append(res.rejected, a.Line)
			continue
		}
		res.addrs = append(res.addrs, a)
	}
	res.fileIssues = r.FileIssues()
	return res, nil
}

func readFile(t testing.TB, path string, opts ...Option) (*readResult, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return readAll(t, f, opts...)
}

// codes returns the sorted distinct codes of issues with severity sev.
func codes(issues []Issue, sev Severity) []string {
	var out []string
	for _, i := range issues {
		if i.Severity == sev && !slices.Contains(out, i.Code) {
			out = append(out, i.Code)
		}
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// fixtureCase is the expected outcome of one validateur-bal test input.
// Expectations follow validateur-bal @ ecec9a5: its tests where a test uses
// the file (lib/validate/__tests__/**/index.spec.ts), otherwise its code.
type fixtureCase struct {
	name     string
	file     string
	opts     []Option
	missing  []string // NewReader must fail with a *MissingColumnsError listing these
	version  string
	rows     int      // data rows returned by Next (valid + rejected)
	rowErrs  []string // exact set of Error codes on rows (nil: none)
	fileErrs []string // exact set of Error codes among FileIssues (nil: none)
	other    map[string]Severity
	check    func(t *testing.T, res *readResult)
}

func idBanCommune31591(code string) (string, bool) {
	// The BAN API answer validateur-bal's tests mock for every commune.
	return "0246e48c-f33d-433a-8984-034219be842e", code == "31591"
}

var fixtureCases = []fixtureCase{
	{
		name: "1.3 uid_adresse without @c: (test: 1.3 valid, row.lack_of_id_ban INFO)",
		file: "1.4_1.3-incoherent-uid_adresse.csv", version: "1.3", rows: 1,
		other: map[string]Severity{"row.lack_of_id_ban": Info},
	},
	{
		name: "1.3 malformed uuid in uid_adresse (test: 1.3 valid, WARNING)",
		file: "1.4_1.3-invalid-uid_adresse.csv", version: "1.3", rows: 1,
		other: map[string]Severity{"uid_adresse.type_invalide": Warning},
	},
	{
		name: "1.3 uid_adresse with the three ids (test: valid, ids read)",
		file: "1.4_1.3-valid-uid_adresse.csv", version: "1.3", rows: 1,
		check: func(t *testing.T, res *readResult) {
			a := res.addrs[0]
			if a.IDBanCommune != "0246e48c-f33d-433a-8984-034219be842e" ||
				a.IDBanToponyme != "8a3bab10-f329-4ce3-9c7d-280d91a8053a" ||
				a.IDBanAdresse != "3c87abe4-887b-46ee-9192-5c1b35a06625" {
				t.Errorf("BAN ids from uid_adresse = %q %q %q", a.IDBanCommune, a.IDBanToponyme, a.IDBanAdresse)
			}
		},
	},
	{name: "1.3 valid (test)", file: "1.4_1.3-valid.csv", version: "1.3", rows: 1},
	{
		name: "1.4 id_ban_commune empty, others set (test: row.lack_of_id_ban ERROR)",
		file: "1.4_1.4-bad-dependance-id-ban.csv", version: "1.4", rows: 1,
		rowErrs: []string{"row.lack_of_id_ban"},
	},
	{
		name: "1.4 malformed id_ban_adresse (test: id_ban_adresse.type_invalide ERROR)",
		file: "1.4_1.4-bad-id-ban-adresse.csv", version: "1.4", rows: 1,
		rowErrs: []string{"id_ban_adresse.type_invalide", "row.lack_of_id_ban"},
	},
	{
		// The file's id_ban_adresse is malformed too.
		name: "1.4 malformed id_ban_commune (test: id_ban_commune.type_invalide ERROR)",
		file: "1.4_1.4-bad-id-ban-commune.csv", version: "1.4", rows: 1,
		rowErrs: []string{"id_ban_adresse.type_invalide", "id_ban_commune.type_invalide", "row.lack_of_id_ban"},
	},
	{
		name: "1.4 malformed id_ban_toponyme (test: id_ban_toponyme.type_invalide ERROR)",
		file: "1.4_1.4-bad-id-ban-toponyme.csv", version: "1.4", rows: 1,
		rowErrs: []string{"id_ban_toponyme.type_invalide", "row.lack_of_id_ban"},
	},
	{
		// Without the BAN API the two different id_ban_commune of the file
		// are still caught (validateur-bal reports both codes).
		name: "1.4 id_ban_commune not the commune's, no BAN lookup",
		file: "1.4_1.4-cog-no-match-id_ban_commune.csv", version: "1.4", rows: 2,
		fileErrs: []string{"rows.multi_id_ban_commune"},
	},
	{
		name: "1.4 id_ban_commune not the commune's (test: row.cog_no_match_id_ban_commune ERROR)",
		file: "1.4_1.4-cog-no-match-id_ban_commune.csv", version: "1.4", rows: 2,
		opts:     []Option{WithIDBanCommune(idBanCommune31591)},
		rowErrs:  []string{"row.cog_no_match_id_ban_commune"},
		fileErrs: []string{"rows.multi_id_ban_commune"},
		check: func(t *testing.T, res *readResult) {
			if !slices.Equal(res.rejected, []int{2}) {
				t.Errorf("rejected lines = %v, want [2]", res.rejected)
			}
		},
	},
	{
		// Not used by validateur-bal's tests any more. Byte-identical to
		// 1.4-incoherent-dependance-id-ban.csv but for the final newline, which
		// the test "Good incoherent dependance ban id" asserts invalid: since
		// adce03b (2025-03) a row using any BAN id must carry all three.
		name: "1.4 only id_ban_commune (current rules: row.lack_of_id_ban)",
		file: "1.4_1.4-good-dependance-id-ban.csv", version: "1.4", rows: 1,
		rowErrs: []string{"row.lack_of_id_ban"},
	},
	{
		name: "1.4 BAN id columns empty (test: valid)",
		file: "1.4_1.4-ids-ban-empty.csv", version: "1.4", rows: 2,
	},
	{
		name: "1.4 only id_ban_commune (test: 1.4 invalid)",
		file: "1.4_1.4-incoherent-dependance-id-ban.csv", version: "1.4", rows: 1,
		rowErrs: []string{"row.lack_of_id_ban"},
	},
	{
		// Not used by validateur-bal's tests any more: its rule
		// row.incoherence_ids_ban (identical ids) was removed in adce03b, so
		// the current validator accepts the file. Kept as a warning here.
		name: "1.4 id_ban_toponyme = id_ban_commune (no error, legacy warning)",
		file: "1.4_1.4-incoherent-id-ban.csv", version: "1.4", rows: 1,
		other: map[string]Severity{"row.incoherence_ids_ban": Warning},
	},
	{
		name: "1.4 BAN ids on one row only (test: rows.every_line_required_id_ban ERROR)",
		file: "1.4_1.4-no-ids-ban-every.csv", version: "1.4", rows: 2,
		fileErrs: []string{"rows.every_line_required_id_ban"},
		other:    map[string]Severity{"row.different_id_ban_adresses_with_same_adresse": Warning},
	},
	{
		// "relax": valid only under the legacy 1.3-relax profile; under the
		// default profiles " bis " is an error (test: 1.4 invalid).
		name: "10-char cle_intero + suffixe with spaces",
		file: "1.4_1.4-valid-relax.csv", version: "1.3", rows: 1,
		rowErrs: []string{"suffixe.espaces_debut_fin"},
		other:   map[string]Severity{"field.cle_interop.fuzzy": Info},
	},
	{name: "1.4 valid (test)", file: "1.4_1.4-valid.csv", version: "1.4", rows: 2},
	{
		name: "1.4 id_ban_adresse empty (test: row.lack_of_id_ban ERROR)",
		file: "1.4_1.4-without-ban-adresse.csv", version: "1.4", rows: 1,
		rowErrs: []string{"row.lack_of_id_ban"},
	},
	{
		name: "1.5 valid (test)", file: "1.5_1.5-valid.csv", version: "1.5", rows: 2,
		check: func(t *testing.T, res *readResult) {
			if res.addrs[0].VoieNom != "Rue des 3 Places" {
				t.Errorf("VoieNom = %q", res.addrs[0].VoieNom)
			}
		},
	},
	{
		name: "1.5 without BAN id columns (test: field.id_ban_*.missing ERROR)",
		file: "1.5_1.5-without-ban-ids.csv", version: "1.5", rows: 2,
		fileErrs: []string{"field.id_ban_adresse.missing", "field.id_ban_commune.missing", "field.id_ban_toponyme.missing"},
	},
	{
		name: "truncated and legacy header aliases", file: "aliases.csv", version: "1.3", rows: 1,
		rowErrs: []string{"cle_interop.casse_invalide", "cle_interop.commune_invalide", "cle_interop.numero_prefixe_manquant", "date_der_maj.date_invalide"},
		other: map[string]Severity{
			"field.cle_interop.fuzzy": Info, "field.uid_adresse.fuzzy": Info, "field.commune_nom.fuzzy": Info,
			"field.commune_insee.fuzzy": Info, "field.date_der_maj.fuzzy": Info, "field.long.fuzzy": Info,
			"position.enum_fuzzy": Warning,
		},
	},
	{name: "auto-detect 1.4 (test)", file: "auto-detect-1.4.csv", version: "1.4", rows: 1},
	{
		name: "auto-detect 1.5, no cle_interop (test)", file: "auto-detect-1.5.csv", version: "1.5", rows: 1,
		check: func(t *testing.T, res *readResult) {
			if res.addrs[0].CleInterop != "" || res.addrs[0].IDBanCommune == "" {
				t.Errorf("1.5 address = %+v", res.addrs[0])
			}
		},
	},
	{
		name: "arbitrary comma-separated CSV (test: 19 fields not found)", file: "junk.ascii.csv",
		missing: []string{"cle_interop", "numero", "commune_insee", "commune_nom", "source", "voie_nom"},
	},
	{
		// validateur-bal reads it (to test voie_nom_eus.trop_court, see
		// TestRegionalLanguages); here cle_interop, numero and source are
		// required columns.
		name: "regional-language columns only", file: "locales.csv",
		missing: []string{"cle_interop", "numero", "source"},
	},
	{
		// BOM + 1.3 layout without commune_insee (required since 1.2).
		name: "sample with BOM", file: "sample.csv",
		missing: []string{"commune_insee"},
	},
	{
		name: "toponyme replaces voie_nom (test: toponyme read, no row.adresse_incomplete)",
		file: "toponyme-replacing-voie_nom.csv", version: "1.5", rows: 1,
		fileErrs: []string{"field.id_ban_adresse.missing", "field.id_ban_commune.missing", "field.id_ban_toponyme.missing"},
		check: func(t *testing.T, res *readResult) {
			if res.addrs[0].VoieNom != "Rue des 3 Places" {
				t.Errorf("VoieNom = %q", res.addrs[0].VoieNom)
			}
		},
	},
	{
		name: "neither voie_nom nor toponyme (test: invalid)", file: "without-voie_nom-nor-toponyme.csv",
		missing: []string{"voie_nom"},
	},
	{
		name: "header only (test: rows.empty)", file: "without_row.csv", version: "1.3", rows: 0,
		fileErrs: []string{"rows.empty"},
	},
}

func TestValidatorFixtures(t *testing.T) {
	for _, tc := range fixtureCases {
		t.Run(tc.file+"/"+tc.name, func(t *testing.T) {
			res, err := readFile(t, filepath.Join(fixturesDir, tc.file), tc.opts...)
			if tc.missing != nil {
				var me *MissingColumnsError
				if !errors.As(err, &me) {
					t.Fatalf("NewReader error = %v, want *MissingColumnsError", err)
				}
				if !slices.Equal(me.Columns, tc.missing) {
					t.Errorf("missing columns = %v, want %v", me.Columns, tc.missing)
				}
				for _, c := range tc.missing {
					if !slices.ContainsFunc(me.Issues, func(i Issue) bool { return i.Code == "field."+c+".missing" }) {
						t.Errorf("no field.%s.missing issue in %v", c, me.Issues)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("NewReader: %v", err)
			}
			if res.version != tc.version {
				t.Errorf("version = %s, want %s", res.version, tc.version)
			}
			if n := len(res.addrs) + len(res.rejected); n != tc.rows {
				t.Errorf("rows = %d, want %d", n, tc.rows)
			}
			if got := codes(res.rowIssues, Error); !slices.Equal(got, sorted(tc.rowErrs)) {
				t.Errorf("row errors = %v, want %v\n%v", got, sorted(tc.rowErrs), res.rowIssues)
			}
			if got := codes(res.fileIssues, Error); !slices.Equal(got, sorted(tc.fileErrs)) {
				t.Errorf("file errors = %v, want %v\n%v", got, sorted(tc.fileErrs), res.fileIssues)
			}
			all := append(append([]Issue(nil), res.rowIssues...), res.fileIssues...)
			for code, sev := range tc.other {
				if !slices.ContainsFunc(all, func(i Issue) bool { return i.Code == code && i.Severity == sev }) {
					t.Errorf("no %s issue %s in %v", sev, code, all)
				}
			}
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
}

// Every validateur-bal fixture must be listed above.
func TestValidatorFixturesAllListed(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fixturesDir, "*.csv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		if !slices.ContainsFunc(fixtureCases, func(c fixtureCase) bool { return c.file == name }) {
			t.Errorf("fixture %s has no expected outcome", name)
		}
	}
	if len(files) != 28 {
		t.Errorf("%d fixture files, want 28", len(files))
	}
}
