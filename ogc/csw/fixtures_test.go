package csw_test

import (
	"time"

	"github.com/socle-geo/socle/ogc/csw"
	"github.com/socle-geo/socle/ogc/iso19139"
)

// The catalogue of the tests: the sample territory's four datasets and
// its download service (CA du Sicoval, SIREN 243100633), with reserved
// example domains for addresses and URLs.

const base = "https://geo.sicoval.example"

var (
	now     = time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC)
	sicoval = iso19139.Party{Organisation: "Communauté d'agglomération du Sicoval", Email: "sig@sicoval.example", City: "Labège", Country: "France"}
	bbox    = &iso19139.BBox{West: 1.3957, East: 1.71347, South: 43.39068, North: 43.56757}
)

func dataset(id, title, abstract string, theme iso19139.Theme, topic string, revised time.Time, extra ...string) iso19139.Record {
	owner := sicoval
	owner.Role = "owner"
	kw := []iso19139.KeywordSet{iso19139.ThemeKeywords("fre", theme)}
	if len(extra) > 0 {
		free := iso19139.KeywordSet{}
		for _, k := range extra {
			free.Keywords = append(free.Keywords, iso19139.Anchor{Text: k})
		}
		kw = append(kw, free)
	}
	return iso19139.Record{
		FileIdentifier:             "fr-243100633-" + id,
		Language:                   "fre",
		HierarchyLevel:             iso19139.ScopeDataset,
		Contact:                    sicoval,
		DateStamp:                  time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC),
		CRS:                        []string{"http://www.opengis.net/def/crs/EPSG/0/2154"},
		Title:                      title,
		Abstract:                   abstract,
		Identifiers:                []iso19139.Identifier{{Code: base + "/collections/" + id}},
		Dates:                      []iso19139.CitationDate{{Date: revised, Type: iso19139.DateRevision}},
		ResponsibleParties:         []iso19139.Party{owner},
		Keywords:                   kw,
		AccessConstraints:          []iso19139.Anchor{iso19139.NoLimitations("fre")},
		UseConstraints:             []iso19139.Anchor{iso19139.LicenceOuverte2("fre")},
		SpatialRepresentationTypes: []string{"vector"},
		CharacterSet:               "utf8",
		TopicCategories:            []string{topic},
		BBox:                       bbox,
		Formats:                    []iso19139.Format{{Name: "GeoJSON", Version: "RFC 7946"}, {Name: "GeoPackage", Version: "1.3"}},
		OnlineResources: []iso19139.OnlineResource{{
			URL: base + "/collections/" + id + "/items", Protocol: "OGC API - Features",
			ProtocolHref: iso19139.ProtocolOGCAPIFeatures, Name: title, Function: "download",
		}},
		Conformity: []iso19139.Conformity{{Specification: iso19139.Regulation1089("fre"), Pass: iso19139.Bool(false)}},
		Lineage:    "Données produites par le Sicoval.",
	}
}

func records() []iso19139.Record {
	roads := dataset("roads", "Réseau routier du Sicoval", "Tronçons de voies et état de la chaussée.",
		iso19139.ThemeTransportNetworks, "transportation", time.Date(2025, 3, 12, 17, 5, 0, 0, time.UTC), "voirie")
	// Roads cover the western half of the territory only.
	roads.BBox = &iso19139.BBox{West: 1.3957, East: 1.55, South: 43.39068, North: 43.56757}
	communes := dataset("communes", "Communes du Sicoval", "Limites des 36 communes et indicateurs d'artificialisation.",
		iso19139.ThemeAdministrativeUnits, "boundaries", iso19139.Date(2024, 11, 30))
	communes.Dates = append(communes.Dates, iso19139.CitationDate{Date: iso19139.Date(2024, 1, 1), Type: iso19139.DateCreation})
	svc := iso19139.Record{
		FileIdentifier:     "fr-243100633-download",
		Language:           "fre",
		HierarchyLevel:     iso19139.ScopeService,
		Contact:            sicoval,
		DateStamp:          time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC),
		Title:              "Service de téléchargement du Sicoval (OGC API – Features)",
		Abstract:           "Service de téléchargement INSPIRE des couches du Sicoval.",
		Dates:              []iso19139.CitationDate{{Date: iso19139.Date(2025, 3, 1), Type: iso19139.DatePublication}},
		ResponsibleParties: []iso19139.Party{sicoval},
		Keywords:           []iso19139.KeywordSet{iso19139.ServiceCategoryKeywords(iso19139.CategoryFeatureAccessService)},
		AccessConstraints:  []iso19139.Anchor{iso19139.NoLimitations("fre")},
		UseConstraints:     []iso19139.Anchor{iso19139.LicenceOuverte2("fre")},
		BBox:               bbox,
		Service:            &iso19139.Service{Type: "download"},
		Conformity:         []iso19139.Conformity{{Specification: iso19139.Regulation976("fre")}},
	}
	out := []iso19139.Record{
		dataset("addresses", "Adresses du Sicoval (Base Adresse Locale)", "Adresses des 36 communes du Sicoval au format BAL, avec le statut FTTH.",
			iso19139.ThemeAddresses, "location", iso19139.Date(2025, 3, 10), "adresse", "fibre optique"),
		roads,
		dataset("land_cover", "Occupation des sols du Sicoval", "Parcelles d'occupation et d'usage du sol (OCS GE), artificialisation.",
			iso19139.ThemeLandCover, "imageryBaseMapsEarthCover", iso19139.Date(2024, 11, 30), "artificialisation"),
		communes,
		svc,
	}
	for _, r := range out[:4] {
		svc.Service.OperatesOn = append(svc.Service.OperatesOn, iso19139.OperatesOn{
			UUIDRef: r.FileIdentifier,
			Href:    base + "/csw?service=CSW&version=2.0.2&request=GetRecordById&outputSchema=http://www.isotc211.org/2005/gmd&id=" + r.FileIdentifier,
		})
	}
	return out
}

func capabilities() csw.Capabilities {
	return csw.Capabilities{
		Title:    "Catalogue des données géographiques du Sicoval",
		Abstract: "Service de découverte INSPIRE (CSW 2.0.2, profil ISO) des données publiées par le Sicoval.",
		Keywords: []string{"catalogue", "découverte", "Sicoval"},
		Fees:     "aucun",
		Provider: csw.Provider{
			Name: "Communauté d'agglomération du Sicoval", Site: base, Email: "sig@sicoval.example",
			City: "Labège", Country: "France",
		},
		URL:            base + "/csw",
		UpdateSequence: "2025-03-14T09:30:00Z",
		Inspire: &csw.InspireCapabilities{
			DateOfPublication: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC),
			Conformity:        []csw.InspireConformity{csw.Regulation976Conformity("notEvaluated")},
			PointOfContact:    csw.InspireContact{Organisation: "Communauté d'agglomération du Sicoval", Email: "sig@sicoval.example"},
			MetadataDate:      time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC),
			Keywords: []csw.InspireKeyword{{
				Vocabulary: "GEMET - INSPIRE themes", VocabularyDate: time.Date(2008, 6, 1, 0, 0, 0, 0, time.UTC), Value: "Adresses",
			}},
			DefaultLanguage:    "fre",
			SupportedLanguages: []string{"fre", "eng"},
			MetadataURL:        base + "/csw?service=CSW&version=2.0.2&request=GetRecordById&outputSchema=http://www.isotc211.org/2005/gmd&id=fr-243100633-csw",
		},
	}
}
