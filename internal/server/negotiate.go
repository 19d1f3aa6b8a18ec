package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/socle-geo/socle/internal/format/flatgeobuf"
	"github.com/socle-geo/socle/ogc/features"
	"github.com/socle-geo/socle/ogc/jsonfg"
)

// Format is an output encoding a resource offers.
type Format string

// Formats: JSON (GeoJSON for features), HTML, OpenAPI; the feature
// formats are in formats.go.
const (
	FormatJSON Format = "json"
	FormatHTML Format = "html"
)

// negotiate picks the format: the f parameter first, then the Accept header.
// ok is false when the client asked for a format the resource does not offer.
func negotiate(r *http.Request, offered ...Format) (Format, bool) {
	if f := queryGet(r.URL, "f"); f != "" {
		switch strings.ToLower(f) {
		case "json", "geojson", "application/json", "application/geo+json":
			f = string(FormatJSON)
		case "html", "text/html":
			f = string(FormatHTML)
		case "csv", "text/csv":
			f = string(FormatCSV)
		case "fgb", "flatgeobuf", flatgeobuf.MediaType:
			f = string(FormatFGB)
		case "jsonfg", "json-fg", jsonfg.MediaType:
			f = string(FormatJSONFG)
		case "gpkg", "geopackage", MediaGeoPackage:
			f = string(FormatGPKG)
		}
		for _, o := range offered {
			if string(o) == f {
				return o, true
			}
		}
		return "", false
	}
	accept := r.Header.Get("Accept")
	if accept == "" {
		return offered[0], true
	}
	best, bestQ := Format(""), 0.0
	for _, part := range strings.Split(accept, ",") {
		mt, q := mediaRange(part)
		if q <= 0 {
			continue
		}
		var f Format
		switch mt {
		case "text/html", "application/xhtml+xml":
			f = FormatHTML
		case features.MediaGeoJSON, features.MediaJSON, "application/vnd.oai.openapi+json", "application/schema+json", "application/*":
			f = FormatJSON
		case "text/csv":
			f = FormatCSV
		case flatgeobuf.MediaType:
			f = FormatFGB
		case jsonfg.MediaType:
			f = FormatJSONFG
		case MediaGeoPackage:
			f = FormatGPKG
		case "*/*":
			f = offered[0]
		default:
			continue
		}
		if !offers(offered, f) {
			continue
		}
		if q > bestQ {
			best, bestQ = f, q
		}
	}
	if best == "" {
		return "", false
	}
	return best, true
}

func offers(offered []Format, f Format) bool {
	for _, o := range offered {
		if o == f {
			return true
		}
	}
	return false
}

// mediaRange parses one Accept element into its type and quality.
func mediaRange(s string) (string, float64) {
	parts := strings.Split(s, ";")
	mt := strings.ToLower(strings.TrimSpace(parts[0]))
	q := 1.0
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "q") {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
	}
	return mt, q
}

// negotiateLanguage picks "fr" (the default) or "en": the lang parameter
// first, then Accept-Language.
func negotiateLanguage(r *http.Request) string {
	if l := queryGet(r.URL, "lang"); l != "" {
		if strings.HasPrefix(strings.ToLower(l), "en") {
			return "en"
		}
		return "fr"
	}
	return preferredLanguage(r.Header.Get("Accept-Language"))
}

// queryGet is u.Query().Get(name) without the map: every request asks for
// its format and its language, three times, and each parse cost a map and
// its slices. The same rules: pairs split on "&", one with a ";" or a bad
// escape skipped, the first value kept. Past 1,000 pairs the parser itself
// answers: it refuses more than its limit (10,000, or GODEBUG's
// urlmaxqueryparams).
func queryGet(u *url.URL, name string) string {
	q := u.RawQuery
	if strings.Count(q, "&") >= 1000 {
		return u.Query().Get(name)
	}
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if strings.ContainsAny(k, "%+") {
			if uk, err := url.QueryUnescape(k); err != nil || uk != name {
				continue
			}
		} else if k != name {
			continue
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			return uv
		}
	}
	return ""
}
