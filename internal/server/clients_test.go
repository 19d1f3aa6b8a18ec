package server_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/socle-geo/socle/ogc/features"
)

// owslibPython returns a Python 3 that imports OWSLib (Debian's
// python3-owslib, under /usr/bin/python3 even when another python3 comes
// first on the PATH); without one the test is skipped loudly, and fails in
// CI.
func owslibPython(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(py)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import owslib").Run() == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("OWSLib not found: CI must run the OWSLib client tests (apt-get install python3-owslib)")
	}
	t.Skip("SKIPPED: OWSLib not installed (apt-get install python3-owslib)")
	return ""
}

// TestOWSLibFindsTheCatalogue runs OWSLib as a real Records and CSW
// client (testdata/owslib/catalogue.py): owslib.ogcapi.records finds the
// catalogue among the collections and searches it; owslib.csw harvests the
// same records in ISO 19139, searches and fetches one by id; the feature
// collections stay what OWSLib's Features client lists.
func TestOWSLibFindsTheCatalogue(t *testing.T) {
	py := owslibPython(t)
	url, _ := liveServer(t)
	cmd := exec.Command(py, filepath.Join("testdata", "owslib", "catalogue.py"), url)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("OWSLib: %v\n%s\n%s", err, out, stderr)
	}
	var got struct {
		RecordCollections  []string          `json:"record_collections"`
		Catalogue          string            `json:"catalogue"`
		QRoutier           []string          `json:"q_routier"`
		Matched            int               `json:"matched"`
		Services           []string          `json:"services"`
		BBoxOutside        int               `json:"bbox_outside"`
		Sorted             []string          `json:"sorted"`
		RecordTitle        string            `json:"record_title"`
		Conformance        []string          `json:"conformance"`
		FeatureCollections []string          `json:"feature_collections"`
		CSWVersion         string            `json:"csw_version"`
		CSWOperations      []string          `json:"csw_operations"`
		CSWISO             []string          `json:"csw_iso"`
		CSWISOTitles       []string          `json:"csw_iso_titles"`
		CSWRoad            []string          `json:"csw_road"`
		CSWMatched         int               `json:"csw_matched"`
		CSWByID            map[string]string `json:"csw_byid"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	all := slices.Sorted(slices.Values(recordIDs))
	p := func(ids ...string) []string {
		for i, id := range ids {
			ids[i] = "fr-243100633-" + id
		}
		return ids
	}
	check := func(what string, got, want any) {
		t.Helper()
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("%s: OWSLib got %s, want %s", what, g, w)
		}
	}
	check("Records.records()", got.RecordCollections, []string{"catalogue"})
	check("itemType", got.Catalogue, "record")
	check("q=routier", got.QRoutier, p("download", "roads"))
	check("numberMatched", got.Matched, len(recordIDs))
	check("type=service", got.Services, p("discovery", "download"))
	check("bbox outside", got.BBoxOutside, 0)
	if len(got.Sorted) != len(recordIDs) {
		t.Errorf("sortby=-title: %v", got.Sorted)
	}
	if got.RecordTitle == "" || len(got.Conformance) == 0 {
		t.Errorf("record title %q, Records conformance %v", got.RecordTitle, got.Conformance)
	}
	check("Features.feature_collections()", got.FeatureCollections, publicFeatureCollections(t))
	check("CSW version", got.CSWVersion, "2.0.2")
	for _, op := range []string{"GetCapabilities", "DescribeRecord", "GetRecords", "GetRecordById"} {
		if !slices.Contains(got.CSWOperations, op) {
			t.Errorf("CSW operations %v lack %s", got.CSWOperations, op)
		}
	}
	check("CSW GetRecords (ISO)", got.CSWISO, all)
	if len(got.CSWISOTitles) != len(all) || slices.Contains(got.CSWISOTitles, "") {
		t.Errorf("CSW ISO titles %q", got.CSWISOTitles)
	}
	check("CSW AnyText like road (OWSLib asks in English)", got.CSWRoad, p("download", "roads"))
	check("CSW matches", got.CSWMatched, 2)
	if len(got.CSWByID) != 1 || got.CSWByID["fr-243100633-roads"] == "" {
		t.Errorf("CSW GetRecordById: %v", got.CSWByID)
	}
}

// TestGDALListsTheCatalogue: GDAL's OAPIF driver lists the catalogue as a
// layer, and there is no standard way for a Records collection to be left
// out of its list. In ogr/ogrsf_frmts/wfs/ogroapifdriver.cpp (3.6, the
// Debian package here, to the current master),
// OGROAPIFDataset::LoadJSONCollection keeps every entry of /collections
// that has an id, skipping only those with "layerDataType": "Raster" or
// "Coverage" (a member no OGC standard defines, which would call the
// records a raster); it never reads itemType (the string is not in
// libgdal 3.6), and the OGROAPIFLayer constructor takes
// /collections/{id}/items as the layer's URL whatever the links say (an
// items link of type application/geo+json only replaces it). A Records
// client needs the catalogue in /collections with itemType record and an
// items link, so GDAL sees it too; QGIS's OAPIF provider
// (QgsOapifCollection::deserialize) lists it likewise. What the issue asks
// then holds this way: the layer GDAL is offered loads. Records are
// GeoJSON features with their extent as a polygon; ogr2ogr copies them
// all, with their titles. The feature collections are listed as before
// (TestGDALReadsTheAPI reads them), and a dataset's download API
// (/datasets/{id}/) lists its feature collections only.
func TestGDALListsTheCatalogue(t *testing.T) {
	url, _ := liveServer(t)
	layers := func(api string) ([]string, string) {
		out := gdal(t, "ogrinfo", "-ro", "-q", "OAPIF:"+api)
		var names []string
		for _, line := range strings.Split(out, "\n") {
			if _, name, ok := strings.Cut(line, ": "); ok {
				names = append(names, strings.Fields(name)[0])
			}
		}
		slices.Sort(names)
		return names, out
	}
	if got, out := layers(url); !slices.Equal(got, slices.Sorted(slices.Values(append(publicFeatureCollections(t), "catalogue")))) {
		t.Errorf("GDAL lists %v, want the feature collections and the catalogue:\n%s", got, out)
	}
	// Each dataset's download API: exactly its feature collections.
	_, body := get(t, "/datasets")
	var list struct {
		Datasets []struct{ ID string } `json:"datasets"`
	}
	if err := json.Unmarshal(body, &list); err != nil || len(list.Datasets) == 0 {
		t.Fatalf("/datasets: %v %s", err, body)
	}
	for _, d := range list.Datasets {
		_, body := get(t, "/datasets/"+d.ID+"/collections")
		var want []string
		for _, c := range decode[features.Collections](t, body).Collections {
			if c.ItemType != "feature" {
				t.Errorf("dataset %s serves %s, itemType %q", d.ID, c.ID, c.ItemType)
			}
			want = append(want, c.ID)
		}
		slices.Sort(want)
		if got, out := layers(url + "/datasets/" + d.ID + "/"); len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("GDAL lists %v in dataset %s, want %v:\n%s", got, d.ID, want, out)
		}
	}
	dst := filepath.Join(t.TempDir(), "catalogue.geojson")
	gdal(t, "ogr2ogr", "-f", "GeoJSON", dst, "OAPIF:"+url, "catalogue")
	info := gdal(t, "ogrinfo", "-ro", "-so", "-al", dst)
	if !strings.Contains(info, "Feature Count: "+strconv.Itoa(len(recordIDs))) || !strings.Contains(info, "title: String") || !strings.Contains(info, "Polygon") {
		t.Errorf("GDAL's copy of the catalogue:\n%s", info)
	}
}

// publicFeatureCollections are the ids of the feature collections an
// anonymous caller finds in /collections, sorted.
func publicFeatureCollections(t *testing.T) []string {
	t.Helper()
	_, body := get(t, "/collections")
	var ids []string
	for _, c := range decode[features.Collections](t, body).Collections {
		if c.ItemType == "feature" {
			ids = append(ids, c.ID)
		}
	}
	slices.Sort(ids)
	if len(ids) < 4 {
		t.Fatalf("feature collections %v", ids)
	}
	return ids
}
