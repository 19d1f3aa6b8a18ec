package metadata

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/iso19139"
)

// Languages are the languages records are written in, as the API names
// them; the first is the default.
var Languages = []string{"fr", "en"}

// ISOLanguage is the ISO 639-2/B code of an API language ("fre", "eng").
func ISOLanguage(lang string) string {
	if lang == "en" {
		return "eng"
	}
	return "fre"
}

// crsURIs are the CRS the data can be had in that INSPIRE names or that
// the territory uses: Lambert-93 (storage), ETRS89 and its LAEA
// projection, WGS 84.
var crsURIs = []string{
	"http://www.opengis.net/def/crs/EPSG/0/2154",
	"http://www.opengis.net/def/crs/EPSG/0/4258",
	"http://www.opengis.net/def/crs/EPSG/0/3035",
	"http://www.opengis.net/def/crs/EPSG/0/4326",
}

// CRS returns the CRS URIs records declare.
func CRS() []string { return append([]string(nil), crsURIs...) }

// Records returns every record — the datasets' in the files' order, then
// the download and the discovery services' — in lang, with links under
// base (the API root URL, without a trailing slash).
func (c *Catalogue) Records(ctx context.Context, base, lang string) ([]iso19139.Record, error) {
	states, err := c.Datasets(ctx)
	if err != nil {
		return nil, err
	}
	var out []iso19139.Record
	for _, s := range states {
		out = append(out, c.DatasetRecord(s, base, lang))
	}
	out = append(out, c.DownloadServiceRecord(states, base, lang), c.DiscoveryServiceRecord(states, base, lang))
	return out, nil
}

// Record returns the record of a file identifier, or an ENOTFOUND error.
func (c *Catalogue) Record(ctx context.Context, base, lang, id string) (iso19139.Record, error) {
	rs, err := c.Records(ctx, base, lang)
	if err != nil {
		return iso19139.Record{}, err
	}
	for _, r := range rs {
		if r.FileIdentifier == id {
			return r, nil
		}
	}
	return iso19139.Record{}, socle.Errorf(socle.ENOTFOUND, "no metadata record %s", id)
}

// Modified is the date of the catalogue: the last change of the files or
// of any dataset.
func Modified(f *Files, states []*State) time.Time {
	t := f.Date.Time
	for _, s := range states {
		if s.Revision.After(t) {
			t = s.Revision
		}
	}
	return t
}

func (c *Catalogue) party(lang, role string) iso19139.Party {
	o := c.files.Organisation
	return iso19139.Party{
		Organisation: o.Name.In(lang),
		Email:        o.Email,
		Phone:        o.Phone,
		Address:      o.Address,
		City:         o.City,
		PostalCode:   o.PostalCode,
		Country:      o.Country,
		Website:      o.Website,
		Role:         role,
	}
}

func (c *Catalogue) licence(lang string) iso19139.Anchor {
	l := c.files.Licence
	if l.Href == iso19139.LicenceOuverte2("fre").Href {
		return iso19139.LicenceOuverte2(ISOLanguage(lang))
	}
	return iso19139.Anchor{Text: l.Title.In(lang), Href: l.Href}
}

// freeKeywords are the free keywords and the place keywords of a record.
func (c *Catalogue) freeKeywords(words []string, lang string) []iso19139.KeywordSet {
	var out []iso19139.KeywordSet
	if len(words) > 0 {
		ks := iso19139.KeywordSet{}
		for _, w := range words {
			ks.Keywords = append(ks.Keywords, iso19139.Anchor{Text: w})
		}
		out = append(out, ks)
	}
	if place := c.files.PlaceKeywords.In(lang); len(place) > 0 {
		ks := iso19139.KeywordSet{Type: "place"}
		for _, w := range place {
			ks.Keywords = append(ks.Keywords, iso19139.Anchor{Text: w})
		}
		out = append(out, ks)
	}
	return out
}

func isoBBox(b *socle.BBox) *iso19139.BBox {
	if b == nil {
		return nil
	}
	return &iso19139.BBox{West: b.MinX, East: b.MaxX, South: b.MinY, North: b.MaxY}
}

// DatasetRecord is the record of a dataset in its current state.
func (c *Catalogue) DatasetRecord(s *State, base, lang string) iso19139.Record {
	d := s.Dataset
	isoLang := ISOLanguage(lang)
	id := c.files.RecordID(d.ID)
	stamp := c.files.Date.Time
	if s.Revision.After(stamp) {
		stamp = s.Revision
	}
	r := iso19139.Record{
		FileIdentifier:             id,
		Language:                   isoLang,
		HierarchyLevel:             iso19139.ScopeDataset,
		Contact:                    c.party(lang, "pointOfContact"),
		DateStamp:                  stamp.UTC(),
		CRS:                        CRS(),
		Title:                      d.Title.In(lang),
		Abstract:                   strings.TrimSpace(d.Abstract.In(lang)) + "\n\n" + contents(s, lang),
		Identifiers:                []iso19139.Identifier{{Code: base + "/datasets/" + d.ID}},
		Dates:                      []iso19139.CitationDate{{Date: d.Created.Time, Type: iso19139.DateCreation}},
		ResponsibleParties:         []iso19139.Party{c.party(lang, "custodian")},
		AccessConstraints:          []iso19139.Anchor{iso19139.NoLimitations(isoLang)},
		UseConstraints:             []iso19139.Anchor{c.licence(lang)},
		SpatialRepresentationTypes: []string{"vector"},
		ResourceLanguages:          []string{"fre"},
		CharacterSet:               "utf8",
		TopicCategories:            d.TopicCategories,
		BBox:                       isoBBox(s.BBox),
		Lineage:                    lineage(d, s, lang),
	}
	if !s.Revision.IsZero() {
		r.Dates = append(r.Dates, iso19139.CitationDate{Date: s.Revision.UTC().Truncate(time.Second), Type: iso19139.DateRevision})
	}
	if s.Start != nil && s.End != nil {
		r.TemporalExtent = &iso19139.TemporalExtent{Begin: s.Start.UTC().Truncate(time.Second), End: s.End.UTC().Truncate(time.Second)}
	}
	var ths []iso19139.Theme
	for _, t := range d.Themes {
		ths = append(ths, themes[t])
	}
	r.Keywords = append([]iso19139.KeywordSet{iso19139.ThemeKeywords(isoLang, ths...)}, c.freeKeywords(d.Keywords.In(lang), lang)...)
	if res := d.Resolution; res != nil {
		r.Resolutions = []iso19139.Resolution{{EquivalentScale: res.Scale, Distance: res.Distance}}
	}
	for _, f := range c.opts.Formats {
		r.Formats = append(r.Formats, iso19139.Format{Name: f.Name, Href: f.Href, Version: f.Version})
	}
	r.OnlineResources = append(r.OnlineResources, iso19139.OnlineResource{
		URL:                base + "/datasets/" + d.ID + "/",
		Protocol:           "OGC API - Features",
		ProtocolHref:       iso19139.ProtocolOGCAPIFeatures,
		ApplicationProfile: iso19139.Anchor{Text: t(lang, "Service de téléchargement", "Download service"), Href: iso19139.ServiceTypeRegister + "download"},
		Name:               t(lang, "Service de téléchargement du jeu de données (OGC API – Features)", "Download service of the dataset (OGC API – Features)"),
		Description:        iso19139.Anchor{Text: t(lang, "Point d'accès", "Access point"), Href: "http://inspire.ec.europa.eu/metadata-codelist/OnLineDescriptionCode/accessPoint"},
		Function:           "download",
	})
	for _, col := range s.Collections {
		for _, f := range c.opts.Formats {
			r.OnlineResources = append(r.OnlineResources, iso19139.OnlineResource{
				URL:          DownloadURL(base, d.ID, col.ID, f),
				Protocol:     "WWW:DOWNLOAD-1.0-http--download",
				ProtocolHref: iso19139.ProtocolHTTPDownload,
				Name:         fmt.Sprintf("%s (%s)", col.Title.In(lang), f.Name),
				Description:  iso19139.Anchor{Text: t(lang, "Téléchargement direct", "Direct download"), Href: "http://inspire.ec.europa.eu/metadata-codelist/OnLineDescriptionCode/download"},
				Function:     "download",
			})
		}
	}
	r.OnlineResources = append(r.OnlineResources, iso19139.OnlineResource{
		URL:         base + "/datasets/" + d.ID + "/changes.atom",
		Protocol:    "WWW:LINK-1.0-http--rss",
		Name:        t(lang, "Flux Atom des modifications du jeu de données", "Atom feed of the dataset's changes"),
		Description: iso19139.Anchor{Text: t(lang, "Les lots d’import et de mise à jour, les plus récents d’abord ; le détail par objet est dans le journal de chaque collection", "The import and update batches, newest first; each feature's change is in each collection's feed")},
		Function:    "information",
	})
	r.OnlineResources = append(r.OnlineResources, iso19139.OnlineResource{
		URL:      base + "/metadata/" + id + "?f=html",
		Protocol: "WWW:LINK",
		Name:     t(lang, "Fiche de métadonnées", "Metadata record"),
		Function: "information",
	})
	conf := iso19139.Conformity{Specification: iso19139.Regulation1089(isoLang), Explanation: d.Conformity.Explanation.In(lang), Pass: d.Conformity.Pass}
	r.Conformity = []iso19139.Conformity{conf}
	if tc := d.TopologicalConsistency; tc != nil {
		r.TopologicalConsistency = &iso19139.TopologicalConsistency{
			MeasureName:      t(lang, "Connectivité du réseau", "Network connectivity"),
			EvaluationMethod: "directInternal",
			Explanation:      tc.In(lang),
		}
	}
	return r
}

func t(lang, fr, en string) string {
	if lang == "en" {
		return en
	}
	return fr
}

// contents says how many features each collection holds.
func contents(s *State, lang string) string {
	var parts []string
	for i, col := range s.Collections {
		parts = append(parts, fmt.Sprintf("%s : %d", col.Title.In(lang), s.Summaries[i].Count))
	}
	if lang == "en" {
		return "Features: " + strings.ReplaceAll(strings.Join(parts, "; "), " : ", ": ") + "."
	}
	return "Nombre d'objets : " + strings.Join(parts, " ; ") + "."
}

// lineage is the lineage text of the files followed by the imports that
// made the data, newest first.
func lineage(d *DatasetFile, s *State, lang string) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(d.Lineage.In(lang)))
	if s.ZAN != nil {
		b.WriteString("\n\n")
		b.WriteString(zanLineage(s.ZAN, lang))
	}
	if len(s.Batches) == 0 {
		return b.String()
	}
	b.WriteString("\n\n")
	b.WriteString(t(lang, "Imports (du plus récent au plus ancien) :", "Imports (newest first):"))
	for _, bt := range s.Batches {
		when := bt.StartedAt
		if bt.FinishedAt != nil {
			when = *bt.FinishedAt
		}
		n := bt.Counts
		fmt.Fprintf(&b, "\n- %s, %s, %s", when.UTC().Format(time.RFC3339), bt.Collection, bt.Kind)
		if bt.Source != "" {
			fmt.Fprintf(&b, t(lang, ", source %s", ", source %s"), bt.Source)
		}
		if bt.FileSHA256 != "" {
			fmt.Fprintf(&b, " (SHA-256 %s)", bt.FileSHA256)
		}
		if bt.Actor != "" {
			fmt.Fprintf(&b, t(lang, ", par %s", ", by %s"), bt.Actor)
		}
		fmt.Fprintf(&b, t(lang, " : %d ajoutés, %d modifiés, %d inchangés, %d rejetés (lot %s).", ": %d added, %d updated, %d unchanged, %d rejected (batch %s)."),
			n.Inserted, n.Updated, n.Unchanged, n.Rejected, bt.ID)
	}
	return b.String()
}

// serviceBase fills what both service records share.
func (c *Catalogue) serviceBase(states []*State, base, lang, name string) iso19139.Record {
	sf := c.files.Services[name]
	isoLang := ISOLanguage(lang)
	var bbox *socle.BBox
	for _, s := range states {
		if b := s.BBox; b != nil {
			if bbox == nil {
				bb := *b
				bbox = &bb
			} else {
				bbox.MinX, bbox.MinY = min(bbox.MinX, b.MinX), min(bbox.MinY, b.MinY)
				bbox.MaxX, bbox.MaxY = max(bbox.MaxX, b.MaxX), max(bbox.MaxY, b.MaxY)
			}
		}
	}
	r := iso19139.Record{
		FileIdentifier:     c.files.RecordID(name),
		Language:           isoLang,
		HierarchyLevel:     iso19139.ScopeService,
		HierarchyLevelName: "service",
		Contact:            c.party(lang, "pointOfContact"),
		DateStamp:          Modified(c.files, states).UTC(),
		Title:              sf.Title.In(lang),
		Abstract:           strings.TrimSpace(sf.Abstract.In(lang)),
		Dates:              []iso19139.CitationDate{{Date: sf.Published.Time, Type: iso19139.DatePublication}},
		ResponsibleParties: []iso19139.Party{c.party(lang, "pointOfContact")},
		AccessConstraints:  []iso19139.Anchor{iso19139.NoLimitations(isoLang)},
		UseConstraints:     []iso19139.Anchor{c.licence(lang)},
		BBox:               isoBBox(bbox),
		Conformity:         []iso19139.Conformity{{Specification: iso19139.Regulation976(isoLang)}},
	}
	r.OnlineResources = []iso19139.OnlineResource{{
		URL:      base + "/metadata/" + r.FileIdentifier + "?f=html",
		Protocol: "WWW:LINK",
		Name:     t(lang, "Fiche de métadonnées", "Metadata record"),
		Function: "information",
	}}
	return r
}

// DownloadServiceRecord is the record of the OGC API – Features download
// service, coupled to every dataset.
func (c *Catalogue) DownloadServiceRecord(states []*State, base, lang string) iso19139.Record {
	r := c.serviceBase(states, base, lang, ServiceDownload)
	isoLang := ISOLanguage(lang)
	var ths []iso19139.Theme
	seen := map[string]bool{}
	for _, s := range states {
		for _, th := range s.Dataset.Themes {
			if !seen[th] {
				seen[th] = true
				ths = append(ths, themes[th])
			}
		}
	}
	r.Keywords = append([]iso19139.KeywordSet{
		iso19139.ServiceCategoryKeywords(iso19139.CategoryFeatureAccessService),
		iso19139.ThemeKeywords(isoLang, ths...),
	}, c.freeKeywords(c.files.Services[ServiceDownload].Keywords.In(lang), lang)...)
	svc := &iso19139.Service{
		Type:         "download",
		TypeVersions: []string{"OGC API - Features - Part 1: Core 1.0"},
		Operations: []iso19139.Operation{
			{Name: "landingPage", URL: base + "/"},
			{Name: "getFeatures", URL: base + "/collections/{collectionId}/items", Description: t(lang, "Objets d'une collection, filtrables en CQL2", "Features of a collection, filtered in CQL2")},
		},
	}
	for _, s := range states {
		id := c.files.RecordID(s.Dataset.ID)
		svc.OperatesOn = append(svc.OperatesOn, iso19139.OperatesOn{UUIDRef: id, Href: RecordByIDURL(base, id)})
		for _, col := range s.Collections {
			svc.CoupledResources = append(svc.CoupledResources, iso19139.CoupledResource{Operation: "getFeatures", Identifier: base + "/datasets/" + s.Dataset.ID, ScopedName: col.ID})
		}
	}
	r.Service = svc
	r.OnlineResources = append([]iso19139.OnlineResource{{
		URL:                base + "/",
		Protocol:           "OGC API - Features",
		ProtocolHref:       iso19139.ProtocolOGCAPIFeatures,
		ApplicationProfile: iso19139.Anchor{Text: t(lang, "Service de téléchargement", "Download service"), Href: iso19139.ServiceTypeRegister + "download"},
		Name:               t(lang, "Page d'accueil du service", "Landing page of the service"),
		Description:        iso19139.Anchor{Text: t(lang, "Point d'accès", "Access point"), Href: "http://inspire.ec.europa.eu/metadata-codelist/OnLineDescriptionCode/accessPoint"},
		Function:           "download",
	}}, r.OnlineResources...)
	return r
}

// DiscoveryServiceRecord is the record of the CSW discovery service.
func (c *Catalogue) DiscoveryServiceRecord(states []*State, base, lang string) iso19139.Record {
	r := c.serviceBase(states, base, lang, ServiceDiscovery)
	r.Keywords = append([]iso19139.KeywordSet{iso19139.ServiceCategoryKeywords(iso19139.CategoryCatalogueService)},
		c.freeKeywords(c.files.Services[ServiceDiscovery].Keywords.In(lang), lang)...)
	csw := base + "/csw"
	r.Service = &iso19139.Service{
		Type:         "discovery",
		TypeVersions: []string{"OGC CSW 2.0.2 ISO AP 1.0"},
		CouplingType: "loose",
		Operations: []iso19139.Operation{
			{Name: "GetCapabilities", URL: csw + "?service=CSW&request=GetCapabilities"},
			{Name: "GetRecords", URL: csw},
			{Name: "GetRecordById", URL: csw},
		},
	}
	r.OnlineResources = append([]iso19139.OnlineResource{{
		URL:                csw + "?service=CSW&request=GetCapabilities",
		Protocol:           "OGC:CSW",
		ProtocolHref:       iso19139.ProtocolCSW,
		ApplicationProfile: iso19139.Anchor{Text: t(lang, "Service de recherche", "Discovery service"), Href: iso19139.ServiceTypeRegister + "discovery"},
		Name:               t(lang, "Catalogue CSW", "CSW catalogue"),
		Description:        iso19139.Anchor{Text: t(lang, "Point d'accès", "Access point"), Href: "http://inspire.ec.europa.eu/metadata-codelist/OnLineDescriptionCode/accessPoint"},
		Function:           "search",
	}}, r.OnlineResources...)
	return r
}

// RecordByIDURL is the CSW GetRecordById request of a record in ISO 19139,
// the href of coupled resources (TG MD 2.0, requirement 3.6).
func RecordByIDURL(base, id string) string {
	return base + "/csw?service=CSW&version=2.0.2&request=GetRecordById&outputSchema=http://www.isotc211.org/2005/gmd&elementSetName=full&id=" + id
}

// zanLineage is the paragraph of the lineage that says where the ZAN
// figures come from: the OCS GE millésimes overlaid and the matrix, the
// Cerema file of the 2011–2021 reference, the last recomputation.
func zanLineage(z *socle.ZANLineage, lang string) string {
	years := func(ys []int) string {
		s := make([]string, len(ys))
		for i, y := range ys {
			s[i] = strconv.Itoa(y)
		}
		return strings.Join(s, ", ")
	}
	var b strings.Builder
	switch len(z.Millesimes) {
	case 0:
		b.WriteString(t(lang, "Artificialisation : aucun millésime d’occupation du sol chargé.", "Artificialisation: no land cover vintage loaded."))
	case 1:
		fmt.Fprintf(&b, t(lang, "Artificialisation : un seul millésime d’occupation du sol (%s), pas encore de flux entre millésimes.",
			"Artificialisation: a single land cover vintage (%s), no flux between vintages yet."), years(z.Millesimes))
	default:
		fmt.Fprintf(&b, t(lang, "Artificialisation : flux calculés par Socle en superposant les millésimes OCS GE %s deux à deux, découpés par commune ; ce qui est artificialisé est décidé par la matrice couverture × usage (%s).",
			"Artificialisation: flux computed by Socle by overlaying the OCS GE vintages %s pairwise, clipped to the communes; what is artificialised is decided by the cover × use matrix (%s)."),
			years(z.Millesimes), z.MatrixVersion)
	}
	if c := z.Consommation; c != nil {
		when := c.StartedAt
		if c.FinishedAt != nil {
			when = *c.FinishedAt
		}
		fmt.Fprintf(&b, t(lang, " Consommation d’espaces de référence 2011–2021 : fichier Cerema « consommation d’espaces naturels, agricoles et forestiers » (fichiers fonciers) %s, chargé le %s (lot %s), années %s, %d communes ; enveloppe 2021–2031 : moitié de la référence (loi Climat et résilience) sauf territorialisation régionale.",
			" Reference land consumption 2011–2021: Cerema file \"consommation d’espaces naturels, agricoles et forestiers\" (fichiers fonciers) %s, loaded on %s (batch %s), years %s, %d communes; 2021–2031 allowance: half the reference (Climate and Resilience law) unless a regional plan set another share."),
			c.Source+sha(c.FileSHA256), when.UTC().Format(time.RFC3339), c.ID, years(z.ConsommationYears), z.Communes)
	} else {
		b.WriteString(t(lang, " Aucun fichier Cerema de consommation d’espaces chargé : la consommation 2011–2021 et l’enveloppe ZAN des communes sont une estimation depuis l’occupation du sol (propriété zan_source).",
			" No Cerema land consumption file loaded: the communes' 2011–2021 consumption and ZAN allowance are an estimate from the land cover (property zan_source)."))
	}
	if z.DerivedAt != nil {
		fmt.Fprintf(&b, t(lang, " Derniers calculs : %s.", " Last computed: %s."), z.DerivedAt.UTC().Format(time.RFC3339))
	}
	return b.String()
}

func sha(s string) string {
	if s == "" {
		return ""
	}
	return " (SHA-256 " + s + ")"
}
