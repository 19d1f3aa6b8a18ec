package server

import (
	"net/http"
	"strings"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
	"github.com/socle-geo/socle/ogc/features"
	"github.com/socle-geo/socle/ogc/jsonfg"
)

// obj is a JSON object in the OpenAPI document.
type obj = map[string]any

// openAPI builds the OpenAPI 3.0 definition from the catalog, so it always
// states the real collections, queryables and limits. It is compact: QGIS
// downloads it every time a layer opens.
func (s *Server) openAPI(r *http.Request, lang string) obj {
	ref := func(kind, name string) obj { return obj{"$ref": "#/components/" + kind + "/" + name} }
	resp := func(desc string, media ...string) obj {
		content := obj{}
		for _, m := range media {
			content[m] = obj{"schema": obj{"type": "object"}}
		}
		return obj{"description": desc, "content": content}
	}
	errors := obj{
		"400": ref("responses", "BadRequest"),
		"404": ref("responses", "NotFound"),
		"406": ref("responses", "NotAcceptable"),
		"503": ref("responses", "Unavailable"),
	}
	withErrors := func(ok obj) obj {
		out := obj{"200": ok}
		for k, v := range errors {
			out[k] = v
		}
		return out
	}
	get := func(id, summary string, params []any, ok obj) obj {
		return obj{"get": obj{"operationId": id, "summary": summary, "parameters": params, "responses": withErrors(ok)}}
	}
	common := []any{ref("parameters", "f"), ref("parameters", "lang")}
	paths := obj{
		"/": get("getLandingPage", t(lang, "Page d’accueil", "Landing page"), common,
			resp(t(lang, "La page d’accueil", "The landing page"), features.MediaJSON, features.MediaHTML)),
		"/conformance": get("getConformance", t(lang, "Classes de conformité", "Conformance classes"), common,
			resp(t(lang, "Les classes de conformité", "The conformance classes"), features.MediaJSON, features.MediaHTML)),
		"/api": get("getAPI", t(lang, "Cette définition OpenAPI", "This OpenAPI definition"), common,
			resp("OpenAPI 3.0", features.MediaOpenAPI, features.MediaHTML)),
		"/collections": get("getCollections", t(lang, "Les collections", "The collections"), common,
			resp(t(lang, "Les collections", "The collections"), features.MediaJSON, features.MediaHTML)),
	}
	// The generic items path, for clients that only look there (GDAL reads
	// its page size from this path's limit parameter).
	var ids []string
	for _, c := range s.visibleCollections(r) {
		ids = append(ids, c.ID)
	}
	paths["/collections/{collectionId}/items"] = get("getFeatures", t(lang, "Les objets d’une collection", "The features of a collection"),
		[]any{obj{"name": "collectionId", "in": "path", "required": true, "schema": obj{"type": "string", "enum": ids}},
			ref("parameters", "f-items"), ref("parameters", "lang"), ref("parameters", "bbox"), ref("parameters", "bbox-crs"), ref("parameters", "crs"),
			ref("parameters", "limit"), ref("parameters", "cursor"), ref("parameters", "properties"), ref("parameters", "sortby"),
			ref("parameters", "datetime"), ref("parameters", "filter"), ref("parameters", "filter-lang"), ref("parameters", "filter-crs"),
			ref("parameters", "geometry"), ref("parameters", "separator"), ref("parameters", "bom")},
		resp(t(lang, "Une page d’objets", "A page of features"), itemsMediaTypes()...))
	for _, c := range s.visibleCollections(r) {
		base := "/collections/" + c.ID
		paths[base] = get("describe_"+c.ID, c.Title.In(lang), common,
			resp(c.Description.In(lang), features.MediaJSON, features.MediaHTML))
		params := []any{ref("parameters", "f-items"), ref("parameters", "lang"), ref("parameters", "bbox"), ref("parameters", "bbox-crs"), ref("parameters", "crs"), ref("parameters", "limit"),
			ref("parameters", "cursor"), ref("parameters", "properties"), ref("parameters", "sortby"),
			ref("parameters", "filter"), ref("parameters", "filter-lang"), ref("parameters", "filter-crs"),
			ref("parameters", "geometry"), ref("parameters", "separator"), ref("parameters", "bom")}
		if c.Temporal != "" {
			params = append(params, ref("parameters", "datetime"))
		}
		for _, p := range c.Properties {
			if p.Queryable {
				params = append(params, obj{"name": p.Name, "in": "query", "required": false, "description": p.Title.In(lang),
					"schema": propertySchema(p), "style": "form", "explode": false})
			}
		}
		paths[base+"/items"] = get("getFeatures_"+c.ID, t(lang, "Les objets de ", "The features of ")+c.Title.In(lang), params,
			resp(t(lang, "Une page d’objets", "A page of features"), itemsMediaTypes()...))
		paths[base+"/queryables"] = get("getQueryables_"+c.ID, t(lang, "Propriétés interrogeables de ", "Queryables of ")+c.Title.In(lang), common,
			resp("JSON Schema", features.MediaSchema, features.MediaHTML))
		paths[base+"/schema"] = get("getSchema_"+c.ID, t(lang, "Schéma des objets de ", "Schema of the features of ")+c.Title.In(lang), common,
			resp("JSON Schema", features.MediaSchema, features.MediaHTML))
		paths[base+"/items/{featureId}"] = get("getFeature_"+c.ID, t(lang, "Un objet de ", "One feature of ")+c.Title.In(lang),
			[]any{ref("parameters", "featureId"), ref("parameters", "f-feature"), ref("parameters", "lang"), ref("parameters", "properties"), ref("parameters", "crs")},
			resp(t(lang, "Un objet", "A feature"), features.MediaGeoJSON, features.MediaHTML, jsonfg.MediaType))
	}
	// The change feeds (a Socle extension: no OGC standard has one yet).
	for _, c := range s.visibleCollections(r) {
		op := get("getChanges_"+c.ID, t(lang, "Les modifications de ", "The changes of ")+c.Title.In(lang),
			[]any{ref("parameters", "since"), ref("parameters", "feedLimit"), ref("parameters", "coalesce"), ref("parameters", "properties"), ref("parameters", "crs"), ref("parameters", "lang")},
			obj{"description": t(lang, "Une page du journal des modifications", "A page of the change feed"),
				"content": obj{features.MediaJSON: obj{"schema": ref("schemas", "ChangeFeed")}}})
		op["get"].(obj)["responses"].(obj)["410"] = ref("responses", "Gone")
		paths["/collections/"+c.ID+"/changes"] = op
	}
	paths["/changes.atom"] = get("getChangesAtom", t(lang, "Flux Atom des lots qui ont écrit les données", "Atom feed of the batches that wrote the data"), []any{ref("parameters", "lang")},
		resp(t(lang, "Un flux Atom (RFC 4287)", "An Atom feed (RFC 4287)"), mediaAtom))
	problem := obj{"description": "", "content": obj{features.MediaProblem: obj{"schema": ref("schemas", "Problem")}}}
	withDesc := func(d string) obj {
		p := obj{}
		for k, v := range problem {
			p[k] = v
		}
		p["description"] = d
		return p
	}
	doc := obj{
		"openapi": "3.0.3",
		"info":    s.apiInfo(lang),
		"servers": []any{obj{"url": s.base(r)}},
		"paths":   paths,
		"components": obj{
			"parameters": obj{
				"f": obj{"name": "f", "in": "query", "required": false, "description": t(lang, "Format de la réponse", "Response format"),
					"schema": obj{"type": "string", "enum": []string{"json", "html"}}},
				"lang": obj{"name": "lang", "in": "query", "required": false, "description": t(lang, "Langue (sinon Accept-Language)", "Language (else Accept-Language)"),
					"schema": obj{"type": "string", "enum": []string{"fr", "en"}}},
				"bbox": obj{"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
					"description": t(lang, "Rectangle englobant en CRS84 : minlon,minlat,maxlon,maxlat", "Bounding box in CRS84: minlon,minlat,maxlon,maxlat"),
					"schema":      obj{"type": "array", "minItems": 4, "maxItems": 6, "items": obj{"type": "number"}}},
				"crs": obj{"name": "crs", "in": "query", "required": false,
					"description": t(lang, "SRC de la réponse", "CRS of the response"),
					"schema":      obj{"type": "string", "format": "uri", "enum": crs.URIs(), "default": crs.CRS84.URI}},
				"bbox-crs": obj{"name": "bbox-crs", "in": "query", "required": false,
					"description": t(lang, "SRC du paramètre bbox", "CRS of the bbox parameter"),
					"schema":      obj{"type": "string", "format": "uri", "enum": crs.URIs(), "default": crs.CRS84.URI}},
				"filter": obj{"name": "filter", "in": "query", "required": false,
					"description": t(lang, "Filtre CQL2 sur les propriétés interrogeables (voir /queryables)", "CQL2 filter over the queryables (see /queryables)"),
					"schema":      obj{"type": "string"}},
				"filter-lang": obj{"name": "filter-lang", "in": "query", "required": false,
					"description": t(lang, "cql-text : l’encodage texte du brouillon CQL, pour GDAL ≤ 3.6", "cql-text: the text encoding of the CQL draft, for GDAL ≤ 3.6"),
					"schema":      obj{"type": "string", "enum": []string{"cql2-text", "cql2-json", "cql-text"}, "default": "cql2-text"}},
				"filter-crs": obj{"name": "filter-crs", "in": "query", "required": false,
					"description": t(lang, "SRC des géométries du filtre", "CRS of the filter's geometries"),
					"schema":      obj{"type": "string", "format": "uri", "enum": crs.URIs(), "default": crs.CRS84.URI}},
				"datetime": obj{"name": "datetime", "in": "query", "required": false, "style": "form", "explode": false,
					"description": t(lang, "Instant ou intervalle RFC 3339 (début/fin, .. pour ouvert)", "RFC 3339 instant or interval (start/end, .. when open)"),
					"schema":      obj{"type": "string"}},
				"limit": obj{"name": "limit", "in": "query", "required": false, "style": "form", "explode": false,
					"description": t(lang, "Nombre maximal d’objets par page", "Maximum number of features per page"),
					"schema":      obj{"type": "integer", "minimum": 1, "maximum": s.opts.MaxLimit, "default": s.opts.DefaultLimit}},
				"cursor": obj{"name": "cursor", "in": "query", "required": false,
					"description": t(lang, "Position de la page (suivre les liens next/prev)", "Page position (follow the next/prev links)"),
					"schema":      obj{"type": "string"}},
				"properties": obj{"name": "properties", "in": "query", "required": false, "style": "form", "explode": false,
					"description": t(lang, "Propriétés à renvoyer", "Properties to return"),
					"schema":      obj{"type": "array", "items": obj{"type": "string"}}},
				"sortby": obj{"name": "sortby", "in": "query", "required": false, "style": "form", "explode": false,
					"description": t(lang, "Tri : propriétés séparées par des virgules, préfixe - pour décroissant", "Sort: comma-separated properties, - prefix for descending"),
					"schema":      obj{"type": "array", "items": obj{"type": "string"}}},
				"featureId": obj{"name": "featureId", "in": "path", "required": true, "schema": obj{"type": "string"}},
				"since": obj{"name": "since", "in": "query", "required": false,
					"description": t(lang, "Les modifications après : le jeton d’une page précédente (token), un instant RFC 3339, ou latest (aucune modification, le jeton de maintenant) ; absent : depuis le début du journal conservé",
						"The changes after: the token of an earlier page, an RFC 3339 instant, or latest (no change, the token of now); absent: from the start of the log kept"),
					"schema": obj{"type": "string"}},
				"feedLimit": obj{"name": "limit", "in": "query", "required": false,
					"description": t(lang, "Nombre maximal de modifications par page", "Maximum number of changes per page"),
					"schema":      obj{"type": "integer", "minimum": 1, "maximum": s.opts.MaxLimit, "default": min(feedLimit, s.opts.MaxLimit)}},
				"coalesce": obj{"name": "coalesce", "in": "query", "required": false,
					"description": t(lang, "Une entrée par objet : sa modification nette depuis since, l’objet tel qu’il est", "One entry per feature: its net change since, the feature as it is"),
					"schema":      obj{"type": "boolean", "default": false}},
			},
			"responses": obj{
				"BadRequest":    withDesc(t(lang, "Requête invalide", "Invalid request")),
				"NotFound":      withDesc(t(lang, "Ressource inconnue", "Unknown resource")),
				"NotAcceptable": withDesc(t(lang, "Format non disponible", "Format not available")),
				"Unavailable":   withDesc(t(lang, "Service momentanément indisponible", "Service temporarily unavailable")),
				"Gone": withDesc(t(lang, "Le journal ne remonte plus jusque-là : recharger la collection (liens Link items et enclosure), puis suivre le journal depuis since=latest pris avant",
					"The log no longer reaches back there: load the collection again (Link headers items and enclosure), then follow the feed from since=latest taken before")),
			},
			"schemas": obj{
				"ChangeFeed": changeFeedSchema(lang),
				"Problem": obj{"type": "object", "properties": obj{
					"type": obj{"type": "string"}, "title": obj{"type": "string"}, "status": obj{"type": "integer"},
					"detail": obj{"type": "string"}, "instance": obj{"type": "string"}}},
			},
		},
	}
	addFormatParameters(doc["components"].(obj)["parameters"].(obj), lang)
	s.declareServedPaths(r, paths, doc["components"].(obj), lang)
	return doc
}

// propertySchema is the JSON Schema of a property's values.
func propertySchema(p socle.Property) obj {
	switch p.Type {
	case socle.TypeDate:
		return obj{"type": "string", "format": "date"}
	case socle.TypeDateTime:
		return obj{"type": "string", "format": "date-time"}
	}
	o := obj{"type": string(p.Type)}
	if p.Enum != nil {
		o["enum"] = p.Enum
	}
	return o
}

// apiOp is one operation as the HTML documentation lists it.
type apiOp struct {
	Method, Path, Summary string
	Params                []string
}

func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	f, ok := s.format(w, r, FormatJSON, FormatHTML)
	if !ok {
		return
	}
	if !s.checkParams(w, r, nil) {
		return
	}
	lang := language(r)
	doc := s.declareSecurity(s.openAPI(r, lang), r, lang)
	if f == FormatHTML {
		var ops []apiOp
		for _, path := range sortedKeys(doc["paths"].(obj)) {
			for _, method := range []string{"get", "post"} {
				op, ok := doc["paths"].(obj)[path].(obj)[method].(obj)
				if !ok {
					continue
				}
				var params []string
				for _, p := range op["parameters"].([]any) {
					if m, ok := p.(obj); ok {
						if name, ok := m["name"].(string); ok {
							params = append(params, name)
							continue
						}
						if ref, ok := m["$ref"].(string); ok {
							params = append(params, ref[len("#/components/parameters/"):])
						}
					}
				}
				ops = append(ops, apiOp{Method: strings.ToUpper(method), Path: path, Summary: op["summary"].(string), Params: params})
			}
		}
		s.respond(w, r, f, lang, nil, "api", map[string]any{"Ops": ops})
		return
	}
	s.respond(w, r, f, lang, doc, "api", nil)
}

// changeFeedSchema is the JSON Schema of a page of a change feed.
func changeFeedSchema(lang string) obj {
	str := obj{"type": "string"}
	entry := obj{"type": "object", "required": []string{"seq", "change", "id", "batch", "time"}, "properties": obj{
		"seq":     obj{"type": "integer", "description": t(lang, "Position dans le journal : l’ordre des validations", "Position in the log: the order of commits")},
		"change":  obj{"type": "string", "enum": []string{socle.OpInsert, socle.OpUpdate, socle.OpDelete}},
		"id":      obj{"oneOf": []any{str, obj{"type": "integer"}}},
		"batch":   obj{"type": "string", "description": t(lang, "Le lot qui a fait la modification", "The batch that made the change")},
		"time":    obj{"type": "string", "format": "date-time", "description": t(lang, "Fin du lot", "End of the batch")},
		"feature": obj{"type": "object", "description": t(lang, "L’objet GeoJSON tel que la modification l’a laissé (insert, update)", "The GeoJSON feature as the change left it (insert, update)")},
		"bbox": obj{"type": "array", "items": obj{"type": "number"}, "minItems": 4, "maxItems": 4,
			"description": t(lang, "Suppression : l’emprise de la dernière géométrie connue", "Delete: the box of the last known geometry")},
		"keys": obj{"type": "object", "description": t(lang, "Suppression : les clés de l’objet (cle_interop, source_id…)", "Delete: the feature's keys (cle_interop, source_id…)")},
	}}
	return obj{"type": "object", "required": []string{"type", "collection", "changes", "numberReturned", "token", "more", "links"}, "properties": obj{
		"type":           obj{"type": "string", "enum": []string{"ChangeFeed"}},
		"collection":     str,
		"changes":        obj{"type": "array", "items": entry},
		"numberReturned": obj{"type": "integer", "minimum": 0},
		"token":          obj{"type": "string", "description": t(lang, "Le jeton qui reprend après cette page (since=)", "The token that resumes after this page (since=)")},
		"more":           obj{"type": "boolean", "description": t(lang, "Des modifications suivent (lien next)", "More changes follow (next link)")},
		"timeStamp":      obj{"type": "string", "format": "date-time"},
		"links":          obj{"type": "array", "items": obj{"type": "object"}},
	}}
}
