package server_test

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
)

// TestStyles checks every style is served with this server's absolute
// tile URLs, as MapLibre JSON and QGIS QML, and refers only to layers the
// tiles have.
func TestStyles(t *testing.T) {
	resp, body := get(t, "/styles")
	var list struct {
		Default string
		Styles  []struct{ ID string }
	}
	if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != 200 || len(list.Styles) < 5 || list.Default == "" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	layers := map[string]bool{"addresses": true, "roads": true, "land_cover": true, "communes": true, "artificialisation": true}
	for _, st := range list.Styles {
		resp, body := get(t, "/styles/"+st.ID)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.mapbox.style+json" {
			t.Errorf("%s: %d %s", st.ID, resp.StatusCode, resp.Header.Get("Content-Type"))
			continue
		}
		if strings.Contains(string(body), "{base}") {
			t.Errorf("%s still holds the {base} placeholder", st.ID)
		}
		var style struct {
			Version int
			Sources map[string]struct {
				Type  string
				URL   string
				Tiles []string
			}
			Layers []struct {
				ID          string
				Source      string
				SourceLayer string `json:"source-layer"`
			}
		}
		if err := json.Unmarshal(body, &style); err != nil || style.Version != 8 || len(style.Layers) == 0 {
			t.Errorf("%s: not a MapLibre style: %v", st.ID, err)
			continue
		}
		for name, src := range style.Sources {
			for _, u := range append(src.Tiles, src.URL) {
				if u != "" && !strings.HasPrefix(u, goldenBase+"/") && !strings.HasPrefix(u, "data:") {
					t.Errorf("%s: source %s points at %s, not this server", st.ID, name, u)
				}
			}
		}
		for _, l := range style.Layers {
			if l.SourceLayer != "" && !layers[l.SourceLayer] {
				t.Errorf("%s: layer %s reads unknown tile layer %s", st.ID, l.ID, l.SourceLayer)
			}
		}
		resp, body = get(t, "/styles/"+st.ID+"?f=qml")
		if resp.StatusCode != 200 {
			t.Errorf("%s QML: %d", st.ID, resp.StatusCode)
			continue
		}
		if err := xml.Unmarshal(body, new(struct{})); err != nil {
			t.Errorf("%s QML is not XML: %v", st.ID, err)
		}
	}
	for path, status := range map[string]int{"/styles/nope": 404, "/styles/roads?f=sld": 406, "/styles/..%2Fstyles": 404} {
		if resp, _ := get(t, path); resp.StatusCode != status {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, status)
		}
	}
}
