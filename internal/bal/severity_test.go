package bal

import (
	"encoding/csv"
	"os"
	"strings"
	"testing"
)

// The profile tables agree with bal-validateur-profiles-severity.csv
// (validateur-bal @ ecec9a5) for the 1.3, 1.4 and 1.5 profiles, except the
// file.* codes that Socle downgrades to warnings.
func TestSeveritiesMatchValidatorProfiles(t *testing.T) {
	f, err := os.Open("testdata/bal-validateur-profiles-severity.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	versions := map[string]versionSet{"1.3": v13, "1.4": v14, "1.5": v15}
	listedError := map[string]bool{}
	for _, rec := range recs[1:] {
		if rec[1] == "error" {
			listedError[rec[0]+" "+rec[2]] = true
		}
	}
	checked := 0
	for _, rec := range recs[1:] {
		prof, sev, code := rec[0], rec[1], rec[2]
		v, ok := versions[prof]
		if !ok || strings.HasPrefix(code, "(inherits") {
			continue
		}
		concrete := strings.Replace(code, "_@@.", "_bre.", 1)
		want := Warning
		if sev == "error" || listedError[prof+" "+code] {
			want = Error
		}
		if strings.HasPrefix(code, "file.") {
			want = Warning // Socle override
		}
		if got := severityOf(v, concrete); got != want {
			t.Errorf("profile %s %s: severity %s, want %s", prof, code, got, want)
		}
		checked++
	}
	if checked < 95 {
		t.Errorf("only %d rows checked", checked)
	}
	// Inheritance: 1.3-relax errors ⊂ 1.3 errors ⊂ 1.4 errors.
	for _, rec := range recs[1:] {
		if rec[0] == "1.3-relax" && rec[1] == "error" {
			for _, v := range []versionSet{v13, v14} {
				if severityOf(v, rec[2]) != Error {
					t.Errorf("%s should be an error in %s", rec[2], v)
				}
			}
		}
	}
	for code, want := range map[string]Severity{
		"cle_interop.voie_non_renseignee": Info,
		"row.lack_of_id_ban":              Info, // 1.3
		"commune_nom.valeur_manquante":    Info,
		"field.uid_adresse.missing":       Info,
		"field.cle_interop.fuzzy":         Info,
		"field.voie_nom.missing":          Error,
	} {
		if got := severityOf(v13, code); got != want {
			t.Errorf("1.3 %s = %s, want %s", code, got, want)
		}
	}
	if severityOf(v14, "row.lack_of_id_ban") != Error || severityOf(v15, "field.voie_nom.missing") != Info ||
		severityOf(v15, "field.id_ban_commune.missing") != Error || severityOf(v14, "field.id_ban_commune.missing") != Warning ||
		severityOf(v14, "uid_adresse.type_invalide") != Error || severityOf(v13, "uid_adresse.type_invalide") != Warning {
		t.Error("version-specific severities")
	}
}

// Every code of the labels file gets its label verbatim.
func TestLabelsFromFile(t *testing.T) {
	recs, err := csv.NewReader(strings.NewReader(labelsCSV)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 63 {
		t.Errorf("%d labels, want 62", len(recs)-1)
	}
	for _, rec := range recs[1:] {
		code, label := rec[0], rec[1]
		if strings.HasPrefix(code, "*.") {
			code = "voie_nom" + code[1:]
			label = strings.Replace(label, "{}", "voie_nom", 1)
		}
		if got := message(code); got != label {
			t.Errorf("message(%s) = %q, want %q", code, got, label)
		}
	}
	for code := range socleSeverities {
		if message(code) == code {
			t.Errorf("no message for %s", code)
		}
	}
}
