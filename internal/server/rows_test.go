package server_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/socle"
)

// rowOf turns a feature as the API served it in Lambert-93 (crs=…/2154)
// back into a row an import writes, with some properties changed.
func rowOf(t *testing.T, c *socle.Collection, feature []byte, change map[string]any) socle.Row {
	t.Helper()
	var f map[string]any
	if err := json.Unmarshal(feature, &f); err != nil {
		t.Fatal(err)
	}
	props, _ := f["properties"].(map[string]any)
	for k, v := range change {
		props[k] = v
	}
	fc, _ := json.Marshal(map[string]any{"type": "FeatureCollection",
		"crs":      map[string]any{"type": "name", "properties": map[string]any{"name": "urn:ogc:def:crs:EPSG::2154"}},
		"features": []any{map[string]any{"type": "Feature", "id": f["id"], "geometry": f["geometry"], "properties": props}}})
	rows, rejects, err := importer.ReadGeoJSON(c, bytes.NewReader(fc))
	if err != nil || len(rejects) > 0 || len(rows) != 1 {
		t.Fatalf("%v %v %d rows", err, rejects, len(rows))
	}
	return rows[0]
}
