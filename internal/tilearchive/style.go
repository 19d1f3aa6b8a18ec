package tilearchive

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/socle-geo/socle/styles"
)

// Style returns the territory's MapLibre style (styles/territoire.json, the
// one /styles/territoire serves) for an archive: its vector source read
// from archiveURL through the PMTiles protocol ("pmtiles://" + archiveURL,
// which MapLibre reads with the pmtiles library's protocol), only the
// layers of the collections the archive holds, and nothing asked of a
// server — the communes' labels, a GeoJSON source of the server's, are
// drawn from the archive's communes layer instead — so that a static or
// offline map needs the two files only.
func Style(archiveURL string, collections []string) ([]byte, error) {
	b, err := fs.ReadFile(styles.FS, "territoire.json")
	if err != nil {
		return nil, err
	}
	var st map[string]any
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("tilearchive: territoire.json: %w", err)
	}
	sources, _ := st["sources"].(map[string]any)
	for name, s := range sources {
		src, _ := s.(map[string]any)
		if src["type"] == "vector" {
			sources[name] = map[string]any{"type": "vector", "url": "pmtiles://" + archiveURL}
			continue
		}
		if u, _ := src["data"].(string); strings.Contains(u, "{base}") {
			delete(sources, name)
		}
	}
	layers, _ := st["layers"].([]any)
	var kept []any
	for _, l := range layers {
		layer, _ := l.(map[string]any)
		meta, _ := layer["metadata"].(map[string]any)
		collection, _ := meta["socle:collection"].(string)
		if collection == "" {
			collection, _ = layer["source-layer"].(string)
		}
		if collection != "" && !slices.Contains(collections, collection) {
			continue
		}
		if src, _ := layer["source"].(string); src != "" && sources[src] == nil {
			if collection == "" {
				continue
			}
			// A layer of a server's source: drawn from the archive.
			layer["source"], layer["source-layer"] = "socle", collection
		}
		kept = append(kept, layer)
	}
	st["layers"] = kept
	return json.MarshalIndent(st, "", "  ")
}
