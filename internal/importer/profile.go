package importer

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/socle-geo/socle/internal/socle"
)

// A Profile maps the fields of a published dataset onto a collection's
// properties: `socle import layer --profile NAME`.
type Profile struct {
	Name       string
	Collection string
	Title      string
	// Table is the GeoPackage table (or archive member) the dataset
	// usually ships its layer in, tried when a file has several and no
	// --layer is given.
	Table []string
	// Rules by target property, in the order they apply.
	Rules []Rule
	// Accept, when set, refuses a record the profile does not load (an
	// OpenStreetMap line that is not a road) with the reason.
	Accept func(get func(string) any) string
}

// Rule says where one property's value comes from: the first of Fields the
// record has a non-empty value for, else Value. Values translates what the
// field holds (a value not in the table passes as it is); Fn computes the
// value from the record instead (profiles only).
type Rule struct {
	Target string
	Fields []string
	// Required: the file must have one of Fields (else nothing is loaded).
	Required bool
	Value    any
	Values   map[string]any
	Fn       func(get func(string) any) any
}

// The profiles built in.
var profiles = []*Profile{
	{
		Name: "socle", Title: "the file already uses Socle's property names (any collection)",
	},
	{
		Name: "bdtopo", Collection: "roads", Title: "IGN BD TOPO v3 road sections (TRONCON_DE_ROUTE)",
		Table: []string{"troncon_de_route", "TRONCON_DE_ROUTE"},
		Rules: []Rule{
			{Target: "source_id", Fields: []string{"ID", "cleabs"}, Required: true},
			{Target: "name", Fields: []string{"NOM_1_G", "NOM_1_D", "nom_1_gauche", "nom_1_droite", "NOM_VOIE_G", "NOM_VOIE_D", "nom_voie_ban_gauche", "nom_voie_ban_droite"}, Value: ""},
			{Target: "road_class", Fields: []string{"NATURE"}, Required: true},
			{Target: "surface", Fn: func(get func(string) any) any { return surfaceOfNature(str(first(get, "NATURE"))) }},
			{Target: "width", Fields: []string{"LARGEUR", "largeur_de_chaussee"}},
			{Target: "importance", Fields: []string{"IMPORTANCE"}},
			{Target: "nb_voies", Fields: []string{"NB_VOIES", "nombre_de_voies"}},
			{Target: "sens", Fields: []string{"SENS", "sens_de_circulation"}},
			{Target: "commune_insee", Fields: []string{"INSEECOM_G", "INSEECOM_D", "insee_commune_gauche", "insee_commune_droite"}},
		},
	},
	{
		Name: "osm", Collection: "roads", Title: "OpenStreetMap highway lines (GeoJSON or GeoPackage as exported by ogr2ogr, osmium, QuickOSM)",
		Table: []string{"lines", "highways", "roads"},
		Rules: []Rule{
			{Target: "source_id", Fields: []string{"osm_id", "@id", "id", "osm_way_id", "full_id"}},
			{Target: "name", Fields: []string{"name"}, Value: ""},
			{Target: "road_class", Fields: []string{"highway"}, Required: true, Fn: func(get func(string) any) any {
				return osmClass(str(first(get, "highway")), str(first(get, "junction")))
			}},
			{Target: "surface", Fn: func(get func(string) any) any {
				return osmSurface(str(first(get, "surface")), str(first(get, "highway")))
			}},
			{Target: "width", Fields: []string{"width"}, Fn: func(get func(string) any) any { return osmWidth(first(get, "width")) }},
			{Target: "nb_voies", Fields: []string{"lanes"}},
		},
		Accept: func(get func(string) any) string {
			h := str(first(get, "highway"))
			if osmClass(h, "") == "" {
				if h == "" {
					return "not a road: no highway tag"
				}
				return fmt.Sprintf("not a road: highway=%s", h)
			}
			return ""
		},
	},
	{
		Name: "ocsge", Collection: "land_cover", Title: "IGN OCS GE land cover (OCCUPATION_SOL), one millésime per file",
		Table: []string{"occupation_sol", "OCCUPATION_SOL"},
		Rules: []Rule{
			{Target: "source_id", Fields: []string{"ID"}},
			{Target: "code_cs", Fields: []string{"CODE_CS"}, Required: true},
			{Target: "code_us", Fields: []string{"CODE_US"}, Required: true},
			{Target: "year", Fields: []string{"MILLESIME"}},
		},
	},
	{
		Name: "admin-express", Collection: "communes", Title: "IGN Admin Express or BD TOPO communes (COMMUNE)",
		Table: []string{"commune", "COMMUNE"},
		Rules: []Rule{
			{Target: "insee", Fields: []string{"INSEE_COM", "CODE_INSEE"}, Required: true},
			{Target: "nom", Fields: []string{"NOM", "NOM_M", "NOM_COM"}, Required: true},
			{Target: "population", Fields: []string{"POPULATION"}},
			{Target: "epci_siren", Fields: []string{"SIREN_EPCI", "CODE_SIREN_EPCI", "CODE_EPCI"}},
			{Target: "source_id", Fields: []string{"ID", "cleabs"}},
		},
	},
}

// LookupProfile returns the named profile, or an error listing them.
func LookupProfile(name string) (*Profile, error) {
	if name == "" {
		name = "socle"
	}
	for _, p := range profiles {
		if strings.EqualFold(p.Name, name) {
			return p, nil
		}
	}
	return nil, &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf("unknown profile %q; the profiles: %s", name, strings.Join(profileNames(), ", ")), Allowed: profileNames()}
}

func profileNames() []string {
	var out []string
	for _, p := range profiles {
		out = append(out, p.Name)
	}
	return out
}

// ProfileList is the text `socle import layer --profile` prints.
func ProfileList() string {
	var b strings.Builder
	for _, p := range profiles {
		coll := p.Collection
		if coll == "" {
			coll = "any"
		}
		fmt.Fprintf(&b, "%-14s → %-10s %s\n", p.Name, coll, p.Title)
	}
	return b.String()
}

// surfaceOfNature is the surface a BD TOPO nature implies: BD TOPO has no
// surface field, its natures tell paved, metalled and unpaved ways apart.
func surfaceOfNature(n string) string {
	switch strings.ToLower(n) {
	case "route empierrée":
		return "empierrée"
	case "chemin", "sentier", "piste cyclable", "escalier":
		return "non revêtue"
	}
	return "revêtue"
}

// osmClass maps an OpenStreetMap highway value onto BD TOPO's natures,
// the road classes Socle serves; "" for what is not a road line.
func osmClass(highway, junction string) string {
	h := strings.ToLower(strings.TrimSpace(highway))
	if junction == "roundabout" && h != "" && !strings.HasSuffix(h, "_link") {
		switch h {
		case "motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential", "living_street", "service":
			return "Rond-point"
		}
	}
	switch h {
	case "motorway":
		return "Type autoroutier"
	case "trunk":
		return "Route à 2 chaussées"
	case "motorway_link", "trunk_link", "primary_link", "secondary_link", "tertiary_link":
		return "Bretelle"
	case "primary", "secondary", "tertiary", "unclassified", "residential", "living_street", "service", "pedestrian", "road", "busway":
		return "Route à 1 chaussée"
	case "track":
		return "Chemin"
	case "path", "footway", "bridleway":
		return "Sentier"
	case "cycleway":
		return "Piste cyclable"
	case "steps":
		return "Escalier"
	}
	return ""
}

// osmSurface maps OpenStreetMap's surface tag onto Socle's three values;
// with none, the road class decides.
func osmSurface(surface, highway string) string {
	switch strings.ToLower(surface) {
	case "paved", "asphalt", "concrete", "concrete:plates", "concrete:lanes", "paving_stones", "sett", "cobblestone", "metal", "wood", "chipseal":
		return "revêtue"
	case "gravel", "fine_gravel", "compacted", "pebblestone", "unhewn_cobblestone":
		return "empierrée"
	case "unpaved", "dirt", "ground", "earth", "grass", "sand", "mud", "rock":
		return "non revêtue"
	}
	return surfaceOfNature(osmClass(highway, ""))
}

// osmWidth reads OpenStreetMap's width ("5", "5 m", "5.5"); nil when it
// is not a number of metres.
func osmWidth(v any) any {
	switch x := v.(type) {
	case float64, int64:
		return x
	case string:
		s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(x), "m"))
		var f float64
		if _, err := fmt.Sscan(strings.ReplaceAll(s, ",", "."), &f); err == nil && f > 0 {
			return f
		}
	}
	return nil
}

// first is the first non-empty value of the fields, nil if none.
func first(get func(string) any, fields ...string) any {
	for _, f := range fields {
		if v := get(f); !empty(v) {
			return v
		}
	}
	return nil
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	}
	return false
}

func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// ReadMapping reads a mapping file: a YAML map from target property to a
// source field, {field: F}, {value: V} (a constant), or {field: F, values:
// {FROM: TO, …}} (a field translated through a table). The targets must be
// properties of c that Socle does not derive.
func ReadMapping(path string, c *socle.Collection) ([]Rule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseMapping(data, c)
}

// ParseMapping reads a mapping file's content (see ReadMapping).
func ParseMapping(data []byte, c *socle.Collection) ([]Rule, error) {
	bad := func(format string, args ...any) error {
		return &socle.Error{Code: socle.EINVALID, Message: "mapping: " + fmt.Sprintf(format, args...)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, bad("%v", err)
	}
	if len(doc.Content) == 0 {
		return nil, bad("the file is empty")
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, bad("expected a map of target property: source field, line %d", m.Line)
	}
	var rules []Rule
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		target := k.Value
		p, ok := c.Property(target)
		if !ok {
			var names []string
			for _, p := range c.Properties {
				if !p.Derived {
					names = append(names, p.Name)
				}
			}
			return nil, bad("line %d: %s is not a property of %s (its properties: %s)", k.Line, target, c.ID, strings.Join(names, ", "))
		}
		if p.Derived || p.Name == "updated_at" {
			return nil, bad("line %d: %s is computed by Socle, not imported", k.Line, target)
		}
		r := Rule{Target: target, Required: true}
		switch v.Kind {
		case yaml.ScalarNode:
			if v.Tag == "!!null" || v.Value == "" {
				return nil, bad("line %d: %s: no source field", v.Line, target)
			}
			r.Fields = []string{v.Value}
		case yaml.MappingNode:
			var spec struct {
				Field  string         `yaml:"field"`
				Value  any            `yaml:"value"`
				Values map[string]any `yaml:"values"`
			}
			if err := v.Decode(&spec); err != nil {
				return nil, bad("line %d: %s: %v", v.Line, target, err)
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				switch v.Content[j].Value {
				case "field", "value", "values":
				default:
					return nil, bad("line %d: %s: unknown key %q (expected field, value or values)", v.Content[j].Line, target, v.Content[j].Value)
				}
			}
			switch {
			case spec.Field != "" && spec.Value != nil:
				return nil, bad("line %d: %s: give a field or a value, not both", v.Line, target)
			case spec.Field != "":
				r.Fields = []string{spec.Field}
				r.Values = spec.Values
			case spec.Value != nil:
				r.Required = false
				r.Value = yamlValue(spec.Value)
				if spec.Values != nil {
					return nil, bad("line %d: %s: a value table needs a field", v.Line, target)
				}
			default:
				return nil, bad("line %d: %s: expected a field or a value", v.Line, target)
			}
			for from, to := range r.Values {
				r.Values[from] = yamlValue(to)
			}
		default:
			return nil, bad("line %d: %s: expected a field name or {field: …} / {value: …}", v.Line, target)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// yamlValue makes YAML's ints the int64 rows carry.
func yamlValue(v any) any {
	if n, ok := v.(int); ok {
		return int64(n)
	}
	return v
}

// merge puts the mapping's rules over the profile's: a target the mapping
// names is taken from it.
func merge(base, over []Rule) []Rule {
	out := make([]Rule, 0, len(base)+len(over))
	for _, r := range base {
		if !slices.ContainsFunc(over, func(o Rule) bool { return o.Target == r.Target }) {
			out = append(out, r)
		}
	}
	return append(out, over...)
}
