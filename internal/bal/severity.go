package bal

import "strings"

// Severity of an Issue.
type Severity int

const (
	// Info issues are informational (validateur-bal level "I").
	Info Severity = iota + 1
	// Warning issues travel with valid rows (level "W").
	Warning
	// Error issues reject the row, or the whole file for file issues
	// (level "E").
	Error
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return "unknown"
}

// The profile tables below are validateur-bal @ ecec9a5
// lib/schema/profiles/{1.3-relax,1.3,1.4,1.5}.ts (also summarised in
// bal-validateur-profiles-severity.csv). A code listed in neither errors nor
// warnings is Info, as in validateur-bal's getErrorLevel.

var errors13Relax = []string{
	"cle_interop.structure_invalide",
	"cle_interop.commune_invalide",
	"cle_interop.numero_invalide",
	"voie_nom.valeur_manquante",
	"voie_nom.trop_court",
	"voie_nom.trop_long",
	"voie_nom.caractere_invalide",
	"numero.valeur_manquante",
	"numero.type_invalide",
	"numero.trop_grand",
	"suffixe.debut_invalide",
	"suffixe.trop_long",
	"commune_insee.commune_invalide",
	"x.valeur_invalide",
	"y.valeur_invalide",
	"long.valeur_invalide",
	"lat.valeur_invalide",
	"row.incoherence_numero",
	"row.commune_manquante",
	"row.longlat_vides",
	"row.longlat_invalides",
	"row.adresse_incomplete",
	"field.voie_nom.missing",
	"field.numero.missing",
	"rows.empty",
}

var errors13 = concat(errors13Relax, []string{
	"cle_interop.valeur_manquante",
	"cle_interop.numero_prefixe_manquant",
	"cle_interop.casse_invalide",
	"suffixe.espaces_debut_fin",
	"numero.contient_prefixe",
	"commune_insee.valeur_manquante",
	"commune_insee.espaces_debut_fin",
	"x.separateur_decimal_invalide",
	"y.separateur_decimal_invalide",
	"long.separateur_decimal_invalide",
	"lat.separateur_decimal_invalide",
	"date_der_maj.date_invalide",
	"field.commune_insee.missing",
	"field.long.missing",
	"field.lat.missing",
	"file.encoding.non_standard",
	"file.delimiter.non_standard",
	"file.linebreak.non_standard",
})

var warnings13 = []string{
	"cle_interop.voie_invalide",
	"cle_interop.commune_ancienne",
	"voie_nom.casse_incorrecte",
	"voie_nom.contient_tiret_bas",
	"voie_nom_@@.casse_incorrecte",
	"voie_nom_@@.contient_tiret_bas",
	"voie_nom_@@.trop_court",
	"voie_nom_@@.trop_long",
	"voie_nom_@@.caractere_invalide",
	"commune_insee.commune_ancienne",
	"commune_deleguee_insee.commune_invalide",
	"commune_deleguee_insee.commune_non_deleguee",
	"position.enum_fuzzy",
	"position.valeur_invalide",
	"cad_parcelles.valeur_invalide",
	"cad_parcelles.pipe_debut_fin",
	"source.valeur_manquante",
	"date_der_maj.valeur_manquante",
	"date_der_maj.date_ancienne",
	"date_der_maj.date_future",
	"certification_commune.valeur_invalide",
	"field.suffixe.missing",
	"suffixe.caractere_invalide",
	"field.cle_interop.missing",
	"field.position.missing",
	"field.long.missing",
	"field.lat.missing",
	"field.x.missing",
	"field.y.missing",
	"field.source.missing",
	"field.date_der_maj.missing",
	"field.certification_commune.missing",
	"cle_interop.espaces_debut_fin",
	"commune_nom.espaces_debut_fin",
	"commune_deleguee_insee.espaces_debut_fin",
	"commune_deleguee_nom.espaces_debut_fin",
	"uid_adresse.espaces_debut_fin",
	"voie_nom.espaces_debut_fin",
	"voie_nom_@@.espaces_debut_fin",
	"lieudit_complement_nom.espaces_debut_fin",
	"lieudit_complement_nom_@@.espaces_debut_fin",
	"numero.espaces_debut_fin",
	"numero.not_to_be_zero",
	"position.espaces_debut_fin",
	"long.espaces_debut_fin",
	"lat.espaces_debut_fin",
	"x.espaces_debut_fin",
	"y.espaces_debut_fin",
	"cad_parcelles.espaces_debut_fin",
	"source.espaces_debut_fin",
	"date_der_maj.espaces_debut_fin",
	"uid_adresse.type_invalide",
	"uid_adresse.incoherence_ids_ban",
	"row.voie_nom_have_same_lieudit_complement_nom",
	"row.commune_nom_invalide",
	"row.position_manquante",
	"row.chef_lieu_invalide",
	"row.longlat_xy_incoherents",
	"row.lieudit_complement_nom_not_declared",
}

var errors14 = concat(errors13, []string{
	"id_ban_commune.type_invalide",
	"id_ban_toponyme.type_invalide",
	"id_ban_adresse.type_invalide",
	"uid_adresse.type_invalide",
	"row.lack_of_id_ban",
	"row.cog_no_match_id_ban_commune",
	"rows.multi_id_ban_commune",
	"rows.every_line_required_id_ban",
})

var warnings14 = concat(warnings13, []string{
	"field.id_ban_commune.missing",
	"field.id_ban_toponyme.missing",
	"field.id_ban_adresse.missing",
	"row.different_voie_nom_with_same_id_ban_toponyme",
	"row.different_id_ban_toponyme_with_same_voie_nom",
	"row.different_adresse_with_same_id_ban_adresse",
	"row.different_id_ban_adresses_with_same_adresse",
})

var additionalErrors15 = []string{
	"field.id_ban_commune.missing",
	"field.id_ban_toponyme.missing",
	"field.id_ban_adresse.missing",
	"field.toponyme.missing",
	"toponyme.valeur_manquante",
	"toponyme.trop_court",
	"toponyme.trop_long",
	"toponyme.caractere_invalide",
}

var errors15 = concat(without(errors14, "field.voie_nom.missing"), additionalErrors15)

var warnings15 = concat(without(warnings14, additionalErrors15...), []string{
	"toponyme.casse_incorrecte",
	"toponyme.contient_tiret_bas",
	"toponyme_@@.casse_incorrecte",
	"toponyme_@@.contient_tiret_bas",
	"toponyme_@@.trop_court",
	"toponyme_@@.trop_long",
	"toponyme_@@.caractere_invalide",
})

type profile struct {
	errors, warnings map[string]bool
}

var profiles = map[versionSet]profile{
	v13: {set(errors13), set(warnings13)},
	v14: {set(errors14), set(warnings14)},
	v15: {set(errors15), set(warnings15)},
}

// severityOverrides take precedence over the profiles.
//
// validateur-bal's 1.3/1.4/1.5 profiles make a non-UTF-8 encoding, a
// separator other than `;` and old-Mac line breaks errors (only its legacy
// 1.3-relax profile makes them warnings). Socle's specification is to accept
// such files with a warning, so they are downgraded here.
var severityOverrides = map[string]Severity{
	"file.encoding.non_standard":  Warning,
	"file.delimiter.non_standard": Warning,
	"file.linebreak.non_standard": Warning,
}

// socleSeverities covers codes that validateur-bal @ ecec9a5 does not emit.
var socleSeverities = map[string]Severity{
	// cle_interop coherence beyond the validator's numero check.
	codeIncoherenceCommune: Warning,
	codeIncoherenceSuffixe: Warning,
	// validateur-bal rule removed in adce03b (2025-03): identical BAN ids.
	codeIncoherenceIDsBan: Warning,
	// CSV structure errors (papaparse TooFewFields/TooManyFields, which
	// validateur-bal treats as fatal: parseOk=false).
	codeCSVTooFewFields:  Error,
	codeCSVTooManyFields: Error,
	codeCSVInvalid:       Error,
}

const (
	codeIncoherenceCommune = "row.incoherence_commune"
	codeIncoherenceSuffixe = "row.incoherence_suffixe"
	codeIncoherenceIDsBan  = "row.incoherence_ids_ban"
	codeCSVTooFewFields    = "csv.trop_peu_de_champs"
	codeCSVTooManyFields   = "csv.trop_de_champs"
	codeCSVInvalid         = "csv.ligne_invalide"
)

// severityOf returns the severity of code under the profile of version v.
func severityOf(v versionSet, code string) Severity {
	key := severityKey(code)
	if s, ok := severityOverrides[key]; ok {
		return s
	}
	p := profiles[v]
	if p.errors[key] {
		return Error
	}
	if p.warnings[key] {
		return Warning
	}
	if s, ok := socleSeverities[key]; ok {
		return s
	}
	return Info
}

// severityKey turns a localized code ("voie_nom_bre.trop_court") into the
// profile form ("voie_nom_@@.trop_court").
func severityKey(code string) string {
	head, rest, ok := strings.Cut(code, ".")
	if !ok {
		return code
	}
	if base, _, ok := splitLocalized(head); ok {
		return base + "_@@." + rest
	}
	return code
}

func concat(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	return append(append(out, a...), b...)
}

func without(list []string, drop ...string) []string {
	d := set(drop)
	out := make([]string, 0, len(list))
	for _, c := range list {
		if !d[c] {
			out = append(out, c)
		}
	}
	return out
}

func set(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, c := range list {
		m[c] = true
	}
	return m
}
