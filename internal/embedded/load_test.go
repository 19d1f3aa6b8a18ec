package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/socle"
)

// sameLayer fails unless got holds what want holds: the same features in
// the same order (ids, properties' bytes, geometries, bounds), the same
// state and summary.
func sameLayer(t *testing.T, what string, got, want *layer) {
	t.Helper()
	if got.state != want.state {
		t.Fatalf("%s: state %+v, want %+v", what, got.state, want.state)
	}
	g, _ := json.Marshal(got.sum)
	w, _ := json.Marshal(want.sum)
	if !bytes.Equal(g, w) {
		t.Fatalf("%s: summary %s, want %s", what, g, w)
	}
	if len(got.feats) != len(want.feats) || got.tree.Len() != len(want.feats) {
		t.Fatalf("%s: %d features (%d in the R-tree), want %d", what, len(got.feats), got.tree.Len(), len(want.feats))
	}
	for i, f := range got.feats {
		w := want.feats[i]
		if f.fid != w.fid || !bytes.Equal(f.row, w.row) || f.bound != w.bound || f.vals != nil ||
			fmt.Sprint(f.geom) != fmt.Sprint(w.geom) {
			t.Fatalf("%s: feature %d is %v %v %v %v, want %v %v %v %v", what, i, f.ident(), f.values(), f.geom, f.bound, w.ident(), w.values(), w.geom, w.bound)
		}
	}
	// Every feature is found in the R-tree by its bound.
	for _, f := range got.feats {
		found := false
		got.tree.Search(f.bound.Min, f.bound.Max, func(_, _ [2]float64, g *feature) bool {
			found = g == f
			return !found
		})
		if !found {
			t.Fatalf("%s: feature %v is not in the R-tree", what, f.ident())
		}
	}
}

// sampleAddresses is a store holding the sample territory, its addresses'
// collection and their layer.
func sampleAddresses(t *testing.T, cat *socle.Catalog) (*Store, *socle.Collection, *layer) {
	t.Helper()
	s, _ := openTemp(t)
	loadFixtures(t, s, fixturesDir())
	addrC, _ := cat.Collection("addresses")
	addr, err := s.layer(context.Background(), addrC)
	if err != nil {
		t.Fatal(err)
	}
	return s, addrC, addr
}

// TestChunkedLoadSameAsOneQuery loads the sample territory in chunks of a
// few ids (sparse ids included), on one and on several connections: each
// layer must be the one a single query reads.
func TestChunkedLoadSameAsOneQuery(t *testing.T) {
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	s, addrC, addr := sampleAddresses(t, cat)
	// Far ids: a chunk past the others, and empty chunks between.
	far := rowOf(addr.t, addr.feats[3])
	far.ID, far.Properties["id"] = int64(1_000_000), int64(1_000_000)
	far.Properties["cle_interop"] = "31004_9999_00009"
	far.Geometry = orb.Point{addr.feats[3].bound.Min[0] + 10, addr.feats[3].bound.Min[1]}
	if _, err := s.Import(ctx, socle.Batch{ID: "far", Kind: "import-layer"}, addrC, socle.RowsOf([]socle.Row{far}, nil)); err != nil {
		t.Fatal(err)
	}
	var tables []*table
	for _, c := range cat.Collections {
		tables = append(tables, s.tables[c.ID])
	}
	for _, o := range []loadOptions{
		{workers: 1, chunkIDs: 3, maxChunks: 1000},
		{workers: 3, chunkIDs: 2, maxChunks: 7},
		{workers: 2, chunkIDs: 1 << 40, maxChunks: 32},
		defaultLoad,
	} {
		ls, err := loadLayers(ctx, s.db, s.path, tables, o)
		if err != nil {
			t.Fatal(err)
		}
		for i, tb := range tables {
			want, err := loadLayer(ctx, s.db, tb)
			if err != nil {
				t.Fatal(err)
			}
			if tb.c.ID == "addresses" && len(want.feats) < 20 {
				t.Fatalf("only %d addresses", len(want.feats))
			}
			sameLayer(t, fmt.Sprintf("%+v %s", o, tb.c.ID), ls[i], want)
		}
	}
}

// TestChunkedLoadTornByABatch commits a batch between the chunks of a
// collection's load: the collection is read again, whole, so the layer is
// the one after the batch, not a mix.
func TestChunkedLoadTornByABatch(t *testing.T) {
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	s, addrC, addr := sampleAddresses(t, cat)
	tb := addr.t
	cols, err := planLoad(ctx, s.db, []*table{tb}, loadOptions{chunkIDs: 4, maxChunks: 100})
	if err != nil {
		t.Fatal(err)
	}
	c := cols[0]
	if len(c.chunks) < 3 {
		t.Fatalf("%d chunks", len(c.chunks))
	}
	rc, err := openRaw(s.path, loadCacheKiB)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.close()
	read := func(ch *loadChunk) {
		t.Helper()
		if err := ch.read(ctx, rc); err != nil {
			t.Fatal(err)
		}
	}
	read(c.chunks[0])
	// The batch changes a feature of the chunk already read.
	r := rowOf(tb, addr.feats[0])
	r.Properties["voie_nom"] = "Rue du milieu du chargement"
	if _, err := s.Import(ctx, socle.Batch{ID: "between", Kind: "import-layer"}, addrC, socle.RowsOf([]socle.Row{r}, nil)); err != nil {
		t.Fatal(err)
	}
	for _, ch := range c.chunks[1:] {
		read(ch)
	}
	if err := c.build(ctx, rc); err != nil {
		t.Fatal(err)
	}
	want, err := loadLayer(ctx, s.db, tb)
	if err != nil {
		t.Fatal(err)
	}
	if v := c.layer.feats[0].val(tb.byName["voie_nom"]); v != "Rue du milieu du chargement" {
		t.Fatalf("the first address's street is %v: the batch is missing", v)
	}
	sameLayer(t, "torn", c.layer, want)
}

// TestBlobPointSameAsDecodeBlob: the points decode reads without orb are
// those decodeBlob returns; other blobs are left to decodeBlob.
func TestBlobPointSameAsDecodeBlob(t *testing.T) {
	for _, g := range []orb.Geometry{
		orb.Point{574000.25, 6280000.5},
		orb.Point{-1, 0},
		orb.LineString{{1, 2}, {3, 4}},
		orb.MultiPoint{{1, 2}},
		orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}},
	} {
		b, err := encodeBlob(g, StorageSRID)
		if err != nil {
			t.Fatal(err)
		}
		want, err := decodeBlob(b)
		if err != nil {
			t.Fatal(err)
		}
		p, ok := blobPoint(b)
		if _, isPoint := g.(orb.Point); ok != isPoint {
			t.Fatalf("%v: blobPoint ok %v", g, ok)
		}
		if ok && want != orb.Geometry(p) {
			t.Fatalf("%v: blobPoint %v, decodeBlob %v", g, p, want)
		}
		// A point with an envelope, a big-endian one, one cut short: not
		// for the fast path.
		if pt, isPoint := g.(orb.Point); isPoint {
			withEnv := append([]byte{}, b[:8]...)
			withEnv[3] |= 1 << envelopeShift
			for range 4 {
				withEnv = append(withEnv, make([]byte, 8)...)
			}
			withEnv = append(withEnv, b[8:]...)
			bigEndian := append(append([]byte{}, b[:8]...), 0, 0, 0, 0, 1)
			bigEndian = append(bigEndian, make([]byte, 16)...)
			if _, err := decodeBlob(bigEndian); err != nil {
				t.Fatal(err)
			}
			for _, bad := range [][]byte{withEnv, b[:len(b)-1], bigEndian} {
				if q, ok := blobPoint(bad); ok {
					t.Fatalf("%v: blobPoint took %x as %v", pt, bad, q)
				}
			}
		}
	}
}

// FuzzBlobPoint: whenever blobPoint takes a blob, decodeBlob gives the
// same point.
func FuzzBlobPoint(f *testing.F) {
	for _, g := range []orb.Geometry{orb.Point{1, 2}, orb.LineString{{1, 2}, {3, 4}}} {
		b, _ := encodeBlob(g, StorageSRID)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, ok := blobPoint(b)
		if !ok {
			return
		}
		g, err := decodeBlob(b)
		if err != nil {
			t.Fatalf("blobPoint took %x, decodeBlob: %v", b, err)
		}
		q, isPoint := g.(orb.Point)
		if !isPoint || math.Float64bits(q[0]) != math.Float64bits(p[0]) || math.Float64bits(q[1]) != math.Float64bits(p[1]) {
			t.Fatalf("blobPoint %v, decodeBlob %v", p, g)
		}
	})
}

// TestOpenLeavesTheFileAlone: opening a file that has every table and row
// Socle needs writes nothing (no commit, hence no sync, at every start).
func TestOpenLeavesTheFileAlone(t *testing.T) {
	s, path := openTemp(t)
	loadFixtures(t, s, fixturesDir())
	s.Close()
	// A first open may complete the file (it does not here); the second
	// must find nothing to do.
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, open := range []func(context.Context, string, *socle.Catalog) (*Store, error){Open, OpenLazy} {
		s2, err := open(context.Background(), path, socle.DefaultCatalog())
		if err != nil {
			t.Fatal(err)
		}
		s2.Close()
		after, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(before, after) {
			t.Fatal("opening the file changed it")
		}
	}
}

// TestRawLoadSameAsDriver: values stored as other software may store them
// (a blob for text, an empty blob, a date in a blob or in a form Socle does
// not write, a fraction of a microsecond, a boolean as 5) load as the
// driver's path (loadLayer) reads them; a value of the wrong type fails
// both loads with the same error.
func TestRawLoadSameAsDriver(t *testing.T) {
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	s, _, addr := sampleAddresses(t, cat)
	ids := make([]int64, 0, 8)
	for _, f := range addr.feats[:8] {
		ids = append(ids, f.fid.n)
	}
	for i, q := range []string{
		"UPDATE addresses SET suffixe = X'626973' WHERE id = ?",
		"UPDATE addresses SET suffixe = X'' WHERE id = ?",
		"UPDATE addresses SET date_der_maj = CAST('2020-01-02' AS BLOB) WHERE id = ?",
		"UPDATE addresses SET date_der_maj = '2020-01-02 23:30:00-02' WHERE id = ?",
		"UPDATE addresses SET fibre_updated_at = '2024-03-01T10:00:00.1234565Z' WHERE id = ?",
		"UPDATE addresses SET fibre_updated_at = '2024-03-01T10:00:00+01:00' WHERE id = ?",
		"UPDATE addresses SET certification_commune = 5 WHERE id = ?",
		"UPDATE addresses SET voie_nom = '' WHERE id = ?",
	} {
		if _, err := s.db.ExecContext(ctx, q, ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	tb := addr.t
	ls, err := loadLayers(ctx, s.db, s.path, []*table{tb}, loadOptions{workers: 2, chunkIDs: 3, maxChunks: 1000})
	if err != nil {
		t.Fatal(err)
	}
	want, err := loadLayer(ctx, s.db, tb)
	if err != nil {
		t.Fatal(err)
	}
	sameLayer(t, "odd values", ls[0], want)
	if v := ls[0].find(ids[0]).val(tb.byName["suffixe"]); v != "bis" {
		t.Fatalf("a blob in a text column: %v", v)
	}

	if _, err := s.db.ExecContext(ctx, "UPDATE addresses SET numero = 'douze' WHERE id = ?", ids[0]); err != nil {
		t.Fatal(err)
	}
	_, rawErr := loadLayers(ctx, s.db, s.path, []*table{tb}, defaultLoad)
	_, drvErr := loadLayer(ctx, s.db, tb)
	if rawErr == nil || drvErr == nil || rawErr.Error() != drvErr.Error() {
		t.Fatalf("text in an integer column: the load says %v, the driver's path %v", rawErr, drvErr)
	}
}
