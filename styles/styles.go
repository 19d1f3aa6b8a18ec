// Package styles embeds the map styles of the territory: a MapLibre style
// (JSON) and a QGIS QML per layer, and the default style of the whole
// territory. URLs in the styles hold the placeholder {base}, which the
// server replaces with its own base URL.
package styles

import "embed"

// FS holds the *.json (MapLibre) and *.qml (QGIS) styles, by id.
//
//go:embed *.json *.qml
var FS embed.FS
