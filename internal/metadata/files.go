package metadata

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/socle-geo/socle/fixtures"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/iso19139"
)

// The metadata files hold what a person decides: titles, abstracts,
// keywords, the publisher and its contact, the licence, the lineage text.
// One file, service.yaml, describes the publisher and the services; every
// other *.yaml file describes one dataset. Texts are bilingual (fr, en).

// Text is a text in French and English.
type Text struct {
	FR string `yaml:"fr"`
	EN string `yaml:"en"`
}

// In returns the text in lang ("fr" or "en"), falling back to French.
func (t Text) In(lang string) string { return socle.Text{FR: t.FR, EN: t.EN}.In(lang) }

// Words is a list of keywords in French and English.
type Words struct {
	FR []string `yaml:"fr"`
	EN []string `yaml:"en"`
}

// In returns the keywords in lang, falling back to French.
func (w Words) In(lang string) []string {
	if lang == "en" && len(w.EN) > 0 {
		return w.EN
	}
	return w.FR
}

// Day is a calendar date written YYYY-MM-DD.
type Day struct{ time.Time }

// UnmarshalYAML reads YYYY-MM-DD.
func (d *Day) UnmarshalYAML(n *yaml.Node) error {
	t, err := time.Parse(time.DateOnly, n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a date (YYYY-MM-DD)", n.Line, n.Value)
	}
	d.Time = t
	return nil
}

// Organisation is the publisher: the responsible organisation and the
// metadata point of contact of every record.
type Organisation struct {
	Name Text `yaml:"name"`
	// SIREN makes record identifiers fr-<SIREN>-<id>.
	SIREN      string `yaml:"siren"`
	Email      string `yaml:"email"`
	Phone      string `yaml:"phone"`
	Address    string `yaml:"address"`
	PostalCode string `yaml:"postal_code"`
	City       string `yaml:"city"`
	Country    string `yaml:"country"`
	Website    string `yaml:"website"`
}

// Licence is the licence of the data.
type Licence struct {
	// ID is an SPDX-like identifier, e.g. etalab-2.0.
	ID    string `yaml:"id"`
	Href  string `yaml:"href"`
	Title Text   `yaml:"title"`
}

// ServiceFile describes one service.
type ServiceFile struct {
	Title     Text  `yaml:"title"`
	Abstract  Text  `yaml:"abstract"`
	Keywords  Words `yaml:"keywords"`
	Published Day   `yaml:"published"`
}

// Conformity is the declared conformity to Regulation 1089/2010.
type Conformity struct {
	// Pass is nil when not evaluated.
	Pass        *bool `yaml:"pass"`
	Explanation Text  `yaml:"explanation"`
}

// Resolution is an equivalent scale or a ground distance in metres.
type Resolution struct {
	Scale    int     `yaml:"scale"`
	Distance float64 `yaml:"distance"`
}

// DatasetFile describes one dataset: a set of collections published
// together.
type DatasetFile struct {
	// ID names the dataset in URLs (/datasets/{id}) and in its record
	// identifier.
	ID          string   `yaml:"id"`
	Collections []string `yaml:"collections"`
	Title       Text     `yaml:"title"`
	Abstract    Text     `yaml:"abstract"`
	Keywords    Words    `yaml:"keywords"`
	// Themes are INSPIRE theme codes (ad, tn, lc, lu, au…).
	Themes          []string    `yaml:"themes"`
	TopicCategories []string    `yaml:"topic_categories"`
	Created         Day         `yaml:"created"`
	Resolution      *Resolution `yaml:"resolution"`
	Lineage         Text        `yaml:"lineage"`
	Conformity      Conformity  `yaml:"conformity"`
	// TopologicalConsistency explains the connectivity of a network.
	TopologicalConsistency *Text `yaml:"topological_consistency"`
	// FeatureConcepts are URIs of the INSPIRE feature concept dictionary,
	// by collection.
	FeatureConcepts map[string][]string `yaml:"feature_concepts"`
	// ZANAllowance, in the dataset that holds the artificialisation
	// collection, is the regional territorialisation of the ZAN allowance
	// where a SRADDET set another share of the 2011–2021 reference than the
	// law's half: for the whole territory, for some communes.
	ZANAllowance *ZANAllowance `yaml:"zan_allowance"`
}

// ZANAllowance is the share of the 2011–2021 reference consumption each
// commune may consume 2021–2031 (0 < share ≤ 1): Share for the territory
// (0: the law's half), Communes by INSEE code over it.
type ZANAllowance struct {
	Share    float64            `yaml:"share"`
	Communes map[string]float64 `yaml:"communes"`
	// Source names the plan that set it (e.g. "SRADDET Occitanie, 2022").
	Source string `yaml:"source"`
}

// ZANAllowance returns the territorialisation of the ZAN allowance the
// files set, nil when none does (the law's half then applies).
func (f *Files) ZANAllowance() *ZANAllowance {
	for _, d := range f.Datasets {
		if d.ZANAllowance != nil {
			return d.ZANAllowance
		}
	}
	return nil
}

// Files are the metadata files of a territory.
type Files struct {
	Organisation  Organisation `yaml:"organisation"`
	Licence       Licence      `yaml:"licence"`
	PlaceKeywords Words        `yaml:"place_keywords"`
	// Date is when the metadata files were last edited.
	Date     Day                    `yaml:"date"`
	Services map[string]ServiceFile `yaml:"services"`
	// Datasets in the order of their file names.
	Datasets []*DatasetFile `yaml:"-"`
}

// Service names of the service file.
const (
	ServiceDownload  = "download"
	ServiceDiscovery = "discovery"
)

// themes are the INSPIRE themes the files may name.
var themes = map[string]iso19139.Theme{
	"ad": iso19139.ThemeAddresses, "au": iso19139.ThemeAdministrativeUnits, "cp": iso19139.ThemeCadastralParcels,
	"gn": iso19139.ThemeGeographicalNames, "tn": iso19139.ThemeTransportNetworks, "hy": iso19139.ThemeHydrography,
	"ps": iso19139.ThemeProtectedSites, "el": iso19139.ThemeElevation, "lc": iso19139.ThemeLandCover,
	"oi": iso19139.ThemeOrthoimagery, "bu": iso19139.ThemeBuildings, "lu": iso19139.ThemeLandUse,
	"us": iso19139.ThemeUtilityAndGovernment,
}

// Sample returns the metadata files of the sample territory, embedded in
// the binary.
func Sample(catalog *socle.Catalog) (*Files, error) {
	sub, err := fs.Sub(fixtures.FS, "metadata")
	if err != nil {
		return nil, err
	}
	return Load(sub, catalog)
}

// Load reads service.yaml and the dataset files of fsys and checks them
// against the catalog: every problem is reported at once.
func Load(fsys fs.FS, catalog *socle.Catalog) (*Files, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var f Files
	var errs []error
	if !slices.Contains(names, "service.yaml") {
		return nil, errors.New("metadata: service.yaml is missing")
	}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var target any = &f
		var d *DatasetFile
		if name != "service.yaml" {
			d = &DatasetFile{}
			target = d
		}
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(target); err != nil {
			errs = append(errs, fmt.Errorf("metadata: %s: %w", name, err))
			continue
		}
		if d != nil {
			if d.ID == "" {
				d.ID = strings.TrimSuffix(path.Base(name), ".yaml")
			}
			f.Datasets = append(f.Datasets, d)
		}
	}
	if len(errs) == 0 {
		errs = f.check(catalog)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &f, nil
}

// check lists what the files lack or get wrong.
func (f *Files) check(catalog *socle.Catalog) []error {
	var errs []error
	bad := func(where, format string, args ...any) {
		errs = append(errs, fmt.Errorf("metadata: %s: %s", where, fmt.Sprintf(format, args...)))
	}
	o := f.Organisation
	if o.Name.FR == "" || !strings.Contains(o.Email, "@") || o.SIREN == "" {
		bad("service.yaml", "the organisation needs a name, an e-mail address and a SIREN")
	}
	if f.Licence.Href == "" || f.Licence.Title.FR == "" {
		bad("service.yaml", "the licence needs a title and an href")
	}
	if f.Date.IsZero() {
		bad("service.yaml", "date is missing")
	}
	for _, name := range []string{ServiceDownload, ServiceDiscovery} {
		s, ok := f.Services[name]
		if !ok || s.Title.FR == "" || s.Abstract.FR == "" || s.Published.IsZero() {
			bad("service.yaml", "services.%s needs a title, an abstract and a publication date", name)
		}
	}
	seen := map[string]bool{}
	taken := map[string]string{}
	for _, d := range f.Datasets {
		where := d.ID + ".yaml"
		if seen[d.ID] {
			bad(where, "dataset id %q is used twice", d.ID)
		}
		seen[d.ID] = true
		if _, ok := f.Services[d.ID]; ok || !validID(d.ID) {
			bad(where, "dataset id %q is not a lower-case name distinct from the services'", d.ID)
		}
		if d.Title.FR == "" || d.Abstract.FR == "" || d.Lineage.FR == "" {
			bad(where, "a dataset needs a title, an abstract and a lineage")
		}
		if d.Created.IsZero() {
			bad(where, "created is missing")
		}
		if a := d.ZANAllowance; a != nil {
			if !slices.Contains(d.Collections, "artificialisation") {
				bad(where, "zan_allowance belongs to the dataset of the artificialisation collection")
			}
			if a.Share < 0 || a.Share > 1 {
				bad(where, "zan_allowance.share %v is not a share between 0 and 1", a.Share)
			}
			for code, v := range a.Communes {
				if v <= 0 || v > 1 {
					bad(where, "zan_allowance.communes.%s: %v is not a share above 0 and at most 1", code, v)
				}
			}
		}
		if len(d.Collections) == 0 {
			bad(where, "a dataset needs collections")
		}
		for _, c := range d.Collections {
			_, ok := catalog.Collection(c)
			switch {
			case !ok:
				bad(where, "no collection %q", c)
			case taken[c] != "":
				bad(where, "collection %q is already in dataset %q", c, taken[c])
			}
			taken[c] = d.ID
		}
		for c := range d.FeatureConcepts {
			if !slices.Contains(d.Collections, c) {
				bad(where, "feature_concepts names %q, not a collection of the dataset", c)
			}
		}
		if len(d.Themes) == 0 {
			bad(where, "a dataset needs an INSPIRE theme")
		}
		for _, t := range d.Themes {
			if _, ok := themes[t]; !ok {
				bad(where, "unknown INSPIRE theme %q", t)
			}
		}
		if len(d.TopicCategories) == 0 {
			bad(where, "a dataset needs a topic category")
		}
		if r := d.Resolution; r != nil && (r.Scale > 0) == (r.Distance > 0) {
			bad(where, "a resolution is either a scale or a distance")
		}
	}
	if len(f.Datasets) == 0 {
		bad("metadata", "no dataset file")
	}
	return errs
}

// Dataset returns the dataset file of id.
func (f *Files) Dataset(id string) (*DatasetFile, bool) {
	for _, d := range f.Datasets {
		if d.ID == id {
			return d, true
		}
	}
	return nil, false
}

// RecordID is the identifier of the record of a dataset or service, in
// the French practice fr-<SIREN>-<id>.
func (f *Files) RecordID(id string) string { return "fr-" + f.Organisation.SIREN + "-" + id }

func validID(id string) bool {
	if id == "" {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
