package iso19139

import (
	"fmt"
	"math"
	"strings"
)

// Problem is one TG MD 2.0 requirement a record does not meet.
type Problem struct {
	// Requirement is the TG requirement id, e.g.
	// "metadata/2.0/req/common/md-point-of-contact".
	Requirement string
	// Msg says what is missing or wrong.
	Msg string
}

// ValidationError lists what a record lacks to be a valid INSPIRE record.
type ValidationError struct {
	FileIdentifier string
	Problems       []Problem
}

// Error returns, e.g., `iso19139: record "fr-1-x": metadata/2.0/req/common/
// resource-title: the title is empty (and 2 more problems)`.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "iso19139: record %q: %s: %s", e.FileIdentifier, e.Problems[0].Requirement, e.Problems[0].Msg)
	if n := len(e.Problems) - 1; n > 0 {
		fmt.Fprintf(&b, " (and %d more problems)", n)
	}
	return b.String()
}

const reqPrefix = "metadata/2.0/req/"

// topicCategories are the MD_TopicCategoryCode values (ISO 19115 B.5.27),
// an enumeration in the schema.
var topicCategories = map[string]bool{
	"farming": true, "biota": true, "boundaries": true, "climatologyMeteorologyAtmosphere": true,
	"economy": true, "elevation": true, "environment": true, "geoscientificInformation": true,
	"health": true, "imageryBaseMapsEarthCover": true, "intelligenceMilitary": true,
	"inlandWaters": true, "location": true, "oceans": true, "planningCadastre": true,
	"society": true, "structure": true, "transportation": true, "utilitiesCommunication": true,
}

// Validate checks r against the requirements of TG MD 2.0 that a value can
// be checked for (conformance classes 1 and 2 for datasets and series, 3
// and 4 for services): what Encode would otherwise write as empty or nil.
// It returns a *ValidationError, or nil.
func (r Record) Validate() error {
	var ps []Problem
	add := func(req, format string, args ...any) {
		ps = append(ps, Problem{Requirement: reqPrefix + req, Msg: fmt.Sprintf(format, args...)})
	}
	if r.FileIdentifier == "" {
		add("common/xml-schema", "the file identifier is empty")
	}
	if len(r.Language) != 3 {
		add("common/metadata-language-code", "the metadata language %q is not an ISO 639-2/B code", r.Language)
	}
	if r.Contact.Organisation == "" || !strings.Contains(r.Contact.Email, "@") {
		add("common/md-point-of-contact", "the metadata point of contact needs an organisation name and an e-mail address")
	}
	if r.DateStamp.IsZero() {
		add("common/md-date", "the metadata date is missing")
	}
	if strings.TrimSpace(r.Title) == "" {
		add("common/resource-title", "the title is empty")
	}
	if strings.TrimSpace(r.Abstract) == "" {
		add("common/resource-abstract", "the abstract is empty")
	}
	if len(r.ResponsibleParties) == 0 {
		add("common/responsible-organisation", "no responsible organisation")
	}
	for _, p := range r.ResponsibleParties {
		if p.Organisation == "" || !strings.Contains(p.Email, "@") {
			add("common/responsible-organisation", "a responsible party needs an organisation name and an e-mail address")
		}
	}
	counts := map[DateType]int{}
	for _, d := range r.Dates {
		if d.Date.IsZero() {
			add("common/temporal-reference", "a %s date is zero", d.Type)
		}
		counts[d.Type]++
	}
	if counts[DateCreation]+counts[DatePublication]+counts[DateRevision] == 0 {
		add("common/temporal-reference", "no creation, publication or revision date")
	}
	if counts[DateCreation] > 1 {
		add("common/max-1-date-of-creation", "%d creation dates", counts[DateCreation])
	}
	if counts[DateRevision] > 1 {
		add("common/max-1-date-of-last-revision", "%d revision dates", counts[DateRevision])
	}
	for _, ks := range r.Keywords {
		if t := ks.Thesaurus; t != nil && (t.Title.Text == "" || t.Date.Date.IsZero()) {
			add("common/keyword-originating-cv", "a thesaurus citation needs a title and a date")
		}
	}
	if !hasAnchorPrefix(r.AccessConstraints, "http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/") {
		add("common/limitations-on-public-access", "no limitation on public access anchored to the INSPIRE register")
	}
	if len(r.UseConstraints) == 0 {
		add("common/conditions-for-access-and-use", "no condition for access and use")
	}
	if hasAnchorPrefix(r.UseConstraints, "http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/") {
		add("common/conditions-for-access-and-use", "a limitation on public access is given as a condition for access and use")
	}
	if b := r.BBox; b != nil {
		if !(b.West >= -180 && b.East <= 180 && b.South >= -90 && b.North <= 90 && b.South <= b.North) ||
			math.IsNaN(b.West+b.East+b.South+b.North) {
			add("common/bounding-box", "the bounding box %v is not in WGS 84 degrees", *b)
		}
	}
	if len(r.Conformity) == 0 {
		add("common/conformity", "no conformity statement")
	}
	for _, c := range r.Conformity {
		if c.Specification.Title.Text == "" || c.Specification.Date.Date.IsZero() {
			add("common/conformity-specification", "a conformity statement needs the specification's title and date")
		}
	}

	switch r.HierarchyLevel {
	case ScopeDataset, ScopeSeries:
		r.validateData(add)
	case ScopeService:
		r.validateService(add)
	default:
		add("datasets-and-series/resource-type", "the resource type %q is not dataset, series or service", r.HierarchyLevel)
	}
	if len(ps) == 0 {
		return nil
	}
	return &ValidationError{FileIdentifier: r.FileIdentifier, Problems: ps}
}

func (r Record) validateData(add func(req, format string, args ...any)) {
	if len(r.Identifiers) == 0 || r.Identifiers[0].Code == "" {
		add("datasets-and-series/dataset-uid", "no unique resource identifier")
	}
	theme := false
	for _, ks := range r.Keywords {
		if ks.Thesaurus != nil && ks.Thesaurus.Title.Text == GEMETThemes.Title.Text && len(ks.Keywords) > 0 {
			theme = true
		}
	}
	if !theme {
		add("datasets-and-series/inspire-theme-keyword", "no keyword from %q", GEMETThemes.Title.Text)
	}
	if len(r.TopicCategories) == 0 {
		add("datasets-and-series/topic-category", "no topic category")
	}
	for _, t := range r.TopicCategories {
		if !topicCategories[t] {
			add("datasets-and-series/topic-category", "%q is not an MD_TopicCategoryCode", t)
		}
	}
	if r.BBox == nil {
		add("common/bounding-box", "no geographic bounding box")
	}
	if strings.TrimSpace(r.Lineage) == "" {
		add("datasets-and-series/lineage", "no lineage statement")
	}
	for _, res := range r.Resolutions {
		if (res.EquivalentScale > 0) == (res.Distance > 0) {
			add("datasets-and-series/spatial-resolution", "a resolution needs either an equivalent scale or a distance")
		}
	}
	if len(r.CRS) == 0 {
		add("isdss/crs", "no coordinate reference system")
	}
	if len(r.SpatialRepresentationTypes) == 0 {
		add("isdss/spatial-representation-type", "no spatial representation type")
	}
	for _, t := range r.SpatialRepresentationTypes {
		switch t {
		case "vector", "grid", "tin", "textTable":
		default:
			add("isdss/spatial-representation-type", "%q is not vector, grid, tin or textTable", t)
		}
	}
	if len(r.Formats) == 0 {
		add("isdss/data-encoding", "no distribution format")
	}
	for _, f := range r.Formats {
		if f.Name == "" {
			add("isdss/data-encoding", "a distribution format has no name")
		}
	}
}

func (r Record) validateService(add func(req, format string, args ...any)) {
	s := r.Service
	if s == nil {
		add("sds/service-identification-element", "no service information")
		return
	}
	switch s.Type {
	case "discovery", "view", "download", "transformation", "invoke", "other":
	default:
		add("sds/sds-type", "the service type %q is not a spatial data service type", s.Type)
	}
	category := false
	for _, ks := range r.Keywords {
		if ks.Thesaurus != nil && ks.Thesaurus.Title.Text == ServiceClassification.Title.Text && len(ks.Keywords) > 0 {
			category = true
		}
	}
	if !category {
		add("sds/sds-category", "no keyword from the classification of spatial data services")
	}
	for _, o := range s.OperatesOn {
		if o.Href == "" {
			add("sds/coupled-resource", "a coupled resource has no xlink:href")
		}
	}
}

func hasAnchorPrefix(as []Anchor, prefix string) bool {
	for _, a := range as {
		if strings.HasPrefix(a.Href, prefix) {
			return true
		}
	}
	return false
}
