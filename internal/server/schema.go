package server

import (
	"net/http"
	"strings"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/features"
)

// jsonSchema is a JSON Schema document (2020-12) describing features.
type jsonSchema struct {
	Schema               string          `json:"$schema"`
	ID                   string          `json:"$id"`
	Type                 string          `json:"type"`
	Title                string          `json:"title,omitempty"`
	Description          string          `json:"description,omitempty"`
	Properties           map[string]prop `json:"properties"`
	Required             []string        `json:"required,omitempty"`
	AdditionalProperties *bool           `json:"additionalProperties,omitempty"`
}

// prop is the schema of one property.
type prop struct {
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Type        any      `json:"type,omitempty"`
	Format      string   `json:"format,omitempty"`
	Enum        []string `json:"enum,omitempty"`
	Role        string   `json:"x-ogc-role,omitempty"`
	ReadOnly    bool     `json:"readOnly,omitempty"`
}

// geometryFormat is the JSON Schema format OGC API – Features Part 3 and 5
// give each geometry type (geometry-point, geometry-multipolygon …).
// geometryFormat is the Features Part 5 format of a collection's geometry:
// geometry-polygon, or geometry-polygon-or-multipolygon where both forms
// mix.
func geometryFormat(c *socle.Collection) string {
	f := "geometry-" + strings.ToLower(c.GeometryType)
	if c.Mixed {
		f += "-or-multi" + strings.ToLower(c.GeometryType)
	}
	return f
}

func propSchema(p socle.Property, lang string) prop {
	out := prop{Title: p.Title.In(lang), Description: p.Description.In(lang), Enum: p.Enum, ReadOnly: p.Derived}
	switch p.Type {
	case socle.TypeDate:
		out.Type, out.Format = "string", "date"
	case socle.TypeDateTime:
		out.Type, out.Format = "string", "date-time"
	default:
		out.Type = string(p.Type)
	}
	if p.Nullable {
		out.Type = []string{out.Type.(string), "null"}
	}
	return out
}

// schemaDoc returns the queryables (only queryable properties, for filters)
// or the full feature schema (Part 5).
func (s *Server) schemaDoc(r *http.Request, c *socle.Collection, lang string, queryables bool) jsonSchema {
	path := "/collections/" + c.ID + "/schema"
	if queryables {
		path = "/collections/" + c.ID + "/queryables"
	}
	doc := jsonSchema{
		Schema:     "https://json-schema.org/draft/2020-12/schema",
		ID:         s.base(r) + path,
		Type:       "object",
		Title:      c.Title.In(lang),
		Properties: map[string]prop{},
	}
	doc.Properties["geometry"] = prop{Title: t(lang, "Géométrie", "Geometry"), Format: geometryFormat(c), Role: "primary-geometry"}
	if queryables {
		f := false
		doc.AdditionalProperties = &f
	} else {
		doc.Properties["id"] = prop{Title: t(lang, "Identifiant", "Identifier"), Type: string(c.IDType), Role: "id"}
	}
	for _, p := range c.Properties {
		if queryables && !p.Queryable {
			continue
		}
		ps := propSchema(p, lang)
		if p.Name == c.Temporal && !queryables {
			ps.Role = "primary-instant"
		}
		doc.Properties[p.Name] = ps
	}
	return doc
}

func (s *Server) queryables(w http.ResponseWriter, r *http.Request) { s.serveSchema(w, r, true) }

func (s *Server) schema(w http.ResponseWriter, r *http.Request) { s.serveSchema(w, r, false) }

func (s *Server) serveSchema(w http.ResponseWriter, r *http.Request, queryables bool) {
	c, f, ok := s.collectionRoute(w, r, FormatJSON, FormatHTML)
	if !ok {
		return
	}
	if !s.checkParams(w, r, nil) {
		return
	}
	lang := language(r)
	doc := s.schemaDoc(r, c, lang, queryables)
	page := "schema"
	if queryables {
		page = "queryables"
	}
	s.respond(w, r, f, lang, doc, page, map[string]any{"Collection": c, "Names": sortedKeys(toAny(doc.Properties))})
}

func toAny(m map[string]prop) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// schemaLinks are the collection's links to its queryables and schema.
func (s *Server) schemaLinks(r *http.Request, c *socle.Collection, lang string) []features.Link {
	path := "/collections/" + c.ID
	return []features.Link{
		s.link(r, path+"/queryables", nil, features.RelQueryables, features.MediaSchema, t(lang, "Propriétés interrogeables", "Queryable properties")),
		s.link(r, path+"/schema", nil, features.RelSchema, features.MediaSchema, t(lang, "Schéma des objets", "Schema of the features")),
	}
}
