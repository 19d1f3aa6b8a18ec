package storetest

import (
	"testing"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
)

// Items resolves a request for features of c, failing the test when it is
// refused.
func Items(t testing.TB, c *socle.Collection, r socle.ItemsRequest) *socle.ItemsQuery {
	t.Helper()
	q, err := socle.ResolveItems(c, r)
	if err != nil {
		t.Fatalf("resolve %s %+v: %v", c.ID, r, err)
	}
	return q
}

// Feature resolves a request for one feature of c in CRS84 with every
// property.
func Feature(t testing.TB, c *socle.Collection, id string) *socle.FeatureQuery {
	t.Helper()
	q, err := socle.ResolveFeature(c, id, nil, crs.CRS84)
	if err != nil {
		t.Fatal(err)
	}
	return q
}
