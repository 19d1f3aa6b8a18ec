package server

import (
	"encoding/json"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/socle-geo/socle/internal/auth"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/features"
)

// visible says whether p may see collection c at all. A collection it may
// not see does not exist for it: 404, and absent from every list.
func visible(p *auth.Principal, c *socle.Collection) bool { return p.CanRead(c) }

// visibleCollections are the collections r's caller may see, in catalog order.
func (s *Server) visibleCollections(r *http.Request) []*socle.Collection {
	p := principal(r)
	var out []*socle.Collection
	for _, c := range s.catalog.Collections {
		if visible(p, c) {
			out = append(out, c)
		}
	}
	return out
}

// servedCatalog returns the catalog as the HTTP layer describes it:
// personal properties removed from every collection that is not
// restricted, and from every tile layer. The stores keep the full catalog.
func servedCatalog(full *socle.Catalog) (*socle.Catalog, map[string][]string) {
	out := &socle.Catalog{}
	selections := map[string][]string{}
	for _, c := range full.Collections {
		personal := map[string]bool{}
		for _, p := range c.Properties {
			if p.Personal {
				personal[p.Name] = true
			}
		}
		if len(personal) == 0 {
			out.Collections = append(out.Collections, c)
			continue
		}
		cp := *c
		cp.Tiles.Properties = slices.DeleteFunc(slices.Clone(c.Tiles.Properties), func(n string) bool { return personal[n] })
		if c.Access != socle.AccessRestricted {
			cp.Properties = slices.DeleteFunc(slices.Clone(c.Properties), func(p socle.Property) bool { return p.Personal })
			var names []string
			for _, p := range cp.Properties {
				names = append(names, p.Name)
			}
			selections[c.ID] = names
		}
		out.Collections = append(out.Collections, &cp)
	}
	return out, selections
}

// filterStyle removes from a MapLibre style the layers drawn from a
// collection the caller may not see.
func (s *Server) filterStyle(r *http.Request, b []byte) []byte {
	p := principal(r)
	hidden := map[string]bool{}
	for _, c := range s.catalog.Collections {
		if !visible(p, c) {
			hidden[c.ID] = true
		}
	}
	if len(hidden) == 0 {
		return b
	}
	var st map[string]json.RawMessage
	var layers []map[string]any
	if json.Unmarshal(b, &st) != nil || json.Unmarshal(st["layers"], &layers) != nil {
		return b
	}
	layers = slices.DeleteFunc(layers, func(l map[string]any) bool {
		src, _ := l["source-layer"].(string)
		return hidden[src]
	})
	st["layers"], _ = json.Marshal(layers)
	out, err := json.Marshal(st)
	if err != nil {
		return b
	}
	return out
}

// qmlRule is one rule of a generated QML vector tile style (styles/generate.mjs
// writes each on its own lines), with the layer it draws.
var qmlRule = regexp.MustCompile(`(?s)\n *<style name="[^"]*" layer="([^"]*)" .*?\n *</style>`)

// filterQML removes from a QGIS style the rules drawing a collection the
// caller may not see.
func (s *Server) filterQML(r *http.Request, b []byte) []byte {
	p := principal(r)
	return qmlRule.ReplaceAllFunc(b, func(rule []byte) []byte {
		if c, ok := s.catalog.Collection(string(qmlRule.FindSubmatch(rule)[1])); ok && !visible(p, c) {
			return nil
		}
		return rule
	})
}

// adminAudit answers the audit log to admins, newest first:
// ?actor=&action=&target=&since=&until=&before=&limit=.
func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request) {
	if s.opts.Audit == nil {
		s.problemStatus(w, r, http.StatusNotFound, "no audit log is kept")
		return
	}
	if !s.checkParams(w, r, []string{"actor", "action", "target", "since", "until", "before", "limit"}) {
		return
	}
	qv := r.URL.Query()
	q := socle.AuditQuery{Actor: qv.Get("actor"), Action: qv.Get("action"), Target: qv.Get("target"), Limit: 100}
	bad := func(name string) {
		s.problem(w, r, socle.Errorf(socle.EINVALID, "invalid %s %q", name, qv.Get(name)))
	}
	for name, dst := range map[string]**time.Time{"since": &q.Since, "until": &q.Until} {
		if v := qv.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				bad(name)
				return
			}
			*dst = &t
		}
	}
	if v := qv.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			s.problem(w, r, socle.Errorf(socle.EINVALID, "limit must be between 1 and 1000"))
			return
		}
		q.Limit = n
	}
	if v := qv.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			bad("before")
			return
		}
		q.Before = n
	}
	entries, err := s.opts.Audit.Audit(r.Context(), q)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	type entry struct {
		Seq    int64     `json:"seq"`
		Time   time.Time `json:"time"`
		Actor  string    `json:"actor"`
		Action string    `json:"action"`
		Target string    `json:"target,omitempty"`
		Remote string    `json:"remote,omitempty"`
		Status int       `json:"status"`
		Detail string    `json:"detail,omitempty"`
	}
	doc := struct {
		Entries []entry         `json:"entries"`
		Links   []features.Link `json:"links"`
	}{Entries: []entry{}}
	for _, e := range entries {
		doc.Entries = append(doc.Entries, entry(e))
	}
	doc.Links = []features.Link{s.link(r, "/admin/audit", qv, "self", features.MediaJSON, "")}
	if len(entries) == q.Limit {
		next := maps.Clone(qv)
		next.Set("before", strconv.FormatInt(entries[len(entries)-1].Seq, 10))
		doc.Links = append(doc.Links, s.link(r, "/admin/audit", next, "next", features.MediaJSON, ""))
	}
	w.Header().Set("Content-Type", features.MediaJSON)
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(doc)
}

// declareSecurity adds to the OpenAPI document the security schemes and,
// on each operation that needs a credential, which ones it takes (the
// INSPIRE good practice asks for both).
func (s *Server) declareSecurity(doc obj, r *http.Request, lang string) obj {
	schemes := obj{
		"bearer": obj{"type": "http", "scheme": "bearer",
			"description": t(lang, "Clé d’API (socle keys create) ou jeton OpenID Connect", "API key (socle keys create) or OpenID Connect token")},
		"apiKey": obj{"type": "apiKey", "in": "header", "name": "X-API-Key",
			"description": t(lang, "Clé d’API (socle keys create)", "API key (socle keys create)")},
	}
	required := []any{obj{"bearer": []string{}}, obj{"apiKey": []string{}}}
	if s.opts.OIDCIssuer != "" {
		schemes["openId"] = obj{"type": "openIdConnect", "openIdConnectUrl": s.opts.OIDCIssuer + "/.well-known/openid-configuration"}
		required = append(required, obj{"openId": []string{}})
	}
	components := doc["components"].(obj)
	components["securitySchemes"] = schemes
	responses := components["responses"].(obj)
	responses["Unauthorized"] = obj{"description": t(lang, "Identifiant manquant ou invalide", "Missing or invalid credential"),
		"content": obj{features.MediaProblem: obj{"schema": obj{"$ref": "#/components/schemas/Problem"}}}}
	responses["Forbidden"] = obj{"description": t(lang, "Droit manquant", "Missing right"),
		"content": obj{features.MediaProblem: obj{"schema": obj{"$ref": "#/components/schemas/Problem"}}}}
	paths := doc["paths"].(obj)
	secure := func(path string, security []any, forbidden bool) {
		op, ok := paths[path].(obj)["get"].(obj)
		if !ok {
			return
		}
		op["security"] = security
		resp := op["responses"].(obj)
		resp["401"] = obj{"$ref": "#/components/responses/Unauthorized"}
		if forbidden {
			resp["403"] = obj{"$ref": "#/components/responses/Forbidden"}
		}
	}
	anyClosed := false
	for _, c := range s.visibleCollections(r) {
		if c.Access == socle.AccessPublic || c.Access == "" {
			continue
		}
		anyClosed = true
		base := "/collections/" + c.ID
		for _, p := range []string{base, base + "/items", base + "/items/{featureId}", base + "/queryables", base + "/schema"} {
			if _, ok := paths[p]; ok {
				secure(p, required, false)
			}
		}
	}
	if anyClosed {
		// The generic path serves public collections without a credential.
		secure("/collections/{collectionId}/items", append([]any{obj{}}, required...), false)
	}
	if s.dataset == nil { // without an audit log (Options.Audit), it answers 404
		paths["/admin/audit"] = obj{"get": obj{"operationId": "getAuditLog", "summary": t(lang, "Journal d’audit (droit admin)", "Audit log (admin right)"),
			"parameters": []any{
				obj{"name": "actor", "in": "query", "schema": obj{"type": "string"}},
				obj{"name": "action", "in": "query", "schema": obj{"type": "string"}},
				obj{"name": "target", "in": "query", "schema": obj{"type": "string"}},
				obj{"name": "since", "in": "query", "schema": obj{"type": "string", "format": "date-time"}},
				obj{"name": "until", "in": "query", "schema": obj{"type": "string", "format": "date-time"}},
				obj{"name": "before", "in": "query", "schema": obj{"type": "integer"}},
				obj{"name": "limit", "in": "query", "schema": obj{"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
			},
			"responses": obj{"200": obj{"description": t(lang, "Entrées, les plus récentes d’abord", "Entries, newest first"),
				"content": obj{features.MediaJSON: obj{"schema": obj{"type": "object"}}}},
				"400": obj{"$ref": "#/components/responses/BadRequest"}}}}
		secure("/admin/audit", required, true)
	}
	s.declareIngest(paths, components["schemas"].(obj), required, lang)
	s.declareCatalogue(paths, lang)
	return doc
}
