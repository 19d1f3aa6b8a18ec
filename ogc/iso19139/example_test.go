package iso19139_test

import (
	"fmt"
	"os"
	"time"

	"github.com/socle-geo/socle/ogc/iso19139"
)

// A dataset record: the INSPIRE theme, the limitations on public access
// and the licence come from the package's vocabularies.
func ExampleRecord_Encode() {
	sicoval := iso19139.Party{Organisation: "Communauté d'agglomération du Sicoval", Email: "sig@sicoval.example"}
	r := iso19139.Record{
		FileIdentifier:             "fr-243100633-addresses",
		Language:                   "fre",
		HierarchyLevel:             iso19139.ScopeDataset,
		Contact:                    sicoval,
		DateStamp:                  time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC),
		CRS:                        []string{"http://www.opengis.net/def/crs/EPSG/0/2154"},
		Title:                      "Adresses du Sicoval",
		Abstract:                   "Base Adresse Locale des 36 communes du Sicoval.",
		Identifiers:                []iso19139.Identifier{{Code: "https://geo.sicoval.example/collections/addresses"}},
		Dates:                      []iso19139.CitationDate{{Date: iso19139.Date(2025, 3, 10), Type: iso19139.DateRevision}},
		ResponsibleParties:         []iso19139.Party{sicoval},
		Keywords:                   []iso19139.KeywordSet{iso19139.ThemeKeywords("fre", iso19139.ThemeAddresses)},
		AccessConstraints:          []iso19139.Anchor{iso19139.NoLimitations("fre")},
		UseConstraints:             []iso19139.Anchor{iso19139.LicenceOuverte2("fre")},
		SpatialRepresentationTypes: []string{"vector"},
		TopicCategories:            []string{"location"},
		BBox:                       &iso19139.BBox{West: 1.3957, East: 1.71347, South: 43.39068, North: 43.56757},
		Formats:                    []iso19139.Format{{Name: "GeoJSON", Version: "RFC 7946"}},
		Conformity:                 []iso19139.Conformity{{Specification: iso19139.Regulation1089("fre"), Pass: iso19139.Bool(false)}},
		Lineage:                    "Bases Adresses Locales certifiées par les communes.",
	}
	if err := r.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	if err := r.Encode(os.Stdout); err != nil {
		fmt.Println(err)
	}
}
