package embedded

import (
	"context"
	"testing"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/ogc/cql2"
)

// atsLayers loads the suite's Natural Earth layers as the embedded store
// holds its collections (typed values, an R-tree, stored in EPSG:4326
// here), each as a collection whose every column is queryable.
func atsLayers(t *testing.T) (map[string]*layer, map[string]*storetest.ATSLayer) {
	t.Helper()
	src := storetest.ATSLayers(t)
	layers := map[string]*layer{}
	for name, l := range src {
		tbl := newTable(l.Collection)
		feats := make([]*feature, len(l.Features))
		for i, f := range l.Features {
			feats[i] = &feature{fid: makeID(int64(i + 1)), vals: l.Values[i], geom: f.Geometry, bound: f.Geometry.Bound()}
		}
		nl, err := newLayer(tbl, feats, layerState{})
		if err != nil {
			t.Fatal(err)
		}
		layers[name] = nl
	}
	return layers, src
}

// TestCQL2ATSThroughTheEmbeddedStore runs every predicate and combination
// of OGC's CQL2 abstract test suite as a request's filter is run by this
// store: resolved (socle.ResolveItems), compiled for the layer (the
// evaluator's semantics, equality hints, spatial bounds) and run over its
// R-tree; the counts must be the suite's (the disputed rows: the Go
// evaluator's).
func TestCQL2ATSThroughTheEmbeddedStore(t *testing.T) {
	layers, src := atsLayers(t)
	ctx := context.Background()
	var tally storetest.ATSTally
	check := func(c storetest.ATSCase) bool {
		l := layers[c.Layer]
		e, err := cql2.ParseText(c.Filter())
		if err != nil {
			t.Errorf("%s: %v", c.Text, err)
			return false
		}
		q, err := socle.ResolveItems(l.t.c, socle.ItemsRequest{Filter: e, Limit: 1})
		if err != nil {
			t.Errorf("[%s] %s: resolution: %v", c.Class, c.Text, err)
			return false
		}
		pred, err := l.compile(q)
		if err != nil {
			t.Errorf("[%s] %s: compile: %v", c.Class, c.Text, err)
			return false
		}
		matched, err := pred.run(ctx, l)
		if err != nil {
			t.Errorf("[%s] %s: %v", c.Class, c.Text, err)
			return false
		}
		want := c.Want
		if c.Disputed {
			raw, _ := cql2.ParseText(c.Text)
			if want, err = src[c.Layer].GoCount(raw); err != nil {
				t.Errorf("[%s] %s: Go evaluator: %v", c.Class, c.Text, err)
			}
		}
		if len(matched) != want {
			t.Errorf("[%s] %s on %s: %d, want %d", c.Class, c.Text, c.Layer, len(matched), want)
			return false
		}
		return true
	}
	for _, c := range storetest.ATSCases(t) {
		tally.Add(c.Class, check(c))
	}
	tally.Report(t)
}
