package bal

import (
	_ "embed"
	"encoding/csv"
	"strings"
)

// validateur-bal-error-labels.csv is data/bal/bal-validateur-error-labels.csv
// (string table of validateur-bal @ ecec9a5 lib/schema/error-labels.ts, MIT),
// copied verbatim.
//
//go:embed validateur-bal-error-labels.csv
var labelsCSV string

var (
	labels        map[string]string // exact code → French label
	genericLabels []genericLabel    // "*.valeur_manquante" style labels
)

type genericLabel struct {
	suffix string // "valeur_manquante"
	label  string // contains "{}" for the field name
}

func init() {
	recs, err := csv.NewReader(strings.NewReader(labelsCSV)).ReadAll()
	if err != nil || len(recs) < 2 {
		panic("bal: embedded validateur-bal-error-labels.csv is unreadable")
	}
	labels = make(map[string]string, len(recs))
	for _, rec := range recs[1:] {
		code, label := rec[0], rec[1]
		if suffix, ok := strings.CutPrefix(code, "*."); ok {
			genericLabels = append(genericLabels, genericLabel{suffix, label})
			continue
		}
		labels[code] = label
	}
}

// socleLabels are French messages for codes that have no label in
// validateur-bal's table (the validator then shows the bare code).
var socleLabels = map[string]string{
	"commune_nom.casse_incorrecte": "Le nom de la commune est entièrement en majuscules ou en minuscules",
	"file.encoding.non_standard":   "L’encodage du fichier n’est pas UTF-8",
	"file.delimiter.non_standard":  "Le séparateur de colonnes n’est pas le point-virgule",
	"file.linebreak.non_standard":  "Les retours à la ligne ne sont ni au format Unix (LF) ni au format Windows (CRLF)",
	codeIncoherenceIDsBan:          "Les ids ban renseignés ne sont pas cohérents",
	codeIncoherenceCommune:         "Le code commune ne correspond pas à la valeur présente dans la clé",
	codeIncoherenceSuffixe:         "Le suffixe ne correspond pas à la valeur présente dans la clé",
	codeCSVTooFewFields:            "La ligne contient moins de champs que l’en-tête",
	codeCSVTooManyFields:           "La ligne contient plus de champs que l’en-tête",
	codeCSVInvalid:                 "La ligne n’est pas une ligne CSV valide",
}

// message returns the French message for code, following validateur-bal's
// getLabel: exact label (plus " [lang]" for a regional-language column),
// then generic "*.xxx" labels, then "La colonne X n’existe pas" for
// field.X.missing. Codes unknown to the validator use socleLabels.
func message(code string) string {
	head, rest, _ := strings.Cut(code, ".")
	userCode, lang := code, ""
	if base, l, ok := splitLocalized(head); ok {
		userCode, lang = base+"."+rest, l
	}
	if l, ok := labels[userCode]; ok {
		if lang != "" {
			l += " [" + lang + "]"
		}
		return l
	}
	if l, ok := socleLabels[userCode]; ok {
		return l
	}
	for _, g := range genericLabels {
		if strings.HasSuffix(userCode, g.suffix) {
			field, _, _ := strings.Cut(userCode, ".")
			return strings.Replace(g.label, "{}", field, 1)
		}
	}
	if name, ok := strings.CutPrefix(code, "field."); ok {
		if f, ok := strings.CutSuffix(name, ".missing"); ok {
			return "La colonne " + f + " n’existe pas"
		}
		if f, ok := strings.CutSuffix(name, ".fuzzy"); ok {
			return "La colonne " + f + " a été reconnue sous un autre nom"
		}
	}
	return code
}
