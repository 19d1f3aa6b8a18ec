package server_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/socle"
)

// changeFeed is a page of /changes as clients read it.
type changeFeed struct {
	Type       string `json:"type"`
	Collection string `json:"collection"`
	Changes    []struct {
		Seq     int64           `json:"seq"`
		Change  string          `json:"change"`
		ID      json.RawMessage `json:"id"`
		Batch   string          `json:"batch"`
		Time    time.Time       `json:"time"`
		Feature json.RawMessage `json:"feature"`
		BBox    []float64       `json:"bbox"`
		Keys    map[string]any  `json:"keys"`
	} `json:"changes"`
	NumberReturned int    `json:"numberReturned"`
	Token          string `json:"token"`
	More           bool   `json:"more"`
	Links          []struct {
		Href, Rel, Type string
	} `json:"links"`
}

func feedPage(t *testing.T, path string) changeFeed {
	t.Helper()
	resp, body := get(t, path)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %s", path, ct)
	}
	var f changeFeed
	if err := json.Unmarshal(body, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if f.Type != "ChangeFeed" || f.NumberReturned != len(f.Changes) || f.Token == "" {
		t.Errorf("%s: %+v", path, f)
	}
	return f
}

// TestChangeFeedHTTP: writes to a collection appear in its feed over HTTP,
// each feature as the items serve it (in the CRS and with the properties
// asked for), paged by next links, resumable from the token, under each
// dataset's API too; a revert is changes; bad parameters are 400 and a
// token not from this log is 410 with where to reload.
func TestChangeFeedHTTP(t *testing.T) {
	base(t)
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	roads, _ := cat.Collection("roads")
	start := feedPage(t, "/collections/roads/changes?since=latest")
	if len(start.Changes) != 0 || start.More {
		t.Fatalf("since=latest: %+v", start)
	}

	// A road renamed and a new one, in one batch.
	const l93 = "http://www.opengis.net/def/crs/EPSG/0/2154"
	_, raw := get(t, "/collections/roads/items/3?crs="+url.QueryEscape(l93))
	renamed := rowOf(t, roads, raw, map[string]any{"name": "Rue du Journal"})
	added := rowOf(t, roads, raw, map[string]any{"name": "Rue Nouvelle du Journal", "source_id": "TRONJOURNAL0001"})
	added.ID = nil
	batch := socle.NewBatchID("test", time.Now())
	if _, err := env.store.Import(ctx, socle.Batch{ID: batch, Kind: "test", Actor: "test"}, roads, socle.RowsOf([]socle.Row{renamed, added}, nil)); err != nil {
		t.Fatal(err)
	}
	f := feedPage(t, "/collections/roads/changes?since="+start.Token+"&crs="+url.QueryEscape(l93))
	if len(f.Changes) != 2 || f.More {
		t.Fatalf("the feed after the batch: %+v", f)
	}
	ops := f.Changes[0].Change + "," + f.Changes[1].Change
	if ops != "update,insert" && ops != "insert,update" {
		t.Errorf("the batch's entries: %s", ops)
	}
	for _, e := range f.Changes {
		if e.Batch != batch || e.Time.IsZero() || len(e.Feature) == 0 {
			t.Errorf("entry %+v", e)
		}
		// The feature as the items serve it, byte for byte.
		_, item := get(t, "/collections/roads/items/"+string(e.ID)+"?crs="+url.QueryEscape(l93))
		var a, b struct {
			Geometry, Properties json.RawMessage
		}
		if json.Unmarshal(e.Feature, &a) != nil || json.Unmarshal(item, &b) != nil || string(a.Geometry) != string(b.Geometry) || string(a.Properties) != string(b.Properties) {
			t.Errorf("entry %s: feature %s\nitem %s", e.ID, e.Feature, item)
		}
	}
	// properties= and the default CRS.
	f = feedPage(t, "/collections/roads/changes?properties=name&since="+start.Token)
	var feat struct {
		Geometry struct {
			Coordinates [][]float64 `json:"coordinates"`
		} `json:"geometry"`
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(f.Changes[0].Feature, &feat); err != nil || len(feat.Properties) != 1 || feat.Properties["name"] == nil ||
		len(feat.Geometry.Coordinates) == 0 || feat.Geometry.Coordinates[0][0] > 10 {
		t.Errorf("properties=name in CRS84: %s", f.Changes[0].Feature)
	}

	// The revert: changes too, the added road's a tombstone with its key.
	rv, err := env.store.Revert(ctx, batch, "test")
	if err != nil {
		t.Fatal(err)
	}
	f = feedPage(t, "/collections/roads/changes?since="+f.Token)
	if len(f.Changes) != 2 {
		t.Fatalf("the revert's entries: %+v", f)
	}
	for _, e := range f.Changes {
		if e.Batch != rv.RevertBatch {
			t.Errorf("a revert entry of batch %s", e.Batch)
		}
		if e.Change == "delete" && (len(e.Feature) != 0 || len(e.BBox) != 4 || e.Keys["source_id"] != "TRONJOURNAL0001" || e.BBox[0] > 10) {
			t.Errorf("the tombstone: %+v", e)
		}
	}
	// Coalesced since the start: the batch and its revert cancel out.
	if f := feedPage(t, "/collections/roads/changes?coalesce=true&since="+start.Token); len(f.Changes) != 0 {
		t.Errorf("coalesced over a batch and its revert: %+v", f.Changes)
	}

	// Paged by next links, resumed from each token, in a dataset's API.
	var seqs []int64
	path := "/datasets/roads/collections/roads/changes?limit=1&since=" + start.Token
	for pages := 0; path != ""; pages++ {
		if pages > 10 {
			t.Fatal("the next links do not end")
		}
		f := feedPage(t, path)
		path = ""
		for _, e := range f.Changes {
			seqs = append(seqs, e.Seq)
		}
		for _, l := range f.Links {
			if l.Rel == "next" {
				path = strings.TrimPrefix(l.Href, "http://socle.test")
			}
		}
		if (path != "") != f.More {
			t.Errorf("more %v, next link %q", f.More, path)
		}
	}
	if len(seqs) != 4 {
		t.Errorf("paged by one: %v", seqs)
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Errorf("out of order: %v", seqs)
		}
	}

	// Bad parameters; a token not from this log.
	for _, p := range []string{"since=yesterday", "since=1.2", "coalesce=maybe", "limit=0", "properties=nope", "crs=EPSG:1", "bogus=1", "since=1&since=2"} {
		if resp, body := get(t, "/collections/roads/changes?"+p); resp.StatusCode != 400 || !strings.Contains(resp.Header.Get("Content-Type"), "problem") {
			t.Errorf("%s: %d %s", p, resp.StatusCode, body)
		}
	}
	resp, body := get(t, "/collections/roads/changes?since=999999999999")
	if resp.StatusCode != http.StatusGone || !strings.Contains(string(body), "load the collection again") ||
		!strings.Contains(resp.Header.Get("Link"), `rel="items"`) {
		t.Errorf("a token ahead of the log: %d %s %v", resp.StatusCode, body, resp.Header)
	}
	if resp, _ := get(t, "/collections/nowhere/changes"); resp.StatusCode != 404 {
		t.Errorf("the feed of no collection: %d", resp.StatusCode)
	}
}

// TestChangesAtom: the Atom feed of the batches, at the root and under a
// dataset's API (its collections only), in both languages, linked from the
// HTML pages.
func TestChangesAtom(t *testing.T) {
	type feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		ID      string   `xml:"id"`
		Title   string   `xml:"title"`
		Updated string   `xml:"updated"`
		Author  string   `xml:"author>name"`
		Entries []struct {
			ID       string `xml:"id"`
			Title    string `xml:"title"`
			Updated  string `xml:"updated"`
			Summary  string `xml:"summary"`
			Category struct {
				Term string `xml:"term,attr"`
			} `xml:"category"`
			Links []struct {
				Href string `xml:"href,attr"`
				Rel  string `xml:"rel,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	read := func(path string, headers ...string) feed {
		t.Helper()
		resp, body := get(t, path, headers...)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/atom+xml") {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var f feed
		if err := xml.Unmarshal(body, &f); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if f.ID == "" || f.Title == "" || f.Author == "" {
			t.Errorf("%s: feed %+v", path, f)
		}
		if _, err := time.Parse(time.RFC3339, f.Updated); err != nil {
			t.Errorf("%s: updated %q", path, f.Updated)
		}
		ids := map[string]bool{}
		for _, e := range f.Entries {
			if _, err := time.Parse(time.RFC3339, e.Updated); err != nil || e.ID == "" || e.Title == "" || ids[e.ID] || len(e.Links) == 0 {
				t.Errorf("%s: entry %+v", path, e)
			}
			ids[e.ID] = true
		}
		return f
	}
	root := read("/changes.atom")
	if len(root.Entries) == 0 || !strings.HasPrefix(root.Title, "Modifications") {
		t.Fatalf("root feed: %+v", root)
	}
	en := read("/changes.atom", "Accept-Language", "en")
	if !strings.HasPrefix(en.Title, "Changes") {
		t.Errorf("English feed title %q", en.Title)
	}
	ds := read("/datasets/addresses/changes.atom")
	if len(ds.Entries) == 0 {
		t.Fatal("the addresses dataset's feed is empty")
	}
	for _, e := range ds.Entries {
		if !strings.Contains(e.Links[0].Href, "/collections/addresses/changes?since=") {
			t.Errorf("the addresses feed has an entry of another collection: %+v", e)
		}
		// The entry's link leads to the feed from the batch on.
		resp, _ := get(t, strings.TrimPrefix(e.Links[0].Href, "http://socle.test"))
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", e.Links[0].Href, resp.StatusCode)
		}
	}
	for _, page := range []string{"/?f=html", "/collections/addresses?f=html", "/datasets/addresses/?f=html"} {
		if _, body := get(t, page); !strings.Contains(string(body), `type="application/atom+xml"`) {
			t.Errorf("%s does not link the Atom feed", page)
		}
	}
	if resp, _ := get(t, "/changes.atom?bogus=1"); resp.StatusCode != 400 {
		t.Errorf("an unknown parameter: %d", resp.StatusCode)
	}
}
