package server

import (
	"net/http"

	"github.com/socle-geo/socle/ogc/features"
)

// Header values of the hottest answers (a single feature, a tile, and what
// every request sets), set without Header.Set's allocation of a one-value
// slice each time: on a cached feature they were a sixth of the request's
// allocations. A shared value is a full slice (len == cap), so that an Add
// to its header (compression's Vary, say) copies it instead of writing into
// the slice every response shares; nothing writes into a header's values
// in place. The keys are in canonical form (a map assignment does not
// canonicalize).

// sharedValue returns v as a header value responses may share.
func sharedValue(v string) []string { return []string{v}[:1:1] }

var (
	valueGeoJSON   = sharedValue(features.MediaGeoJSON)
	valueMVT       = sharedValue(MediaMVT)
	valueFr        = sharedValue("fr")
	valueEn        = sharedValue("en")
	valueHit       = sharedValue("hit")
	valueMiss      = sharedValue("miss")
	valueNoCache   = sharedValue("no-cache")
	valuePublic30  = sharedValue("public, max-age=30")
	valueVaryCreds = sharedValue("Authorization, X-API-Key")
)

// languageValue is lang ("fr" or "en") as a shared header value.
func languageValue(lang string) []string {
	switch lang {
	case "fr":
		return valueFr
	case "en":
		return valueEn
	}
	return []string{lang}
}

// cacheValue says whether the answer came from the cache (X-Cache).
func cacheValue(hit bool) []string {
	if hit {
		return valueHit
	}
	return valueMiss
}

// withHeaders fills e's header values from its ETag and CRS, once for
// every response that serves it.
func (e *cachedResponse) withHeaders() *cachedResponse {
	e.etagValue = sharedValue(e.etag)
	if e.crs != "" {
		e.crsValue = sharedValue("<" + e.crs + ">")
	}
	return e
}

// addVary adds v to h's Vary, without an allocation when it is the first.
func addVary(h http.Header, v []string) {
	if len(h["Vary"]) == 0 {
		h["Vary"] = v
		return
	}
	h["Vary"] = append(h["Vary"], v[0])
}
