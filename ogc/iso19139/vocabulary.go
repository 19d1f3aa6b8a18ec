package iso19139

// This file holds the terms of the registers INSPIRE records cite, in
// English and French: the GEMET INSPIRE themes, the classification of
// spatial data services, the limitations on public access and the
// regulations conformity is declared to. Other languages fall back to
// English.

// CodeListCatalogue is the ISO 19139 code list catalogue that codeList
// attributes point into (TG MD 2.0 §2.1.1).
const CodeListCatalogue = "http://standards.iso.org/iso/19139/resources/gmxCodelists.xml"

// LanguageCodeList is the ISO 639-2 code list of gmd:LanguageCode
// (requirement C.5).
const LanguageCodeList = "http://www.loc.gov/standards/iso639-2/"

// Theme is an INSPIRE spatial data theme of the GEMET INSPIRE themes
// vocabulary (Directive 2007/2/EC, Annexes I to III).
type Theme struct {
	// Code is the theme's short code, e.g. "ad"; its URI is
	// http://inspire.ec.europa.eu/theme/ad.
	Code string
	// English and French are the theme's names in GEMET.
	English, French string
}

// URI is the theme's identifier in the INSPIRE theme register.
func (t Theme) URI() string { return "http://inspire.ec.europa.eu/theme/" + t.Code }

// Name is the theme's name in a metadata language (ISO 639-2/B).
func (t Theme) Name(lang string) string {
	if lang == "fre" || lang == "fra" {
		return t.French
	}
	return t.English
}

// INSPIRE themes of the layers a territory usually publishes.
var (
	ThemeAddresses            = Theme{"ad", "Addresses", "Adresses"}
	ThemeAdministrativeUnits  = Theme{"au", "Administrative units", "Unités administratives"}
	ThemeCadastralParcels     = Theme{"cp", "Cadastral parcels", "Parcelles cadastrales"}
	ThemeGeographicalNames    = Theme{"gn", "Geographical names", "Dénominations géographiques"}
	ThemeTransportNetworks    = Theme{"tn", "Transport networks", "Réseaux de transport"}
	ThemeHydrography          = Theme{"hy", "Hydrography", "Hydrographie"}
	ThemeProtectedSites       = Theme{"ps", "Protected sites", "Sites protégés"}
	ThemeElevation            = Theme{"el", "Elevation", "Altitude"}
	ThemeLandCover            = Theme{"lc", "Land cover", "Occupation des terres"}
	ThemeOrthoimagery         = Theme{"oi", "Orthoimagery", "Ortho-imagerie"}
	ThemeBuildings            = Theme{"bu", "Buildings", "Bâtiments"}
	ThemeLandUse              = Theme{"lu", "Land use", "Usage des sols"}
	ThemeUtilityAndGovernment = Theme{"us", "Utility and governmental services", "Services d'utilité publique et services publics"}
)

// GEMETThemes cites the GEMET INSPIRE themes vocabulary with the exact
// title requirement 1.4 asks for, anchored as recommendation 1.5 says.
var GEMETThemes = Citation{
	Title: Anchor{Text: "GEMET - INSPIRE themes, version 1.0", Href: "http://www.eionet.europa.eu/gemet/inspire_themes"},
	Date:  CitationDate{Date: Date(2008, 6, 1), Type: DatePublication},
}

// ThemeKeywords is the keyword set declaring the INSPIRE themes of a
// dataset (requirement 1.4), with anchors to the theme register.
func ThemeKeywords(lang string, themes ...Theme) KeywordSet {
	ks := KeywordSet{Type: "theme", Thesaurus: &GEMETThemes}
	for _, t := range themes {
		ks.Keywords = append(ks.Keywords, Anchor{Text: t.Name(lang), Href: t.URI()})
	}
	return ks
}

// ServiceClassification cites the classification of spatial data services
// of Regulation 1205/2008, Part D 4 (requirement 3.4, example 4.2).
var ServiceClassification = Citation{
	Title: Anchor{
		Text: "COMMISSION REGULATION (EC) No 1205/2008 of 3 December 2008 implementing Directive 2007/2/EC of the European Parliament and of the Council as regards metadata, Part D 4, Classification of Spatial Data Services",
		Href: "http://inspire.ec.europa.eu/metadata-codelist/SpatialDataServiceCategory",
	},
	Date: CitationDate{Date: Date(2008, 12, 3), Type: DatePublication},
}

// Service categories of Regulation 1205/2008, Part D 4, used by Socle.
const (
	CategoryCatalogueService     = "infoCatalogueService"
	CategoryFeatureAccessService = "infoFeatureAccessService"
	CategoryMapAccessService     = "infoMapAccessService"
)

// ServiceCategoryKeywords is the keyword set classifying a service
// (requirement 3.4, recommendation 3.2): the language-neutral category
// values anchored to the INSPIRE register.
func ServiceCategoryKeywords(categories ...string) KeywordSet {
	ks := KeywordSet{Thesaurus: &ServiceClassification}
	for _, c := range categories {
		ks.Keywords = append(ks.Keywords, Anchor{Text: c, Href: "http://inspire.ec.europa.eu/metadata-codelist/SpatialDataServiceCategory/" + c})
	}
	return ks
}

// NoLimitations is the limitation on public access "no limitations"
// anchored to the INSPIRE LimitationsOnPublicAccess register
// (requirement C.17).
func NoLimitations(lang string) Anchor {
	a := Anchor{Text: "No limitations to public access", Href: "http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/noLimitations"}
	if lang == "fre" {
		a.Text = "Pas de restriction d’accès public"
	}
	return a
}

// NoConditionsApply is the condition for access and use "no conditions
// apply" anchored to the INSPIRE ConditionsApplyingToAccessAndUse register
// (requirement C.18).
func NoConditionsApply(lang string) Anchor {
	a := Anchor{Text: "No conditions apply to access and use", Href: "http://inspire.ec.europa.eu/metadata-codelist/ConditionsApplyingToAccessAndUse/noConditionsApply"}
	if lang == "fre" {
		a.Text = "Aucune condition ne s’applique à l’accès et à l’utilisation"
	}
	return a
}

// LicenceOuverte2 states the Licence Ouverte / Open Licence 2.0 of Etalab
// as the condition for access and use, linked to the licence text
// (requirement C.18, recommendation C.10): the French open-data licence
// of public authorities.
func LicenceOuverte2(lang string) Anchor {
	a := Anchor{
		Text: "Open Licence version 2.0 (Licence Ouverte 2.0, Etalab): free reuse, including commercial, provided the source and the date of last update are cited",
		Href: "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
	}
	if lang == "fre" {
		a.Text = "Licence Ouverte 2.0 (Etalab) : réutilisation libre, y compris commerciale, sous réserve de mentionner la source et la date de dernière mise à jour"
	}
	return a
}

// Regulation1089 cites Regulation (EU) No 1089/2010 on the
// interoperability of spatial data sets and services, the specification
// datasets declare conformity to (requirement 1.10), with its official
// title in the metadata language and the ELI URI of recommendation 1.11.
func Regulation1089(lang string) Citation {
	c := Citation{
		Title: Anchor{
			Text: "COMMISSION REGULATION (EU) No 1089/2010 of 23 November 2010 implementing Directive 2007/2/EC of the European Parliament and of the Council as regards interoperability of spatial data sets and services",
			Href: "http://data.europa.eu/eli/reg/2010/1089",
		},
		Date: CitationDate{Date: Date(2010, 12, 8), Type: DatePublication},
	}
	if lang == "fre" {
		// The title as the French INSPIRE validators and the CNIG
		// samples spell it.
		c.Title.Text = "Règlement (UE) n o 1089/2010 de la Commission du 23 novembre 2010 portant modalités d'application de la directive 2007/2/CE du Parlement européen et du Conseil en ce qui concerne l'interopérabilité des séries et des services de données géographiques"
	}
	return c
}

// Regulation976 cites Regulation (EC) No 976/2009 on network services,
// the specification network services declare conformity to
// (recommendations 4.1 and 4.2).
func Regulation976(lang string) Citation {
	c := Citation{
		Title: Anchor{
			Text: "COMMISSION REGULATION (EC) No 976/2009 of 19 October 2009 implementing Directive 2007/2/EC of the European Parliament and of the Council as regards the Network Services",
			Href: "http://data.europa.eu/eli/reg/2009/976",
		},
		Date: CitationDate{Date: Date(2009, 10, 20), Type: DatePublication},
	}
	if lang == "fre" {
		c.Title.Text = "Règlement (CE) n o 976/2009 de la Commission du 19 octobre 2009 portant modalités d'application de la directive 2007/2/CE du Parlement européen et du Conseil en ce qui concerne les services en réseau"
	}
	return c
}

// GenericNetworkModel cites the INSPIRE Generic Network Model with the
// title requirement 2.8 fixes whatever the metadata language.
var GenericNetworkModel = Citation{
	Title: Anchor{Text: "INSPIRE Data Specifications - Base Models - Generic Network Model"},
	Date:  CitationDate{Date: Date(2013, 4, 5), Type: DatePublication},
}

// Well-known protocol identifiers for OnlineResource.ProtocolHref.
const (
	ProtocolOGCAPIFeatures = "http://www.opengis.net/def/serviceType/ogc/api-features"
	ProtocolCSW            = "http://www.opengis.net/def/serviceType/ogc/csw"
	ProtocolHTTPDownload   = "https://tools.ietf.org/html/rfc2616"
)

// Spatial data service types as register URIs, for
// OnlineResource.ApplicationProfile.
const (
	ServiceTypeRegister = "http://inspire.ec.europa.eu/metadata-codelist/SpatialDataServiceType/"
)

// Media type URIs at IANA, for Format.Href.
const (
	MediaTypeGeoJSON    = "https://www.iana.org/assignments/media-types/application/geo+json"
	MediaTypeGeoPackage = "https://www.iana.org/assignments/media-types/application/geopackage+sqlite3"
)
