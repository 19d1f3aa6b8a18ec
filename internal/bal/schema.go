package bal

import "strings"

// Format versions handled by the reader, as a bit set so that a field can
// declare the versions it belongs to (validateur-bal "formats").
type versionSet uint8

const (
	v13 versionSet = 1 << iota
	v14
	v15

	vAll = v13 | v14 | v15
)

func (v versionSet) String() string {
	switch v {
	case v13:
		return "1.3"
	case v14:
		return "1.4"
	case v15:
		return "1.5"
	}
	return "?"
}

type fieldID int

// Schema fields, in validateur-bal's declaration order (lib/schema/fields.ts);
// issues of a row follow the header order, not this one.
const (
	fCleInterop fieldID = iota
	fUIDAdresse
	fIDBanCommune
	fIDBanToponyme
	fIDBanAdresse
	fVoieNom
	fToponyme
	fLieudit
	fNumero
	fSuffixe
	fCommuneINSEE
	fCommuneNom
	fCommuneDelegueeINSEE
	fCommuneDelegueeNom
	fPosition
	fX
	fY
	fLong
	fLat
	fCadParcelles
	fSource
	fDateDerMaj
	fCertification
	numFields
)

type fieldDef struct {
	name    string
	formats versionSet // versions whose format contains the field
	// required mirrors validateur-bal's `required: true`: an empty value
	// gives `<field>.valeur_manquante`.
	required bool
	// allowLang: regional-language variants `<field>_<lang>` are read.
	allowLang bool
	// legacy: aliases from validateur-bal's former relaxFieldsDetection
	// (lib/schema/index.js before the TypeScript rewrite e59c525).
	// Ten-character truncations are added automatically.
	legacy []string
}

var fields = [numFields]fieldDef{
	fCleInterop:           {name: "cle_interop", formats: v13 | v14, required: true, legacy: []string{"cle_interro"}},
	fUIDAdresse:           {name: "uid_adresse", formats: v13},
	fIDBanCommune:         {name: "id_ban_commune", formats: v14 | v15},
	fIDBanToponyme:        {name: "id_ban_toponyme", formats: v14 | v15},
	fIDBanAdresse:         {name: "id_ban_adresse", formats: v14 | v15},
	fVoieNom:              {name: "voie_nom", formats: v13 | v14, allowLang: true},
	fToponyme:             {name: "toponyme", formats: v15, allowLang: true},
	fLieudit:              {name: "lieudit_complement_nom", formats: vAll, allowLang: true},
	fNumero:               {name: "numero", formats: vAll, required: true, legacy: []string{"nulmero"}},
	fSuffixe:              {name: "suffixe", formats: vAll},
	fCommuneINSEE:         {name: "commune_insee", formats: vAll, required: true},
	fCommuneNom:           {name: "commune_nom", formats: vAll, required: true, allowLang: true},
	fCommuneDelegueeINSEE: {name: "commune_deleguee_insee", formats: vAll},
	fCommuneDelegueeNom:   {name: "commune_deleguee_nom", formats: vAll, allowLang: true},
	fPosition:             {name: "position", formats: vAll},
	fX:                    {name: "x", formats: vAll, legacy: []string{"x_l93"}},
	fY:                    {name: "y", formats: vAll, legacy: []string{"y_l93"}},
	fLong:                 {name: "long", formats: vAll, legacy: []string{"long_wgs84", "lon"}},
	fLat:                  {name: "lat", formats: vAll, legacy: []string{"lat_wgs84"}},
	fCadParcelles:         {name: "cad_parcelles", formats: vAll},
	fSource:               {name: "source", formats: vAll, required: true},
	fDateDerMaj:           {name: "date_der_maj", formats: vAll, required: true, legacy: []string{"dmaj", "date_maj"}},
	fCertification:        {name: "certification_commune", formats: vAll, legacy: []string{"certification_adresse"}},
}

// requiredColumns lists, per version, the columns without which NewReader
// fails. This is stricter than validateur-bal (which only reports
// field.<name>.missing, an error for some and a warning for others) and
// follows REFERENCES.md "Required".
var requiredColumns = map[versionSet][]fieldID{
	v13: {fCleInterop, fNumero, fCommuneINSEE, fCommuneNom, fSource, fVoieNom},
	v14: {fCleInterop, fNumero, fCommuneINSEE, fCommuneNom, fSource, fVoieNom},
	v15: {fNumero, fCommuneINSEE, fCommuneNom, fSource, fToponyme},
}

// regionalLangs is @ban-team/shared-data langues-regionales.json (v1.4.3), the
// list validateur-bal accepts as `<field>_<code>` column suffixes.
var regionalLangs = []string{
	"fra", "bre", "eus", "gsw", "cos", "gcr", "gcf", "rcf", "swb", "oci",
	"cat", "pcd", "oc-provenc", "oc-nicard", "vls", "fr-gallo", "aji", "dhv",
	"nen", "pri", "ty", "mrq", "pmt", "mrv", "frp",
}

var fieldByName = func() map[string]fieldID {
	m := make(map[string]fieldID, numFields)
	for i, f := range fields {
		m[f.name] = fieldID(i)
	}
	return m
}()

// aliases maps an alternative header name to its field: the unambiguous
// ten-character truncations (shapefile/DBF legacy: cle_intero, uid_adress,
// commune_in, …; commune_deleguee_insee and commune_deleguee_nom both give
// "commune_de" and are left out) and validateur-bal's legacy aliases.
var aliases = func() map[string]fieldID {
	m := map[string]fieldID{}
	count := map[string]int{}
	for _, f := range fields {
		if len(f.name) > 10 {
			count[f.name[:10]]++
		}
	}
	for i, f := range fields {
		if len(f.name) > 10 && count[f.name[:10]] == 1 {
			m[f.name[:10]] = fieldID(i)
		}
		for _, a := range f.legacy {
			m[a] = fieldID(i)
		}
	}
	return m
}()

// splitLocalized splits "voie_nom_bre" into ("voie_nom", "bre"). ok is false
// when name is not a regional-language variant of a field allowing one.
func splitLocalized(name string) (base string, lang string, ok bool) {
	for _, l := range regionalLangs {
		if b, found := strings.CutSuffix(name, "_"+l); found {
			if id, known := fieldByName[b]; known && fields[id].allowLang {
				return b, l, true
			}
		}
	}
	return "", "", false
}
