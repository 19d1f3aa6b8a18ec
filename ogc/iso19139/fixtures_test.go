package iso19139_test

import (
	"time"

	"github.com/socle-geo/socle/ogc/iso19139"
)

// The fixtures describe the sample territory's layers (CA du Sicoval,
// SIREN 243100633) as Socle publishes them. Contact addresses and URLs use
// reserved example domains: the real ones come from configuration.

const (
	base = "https://geo.sicoval.example"
	csw  = base + "/csw?service=CSW&version=2.0.2&request=GetRecordById&outputSchema=http://www.isotc211.org/2005/gmd&elementSetName=full&id="
)

var (
	stamp   = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	sicoval = iso19139.Party{
		Organisation: "Communauté d'agglomération du Sicoval",
		Email:        "sig@sicoval.example",
		City:         "Labège",
		Country:      "France",
		Website:      base,
	}
	sicovalBBox = &iso19139.BBox{West: 1.3957, East: 1.71347, South: 43.39068, North: 43.56757}
	lambert93   = "http://www.opengis.net/def/crs/EPSG/0/2154"
)

func role(p iso19139.Party, r string) iso19139.Party { p.Role = r; return p }

var formats = []iso19139.Format{
	{Name: "GeoJSON", Href: iso19139.MediaTypeGeoJSON, Version: "RFC 7946"},
	{Name: "GeoPackage", Href: iso19139.MediaTypeGeoPackage, Version: "1.3"},
}

// dataset fills what every dataset record of the territory shares.
func dataset(id, title, abstract string) iso19139.Record {
	return iso19139.Record{
		FileIdentifier:             "fr-243100633-" + id,
		Language:                   "fre",
		HierarchyLevel:             iso19139.ScopeDataset,
		Contact:                    sicoval,
		DateStamp:                  stamp,
		CRS:                        []string{lambert93},
		Title:                      title,
		Abstract:                   abstract,
		Identifiers:                []iso19139.Identifier{{Code: base + "/collections/" + id}},
		ResponsibleParties:         []iso19139.Party{role(sicoval, "custodian")},
		AccessConstraints:          []iso19139.Anchor{iso19139.NoLimitations("fre")},
		UseConstraints:             []iso19139.Anchor{iso19139.LicenceOuverte2("fre")},
		SpatialRepresentationTypes: []string{"vector"},
		ResourceLanguages:          []string{"fre"},
		CharacterSet:               "utf8",
		BBox:                       sicovalBBox,
		Formats:                    formats,
		OnlineResources: []iso19139.OnlineResource{
			{
				URL:                base + "/collections/" + id + "/items?f=json",
				Protocol:           "OGC API - Features",
				ProtocolHref:       iso19139.ProtocolOGCAPIFeatures,
				ApplicationProfile: iso19139.Anchor{Text: "Service de téléchargement", Href: iso19139.ServiceTypeRegister + "download"},
				Name:               "Téléchargement des objets (GeoJSON)",
				Description:        iso19139.Anchor{Text: "Point d'accès", Href: "http://inspire.ec.europa.eu/metadata-codelist/OnLineDescriptionCode/accessPoint"},
				Function:           "download",
			},
			{
				URL:      base + "/collections/" + id + "?f=html",
				Protocol: "WWW:LINK",
				Name:     "Présentation de la couche",
				Function: "information",
			},
		},
		Conformity: []iso19139.Conformity{{
			Specification: iso19139.Regulation1089("fre"),
			Explanation:   "Les données ne suivent pas le schéma d'application INSPIRE du thème.",
			Pass:          iso19139.Bool(false),
		}},
	}
}

func addresses() iso19139.Record {
	r := dataset("addresses", "Adresses du Sicoval (Base Adresse Locale)",
		"Adresses des 36 communes du Sicoval au format Base Adresse Locale (BAL 1.3) : numéro, suffixe, voie, commune, position et certification, enrichies du statut de raccordement à la fibre optique (FTTH).")
	r.Dates = []iso19139.CitationDate{
		{Date: iso19139.Date(2020, 6, 1), Type: iso19139.DateCreation},
		{Date: iso19139.Date(2025, 3, 10), Type: iso19139.DateRevision},
	}
	r.Keywords = []iso19139.KeywordSet{
		iso19139.ThemeKeywords("fre", iso19139.ThemeAddresses),
		{Keywords: []iso19139.Anchor{{Text: "adresse"}, {Text: "Base Adresse Locale"}, {Text: "fibre optique"}}},
		{Type: "place", Keywords: []iso19139.Anchor{{Text: "Sicoval"}, {Text: "Haute-Garonne"}}},
	}
	r.TopicCategories = []string{"location"}
	r.Lineage = "Bases Adresses Locales des communes du Sicoval, certifiées par les communes, importées sans transformation ; statut FTTH joint depuis les livraisons de l'opérateur d'infrastructure (lot et date de mise à jour conservés par adresse)."
	return r
}

func roads() iso19139.Record {
	r := dataset("roads", "Réseau routier du Sicoval",
		"Tronçons de voies des communes du Sicoval (nom, classe, revêtement, largeur), enrichis de l'état de la chaussée relevé lors des tournées de collecte des déchets.")
	r.Dates = []iso19139.CitationDate{{Date: time.Date(2025, 3, 12, 17, 5, 0, 0, time.UTC), Type: iso19139.DateRevision}}
	r.Keywords = []iso19139.KeywordSet{
		iso19139.ThemeKeywords("fre", iso19139.ThemeTransportNetworks),
		{Keywords: []iso19139.Anchor{{Text: "voirie"}, {Text: "état de la chaussée"}}},
	}
	r.TopicCategories = []string{"transportation"}
	r.Resolutions = []iso19139.Resolution{{EquivalentScale: 5000}}
	r.Lineage = "Tronçons issus d'OpenStreetMap, découpés aux limites communales ; état de la chaussée agrégé depuis les signalements des tournées de collecte."
	r.TopologicalConsistency = &iso19139.TopologicalConsistency{
		MeasureName:      "Connectivité du réseau",
		EvaluationMethod: "directInternal",
		Explanation:      "La connectivité des axes n'est pas garantie : les tronçons sont découpés aux limites communales sans nœuds de réseau.",
	}
	return r
}

func landCover() iso19139.Record {
	r := dataset("land_cover", "Occupation et usage des sols du Sicoval",
		"Parcelles d'occupation du sol (couverture et usage selon la nomenclature OCS GE), avec leur caractère artificialisé et l'année d'observation.")
	r.Dates = []iso19139.CitationDate{{Date: iso19139.Date(2024, 11, 30), Type: iso19139.DatePublication}}
	r.Keywords = []iso19139.KeywordSet{
		iso19139.ThemeKeywords("fre", iso19139.ThemeLandCover, iso19139.ThemeLandUse),
		{Keywords: []iso19139.Anchor{{Text: "artificialisation"}, {Text: "OCS GE"}, {Text: "ZAN"}}},
	}
	r.TopicCategories = []string{"imageryBaseMapsEarthCover", "planningCadastre"}
	r.Resolutions = []iso19139.Resolution{{Distance: 0.2, DistanceUnit: "m"}}
	r.TemporalExtent = &iso19139.TemporalExtent{Begin: iso19139.Date(2016, 1, 1), EndNow: true}
	r.Lineage = "Couverture et usage du sol photo-interprétés ; artificialisation déduite de la matrice OCS GE couverture × usage."
	return r
}

func communes() iso19139.Record {
	r := dataset("communes", "Communes du Sicoval et indicateurs d'artificialisation",
		"Limites des 36 communes du Sicoval (code INSEE, nom) et hectares artificialisés par an au regard de la trajectoire ZAN.")
	r.Dates = []iso19139.CitationDate{
		{Date: iso19139.Date(2024, 1, 1), Type: iso19139.DateCreation},
		{Date: iso19139.Date(2024, 11, 30), Type: iso19139.DatePublication},
	}
	r.Keywords = []iso19139.KeywordSet{iso19139.ThemeKeywords("fre", iso19139.ThemeAdministrativeUnits)}
	r.TopicCategories = []string{"boundaries"}
	r.Lineage = "Limites communales du Code officiel géographique ; indicateurs calculés depuis la couche d'occupation des sols."
	return r
}

func datasets() []iso19139.Record {
	return []iso19139.Record{addresses(), roads(), landCover(), communes()}
}

func service() iso19139.Record {
	r := iso19139.Record{
		FileIdentifier:     "fr-243100633-download",
		Language:           "fre",
		HierarchyLevel:     iso19139.ScopeService,
		HierarchyLevelName: "service",
		Contact:            sicoval,
		DateStamp:          stamp,
		Title:              "Service de téléchargement des données du Sicoval (OGC API – Features)",
		Abstract:           "Service de téléchargement INSPIRE fondé sur OGC API – Features : adresses, réseau routier, occupation des sols et communes du Sicoval, en GeoJSON, en Lambert-93 ou en WGS 84.",
		Dates:              []iso19139.CitationDate{{Date: iso19139.Date(2025, 3, 1), Type: iso19139.DatePublication}},
		ResponsibleParties: []iso19139.Party{role(sicoval, "pointOfContact")},
		Keywords: []iso19139.KeywordSet{
			iso19139.ServiceCategoryKeywords(iso19139.CategoryFeatureAccessService),
			iso19139.ThemeKeywords("fre", iso19139.ThemeAddresses, iso19139.ThemeTransportNetworks, iso19139.ThemeLandCover, iso19139.ThemeLandUse, iso19139.ThemeAdministrativeUnits),
		},
		AccessConstraints: []iso19139.Anchor{iso19139.NoLimitations("fre")},
		UseConstraints:    []iso19139.Anchor{iso19139.LicenceOuverte2("fre")},
		BBox:              sicovalBBox,
		Service: &iso19139.Service{
			Type:         "download",
			TypeVersions: []string{"OGC API - Features - Part 1: Core 1.0"},
			Operations: []iso19139.Operation{
				{Name: "landingPage", URL: base + "/"},
				{Name: "getFeatures", URL: base + "/collections/{collectionId}/items", Description: "Objets d'une collection, filtrables en CQL2"},
			},
		},
		OnlineResources: []iso19139.OnlineResource{{
			URL:                base + "/",
			Protocol:           "OGC API - Features",
			ProtocolHref:       iso19139.ProtocolOGCAPIFeatures,
			ApplicationProfile: iso19139.Anchor{Text: "Service de téléchargement", Href: iso19139.ServiceTypeRegister + "download"},
			Name:               "Page d'accueil du service",
			Function:           "download",
		}},
		Conformity: []iso19139.Conformity{{Specification: iso19139.Regulation976("fre")}},
	}
	for _, d := range datasets() {
		id := d.FileIdentifier
		name := id[len("fr-243100633-"):]
		r.Service.OperatesOn = append(r.Service.OperatesOn, iso19139.OperatesOn{UUIDRef: id, Href: csw + id + "#" + id})
		r.Service.CoupledResources = append(r.Service.CoupledResources, iso19139.CoupledResource{Operation: "getFeatures", Identifier: d.Identifiers[0].Code, ScopedName: name})
	}
	return r
}
