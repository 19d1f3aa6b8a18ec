package server

import (
	"net/http"
	"strings"

	"github.com/socle-geo/socle/internal/metadata"
	"github.com/socle-geo/socle/ogc/features"
)

// declareServedPaths adds to the OpenAPI document every other path the
// API serves: tiles, styles, the service's health, and, on the root API,
// the metadata, CSW, DCAT-AP and the datasets' list, or, on a dataset's
// API, its bulk downloads and DCAT-AP description. TestOpenAPIStatesEveryRoute
// walks the routes and fails on one the document leaves out.
func (s *Server) declareServedPaths(r *http.Request, paths, components obj, lang string) {
	ref := func(kind, name string) obj { return obj{"$ref": "#/components/" + kind + "/" + name} }
	content := func(media ...string) obj {
		c := obj{}
		for _, m := range media {
			c[m] = obj{"schema": obj{"type": "object"}}
			if !strings.Contains(m, "json") {
				c[m] = obj{"schema": obj{"type": "string"}}
			}
		}
		return c
	}
	responses := func(desc string, media []string, errors ...string) obj {
		out := obj{"200": obj{"description": desc, "content": content(media...)}}
		for _, e := range errors {
			out[e] = ref("responses", map[string]string{"400": "BadRequest", "404": "NotFound", "406": "NotAcceptable", "503": "Unavailable"}[e])
		}
		return out
	}
	op := func(method, id, summary string, params []any, resp obj) obj {
		if params == nil {
			params = []any{}
		}
		return obj{method: obj{"operationId": id, "summary": summary, "parameters": params, "responses": resp}}
	}
	pathParam := func(name, desc string, schema obj) obj {
		return obj{"name": name, "in": "path", "required": true, "description": desc, "schema": schema}
	}
	str := obj{"type": "string"}
	jsonOnly := []any{ref("parameters", "f-json"), ref("parameters", "lang")}
	var tmsIDs []string
	for _, set := range s.tms {
		tmsIDs = append(tmsIDs, set.ID)
	}
	params, resps := components["parameters"].(obj), components["responses"].(obj)
	params["f-json"] = obj{"name": "f", "in": "query", "required": false, "description": t(lang, "Format de la réponse", "Response format"),
		"schema": obj{"type": "string", "enum": []string{"json"}}}
	params["tileMatrixSetId"] = pathParam("tileMatrixSetId", t(lang, "Jeu de matrices de tuiles", "Tile matrix set"), obj{"type": "string", "enum": tmsIDs})
	params["tileMatrix"] = pathParam("tileMatrix", t(lang, "Niveau (zoom)", "Level (zoom)"), str)
	params["tileRow"] = pathParam("tileRow", t(lang, "Ligne de la tuile", "Row of the tile"), obj{"type": "integer", "minimum": 0})
	params["tileCol"] = pathParam("tileCol", t(lang, "Colonne de la tuile", "Column of the tile"), obj{"type": "integer", "minimum": 0})
	params["f-mvt"] = obj{"name": "f", "in": "query", "required": false, "schema": obj{"type": "string", "enum": []string{"mvt"}}}
	resps["Tile"] = obj{"description": t(lang, "Une tuile vectorielle", "A vector tile"), "content": content(MediaMVT)}
	resps["NoContent"] = obj{"description": t(lang, "Aucun objet dans la tuile", "No feature in the tile")}
	tmsParam := ref("parameters", "tileMatrixSetId")
	tileParams := []any{tmsParam, ref("parameters", "tileMatrix"), ref("parameters", "tileRow"), ref("parameters", "tileCol"), ref("parameters", "f-mvt")}
	tileResponses := obj{"200": ref("responses", "Tile"), "204": ref("responses", "NoContent"), "400": ref("responses", "BadRequest"),
		"404": ref("responses", "NotFound"), "406": ref("responses", "NotAcceptable"), "503": ref("responses", "Unavailable")}

	// Tiles (OGC API – Tiles): of every collection together, and of one.
	paths["/tileMatrixSets"] = op("get", "getTileMatrixSets", t(lang, "Les jeux de matrices de tuiles", "The tile matrix sets"), jsonOnly,
		responses(t(lang, "La liste", "The list"), []string{features.MediaJSON}, "400", "406"))
	paths["/tileMatrixSets/{tileMatrixSetId}"] = op("get", "getTileMatrixSet", t(lang, "Un jeu de matrices de tuiles", "A tile matrix set"),
		append([]any{tmsParam}, jsonOnly...), responses(t(lang, "Sa définition (OGC 2DTMS)", "Its definition (OGC 2DTMS)"), []string{features.MediaJSON}, "400", "404", "406"))
	paths["/tiles"] = op("get", "getTilesets", t(lang, "Les tuiles vectorielles de toutes les collections", "The vector tiles of every collection"), jsonOnly,
		responses(t(lang, "Les jeux de tuiles", "The tilesets"), []string{features.MediaJSON}, "400", "406"))
	paths["/tiles/{tileMatrixSetId}"] = op("get", "getTileset", t(lang, "Un jeu de tuiles de toutes les collections (TileJSON par f=tilejson)", "A tileset of every collection (TileJSON with f=tilejson)"),
		[]any{tmsParam, ref("parameters", "lang")}, responses(t(lang, "Le jeu de tuiles", "The tileset"), []string{features.MediaJSON}, "400", "404", "406"))
	paths["/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"] = op("get", "getTile", t(lang, "Une tuile de toutes les collections", "A tile of every collection"), tileParams, tileResponses)
	var ids []string
	for _, c := range s.visibleCollections(r) {
		ids = append(ids, c.ID)
	}
	params["tilesCollectionId"] = pathParam("collectionId", "", obj{"type": "string", "enum": ids})
	collection := ref("parameters", "tilesCollectionId")
	paths["/collections/{collectionId}/tiles"] = op("get", "getCollectionTilesets", t(lang, "Les tuiles vectorielles d’une collection", "The vector tiles of a collection"),
		append([]any{collection}, jsonOnly...), responses(t(lang, "Les jeux de tuiles", "The tilesets"), []string{features.MediaJSON}, "400", "404", "406"))
	paths["/collections/{collectionId}/tiles/{tileMatrixSetId}"] = op("get", "getCollectionTileset", t(lang, "Un jeu de tuiles d’une collection", "A tileset of a collection"),
		[]any{collection, tmsParam, ref("parameters", "lang")}, responses(t(lang, "Le jeu de tuiles", "The tileset"), []string{features.MediaJSON}, "400", "404", "406"))
	paths["/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"] = op("get", "getCollectionTile", t(lang, "Une tuile d’une collection", "A tile of a collection"),
		append([]any{collection}, tileParams...), tileResponses)

	// Styles.
	paths["/styles"] = op("get", "getStyles", t(lang, "Les styles de carte", "The map styles"), jsonOnly,
		responses(t(lang, "La liste", "The list"), []string{features.MediaJSON}, "400", "406"))
	paths["/styles/{styleId}"] = op("get", "getStyle", t(lang, "Un style : MapLibre/Mapbox GL, ou QGIS par f=qml", "A style: MapLibre/Mapbox GL, or QGIS with f=qml"),
		[]any{pathParam("styleId", "", str), obj{"name": "f", "in": "query", "required": false, "schema": obj{"type": "string", "enum": []string{"mapbox", "qml"}}}},
		responses(t(lang, "Le style", "The style"), []string{MediaMapboxStyle, MediaQML}, "400", "404", "406"))

	if s.dataset != nil {
		s.declareDatasetPaths(paths, lang, op, responses, pathParam)
		return
	}

	// The service's state, for load balancers and monitoring.
	text := []string{"text/plain"}
	paths["/healthz"] = op("get", "getHealth", t(lang, "Le processus répond", "The process answers"), nil,
		obj{"200": obj{"description": "ok", "content": content(text...)}})
	paths["/readyz"] = op("get", "getReadiness", t(lang, "La base répond (détail des serveurs de lecture et de leur retard)", "The database answers (details of the read servers and their lag)"), nil,
		obj{"200": obj{"description": "ready", "content": content(text...)}, "503": ref("responses", "Unavailable")})
	if s.opts.Metrics != MetricsOff {
		desc := t(lang, "Métriques Prometheus (droit admin)", "Prometheus metrics (admin right)")
		if s.opts.Metrics == MetricsOpen {
			desc = t(lang, "Métriques Prometheus", "Prometheus metrics")
		}
		paths["/metrics"] = op("get", "getMetrics", desc, nil,
			obj{"200": obj{"description": t(lang, "Format texte de Prometheus", "Prometheus text format"), "content": content("text/plain; version=0.0.4")}})
	}
	if s.meta == nil {
		return
	}
	xmlHTML := []string{"application/xml", features.MediaHTML}
	paths["/metadata"] = op("get", "getMetadataRecords", t(lang, "Les fiches de métadonnées (ISO 19139)", "The metadata records (ISO 19139)"), []any{ref("parameters", "f"), ref("parameters", "lang")},
		responses(t(lang, "La liste", "The list"), []string{features.MediaJSON, features.MediaHTML}, "400", "406"))
	paths["/metadata/{recordId}"] = op("get", "getMetadataRecord", t(lang, "Une fiche de métadonnées", "A metadata record"),
		[]any{pathParam("recordId", "", str), obj{"name": "f", "in": "query", "required": false, "schema": obj{"type": "string", "enum": []string{"xml", "html"}}}, ref("parameters", "lang")},
		responses(t(lang, "La fiche ISO 19139 (XML) ou sa page", "The ISO 19139 record (XML) or its page"), xmlHTML, "400", "404", "406"))
	csw := t(lang, "Catalogue CSW 2.0.2 (GetCapabilities, DescribeRecord, GetRecords, GetRecordById)", "CSW 2.0.2 catalogue (GetCapabilities, DescribeRecord, GetRecords, GetRecordById)")
	cswOK := obj{"200": obj{"description": t(lang, "Réponse CSW, ou rapport d’exception OWS", "CSW response, or OWS exception report"), "content": content("application/xml")}}
	paths["/csw"] = obj{
		"get": obj{"operationId": "getCSW", "summary": csw, "responses": cswOK, "parameters": []any{
			obj{"name": "service", "in": "query", "required": false, "schema": obj{"type": "string", "enum": []string{"CSW"}}},
			obj{"name": "request", "in": "query", "required": true, "schema": obj{"type": "string", "enum": []string{"GetCapabilities", "DescribeRecord", "GetRecords", "GetRecordById"}}},
			obj{"name": "version", "in": "query", "required": false, "schema": obj{"type": "string", "enum": []string{"2.0.2"}}},
		}},
		"post": obj{"operationId": "postCSW", "summary": csw, "responses": cswOK, "parameters": []any{},
			"requestBody": obj{"required": true, "content": obj{"application/xml": obj{"schema": str}, "application/x-www-form-urlencoded": obj{"schema": obj{"type": "object"}}}}},
	}
	moved := func(id, summary string, params []any) obj {
		return op("get", id, summary, params, obj{"301": obj{"description": t(lang, "Redirection permanente (Location)", "Permanent redirect (Location)"),
			"headers": obj{"Location": obj{"schema": str}}}, "404": ref("responses", "NotFound")})
	}
	paths["/catalogue"] = moved("getCatalogueMoved", t(lang, "Ancienne adresse du catalogue : redirige vers "+cataloguePath, "Former address of the catalogue: redirects to "+cataloguePath), nil)
	paths["/dcat"] = s.dcatOp(lang, "getDCAT", t(lang, "Le catalogue en DCAT-AP 2.1.1", "The catalogue in DCAT-AP 2.1.1"), op, responses)
	var datasets []string
	for _, d := range s.meta.Files().Datasets {
		if metadata.Visible(r.Context(), d) {
			datasets = append(datasets, d.ID)
		}
	}
	paths["/datasets"] = op("get", "getDatasets", t(lang, "Les jeux de données et leurs API de téléchargement", "The datasets and their download APIs"), jsonOnly,
		responses(t(lang, "La liste", "The list"), []string{features.MediaJSON}, "400", "406"))
	paths["/datasets/{datasetId}"] = moved("getDatasetAPI", t(lang, "L’API de téléchargement d’un jeu de données (INSPIRE) : redirige vers /datasets/{datasetId}/, qui a son propre document OpenAPI (/datasets/{datasetId}/api)",
		"The download API of a dataset (INSPIRE): redirects to /datasets/{datasetId}/, which has its own OpenAPI document (/datasets/{datasetId}/api)"),
		[]any{pathParam("datasetId", "", obj{"type": "string", "enum": datasets})})
}

// declareDatasetPaths adds the paths only a dataset's API serves: its
// bulk downloads and its DCAT-AP description.
func (s *Server) declareDatasetPaths(paths obj, lang string, op func(method, id, summary string, params []any, resp obj) obj,
	responses func(desc string, media []string, errors ...string) obj, pathParam func(name, desc string, schema obj) obj) {
	var exts, media []string
	for _, f := range append(s.meta.Formats(), formatPMTiles) {
		exts = append(exts, f.Ext)
		media = append(media, f.MediaType)
	}
	file := pathParam("file", t(lang, wholeDataset+"."+metadata.FormatGeoPackage.Ext+" : le jeu de données entier, une couche par collection ; {collectionId}.{extension} : une collection (les liens enclosure de /collections et de chaque collection donnent chaque fichier et sa taille)",
		wholeDataset+"."+metadata.FormatGeoPackage.Ext+": the whole dataset, one layer per collection; {collectionId}.{extension}: one collection (the enclosure links of /collections and of each collection give each file and its length)"),
		obj{"type": "string", "pattern": `^[A-Za-z0-9_-]+\.(` + strings.Join(exts, "|") + `)$`})
	resp := responses(t(lang, "Le fichier (Content-Length ; Range accepté)", "The file (Content-Length; Range accepted)"), media, "404", "503")
	resp["206"] = obj{"description": t(lang, "Une partie du fichier (Range)", "Part of the file (Range)")}
	paths["/download/{file}"] = op("get", "getBulkDownload", t(lang, "Téléchargement en bloc (INSPIRE /req/pre-defined/bulk-download)", "Bulk download (INSPIRE /req/pre-defined/bulk-download)"),
		[]any{file}, resp)
	paths["/dcat"] = s.dcatOp(lang, "getDatasetDCAT", t(lang, "Le jeu de données en DCAT-AP 2.1.1", "The dataset in DCAT-AP 2.1.1"), op, responses)
}

// dcatOp is the operation of a DCAT-AP description.
func (s *Server) dcatOp(lang, id, summary string, op func(method, id, summary string, params []any, resp obj) obj,
	responses func(desc string, media []string, errors ...string) obj) obj {
	var names, media []string
	for _, sy := range dcatSyntaxes {
		names = append(names, sy.names[0])
		media = append(media, sy.media)
	}
	return op("get", id, summary, []any{obj{"name": "f", "in": "query", "required": false,
		"description": t(lang, "Syntaxe RDF (sinon Accept ; JSON-LD par défaut)", "RDF syntax (else Accept; JSON-LD by default)"),
		"schema":      obj{"type": "string", "enum": names}}},
		responses("DCAT-AP", media, "400", "404", "406"))
}
