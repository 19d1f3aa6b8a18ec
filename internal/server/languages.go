package server

import (
	"html/template"
	"net/http"
	"strings"
)

// Languages, as the INSPIRE good practice for download services on OGC
// API – Features asks (requirements class multilinguality): answers in
// French (the default) or English, chosen by the lang parameter or
// Accept-Language; every answer says its language (Content-Language) and
// that it varies by it (Vary: Accept-Language); ETags differ between
// languages; a request that refuses both languages
// (/req/multilinguality/accept-language-header, e.g. Accept-Language:
// *;q=0) gets 406 listing them, on the documents the requirement names.

// supportedLanguages are the languages of the answers, the default first.
var supportedLanguages = []string{"fr", "en"}

// languageQuality returns the quality Accept-Language gives lang: that of
// the ranges of its language (fr, fr-FR…), else that of *; mentioned is
// false when no range speaks of it.
func languageQuality(header, lang string) (q float64, mentioned bool) {
	best, wildcard, haveWildcard := -1.0, 0.0, false
	for _, part := range strings.Split(header, ",") {
		tag, quality := mediaRange(part)
		primary, _, _ := strings.Cut(tag, "-")
		switch {
		case tag == "":
		case tag == "*":
			wildcard, haveWildcard = quality, true
		case primary == lang:
			best = max(best, quality)
		}
	}
	if best >= 0 {
		return best, true
	}
	return wildcard, haveWildcard
}

// preferredLanguage is the supported language Accept-Language gives the
// highest quality, the default (the first) on a tie or when the header
// names none of them.
func preferredLanguage(header string) string {
	best, bestQ := supportedLanguages[0], 0.0
	if strings.TrimSpace(header) == "" {
		return best // most requests: nothing to split
	}
	for _, lang := range supportedLanguages {
		if q, mentioned := languageQuality(header, lang); mentioned && q > bestQ {
			best, bestQ = lang, q
		}
	}
	return best
}

// refusesAllLanguages reports whether the request explicitly refuses every
// language Socle answers in (each one given q=0, by its own range or by
// *;q=0). A header that only names other languages (de, it) refuses
// nothing: it gets the default language, as HTTP allows.
func refusesAllLanguages(r *http.Request) bool {
	if queryGet(r.URL, "lang") != "" {
		return false // an explicit choice
	}
	header := r.Header.Get("Accept-Language")
	if strings.TrimSpace(header) == "" {
		return false
	}
	for _, lang := range supportedLanguages {
		if q, mentioned := languageQuality(header, lang); !mentioned || q > 0 {
			return false
		}
	}
	return true
}

// languageResource reports whether path (relative to the server's root)
// is one of the documents of /req/multilinguality/accept-language-header:
// the landing page, /collections, a collection, its items and a feature,
// of the whole-territory API or of a dataset's (/datasets/{id}/…).
func languageResource(path string) bool {
	if rest, ok := strings.CutPrefix(path, "/datasets/"); ok {
		_, sub, ok := strings.Cut(rest, "/")
		if !ok {
			return false
		}
		path = "/" + sub
	}
	if path == "/" || path == "/collections" {
		return true
	}
	rest, ok := strings.CutPrefix(path, "/collections/")
	if !ok {
		return false
	}
	// {collectionId}, {collectionId}/items or {collectionId}/items/{featureId}
	// (asked of every request: cut, not split).
	first, rest, more := strings.Cut(rest, "/")
	if !more {
		return first != ""
	}
	second, third, more := strings.Cut(rest, "/")
	if !more {
		return second == "items"
	}
	return second == "items" && third != "" && !strings.Contains(third, "/")
}

// answerLanguage sets the headers that say lang, the language of r's
// answer (negotiateLanguage's). It is false when it answered 406: r
// refuses every language on a document that has one.
func (s *Server) answerLanguage(w http.ResponseWriter, r *http.Request, lang string) bool {
	h := w.Header()
	// Every answer says its language; the handlers that write in another
	// one (bulk downloads, problems) say so themselves.
	h["Content-Language"] = languageValue(lang)
	if !languageResource(r.URL.Path) {
		return true
	}
	h.Add("Vary", "Accept-Language")
	if refusesAllLanguages(r) {
		s.notAcceptableLanguage(w, r)
		return false
	}
	return true
}

var languageTemplate = template.Must(template.New("406").Parse(`<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>406 — langue non disponible / language not available</title></head>
<body><h1>406 — langue non disponible / language not available</h1>
<p>Ce document existe dans ces langues / This document exists in these languages:</p>
<ul>{{range .}}<li><a href="{{.Href}}" hreflang="{{.Code}}" lang="{{.Code}}">{{.Name}}</a> (<code>Accept-Language: {{.Code}}</code>)</li>{{end}}</ul>
</body></html>
`))

// notAcceptableLanguage answers 406 with the supported languages, in HTML
// to a browser, else as a problem whose allowed member lists them.
func (s *Server) notAcceptableLanguage(w http.ResponseWriter, r *http.Request) {
	detail := "no language the request accepts: this document exists in " + strings.Join(supportedLanguages, ", ") +
		" (Accept-Language or the lang parameter)"
	s.log.Info("request failed", "request_id", requestID(r.Context()), "status", http.StatusNotAcceptable, "error", detail)
	w.Header().Del("Content-Language")
	if f, ok := negotiate(r, FormatJSON, FormatHTML); ok && f == FormatHTML {
		type language struct{ Code, Name, Href string }
		var list []language
		for _, code := range supportedLanguages {
			q := r.URL.Query()
			q.Set("lang", code)
			list = append(list, language{Code: code, Name: map[string]string{"fr": "Français", "en": "English"}[code], Href: r.URL.Path + "?" + q.Encode()})
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNotAcceptable)
		_ = languageTemplate.Execute(w, list)
		return
	}
	s.problemStatus(w, r, http.StatusNotAcceptable, detail, supportedLanguages...)
}
