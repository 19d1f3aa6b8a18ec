// Package crs names the coordinate reference systems Socle serves, as OGC
// API – Features Part 2 (CRS by reference) identifies them, with the facts
// encoders need: EPSG code, axis order, units and output precision.
package crs

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// CRS is a supported coordinate reference system.
type CRS struct {
	// URI is the OGC identifier, e.g. http://www.opengis.net/def/crs/EPSG/0/2154.
	URI string
	// SRID is the EPSG code used to transform (CRS84 transforms as 4326).
	SRID int
	// Title names the CRS for people.
	Title string
	// YX is true when the CRS's first axis is northing or latitude
	// (EPSG:4326, EPSG:4258, EPSG:3035): coordinates are written y, x.
	YX bool
	// Geographic CRS are in degrees; the others in metres.
	Geographic bool
}

// Decimals is the number of decimals that keeps about a centimetre.
func (c CRS) Decimals() int {
	if c.Geographic {
		return 7
	}
	return 2
}

// Well-known CRS.
var (
	CRS84    = CRS{URI: "http://www.opengis.net/def/crs/OGC/1.3/CRS84", SRID: 4326, Title: "WGS 84 (longitude, latitude)", Geographic: true}
	WGS84    = CRS{URI: "http://www.opengis.net/def/crs/EPSG/0/4326", SRID: 4326, Title: "WGS 84 (latitude, longitude)", YX: true, Geographic: true}
	Lambert  = CRS{URI: "http://www.opengis.net/def/crs/EPSG/0/2154", SRID: 2154, Title: "RGF93 v1 / Lambert-93"}
	Mercator = CRS{URI: "http://www.opengis.net/def/crs/EPSG/0/3857", SRID: 3857, Title: "WGS 84 / Pseudo-Mercator"}
	ETRS89   = CRS{URI: "http://www.opengis.net/def/crs/EPSG/0/4258", SRID: 4258, Title: "ETRS89 (latitude, longitude)", YX: true, Geographic: true}
	LAEA     = CRS{URI: "http://www.opengis.net/def/crs/EPSG/0/3035", SRID: 3035, Title: "ETRS89-extended / LAEA Europe (northing, easting)", YX: true}
)

// Supported lists the CRS Socle serves, CRS84 (the default) first.
var Supported = []CRS{CRS84, WGS84, Lambert, Mercator, ETRS89, LAEA}

var (
	epsgURI = regexp.MustCompile(`^https?://www\.opengis\.net/def/crs/EPSG/0/(\d+)$`)
	curie   = regexp.MustCompile(`^\[?(?i:EPSG):(\d+)\]?$`)
	urn     = regexp.MustCompile(`^(?i:urn:ogc:def:crs:EPSG:[0-9.]*:)(\d+)$`)
)

// Parse resolves a CRS identifier: an OGC URI (the canonical form), a safe
// CURIE such as [EPSG:2154], EPSG:2154 or an OGC URN. It fails for a CRS
// Socle does not serve.
func Parse(s string) (CRS, error) {
	s = strings.TrimSpace(s)
	switch strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://") {
	case "www.opengis.net/def/crs/OGC/1.3/CRS84", "www.opengis.net/def/crs/OGC/0/CRS84":
		return CRS84, nil
	}
	if strings.EqualFold(s, "CRS84") || strings.EqualFold(s, "[OGC:CRS84]") || strings.EqualFold(s, "OGC:CRS84") ||
		strings.EqualFold(s, "urn:ogc:def:crs:OGC:1.3:CRS84") {
		return CRS84, nil
	}
	var code string
	for _, re := range []*regexp.Regexp{epsgURI, curie, urn} {
		if m := re.FindStringSubmatch(s); m != nil {
			code = m[1]
			break
		}
	}
	if code != "" {
		n, _ := strconv.Atoi(code)
		for _, c := range Supported {
			if c.SRID == n && c.URI != CRS84.URI {
				return c, nil
			}
		}
	}
	return CRS{}, fmt.Errorf("crs: %q is not a supported CRS", s)
}

// URIs lists the URIs of the supported CRS.
func URIs() []string {
	out := make([]string, len(Supported))
	for i, c := range Supported {
		out[i] = c.URI
	}
	return out
}
