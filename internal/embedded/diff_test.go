package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"

	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/internal/testdb"
	"github.com/socle-geo/socle/ogc/cql2"
	"github.com/socle-geo/socle/ogc/crs"
	"github.com/socle-geo/socle/ogc/tiles"
)

// The differential test: the sample territory loaded into both stores, then
// the same queries asked of both, which must give the same features in the
// same order, the same counts, the same cursors and the same JSON (decoded;
// coordinates within a unit of their last decimal). Queries come resolved
// (socle.ResolveItems): what it refuses reaches neither store, and where the
// data itself makes a query fail (a division by zero), both fail.

// readStore is what both stores answer.
type readStore interface {
	socle.FeatureReader
	socle.TileReader
}

type storePair struct {
	pg, em readStore
	cat    *socle.Catalog
}

func openPair(t *testing.T) *storePair {
	t.Helper()
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	pg, err := postgis.Open(ctx, testdb.New(t), cat, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Close() })
	if err := pg.Migrate(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	em, _ := openTemp(t)
	loadFixtures(t, pg, fixturesDir())
	loadFixtures(t, em, fixturesDir())
	for _, u := range updaterBatches(em) {
		for _, s := range []interface {
			ApplyUpdate(context.Context, *socle.Update) (socle.UpdateResult, error)
		}{pg, em} {
			if _, err := s.ApplyUpdate(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
	}
	return &storePair{pg: pg, em: em, cat: cat}
}

// updaterBatches are two batches as the updater makes them, fixed so that
// both stores get the same rows: candidates near addresses, reports on and
// off roads, so that address_candidates and road_reports are compared too.
func updaterBatches(s *Store) []*socle.Update {
	at := time.Date(2026, 10, 5, 8, 30, 0, 123456000, time.UTC)
	fibre := &socle.Update{Batch: socle.Batch{ID: "update-fibre-20261005T083000Z-000001", Kind: "update-fibre", Source: "fibre.csv", FileSHA256: "f1", Actor: "test"},
		Collection: "addresses"}
	statuses := []string{"deploye", "cible", "signe"}
	for i, f := range s.layers["addresses"].Load().feats {
		if i%37 != 0 {
			continue
		}
		p := f.geometry().(orb.Point)
		c := socle.AddressCandidate{Key: fmt.Sprintf("cand-%05d", i), Line: i + 2, ImbID: fmt.Sprintf("IMB/31/%05d", i), Suffixe: []string{"", "bis", "ter"}[i%3],
			VoieNom: fmt.Sprintf("Chemin %d", i%11), CommuneInsee: "31" + fmt.Sprintf("%03d", 100+i%9), CommuneNom: fmt.Sprintf("Commune %d", i%9),
			Postcode: "31320", FibreStatus: statuses[i%3], FibreOperator: "ORANGE", Reason: []string{"no address with this number", "ambiguous: two streets"}[i%2],
			X: p[0] + 7.25, Y: p[1] - 3.5, CreatedAt: at}
		if i%5 != 0 {
			n := i%120 + 1
			c.Numero = &n
		}
		fibre.Candidates = append(fibre.Candidates, c)
	}
	reports := &socle.Update{Batch: socle.Batch{ID: "update-road-reports-20261005T090000Z-000002", Kind: "update-road-reports", Source: "reports.csv", FileSHA256: "r1", Actor: "test"},
		Collection: "roads"}
	for i, f := range s.layers["roads"].Load().feats {
		if i%3 != 0 {
			continue
		}
		p := f.geometry().(orb.LineString)[0]
		id := f.ident().(int64)
		r := socle.RoadReport{Key: fmt.Sprintf("rep-%06d", i), Line: i + 2, Time: at.Add(time.Duration(i) * time.Minute), Vehicle: fmt.Sprintf("v%02d", i%13),
			Condition: i % 4, Comment: []string{"", "nid de poule", "fissures"}[i%3], X: p[0] + 1.5, Y: p[1]}
		if i%4 != 0 {
			h, d := float64(i%360), 1.5
			r.Heading, r.RoadID, r.Distance = &h, &id, &d
		} else {
			r.Reason = "too far from every road"
		}
		reports.Reports = append(reports.Reports, r)
	}
	return []*socle.Update{fibre, reports}
}

// answer is what a store said to one query.
type answer struct {
	feats []socle.Feature
	page  socle.Page
	err   error
}

// elapsed sums the time each store took, by store.
var elapsed = map[readStore]time.Duration{}

func ask(s readStore, q *socle.ItemsQuery) answer {
	start := time.Now()
	defer func() { elapsed[s] += time.Since(start) }()
	var a answer
	a.page, a.err = s.Items(context.Background(), q, func(f *socle.Feature) error {
		a.feats = append(a.feats, socle.Feature{ID: clone(f.ID), Geometry: clone(f.Geometry), Properties: clone(f.Properties)})
		return nil
	})
	return a
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

func (a answer) ids() []string {
	var out []string
	for _, f := range a.feats {
		out = append(out, string(f.ID))
	}
	return out
}

// stats counts what the comparisons saw.
type stats struct {
	queries, features, identicalBytes int
}

func cursorText(q *socle.ItemsQuery, c *socle.Cursor) string {
	if c == nil {
		return "<nil>"
	}
	return q.EncodeCursor(c)
}

// sameErrors compares the errors of both stores: both fail, with the same
// code, or neither does.
func sameErrors(t *testing.T, label string, pg, em error) bool {
	t.Helper()
	if (pg == nil) != (em == nil) {
		t.Errorf("%s: PostGIS error %v, embedded error %v", label, pg, em)
		return false
	}
	if pg != nil && socle.ErrorCode(pg) != socle.ErrorCode(em) {
		t.Errorf("%s: PostGIS error %v (%s), embedded %v (%s)", label, pg, socle.ErrorCode(pg), em, socle.ErrorCode(em))
		return false
	}
	return true
}

// compareAnswers reports every difference between the two answers.
func compareAnswers(t *testing.T, label string, q *socle.ItemsQuery, pg, em answer, st *stats) bool {
	t.Helper()
	st.queries++
	if !sameErrors(t, label, pg.err, em.err) || pg.err != nil {
		return pg.err == nil && em.err == nil
	}
	ok := true
	if pg.page.NumberMatched != em.page.NumberMatched || pg.page.NumberReturned != em.page.NumberReturned {
		t.Errorf("%s: numberMatched/Returned PostGIS %d/%d, embedded %d/%d", label,
			pg.page.NumberMatched, pg.page.NumberReturned, em.page.NumberMatched, em.page.NumberReturned)
		ok = false
	}
	if a, b := pg.ids(), em.ids(); !slices.Equal(a, b) {
		t.Errorf("%s: ids differ\nPostGIS  %s\nembedded %s", label, abbreviate(a), abbreviate(b))
		return false
	}
	if a, b := cursorText(q, pg.page.Next), cursorText(q, em.page.Next); a != b {
		t.Errorf("%s: next cursor PostGIS %v, embedded %v", label, pg.page.Next, em.page.Next)
		ok = false
	}
	if a, b := cursorText(q, pg.page.Prev), cursorText(q, em.page.Prev); a != b {
		t.Errorf("%s: prev cursor PostGIS %v, embedded %v", label, pg.page.Prev, em.page.Prev)
		ok = false
	}
	tol := 1.5e-7
	if !q.CRS.Geographic {
		tol = 0.011
	}
	for i := range pg.feats {
		a, b := pg.feats[i], em.feats[i]
		st.features++
		if string(a.Geometry) == string(b.Geometry) && string(a.Properties) == string(b.Properties) {
			st.identicalBytes++
		} else if st.features-st.identicalBytes <= 3 {
			t.Logf("%s: feature %s: not byte-identical:\nPostGIS  %.200s %.200s\nembedded %.200s %.200s", label, a.ID, a.Geometry, a.Properties, b.Geometry, b.Properties)
		}
		if !sameJSON(a.Properties, b.Properties) {
			t.Errorf("%s: feature %s: properties differ\nPostGIS  %s\nembedded %s", label, a.ID, a.Properties, b.Properties)
			ok = false
		}
		if d, why := storetest.GeometryDistance(a.Geometry, b.Geometry); d > tol {
			t.Errorf("%s: feature %s: geometries differ (%s, %g)\nPostGIS  %.300s\nembedded %.300s", label, a.ID, why, d, a.Geometry, b.Geometry)
			ok = false
		}
	}
	return ok
}

func abbreviate(ids []string) string {
	if len(ids) > 20 {
		return fmt.Sprintf("%v … (%d)", ids[:20], len(ids))
	}
	return fmt.Sprint(ids)
}

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// walk resolves a request, compares its first page, then follows the next
// cursors for up to n pages and the prev cursors back, on both stores.
func (p *storePair) walk(t *testing.T, label string, c *socle.Collection, r socle.ItemsRequest, n int, st *stats) {
	t.Helper()
	q, err := socle.ResolveItems(c, r)
	if err != nil {
		t.Errorf("%s: %v", label, err)
		return
	}
	p.walkQuery(t, label, q, n, st)
}

// refused checks that resolution refuses a request (EINVALID): it reaches
// no store.
func refused(t *testing.T, label string, c *socle.Collection, r socle.ItemsRequest) {
	t.Helper()
	if _, err := socle.ResolveItems(c, r); socle.ErrorCode(err) != socle.EINVALID {
		t.Errorf("%s: resolution gives %v, want an EINVALID refusal", label, err)
	}
}

func (p *storePair) walkQuery(t *testing.T, label string, q *socle.ItemsQuery, n int, st *stats) {
	t.Helper()
	for i := 0; i < n; i++ {
		pg, em := ask(p.pg, q), ask(p.em, q)
		if !compareAnswers(t, fmt.Sprintf("%s, page %d", label, i), q, pg, em, st) {
			return
		}
		if pg.page.Next == nil {
			break
		}
		next := *q
		next.Cursor = pg.page.Next
		q = &next
		if i == n-1 {
			break
		}
	}
	// Back through the prev links.
	for i := 0; i < n; i++ {
		pg, em := ask(p.pg, q), ask(p.em, q)
		if !compareAnswers(t, fmt.Sprintf("%s, back %d", label, i), q, pg, em, st) {
			return
		}
		if pg.page.Prev == nil {
			break
		}
		prev := *q
		prev.Cursor = pg.page.Prev
		q = &prev
	}
}

// TestStoresAgree is the differential test of the embedded store against
// the PostGIS store.
func TestStoresAgree(t *testing.T) {
	p := openPair(t)
	ctx := context.Background()
	coll := func(id string) *socle.Collection { c, _ := p.cat.Collection(id); return c }
	st := &stats{}
	defer func() {
		t.Logf("%d queries, %d features compared, %d byte-identical (geometry and properties); time in Items: PostGIS %s, embedded %s",
			st.queries, st.features, st.identicalBytes, elapsed[p.pg].Round(time.Millisecond), elapsed[p.em].Round(time.Millisecond))
	}()

	t.Run("summary", func(t *testing.T) {
		for _, c := range p.cat.Collections {
			a, err1 := p.pg.Summary(ctx, c)
			b, err2 := p.em.Summary(ctx, c)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if a.Count != b.Count || a.Version != b.Version {
				t.Errorf("%s: count/version PostGIS %d/%d, embedded %d/%d", c.ID, a.Count, a.Version, b.Count, b.Version)
			}
			if a.BBox == nil && b.BBox == nil && a.Count == 0 {
				continue // an empty collection (artificialisation, with one millésime)
			}
			if a.BBox == nil || b.BBox == nil || math.Abs(a.BBox.MinX-b.BBox.MinX) > 1e-9 || math.Abs(a.BBox.MinY-b.BBox.MinY) > 1e-9 ||
				math.Abs(a.BBox.MaxX-b.BBox.MaxX) > 1e-9 || math.Abs(a.BBox.MaxY-b.BBox.MaxY) > 1e-9 {
				t.Errorf("%s: bbox PostGIS %+v, embedded %+v", c.ID, a.BBox, b.BBox)
			}
			if !sameTime(a.Start, b.Start) || !sameTime(a.End, b.End) {
				t.Errorf("%s: temporal extent PostGIS %v–%v, embedded %v–%v", c.ID, a.Start, a.End, b.Start, b.End)
			}
		}
	})

	t.Run("all features, every CRS", func(t *testing.T) {
		for _, c := range p.cat.Collections {
			for _, out := range crs.Supported {
				p.walk(t, c.ID+" in "+out.URI, c, socle.ItemsRequest{CRS: out, Limit: 1000}, 100, st)
			}
		}
	})

	t.Run("bbox", func(t *testing.T) {
		boxes := [][4]float64{{1.50, 43.50, 1.56, 43.56}, {1.40, 43.40, 1.70, 43.62}, {1.5523, 43.4455, 1.5561, 43.4493}, {-1, -1, 0, 0}}
		for _, b := range boxes {
			for _, bc := range crs.Supported {
				bb, err := boxIn(b, bc)
				if err != nil {
					t.Fatal(err)
				}
				for _, id := range []string{"addresses", "roads", "land_cover", "communes"} {
					r := socle.ItemsRequest{BBox: bb, BBoxCRS: bc, Limit: 200}
					p.walk(t, fmt.Sprintf("%s bbox %v in %s", id, *bb, bc.URI), coll(id), r, 3, st)
				}
			}
		}
		// A latitude beyond the pole cannot be projected.
		refused(t, "bbox beyond the pole", coll("roads"), socle.ItemsRequest{BBox: &socle.BBox{MinX: 1, MinY: 80, MaxX: 2, MaxY: 95}, BBoxCRS: crs.CRS84, Limit: 10})
	})

	t.Run("datetime", func(t *testing.T) {
		ts := func(s string) *time.Time {
			v, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				t.Fatal(err)
			}
			return &v
		}
		for _, iv := range []socle.Interval{
			{Start: ts("2024-01-15T00:00:00Z"), End: ts("2024-01-15T00:00:00Z")},
			{Start: ts("2024-03-05T23:30:00Z"), End: ts("2024-03-05T23:30:00Z")},
			{Start: ts("2022-01-01T00:00:00Z"), End: ts("2023-06-30T12:00:00Z")},
			{End: ts("2020-01-01T00:00:00Z")},
			{Start: ts("2025-01-01T00:00:00+02:00")},
			{Start: ts("2021-05-03T10:11:12.345678901Z"), End: ts("2022-05-03T10:11:12Z")},
		} {
			for _, id := range []string{"addresses", "roads", "land_cover"} {
				p.walk(t, fmt.Sprintf("%s datetime %v/%v", id, iv.Start, iv.End), coll(id), socle.ItemsRequest{Datetime: &iv, Limit: 300}, 3, st)
			}
		}
		iv := socle.Interval{Start: ts("2024-01-15T00:00:00Z")}
		refused(t, "communes datetime", coll("communes"), socle.ItemsRequest{Datetime: &iv, Limit: 10})
	})

	t.Run("equals", func(t *testing.T) {
		for _, tc := range []struct {
			id string
			eq []socle.TextEquals
		}{
			{"addresses", []socle.TextEquals{{Property: "commune_insee", Value: "31113"}}},
			{"addresses", []socle.TextEquals{{Property: "commune_insee", Value: "31113"}, {Property: "numero", Value: "3"}}},
			{"addresses", []socle.TextEquals{{Property: "certification_commune", Value: "false"}, {Property: "position", Value: "cage d’escalier"}}},
			{"addresses", []socle.TextEquals{{Property: "date_der_maj", Value: "2024-01-15"}}},
			{"addresses", []socle.TextEquals{{Property: "suffixe", Value: "bis"}}},
			{"roads", []socle.TextEquals{{Property: "road_class", Value: "Chemin"}, {Property: "surface", Value: "empierrée"}}},
			{"roads", []socle.TextEquals{{Property: "width", Value: "5.5"}}},
			{"land_cover", []socle.TextEquals{{Property: "artificialised", Value: "true"}, {Property: "year_artificialised", Value: "2022"}}},
			{"communes", []socle.TextEquals{{Property: "nom", Value: "Labège"}}},
		} {
			p.walk(t, fmt.Sprintf("%s equals %v", tc.id, tc.eq), coll(tc.id), socle.ItemsRequest{Equals: tc.eq, Limit: 150}, 3, st)
		}
		refused(t, "equals on an object", coll("communes"), socle.ItemsRequest{Equals: []socle.TextEquals{{Property: "artificialised_ha_by_year", Value: "x"}}, Limit: 150})
	})

	t.Run("sortby and paging", func(t *testing.T) {
		for _, tc := range []struct {
			id   string
			sort []socle.SortKey
		}{
			{"addresses", []socle.SortKey{{Property: "voie_nom"}, {Property: "numero", Desc: true}}},
			{"addresses", []socle.SortKey{{Property: "date_der_maj", Desc: true}}},
			{"addresses", []socle.SortKey{{Property: "date_der_maj"}}},
			{"addresses", []socle.SortKey{{Property: "suffixe"}}},
			{"addresses", []socle.SortKey{{Property: "suffixe", Desc: true}, {Property: "numero"}}},
			{"addresses", []socle.SortKey{{Property: "certification_commune"}, {Property: "cle_interop", Desc: true}}},
			{"addresses", []socle.SortKey{{Property: "lieudit_complement_nom", Desc: true}}},
			{"roads", []socle.SortKey{{Property: "width"}}},
			{"roads", []socle.SortKey{{Property: "width", Desc: true}, {Property: "name"}}},
			{"roads", []socle.SortKey{{Property: "condition", Desc: true}}},
			{"roads", []socle.SortKey{{Property: "updated_at"}}},
			{"land_cover", []socle.SortKey{{Property: "year_artificialised"}, {Property: "area_m2", Desc: true}}},
			{"land_cover", []socle.SortKey{{Property: "artificialised", Desc: true}, {Property: "code_cs"}}},
			{"communes", []socle.SortKey{{Property: "population", Desc: true}}},
			{"communes", []socle.SortKey{{Property: "zan_budget_used_pct"}}},
			{"communes", []socle.SortKey{{Property: "nom"}}},
		} {
			for _, limit := range []int{1, 7, 100} {
				p.walk(t, fmt.Sprintf("%s sortby %v limit %d", tc.id, tc.sort, limit), coll(tc.id), socle.ItemsRequest{SortBy: tc.sort, Limit: limit}, 12, st)
			}
		}
		// Sorting and filtering together.
		r := socle.ItemsRequest{SortBy: []socle.SortKey{{Property: "numero"}},
			Equals: []socle.TextEquals{{Property: "commune_insee", Value: "31113"}}, Limit: 25}
		p.walk(t, "addresses in 31113 by numero", coll("addresses"), r, 20, st)
	})

	t.Run("properties", func(t *testing.T) {
		for _, props := range [][]string{{}, {"numero", "voie_nom"}, {"date_der_maj", "numero", "date_der_maj"}} {
			p.walk(t, fmt.Sprintf("addresses properties %v", props), coll("addresses"), socle.ItemsRequest{Properties: props, Limit: 50}, 2, st)
		}
		refused(t, "an unknown property", coll("addresses"), socle.ItemsRequest{Properties: []string{"nope"}, Limit: 50})
		r := socle.ItemsRequest{Properties: []string{"artificialised_ha_by_year", "zan_budget_used_pct"}, Limit: 50}
		p.walk(t, "communes indicators", coll("communes"), r, 2, st)
	})

	t.Run("features by id", func(t *testing.T) {
		for _, tc := range []struct{ id, fid string }{
			{"addresses", "1"}, {"addresses", "2999"}, {"addresses", "007"}, {"addresses", "999999"}, {"addresses", "x"},
			{"roads", "17"}, {"land_cover", "3"}, {"communes", "31254"}, {"communes", "99999"},
		} {
			for _, out := range []crs.CRS{{}, crs.WGS84, crs.Lambert, crs.LAEA} {
				fq, err := socle.ResolveFeature(coll(tc.id), tc.fid, nil, out)
				if err != nil {
					t.Fatal(err)
				}
				a, err1 := p.pg.Feature(ctx, fq)
				b, err2 := p.em.Feature(ctx, fq)
				label := fmt.Sprintf("%s/%s in %s", tc.id, tc.fid, out.URI)
				if !sameErrors(t, label, err1, err2) || err1 != nil {
					continue
				}
				compareAnswers(t, label, &socle.ItemsQuery{CRS: fq.CRS}, answer{feats: []socle.Feature{*a}}, answer{feats: []socle.Feature{*b}}, st)
				ra, err1 := p.pg.FeatureRecord(ctx, fq)
				rb, err2 := p.em.FeatureRecord(ctx, fq)
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				sameRecords(t, label, ra, rb)
			}
		}
	})

	t.Run("errors", func(t *testing.T) {
		// Cursors bound to their query, with keys of the wrong type or
		// number: refused before any store sees them.
		addresses := coll("addresses")
		token := func(r socle.ItemsRequest, before bool, keys ...any) socle.ItemsRequest {
			q := storetest.Items(t, addresses, r)
			r.Cursor = q.EncodeCursor(&socle.Cursor{Keys: keys, Before: before})
			return r
		}
		bySuffixe := socle.ItemsRequest{SortBy: []socle.SortKey{{Property: "suffixe"}}, Limit: 5}
		byDate := socle.ItemsRequest{SortBy: []socle.SortKey{{Property: "date_der_maj"}}, Limit: 5}
		byCert := socle.ItemsRequest{SortBy: []socle.SortKey{{Property: "certification_commune"}}, Limit: 5}
		plain := socle.ItemsRequest{Limit: 5}
		for i, r := range []socle.ItemsRequest{
			{SortBy: []socle.SortKey{{Property: "artificialised_ha_by_year"}}, Limit: 5},
			{SortBy: []socle.SortKey{{Property: "nope"}}, Limit: 5},
			{Equals: []socle.TextEquals{{Property: "nope", Value: "x"}}, Limit: 5},
			token(plain, false, int64(1), int64(2)),
			token(plain, false, "x"),
			token(plain, false, nil),
			token(plain, false, 1.5),
			token(bySuffixe, false, int64(12)),
			token(byDate, false, "2024-02-30", int64(12)),
			token(byCert, false, "yes", int64(12)),
			{Limit: 5, Cursor: token(bySuffixe, false, nil, int64(12)).Cursor}, // another query's cursor
			{Limit: 5, Cursor: "eyJrIjpbMV19"},                                 // an unbound cursor
		} {
			c := addresses
			if i == 0 {
				c = coll("communes")
			}
			refused(t, fmt.Sprintf("error case %d", i), c, r)
		}
		// Well-formed cursors, pointing anywhere: both stores agree.
		for i, r := range []socle.ItemsRequest{
			token(plain, false, int64(17)),
			token(plain, true, int64(42)),
			token(bySuffixe, false, nil, int64(12)),
			token(bySuffixe, true, nil, int64(12)),
			token(bySuffixe, true, "bis", int64(1)),
		} {
			p.walk(t, fmt.Sprintf("cursor case %d", i), addresses, r, 2, st)
		}
	})

	t.Run("cql2", func(t *testing.T) {
		sample := sampleFeatures(t, p.em, coll("addresses"))
		rng := rand.New(rand.NewPCG(2026, 8))
		nonEmpty := 0
		for i := 0; i < 100; i++ {
			text := storetest.RandomAddressFilter(rng, sample, 3)
			e, err := cql2.ParseText(text)
			if err != nil {
				t.Fatalf("%s: %v", text, err)
			}
			q := storetest.Items(t, coll("addresses"), socle.ItemsRequest{Filter: e, Limit: 5000, Properties: []string{"numero"}})
			pg, em := ask(p.pg, q), ask(p.em, q)
			compareAnswers(t, "filter "+text, q, pg, em, st)
			if pg.page.NumberMatched > 0 {
				nonEmpty++
			}
		}
		if nonEmpty < 40 {
			t.Errorf("only %d of 100 random filters selected anything: the test is too weak", nonEmpty)
		}
		for _, tc := range []struct {
			id, filter string
			fcrs       crs.CRS
		}{
			{"roads", "width * 2 > 10 AND road_class IN ('Chemin', 'Sentier', 'Route à 1 chaussée')", crs.CRS{}},
			{"roads", "T_AFTER(updated_at, TIMESTAMP('2024-06-01T00:00:00Z')) AND width IS NOT NULL", crs.CRS{}},
			{"roads", "T_DURING(INTERVAL(updated_at, updated_at), INTERVAL('2020-01-01', '2022-01-01'))", crs.CRS{}},
			{"roads", "S_CROSSES(geometry, LINESTRING(1.50 43.50, 1.60 43.60))", crs.CRS{}},
			{"roads", "S_INTERSECTS(geometry, BBOX(575000, 6265000, 582000, 6272000))", crs.Lambert},
			{"roads", "S_INTERSECTS(geometry, BBOX(43.50, 1.50, 43.56, 1.56))", crs.WGS84},
			{"roads", "S_INTERSECTS(geometry, POLYGON((166979 5390000, 173658 5390000, 173658 5397000, 166979 5390000)))", crs.Mercator},
			{"roads", "S_DISJOINT(geometry, BBOX(1.0, 43.0, 1.55, 44.0)) AND name LIKE 'Chemin%'", crs.CRS{}},
			{"roads", "CASEI(name) LIKE CASEI('%église%') OR ACCENTI(CASEI(name)) LIKE ACCENTI(CASEI('%EGLISE%'))", crs.CRS{}},
			{"land_cover", "artificialised = true AND year_artificialised >= 2021", crs.CRS{}},
			// Equalities the equality index answers, alone, together, with
			// the literal first, and with other tests.
			{"addresses", "commune_insee = '31113'", crs.CRS{}},
			{"addresses", "'31113' = commune_insee AND numero = 3", crs.CRS{}},
			{"addresses", "commune_insee = '31113' AND commune_insee = '31254'", crs.CRS{}},
			{"addresses", "commune_insee = '31113' AND suffixe IS NULL AND numero > 10", crs.CRS{}},
			{"addresses", "commune_insee = '31113' OR numero = 1", crs.CRS{}},
			{"addresses", "numero = 2.0", crs.CRS{}},
			{"addresses", "cle_interop = '31113_0010_00002'", crs.CRS{}},
			{"land_cover", "area_m2 / 10000 BETWEEN 0.5 AND 2 AND artificialised = false", crs.CRS{}},
			{"land_cover", "S_WITHIN(geometry, BBOX(1.50, 43.50, 1.56, 43.56))", crs.CRS{}},
			{"land_cover", "S_TOUCHES(geometry, POINT(1.5535 43.4469)) OR S_CONTAINS(geometry, POINT(1.5535 43.4469))", crs.CRS{}},
			{"communes", "S_CONTAINS(geometry, POINT(1.53 43.54))", crs.CRS{}},
			{"communes", "S_INTERSECTS(geometry, POINT(2300000 3620000))", crs.LAEA},
			{"communes", "population > 5000 OR zan_budget_used_pct > 40", crs.CRS{}},
			{"communes", "artificialised_ha_since_2021 > 0 AND insee LIKE '311%'", crs.CRS{}},
			{"communes", "S_OVERLAPS(geometry, BBOX(1.5, 43.45, 1.6, 43.55))", crs.CRS{}},
			// Temporal predicates as PostgreSQL compares the ends, nulls and
			// an interval that ends before it starts included.
			{"addresses", "T_INTERSECTS(INTERVAL(date_der_maj, '2020-01-01'), INTERVAL('2019-06-01', '2023-01-01'))", crs.CRS{}},
			{"addresses", "T_DISJOINT(INTERVAL(date_der_maj, '2021-01-01'), INTERVAL('2019-06-01', '2020-01-01'))", crs.CRS{}},
			{"addresses", "T_DURING(INTERVAL(date_der_maj, '..'), INTERVAL('2019-01-01', '..'))", crs.CRS{}},
			{"addresses", "T_OVERLAPS(INTERVAL(date_der_maj, '2022-06-01'), INTERVAL('2020-01-01', '2022-01-01'))", crs.CRS{}},
			{"addresses", "NOT T_CONTAINS(INTERVAL('2019-01-01', '2025-01-01'), INTERVAL(date_der_maj, '2024-06-01'))", crs.CRS{}},
			{"addresses", "T_MEETS(INTERVAL('2018-01-01', date_der_maj), INTERVAL('2022-06-26', '..')) OR T_METBY(INTERVAL(date_der_maj, '2030-01-01'), INTERVAL('..', '2023-11-11'))", crs.CRS{}},
			{"addresses", "T_STARTS(INTERVAL(date_der_maj, '2025-01-01'), INTERVAL('2019-05-29', '2026-01-01')) OR T_FINISHEDBY(INTERVAL('2000-01-01', date_der_maj), INTERVAL('2020-01-01', '2022-06-26'))", crs.CRS{}},
			{"roads", "T_OVERLAPPEDBY(INTERVAL(updated_at, '2030-01-01'), INTERVAL('2019-01-01', TIMESTAMP('2024-01-01T00:00:00Z')))", crs.CRS{}},
			{"roads", "T_FINISHES(INTERVAL(updated_at, '2027-01-01'), INTERVAL('..', '2027-01-01')) AND T_STARTEDBY(INTERVAL('2019-01-01', updated_at), INTERVAL('2019-01-01', '2020-01-01'))", crs.CRS{}},
			{"roads", "T_EQUALS(updated_at, condition_observed_at) OR T_BEFORE(condition_observed_at, updated_at) OR T_AFTER(updated_at, TIMESTAMP('2026-01-01T00:00:00Z'))", crs.CRS{}},
			// Text orders by bytes, as PostgreSQL's C.UTF-8 collation does.
			{"addresses", "voie_nom > 'Rue'", crs.CRS{}},
			{"addresses", "voie_nom < 'F' OR voie_nom >= 'Rue de l’É'", crs.CRS{}},
			{"addresses", "voie_nom >= 'Chemin' AND voie_nom <= 'Rue' AND suffixe IS NULL", crs.CRS{}},
			{"addresses", "NOT (commune_nom IN ('Labège', 'Escalquens', 'Castanet-Tolosan'))", crs.CRS{}},
			{"addresses", "suffixe IN ('bis', 'ter') OR NOT (suffixe <> 'a')", crs.CRS{}},
			{"addresses", "ACCENTI(voie_nom) > 'Rue de l’E' AND CASEI(commune_nom) <= CASEI('LABÈGE')", crs.CRS{}},
			{"roads", "name >= surface AND name <= road_class OR name = 'Impasse de l''Église'", crs.CRS{}},
			// The data makes this one fail on both stores.
			{"addresses", "numero / 0 > 1", crs.CRS{}},
		} {
			e, err := cql2.ParseText(tc.filter)
			if err != nil {
				t.Fatalf("%s: %v", tc.filter, err)
			}
			r := socle.ItemsRequest{Filter: e, FilterCRS: tc.fcrs, Limit: 100}
			p.walk(t, fmt.Sprintf("%s filter %s (filter-crs %s)", tc.id, tc.filter, tc.fcrs.URI), coll(tc.id), r, 3, st)
		}
		for _, tc := range []struct{ id, filter string }{
			{"addresses", "nope = 1"},
			{"addresses", "geometry = 1"},
			{"addresses", "S_INTERSECTS(numero, POINT(1 2))"},
			{"addresses", "T_DURING(date_der_maj, INTERVAL('2020-01-01', '2021-01-01'))"},
			{"roads", "T_DURING(updated_at, INTERVAL('2020-01-01', '2022-01-01'))"},
			{"addresses", "T_AFTER(voie_nom, DATE('2020-01-01'))"},
			{"addresses", "A_CONTAINS(cad_parcelles, ('a'))"},
			{"addresses", "foo(numero) = 1"},
			{"communes", "artificialised_ha_by_year IS NULL"},
		} {
			e, err := cql2.ParseText(tc.filter)
			if err != nil {
				t.Fatalf("%s: %v", tc.filter, err)
			}
			refused(t, "filter "+tc.filter, coll(tc.id), socle.ItemsRequest{Filter: e, Limit: 100})
		}
	})
	t.Run("tiles", func(t *testing.T) {
		sets, err := tiles.Load()
		if err != nil {
			t.Fatal(err)
		}
		var layers []*socle.Collection
		for _, id := range []string{"addresses", "roads", "land_cover", "communes"} {
			layers = append(layers, coll(id))
		}
		var n, feats, sameGeom int
		for _, set := range sets {
			for z := 5; z < len(set.TileMatrices) && z <= 18; z++ {
				for _, center := range [][2]float64{{1.55, 43.48}, {1.5002937, 43.5120682}, {1.6, 43.41}} {
					for _, tl := range tilesAround(t, set, z, center) {
						q := socle.TileQuery{Tile: tl, Collections: layers}
						a, err1 := p.pg.Tile(ctx, q)
						b, err2 := p.em.Tile(ctx, q)
						label := fmt.Sprintf("%s %s", set.ID, tl)
						if !sameErrors(t, label, err1, err2) || err1 != nil {
							continue
						}
						n++
						f, g := compareTiles(t, label, a, b)
						feats += f
						sameGeom += g
					}
				}
			}
		}
		t.Logf("%d tiles compared, %d features, %d with the same geometry; others by layer: %v", n, feats, sameGeom, tileDiffs)
	})

}

// sameRecords compares two records: the same id and values, the same
// geometry within a micrometre (each store projected the imported
// coordinates itself).
func sameRecords(t *testing.T, label string, a, b *socle.Record) {
	t.Helper()
	if a.ID != b.ID || !reflect.DeepEqual(a.Values, b.Values) {
		t.Errorf("%s: records differ\nPostGIS  %v %v\nembedded %v %v", label, a.ID, a.Values, b.ID, b.Values)
	}
	ga, err1 := geojson.NewGeometry(a.Geometry).MarshalJSON()
	gb, err2 := geojson.NewGeometry(b.Geometry).MarshalJSON()
	if d, why := storetest.GeometryDistance(ga, gb); err1 != nil || err2 != nil || d > 1e-6 {
		t.Errorf("%s: record geometries differ (%s, %g)", label, why, d)
	}
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// boxIn returns the CRS84 box b drawn in c, in c's axis order.
func boxIn(b [4]float64, c crs.CRS) (*socle.BBox, error) {
	tr, err := crs.NewTransformer(4326, c.SRID)
	if err != nil {
		return nil, err
	}
	x0, y0, err := tr.Transform(b[0], b[1])
	if err != nil {
		return nil, err
	}
	x1, y1, err := tr.Transform(b[2], b[3])
	if err != nil {
		return nil, err
	}
	if c.YX {
		x0, y0, x1, y1 = y0, x0, y1, x1
	}
	return &socle.BBox{MinX: x0, MinY: y0, MaxX: x1, MaxY: y1}, nil
}

// sampleFeatures reads a collection for the filter generator: typed values
// and CRS84 geometries.
func sampleFeatures(t *testing.T, s readStore, c *socle.Collection) []cql2.MapFeature {
	t.Helper()
	var out []cql2.MapFeature
	_, err := s.Items(context.Background(), storetest.Items(t, c, socle.ItemsRequest{Limit: 100000}), func(f *socle.Feature) error {
		var props map[string]any
		if err := json.Unmarshal(f.Properties, &props); err != nil {
			return err
		}
		var g struct {
			Coordinates []float64 `json:"coordinates"`
		}
		if err := json.Unmarshal(f.Geometry, &g); err != nil {
			return err
		}
		m := cql2.MapFeature{"geometry": orb.Point{g.Coordinates[0], g.Coordinates[1]}}
		for k, v := range props {
			if k == "date_der_maj" && v != nil {
				d, err := time.Parse(time.DateOnly, v.(string))
				if err != nil {
					return err
				}
				v = d
			}
			m[k] = v
		}
		out = append(out, m)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tilesAround returns the tile of set at zoom z holding the CRS84 point
// c, and its eight neighbours.
func tilesAround(t *testing.T, set *tiles.TileMatrixSet, z int, c [2]float64) []tiles.Tile {
	t.Helper()
	tr, err := crs.NewTransformer(4326, set.SRID)
	if err != nil {
		t.Fatal(err)
	}
	x, y, err := tr.Transform(c[0], c[1])
	if err != nil {
		t.Fatal(err)
	}
	origin, err := set.Parse(fmt.Sprint(z), "0", "0")
	if err != nil {
		t.Fatal(err)
	}
	minx, _, maxx, maxy := origin.Bounds()
	w := maxx - minx
	col, row := int(math.Floor((x-minx)/w)), int(math.Floor((maxy-y)/w))
	var out []tiles.Tile
	for dr := -1; dr <= 1; dr++ {
		for dc := -1; dc <= 1; dc++ {
			tl, err := set.Parse(fmt.Sprint(z), fmt.Sprint(row+dr), fmt.Sprint(col+dc))
			if err == nil {
				out = append(out, tl)
			}
		}
	}
	return out
}

var tileDiffs = map[string]int{}

// normalizeRings starts every ring of a polygon at its smallest position,
// so that rings equal but for where they start compare equal.
func normalizeRings(g orb.Geometry) orb.Geometry {
	ring := func(r orb.Ring) orb.Ring {
		if len(r) < 2 || r[0] != r[len(r)-1] {
			return r
		}
		open := r[:len(r)-1]
		k := 0
		for i, p := range open {
			if p[0] < open[k][0] || p[0] == open[k][0] && p[1] < open[k][1] {
				k = i
			}
		}
		out := append(append(orb.Ring{}, open[k:]...), open[:k]...)
		return append(out, out[0])
	}
	switch g := g.(type) {
	case orb.Polygon:
		out := make(orb.Polygon, len(g))
		for i, r := range g {
			out[i] = ring(r)
		}
		return out
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = normalizeRings(p).(orb.Polygon)
		}
		return out
	}
	return g
}

// compareTiles checks that two tiles have the same layers and, in each,
// the same features (by id, or by insee for communes) with the same
// attributes and geometry types. It returns how many features it compared
// and how many had exactly the same geometry.
func compareTiles(t *testing.T, label string, a, b []byte) (n, same int) {
	t.Helper()
	la, err := mvt.Unmarshal(a)
	if err != nil {
		t.Fatalf("%s: PostGIS tile: %v", label, err)
	}
	lb, err := mvt.Unmarshal(b)
	if err != nil {
		t.Fatalf("%s: embedded tile: %v", label, err)
	}
	byName := func(ls mvt.Layers) map[string]*mvt.Layer {
		m := map[string]*mvt.Layer{}
		for _, l := range ls {
			m[l.Name] = l
		}
		return m
	}
	ma, mb := byName(la), byName(lb)
	var names []string
	for name := range ma {
		names = append(names, name)
	}
	var namesB []string
	for name := range mb {
		namesB = append(namesB, name)
	}
	slices.Sort(names)
	slices.Sort(namesB)
	if !slices.Equal(names, namesB) {
		t.Errorf("%s: layers PostGIS %v, embedded %v", label, names, namesB)
		return
	}
	for _, name := range names {
		index := func(l *mvt.Layer) map[string]int {
			m := map[string]int{}
			for i, f := range l.Features {
				k := fmt.Sprint(f.ID)
				if f.ID == nil {
					k = fmt.Sprint(f.Properties["insee"])
				}
				m[k] = i
			}
			return m
		}
		A, B := ma[name], mb[name]
		ia, ib := index(A), index(B)
		var ka, kb []string
		for k := range ia {
			ka = append(ka, k)
		}
		for k := range ib {
			kb = append(kb, k)
		}
		slices.Sort(ka)
		slices.Sort(kb)
		if !slices.Equal(ka, kb) || len(A.Features) != len(B.Features) {
			t.Errorf("%s: layer %s: PostGIS %d features %s, embedded %d features %s", label, name, len(A.Features), abbreviate(ka), len(B.Features), abbreviate(kb))
			continue
		}
		if A.Version != B.Version || A.Extent != B.Extent {
			t.Errorf("%s: layer %s: version/extent PostGIS %d/%d, embedded %d/%d", label, name, A.Version, A.Extent, B.Version, B.Extent)
		}
		for k, i := range ia {
			fa, fb := A.Features[i], B.Features[ib[k]]
			n++
			if fa.Geometry.GeoJSONType() != fb.Geometry.GeoJSONType() && !(strings.TrimPrefix(fa.Geometry.GeoJSONType(), "Multi") == strings.TrimPrefix(fb.Geometry.GeoJSONType(), "Multi")) {
				t.Errorf("%s: %s %s: geometry PostGIS %s, embedded %s", label, name, k, fa.Geometry.GeoJSONType(), fb.Geometry.GeoJSONType())
			}
			if !reflect.DeepEqual(fa.Properties, fb.Properties) {
				t.Errorf("%s: %s %s: attributes PostGIS %v, embedded %v", label, name, k, fa.Properties, fb.Properties)
			}
			if orb.Equal(normalizeRings(fa.Geometry), normalizeRings(fb.Geometry)) {
				same++
			} else if tileDiffs[name]++; tileDiffs[name] <= 2 && testing.Verbose() {
				t.Logf("%s: %s %s: geometry PostGIS %v\nembedded %v", label, name, k, fa.Geometry, fb.Geometry)
			}
		}
	}
	return n, same
}
