// Package features holds the reusable parts of OGC API – Features: the
// conformance classes, the response documents and the parsing of the
// standard query parameters. It knows nothing of storage.
package features

// Conformance class URIs (OGC API – Features – Part 1: Core, 17-069r4, and the
// GeoJSON, HTML and OpenAPI 3.0 requirements classes).
const (
	ConfCore    = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
	ConfGeoJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
	ConfHTML    = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html"
	ConfOAS30   = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
	// ConfCRS is OGC API – Features – Part 2: Coordinate Reference Systems by Reference.
	ConfCRS = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"
	// Part 3: Filtering — queryables, and queryables as query parameters.
	ConfQueryables      = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables"
	ConfQueryablesParam = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters"
	ConfFilter          = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter"
	ConfFeaturesFilter  = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter"
	// Part 5: Schemas.
	ConfSchemas = "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas"
)

// Link relations of OGC API parts beyond Part 1.
const (
	RelQueryables = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
	RelSchema     = "http://www.opengis.net/def/rel/ogc/1.0/schema"
	RelSortables  = "http://www.opengis.net/def/rel/ogc/1.0/sortables"
	MediaSchema   = "application/schema+json"
)

// CRS84 is the default CRS of OGC API – Features (longitude, latitude on WGS 84).
const CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

// Media types.
const (
	MediaGeoJSON = "application/geo+json"
	MediaJSON    = "application/json"
	MediaHTML    = "text/html"
	MediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
	MediaProblem = "application/problem+json"
)

// Link is a web link (RFC 8288) as OGC API documents encode it.
type Link struct {
	Href     string `json:"href"`
	Rel      string `json:"rel"`
	Type     string `json:"type,omitempty"`
	Title    string `json:"title,omitempty"`
	Hreflang string `json:"hreflang,omitempty"`
	Length   int64  `json:"length,omitempty"`
	// Templated links hold URI template variables such as {tileMatrix}.
	Templated bool `json:"templated,omitempty"`
}

// LandingPage is the document at the API root (/).
type LandingPage struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Links       []Link `json:"links"`
}

// Conformance is the document at /conformance.
type Conformance struct {
	ConformsTo []string `json:"conformsTo"`
}

// Extent is a collection's spatial and temporal extent.
type Extent struct {
	Spatial  *SpatialExtent  `json:"spatial,omitempty"`
	Temporal *TemporalExtent `json:"temporal,omitempty"`
}

// SpatialExtent holds bounding boxes in CRS.
type SpatialExtent struct {
	BBox [][]float64 `json:"bbox"`
	CRS  string      `json:"crs"`
}

// TemporalExtent holds intervals of RFC 3339 instants; nil is open.
type TemporalExtent struct {
	Interval [][]*string `json:"interval"`
	TRS      string      `json:"trs"`
}

// Collection describes one feature collection at /collections/{id}.
type Collection struct {
	ID string `json:"id"`
	// Type is "Catalog" for a catalogue of records (OGC API – Records);
	// empty for a feature collection.
	Type        string   `json:"type,omitempty"`
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Keywords    []string `json:"keywords,omitempty"`
	Extent      *Extent  `json:"extent,omitempty"`
	ItemType    string   `json:"itemType"`
	CRS         []string `json:"crs,omitempty"`
	// StorageCRS is the CRS geometries are stored in (Part 2).
	StorageCRS string `json:"storageCrs,omitempty"`
	Links      []Link `json:"links"`
}

// Collections is the document at /collections.
type Collections struct {
	Links       []Link       `json:"links"`
	Collections []Collection `json:"collections"`
}
