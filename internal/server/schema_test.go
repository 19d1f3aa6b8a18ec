package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// yamlLoader lets the JSON Schema compiler read OGC's YAML schema files.
type yamlLoader struct{}

func (yamlLoader) Load(url string) (any, error) {
	path := strings.TrimPrefix(url, "file://")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	fixNullTypes(v)
	// Round-trip through JSON so the compiler sees JSON types only.
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(j))
}

// TestResponsesMatchOGCSchemas validates the documents against the OGC API –
// Features Part 1 schemas (testdata/ogcapi-features, see its SOURCES.md).
func TestResponsesMatchOGCSchemas(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("testdata", "ogcapi-features", "core", "openapi", "schemas"))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(yamlLoader{})
	for _, tc := range []struct{ path, schema string }{
		{"/", "landingPage.yaml"},
		{"/conformance", "confClasses.yaml"},
		{"/collections", "collections.yaml"},
		{"/collections/land_cover", "collection.yaml"},
		{"/collections/addresses/items?limit=50", "featureCollectionGeoJSON.yaml"},
		{"/collections/roads/items?limit=50", "featureCollectionGeoJSON.yaml"},
		{"/collections/land_cover/items?limit=50", "featureCollectionGeoJSON.yaml"},
		{"/collections/communes/items?limit=50", "featureCollectionGeoJSON.yaml"},
		{"/collections/roads/items/1", "featureGeoJSON.yaml"},
	} {
		sch, err := c.Compile("file://" + filepath.Join(dir, tc.schema))
		if err != nil {
			t.Fatalf("%s: %v", tc.schema, err)
		}
		_, body := get(t, tc.path)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		if err := sch.Validate(doc); err != nil {
			t.Errorf("%s does not match %s: %v", tc.path, tc.schema, err)
		}
	}
}

// TestOpenAPIIsValid loads /api, and each dataset API's, with an OpenAPI 3
// validator and checks it states the real limits and every collection's
// items path (TestOpenAPIStatesEveryRoute checks it states every route).
func TestOpenAPIIsValid(t *testing.T) {
	_, body := get(t, "/api")
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("invalid OpenAPI document: %v", err)
	}
	limit := doc.Components.Parameters["limit"].Value.Schema.Value
	if limit.Max == nil || *limit.Max != 10000 || limit.Default != float64(10) {
		t.Errorf("limit schema: max %v default %v, want 10000 and 10", limit.Max, limit.Default)
	}
	for _, c := range []string{"addresses", "roads", "land_cover", "communes"} {
		if doc.Paths.Find("/collections/"+c+"/items") == nil {
			t.Errorf("no items path for %s", c)
		}
	}
	// QGIS downloads it on every layer open: keep it compact. It states
	// every path served (70 KB for the sample's five collections, about a
	// quarter of it tiles, styles, metadata, deposits and the service's
	// health), and goes gzip-compressed to clients that accept it, as Qt's
	// do (9 KB).
	if len(body) > 80<<10 {
		t.Errorf("the OpenAPI document is %d bytes: QGIS downloads it on every layer open, keep it compact", len(body))
	}
	req, _ := http.NewRequest(http.MethodGet, base(t)+"/api", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	gz, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" || len(gz) > 16<<10 {
		t.Errorf("the OpenAPI document goes as %d bytes, Content-Encoding %q: want gzip, at most 16 KiB", len(gz), resp.Header.Get("Content-Encoding"))
	}
	// Each dataset's download API has a valid document of its own.
	for _, d := range []string{"addresses", "roads", "artificialisation"} {
		_, body := get(t, "/datasets/"+d+"/api")
		doc, err := openapi3.NewLoader().LoadFromData(body)
		if err == nil {
			err = doc.Validate(context.Background())
		}
		if err != nil {
			t.Errorf("/datasets/%s/api: invalid OpenAPI document: %v", d, err)
		}
	}
}

// fixNullTypes turns YAML's unquoted `type: null` into the JSON Schema type
// name "null", as the OGC files mean it.
func fixNullTypes(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "type" && e == nil {
				x[k] = "null"
				continue
			}
			if list, ok := e.([]any); ok && k == "type" {
				for i := range list {
					if list[i] == nil {
						list[i] = "null"
					}
				}
			}
			fixNullTypes(e)
		}
	case []any:
		for _, e := range x {
			fixNullTypes(e)
		}
	}
}
