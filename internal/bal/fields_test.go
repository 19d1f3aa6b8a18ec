package bal

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// A valid 1.3 row (Mont-Bonvillers line 2 with a date and a parcel) that
// the cases below alter one column at a time.
var baseCols = []string{"uid_adresse", "cle_interop", "commune_insee", "commune_nom", "commune_deleguee_insee", "commune_deleguee_nom",
	"voie_nom", "lieudit_complement_nom", "numero", "suffixe", "position", "x", "y", "long", "lat", "cad_parcelles", "source",
	"date_der_maj", "certification_commune"}

var baseRow = map[string]string{
	"cle_interop": "54084_0200_00001", "commune_insee": "54084", "commune_nom": "Mont-Bonvillers",
	"voie_nom": "Rue Joffre", "numero": "1", "position": "entrée", "x": "906010.92", "y": "6917321.29",
	"long": "5.833622", "lat": "49.322203", "cad_parcelles": "540840000A0001", "source": "commune",
	"date_der_maj": "2023-05-01", "certification_commune": "1",
}

// fixedNow is the clock of these tests.
var fixedNow = time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)

func oneRow(t *testing.T, set map[string]string, opts ...Option) (Address, []Issue) {
	t.Helper()
	vals := make([]string, len(baseCols))
	for i, c := range baseCols {
		vals[i] = baseRow[c]
		if v, ok := set[c]; ok {
			vals[i] = v
		}
	}
	in := strings.Join(baseCols, ";") + "\n" + strings.Join(vals, ";") + "\n"
	r, err := NewReader(strings.NewReader(in), append([]Option{WithClock(func() time.Time { return fixedNow })}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	a, issues, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	return a, issues
}

type wantIssue struct {
	code string
	sev  Severity
}

func E(code string) wantIssue { return wantIssue{code, Error} }
func W(code string) wantIssue { return wantIssue{code, Warning} }
func I(code string) wantIssue { return wantIssue{code, Info} }

func TestBaseRowIsClean(t *testing.T) {
	a, issues := oneRow(t, nil)
	if len(issues) != 0 || a.Line != 2 {
		t.Fatalf("base row: %v %+v", issues, a)
	}
}

func TestFieldRules(t *testing.T) {
	f64 := func(p *float64) float64 {
		if p == nil {
			return -1
		}
		return *p
	}
	for _, tc := range []struct {
		name  string
		set   map[string]string
		want  []wantIssue // exact set of issues (codes + severities)
		check func(a Address) bool
	}{
		// cle_interop
		{"cle upper case", map[string]string{"cle_interop": "54084_0200_00001_BIS", "suffixe": "bis"}, []wantIssue{E("cle_interop.casse_invalide")}, nil},
		{"cle with suffix", map[string]string{"cle_interop": "54084_b114_00016_bis", "numero": "16", "suffixe": "bis"}, nil,
			func(a Address) bool {
				return a.CleInterop == "54084_b114_00016_bis" && a.Numero == 16 && a.Suffixe == "bis"
			}},
		{"cle 2 segments", map[string]string{"cle_interop": "54084_0200"}, []wantIssue{E("cle_interop.structure_invalide")}, nil},
		{"cle empty segment", map[string]string{"cle_interop": "54084__00001"}, []wantIssue{E("cle_interop.structure_invalide")}, nil},
		{"cle bad commune", map[string]string{"cle_interop": "5408x_0200_00001"}, []wantIssue{E("cle_interop.commune_invalide"), W(codeIncoherenceCommune)}, nil},
		{"cle voie 3 chars", map[string]string{"cle_interop": "54084_020_00001"}, []wantIssue{W("cle_interop.voie_invalide")}, nil},
		{"cle voie xxxx", map[string]string{"cle_interop": "54084_xxxx_00001"}, []wantIssue{I("cle_interop.voie_non_renseignee")}, nil},
		{"cle voie 0000", map[string]string{"cle_interop": "54084_0000_00001"}, []wantIssue{I("cle_interop.voie_non_renseignee")}, nil},
		{"cle numero not padded", map[string]string{"cle_interop": "54084_0200_1"}, []wantIssue{E("cle_interop.numero_prefixe_manquant")}, nil},
		{"cle numero not digits", map[string]string{"cle_interop": "54084_0200_0000a"}, []wantIssue{E("cle_interop.numero_invalide")}, nil},
		{"cle empty", map[string]string{"cle_interop": ""}, []wantIssue{E("cle_interop.valeur_manquante")}, nil},
		{"cle spaces", map[string]string{"cle_interop": " 54084_0200_00001"}, []wantIssue{W("cle_interop.espaces_debut_fin")}, nil},
		{"cle numero incoherent", map[string]string{"numero": "2"}, []wantIssue{E("row.incoherence_numero")}, nil},
		{"cle suffix incoherent", map[string]string{"suffixe": "ter"}, []wantIssue{W(codeIncoherenceSuffixe)}, nil},
		{"cle commune incoherent", map[string]string{"commune_insee": "54085"}, []wantIssue{W(codeIncoherenceCommune)}, nil},
		{"cle commune = commune déléguée", map[string]string{"commune_insee": "54085", "commune_deleguee_insee": "54084"}, nil,
			func(a Address) bool { return a.CommuneDelegueeINSEE == "54084" }},
		// numero
		{"numero text", map[string]string{"numero": "1a"}, []wantIssue{E("numero.type_invalide"), E("row.adresse_incomplete")}, nil},
		{"numero decimal", map[string]string{"numero": "163,0000000000"}, []wantIssue{E("numero.type_invalide"), E("row.adresse_incomplete")}, nil},
		{"numero leading zero", map[string]string{"numero": "01"}, []wantIssue{E("numero.contient_prefixe")}, nil},
		{"numero zero", map[string]string{"numero": "0", "cle_interop": "54084_0200_00000"}, []wantIssue{W("numero.not_to_be_zero")}, nil},
		{"numero 0000", map[string]string{"numero": "0000", "cle_interop": "54084_0200_00000"}, []wantIssue{W("numero.not_to_be_zero")}, nil},
		{"numero too big", map[string]string{"numero": "100000"}, []wantIssue{E("numero.trop_grand"), E("row.adresse_incomplete")}, nil},
		{"numero empty", map[string]string{"numero": ""}, []wantIssue{E("numero.valeur_manquante"), E("row.adresse_incomplete")}, nil},
		{"toponyme 99999 without position nor coordinates",
			map[string]string{"numero": "99999", "cle_interop": "54084_0200_99999", "position": "", "long": "", "lat": "", "x": "", "y": ""}, nil,
			func(a Address) bool { return a.Numero == 99999 && a.Long == nil && a.X == nil }},
		// suffixe
		{"suffixe upper case kept", map[string]string{"suffixe": "BIS", "cle_interop": "54084_0200_00001_bis"}, nil,
			func(a Address) bool { return a.Suffixe == "BIS" }},
		{"suffixe bad start", map[string]string{"suffixe": "-bis"}, []wantIssue{E("suffixe.debut_invalide")}, nil},
		{"suffixe too long", map[string]string{"suffixe": "abcdefghij"}, []wantIssue{E("suffixe.trop_long")}, nil},
		{"suffixe 9 chars", map[string]string{"suffixe": "abcdefghi", "cle_interop": "54084_0200_00001_abcdefghi"}, nil, nil},
		{"suffixe bad char", map[string]string{"suffixe": "a-b", "cle_interop": "54084_0200_00001_a-b"}, []wantIssue{W("suffixe.caractere_invalide")}, nil},
		{"suffixe spaces", map[string]string{"suffixe": " bis ", "cle_interop": "54084_0200_00001_bis"}, []wantIssue{E("suffixe.espaces_debut_fin")}, nil},
		// position
		{"position exact", map[string]string{"position": "cage d’escalier"}, nil, func(a Address) bool { return a.Position == "cage d’escalier" }},
		{"position ascii apostrophe", map[string]string{"position": "cage d'escalier"}, []wantIssue{W("position.enum_fuzzy")},
			func(a Address) bool { return a.Position == "cage d’escalier" }},
		{"position capital", map[string]string{"position": "Entrée"}, []wantIssue{W("position.enum_fuzzy")}, func(a Address) bool { return a.Position == "entrée" }},
		{"position no accent", map[string]string{"position": "batiment"}, []wantIssue{W("position.enum_fuzzy")}, func(a Address) bool { return a.Position == "bâtiment" }},
		{"position upper", map[string]string{"position": "DELIVRANCE  POSTALE"}, []wantIssue{W("position.enum_fuzzy")},
			func(a Address) bool { return a.Position == "délivrance postale" }},
		{"position decomposed accent", map[string]string{"position": "entre\u0301e"}, nil, func(a Address) bool { return a.Position == "entrée" }},
		{"position unknown", map[string]string{"position": "ddfdf"}, []wantIssue{W("position.valeur_invalide")}, func(a Address) bool { return a.Position == "" }},
		{"position empty", map[string]string{"position": ""}, []wantIssue{W("row.position_manquante")}, nil},
		// coordinates
		{"long decimal comma", map[string]string{"long": "5,833622"}, []wantIssue{E("long.separateur_decimal_invalide")}, nil},
		{"x decimal comma", map[string]string{"x": "906010,92"}, []wantIssue{E("x.separateur_decimal_invalide")}, nil},
		{"lat text", map[string]string{"lat": "49.32.2"}, []wantIssue{E("lat.valeur_invalide"), E("row.longlat_invalides")}, nil},
		{"lat empty", map[string]string{"lat": ""}, []wantIssue{E("row.longlat_vides")}, nil},
		{"long out of range", map[string]string{"long": "200.5"}, []wantIssue{E("row.longlat_invalides")}, nil},
		{"long lat outside France", map[string]string{"long": "-3.70", "lat": "40.41"}, []wantIssue{E("row.longlat_invalides")}, nil},
		{"lat long swapped", map[string]string{"long": "49.322203", "lat": "5.833622"}, []wantIssue{E("row.longlat_invalides")}, nil},
		{"x 30 m off", map[string]string{"x": "906040.92"}, []wantIssue{W("row.longlat_xy_incoherents")}, nil},
		{"x y not Lambert-93", map[string]string{"x": "5.833622", "y": "49.322203"}, []wantIssue{W("row.longlat_xy_incoherents")}, nil},
		{"x y absent", map[string]string{"x": "", "y": ""}, nil, func(a Address) bool { return a.X == nil && a.Y == nil && f64(a.Long) == 5.833622 }},
		// cad_parcelles
		{"cad two", map[string]string{"cad_parcelles": "540840000A0001|540840000B0012"}, nil,
			func(a Address) bool {
				return slices.Equal(a.CadParcelles, []string{"540840000A0001", "540840000B0012"})
			}},
		{"cad 15 chars", map[string]string{"cad_parcelles": "971010000AB0001"}, nil,
			func(a Address) bool { return slices.Equal(a.CadParcelles, []string{"97010000AB0001"}) }},
		{"cad leading pipe", map[string]string{"cad_parcelles": "|540840000A0001"}, []wantIssue{W("cad_parcelles.pipe_debut_fin")},
			func(a Address) bool { return slices.Equal(a.CadParcelles, []string{"540840000A0001"}) }},
		{"cad bad length", map[string]string{"cad_parcelles": "540840000A001"}, []wantIssue{W("cad_parcelles.valeur_invalide")},
			func(a Address) bool { return a.CadParcelles == nil }},
		{"cad only pipes", map[string]string{"cad_parcelles": "||"}, []wantIssue{W("cad_parcelles.pipe_debut_fin"), W("cad_parcelles.valeur_invalide")}, nil},
		// date_der_maj
		{"date ok", nil, nil, func(a Address) bool {
			return a.DateDerMaj != nil && a.DateDerMaj.Equal(time.Date(2023, 5, 1, 0, 0, 0, 0, time.UTC))
		}},
		{"date dotted", map[string]string{"date_der_maj": "2013.01.26"}, []wantIssue{E("date_der_maj.date_invalide")}, nil},
		{"date dd/mm/yyyy", map[string]string{"date_der_maj": "25/12/2023"}, []wantIssue{E("date_der_maj.date_invalide")}, nil},
		{"date 30 February", map[string]string{"date_der_maj": "2023-02-30"}, []wantIssue{E("date_der_maj.date_invalide")}, nil},
		{"date old", map[string]string{"date_der_maj": "2005-06-01"}, []wantIssue{W("date_der_maj.date_ancienne")},
			func(a Address) bool { return a.DateDerMaj != nil && a.DateDerMaj.Year() == 2005 }},
		{"date today", map[string]string{"date_der_maj": "2026-03-15"}, nil, func(a Address) bool { return a.DateDerMaj != nil }},
		{"date future", map[string]string{"date_der_maj": "2026-03-16"}, []wantIssue{W("date_der_maj.date_future")},
			func(a Address) bool { return a.DateDerMaj == nil }},
		{"date empty", map[string]string{"date_der_maj": ""}, []wantIssue{W("date_der_maj.valeur_manquante")}, nil},
		// certification_commune
		{"certification 0", map[string]string{"certification_commune": "0"}, nil, func(a Address) bool { return !a.CertificationCommune }},
		{"certification true", map[string]string{"certification_commune": "true"}, []wantIssue{W("certification_commune.valeur_invalide")},
			func(a Address) bool { return !a.CertificationCommune }},
		{"certification empty", map[string]string{"certification_commune": ""}, nil, nil},
		// commune_insee
		{"commune Corse", map[string]string{"commune_insee": "2A004", "cle_interop": "2a004_0200_00001"}, nil,
			func(a Address) bool { return a.CommuneINSEE == "2A004" && a.CleInterop == "2a004_0200_00001" }},
		{"commune Corse lower case", map[string]string{"commune_insee": "2b033", "cle_interop": "2b033_0200_00001"}, nil,
			func(a Address) bool { return a.CommuneINSEE == "2B033" }},
		{"commune 4 digits", map[string]string{"commune_insee": "5408"}, []wantIssue{E("commune_insee.commune_invalide")}, nil},
		{"commune 2C", map[string]string{"commune_insee": "2C004"}, []wantIssue{E("commune_insee.commune_invalide")}, nil},
		{"commune empty", map[string]string{"commune_insee": ""}, []wantIssue{E("commune_insee.valeur_manquante")}, nil},
		{"commune spaces", map[string]string{"commune_insee": "54084 "}, []wantIssue{E("commune_insee.espaces_debut_fin")}, nil},
		{"commune and cle missing", map[string]string{"commune_insee": "", "cle_interop": ""},
			[]wantIssue{E("commune_insee.valeur_manquante"), E("cle_interop.valeur_manquante"), E("row.commune_manquante")}, nil},
		{"commune déléguée bad", map[string]string{"commune_deleguee_insee": "ABCDE"}, []wantIssue{W("commune_deleguee_insee.commune_invalide")}, nil},
		{"commune_nom upper", map[string]string{"commune_nom": "MONT-BONVILLERS"}, []wantIssue{I("commune_nom.casse_incorrecte")}, nil},
		// Listed in no validateur-bal profile: Info (the validator fills it from the COG).
		{"commune_nom empty", map[string]string{"commune_nom": ""}, []wantIssue{I("commune_nom.valeur_manquante")}, nil},
		// voie_nom
		{"voie too short", map[string]string{"voie_nom": "Ab"}, []wantIssue{E("voie_nom.trop_court"), E("row.adresse_incomplete")}, nil},
		{"voie too long", map[string]string{"voie_nom": strings.Repeat("a", 201)}, []wantIssue{E("voie_nom.trop_long"), E("row.adresse_incomplete")}, nil},
		{"voie upper", map[string]string{"voie_nom": "RUE JOFFRE"}, []wantIssue{W("voie_nom.casse_incorrecte")}, nil},
		{"voie underscore", map[string]string{"voie_nom": "Rue_Joffre"}, []wantIssue{W("voie_nom.contient_tiret_bas")},
			func(a Address) bool { return a.VoieNom == "Rue Joffre" }},
		{"voie replacement char", map[string]string{"voie_nom": "All\uFFFDe"}, []wantIssue{E("voie_nom.caractere_invalide"), E("row.adresse_incomplete")}, nil},
		{"voie empty", map[string]string{"voie_nom": ""}, []wantIssue{E("row.adresse_incomplete")}, nil},
		{"lieudit = voie", map[string]string{"lieudit_complement_nom": "rue  joffre"}, []wantIssue{W("row.voie_nom_have_same_lieudit_complement_nom")}, nil},
		// source
		{"source empty", map[string]string{"source": ""}, []wantIssue{W("source.valeur_manquante")}, nil},
		{"source arcep", map[string]string{"source": "arcep"}, nil, func(a Address) bool { return a.Source == "arcep" }},
		// uid_adresse (1.3)
		{"uid ids", map[string]string{"uid_adresse": "@c:0246E48C-F33D-433A-8984-034219BE842E @v:8a3bab10-f329-4ce3-9c7d-280d91a8053a @a:3c87abe4-887b-46ee-9192-5c1b35a06625"}, nil,
			func(a Address) bool {
				return a.IDBanCommune == "0246e48c-f33d-433a-8984-034219be842e" && a.IDBanAdresse != ""
			}},
		{"uid v1 uuid", map[string]string{"uid_adresse": "@c:0246e48c-f33d-133a-8984-034219be842e"}, []wantIssue{W("uid_adresse.type_invalide")}, nil},
		{"uid partial ids", map[string]string{"uid_adresse": "@c:0246e48c-f33d-433a-8984-034219be842e"},
			[]wantIssue{I("row.lack_of_id_ban"), I("row.lack_of_id_ban")}, nil},
		{"uid free text", map[string]string{"uid_adresse": "ADR-0001"}, nil, func(a Address) bool { return a.UIDAdresse == "ADR-0001" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, issues := oneRow(t, tc.set)
			var got []wantIssue
			for _, i := range issues {
				got = append(got, wantIssue{i.Code, i.Severity})
				if i.Line != 2 || i.Message == "" || i.Message == i.Code {
					t.Errorf("issue without line/message: %+v", i)
				}
			}
			key := func(w wantIssue) string { return w.code + "/" + w.sev.String() }
			gotKeys, wantKeys := make([]string, len(got)), make([]string, len(tc.want))
			for i, w := range got {
				gotKeys[i] = key(w)
			}
			for i, w := range tc.want {
				wantKeys[i] = key(w)
			}
			slices.Sort(gotKeys)
			slices.Sort(wantKeys)
			if !slices.Equal(gotKeys, wantKeys) {
				t.Errorf("issues = %v, want %v\n%v", gotKeys, wantKeys, issues)
			}
			if HasError(issues) {
				if a.Line != 2 || a.CleInterop != "" || a.X != nil {
					t.Errorf("rejected row should be the zero Address with Line: %+v", a)
				}
				return
			}
			if tc.check != nil && !tc.check(a) {
				t.Errorf("address = %+v", a)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	for code, want := range map[string]string{
		"cle_interop.casse_invalide":      "La clé d’interopérabilité doit être en minuscules",
		"date_der_maj.date_invalide":      "Date invalide",
		"numero.type_invalide":            "La valeur du champ numéro doit être un nombre entier",
		"source.valeur_manquante":         "Le champ source ne doit pas être vide",
		"x.valeur_invalide":               "La valeur du champ x est incorrecte",
		"voie_nom.espaces_debut_fin":      "La valeur du champ voie_nom ne doit pas avoir d’espaces en début ou en fin de chaîne de caractère",
		"voie_nom_bre.casse_incorrecte":   "Le nom de la voie est en majuscules [bre]",
		"field.numero.missing":            "La colonne numero n’existe pas",
		"rows.every_line_required_id_ban": "Les ids ban sont requis pour toutes les lignes si ils sont utilisés",
		"position.enum_fuzzy":             "La valeur de la position a été acceptée mais n’est pas conforme à la spécification",
	} {
		if got := message(code); got != want {
			t.Errorf("message(%s) = %q, want %q", code, got, want)
		}
	}
	_, issues := oneRow(t, map[string]string{"date_der_maj": "2013.01.26"})
	if len(issues) != 1 || issues[0].Suggestion != "2013-01-26" || issues[0].Column != "date_der_maj" ||
		issues[0].String() != "ligne 2, date_der_maj: [error] date_der_maj.date_invalide: Date invalide (suggestion : 2013-01-26)" {
		t.Errorf("dotted date issue = %v", issues)
	}
}

func TestDateRemediation(t *testing.T) {
	today := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]string{
		"25/12/2023":               "2023-12-25",
		"5/1/2023":                 "2023-01-05",
		"01/05/25":                 "2025-05-01",
		"2023/12/25":               "2023-12-25",
		"25-12-2023":               "2023-12-25",
		"25 12 2023":               "2023-12-25",
		"2023 12 25":               "2023-12-25",
		"16 juillet 2023":          "2023-07-16",
		"1 Août 2024":              "2024-08-01",
		"2023-12-25 10:30":         "2023-12-25",
		"2013.01.26":               "2013-01-26",
		"26.01.2013":               "2013-01-26",
		"2022-08-23T00:00:00.000Z": "2022-08-23",
		"12 juillet 1998":          "", // before 2010
		"25/12/2030":               "", // future
		"date_invalide":            "",
		"31/02/2023":               "",
	} {
		if got := dateRemediation(in, today); got != want {
			t.Errorf("dateRemediation(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVersionSpecificRules(t *testing.T) {
	// 1.4: BAN ids must be UUID v4; uid_adresse is not part of 1.4, its
	// issues are dropped but its ids are still read.
	const h = "uid_adresse;id_ban_commune;id_ban_toponyme;id_ban_adresse;cle_interop;commune_insee;commune_nom;voie_nom;numero;position;long;lat;source;date_der_maj"
	const tail = ";54084_0200_00001;54084;Mont-Bonvillers;Rue Joffre;1;entrée;5.833622;49.322203;commune;2024-01-01"
	res := readString(t, h+"\n"+
		"@c:bad;0246E48C-F33D-433A-8984-034219BE842E;8a3bab10-f329-4ce3-9c7d-280d91a8053a;3c87abe4-887b-46ee-9192-5c1b35a06625"+tail+"\n"+
		";0246e48c-f33d-433a-8984-034219be842e;8a3bab10-f329-1ce3-9c7d-280d91a8053a;3c87abe4-887b-46ee-9192-5c1b35a06625"+tail+"\n")
	if res.version != "1.4" || len(res.addrs) != 1 || res.addrs[0].IDBanCommune != "0246e48c-f33d-433a-8984-034219be842e" {
		t.Fatalf("1.4: %+v", res.addrs)
	}
	if hasIssue(res.rowIssues, 0, "uid_adresse.type_invalide", Error) || hasIssue(res.rowIssues, 0, "uid_adresse.type_invalide", Warning) {
		t.Errorf("uid_adresse issue kept in 1.4: %v", res.rowIssues)
	}
	if !hasIssue(res.rowIssues, 3, "id_ban_toponyme.type_invalide", Error) || !hasIssue(res.rowIssues, 3, "row.lack_of_id_ban", Error) {
		t.Errorf("v1 uuid accepted: %v", res.rowIssues)
	}
	if !hasIssue(res.fileIssues, 3, "rows.every_line_required_id_ban", Error) {
		t.Errorf("file issues: %v", res.fileIssues)
	}

	// 1.5: cle_interop is not part of the format (its issues are dropped),
	// toponyme rules are errors, voie_nom is not required.
	res = readString(t, "id_ban_commune;id_ban_toponyme;id_ban_adresse;cle_interop;commune_insee;commune_nom;toponyme;numero;position;long;lat;source;date_der_maj\n"+
		"0246e48c-f33d-433a-8984-034219be842e;8a3bab10-f329-4ce3-9c7d-280d91a8053a;3c87abe4-887b-46ee-9192-5c1b35a06625;54084_0200_1;54084;Mont-Bonvillers;Rue Joffre;1;entrée;5.833622;49.322203;commune;2024-01-01\n"+
		"0246e48c-f33d-433a-8984-034219be842e;8a3bab10-f329-4ce3-9c7d-280d91a8053a;4c87abe4-887b-46ee-9192-5c1b35a06625;;54084;Mont-Bonvillers;Ru;2;entrée;5.833622;49.322203;commune;2024-01-01\n")
	if res.version != "1.5" || len(res.addrs) != 1 || res.addrs[0].VoieNom != "Rue Joffre" || res.addrs[0].CleInterop != "54084_0200_00001" {
		t.Fatalf("1.5: %+v", res.addrs)
	}
	if len(res.rowIssues) != 2 || !hasIssue(res.rowIssues, 3, "toponyme.trop_court", Error) || !hasIssue(res.rowIssues, 3, "row.adresse_incomplete", Error) {
		t.Errorf("1.5 issues: %v", res.rowIssues)
	}

	// Any id_ban_* column makes a 1.4 file; the others are then missing.
	r, err := NewReader(strings.NewReader("id_ban_adresse;cle_interop;commune_insee;commune_nom;voie_nom;numero;source\n"))
	if err != nil || r.Version() != "1.4" || !hasIssue(r.FileIssues(), 1, "field.id_ban_commune.missing", Warning) {
		t.Errorf("partial 1.4: %v %v", err, r)
	}
}

// fakeCOG is a two-commune extract: Escoulis (31591), and a commune
// nouvelle 31999 absorbing the former commune 31998.
type fakeCOG map[string]Commune

func (c fakeCOG) Actuelle(code string) (Commune, bool) { v, ok := c[code]; return v, ok }
func (c fakeCOG) Ancienne(code string) bool {
	for _, v := range c {
		if slices.Contains(v.AnciensCodes, code) {
			return true
		}
	}
	return false
}

func TestCOG(t *testing.T) {
	cog := WithCOG(fakeCOG{
		"54084": {Nom: "Mont-Bonvillers"},
		"54099": {Nom: "Nouvelle", AnciensCodes: []string{"54098"}},
	})
	for _, tc := range []struct {
		name string
		set  map[string]string
		want []string
	}{
		{"known", nil, nil},
		{"unknown commune", map[string]string{"commune_insee": "54085"}, []string{"commune_insee.commune_invalide/error"}},
		{"former commune", map[string]string{"commune_insee": "54098", "cle_interop": "54098_0200_00001"},
			[]string{"cle_interop.commune_ancienne/warning", "commune_insee.commune_ancienne/warning"}},
		{"wrong name", map[string]string{"commune_nom": "Mont Bonvillers"}, []string{"row.commune_nom_invalide/warning"}},
		{"déléguée of its commune", map[string]string{"commune_insee": "54099", "cle_interop": "54099_0200_00001", "commune_nom": "Nouvelle", "commune_deleguee_insee": "54098"}, nil},
		{"déléguée of another commune", map[string]string{"commune_deleguee_insee": "54098"}, []string{"row.chef_lieu_invalide/warning"}},
		{"déléguée unknown", map[string]string{"commune_deleguee_insee": "54097"}, []string{"commune_deleguee_insee.commune_invalide/warning"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, issues := oneRow(t, tc.set, cog)
			var got []string
			for _, i := range issues {
				got = append(got, i.Code+"/"+i.Severity.String())
			}
			slices.Sort(got)
			if !slices.Equal(got, sorted(tc.want)) {
				t.Errorf("issues = %v, want %v", got, sorted(tc.want))
			}
		})
	}
}
