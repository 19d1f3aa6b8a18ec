package territory

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// The scale-1 territory is generated once, into a temporary directory, and
// every test reads the files back as a consumer would.
var fixture struct {
	once sync.Once
	dir  string
	t    *Territory
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixture.dir != "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}

// checkDir, when set, makes the layer checks read an already generated
// territory instead, e.g. the benchmark one (go run ./cmd/territory
// --scale 83 --out DIR):
//
//	TERRITORY_DIR=DIR go test ./internal/territory -run 'Communes|Addresses|Roads|LandCover|BAL'
var checkDir = os.Getenv("TERRITORY_DIR")

func generated(t *testing.T) (*Territory, string) {
	t.Helper()
	if checkDir != "" {
		return nil, checkDir
	}
	fixture.once.Do(func() {
		fixture.dir, fixture.err = os.MkdirTemp("", "territory-test-")
		if fixture.err != nil {
			return
		}
		fixture.t, fixture.err = Generate(Config{Scale: 1, Seed: DefaultSeed})
		if fixture.err == nil {
			fixture.err = fixture.t.WriteDir(fixture.dir)
		}
	})
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	return fixture.t, fixture.dir
}

func readLayer(t *testing.T, dir, name string) *geojson.FeatureCollection {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return fc
}

// outputFiles lists every file WriteDir produces.
var outputFiles = []string{CommunesFile, RoadsFile, AddressesFile, LandCoverFile, BALFile()}

func TestDeterministic(t *testing.T) {
	if checkDir != "" {
		t.Skip("TERRITORY_DIR set")
	}
	_, dir := generated(t)
	again, err := Generate(Config{Scale: 1, Seed: DefaultSeed})
	if err != nil {
		t.Fatal(err)
	}
	dir2 := t.TempDir()
	if err := again.WriteDir(dir2); err != nil {
		t.Fatal(err)
	}
	for _, f := range outputFiles {
		a, _ := os.ReadFile(filepath.Join(dir, f))
		b, _ := os.ReadFile(filepath.Join(dir2, f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs (%d and %d bytes)", f, len(a), len(b))
		}
	}
	other, err := Generate(Config{Scale: 1, Seed: DefaultSeed + 1})
	if err != nil {
		t.Fatal(err)
	}
	if other.Addresses[0].Geometry == fixture.t.Addresses[0].Geometry {
		t.Error("another seed gives the same first address")
	}
}

// The committed fixtures must be what the generator produces. Floating-point
// results may differ in the last bit on other architectures (FMA fusion is
// allowed by the Go spec there), so the byte comparison runs on amd64 only.
func TestCommittedFixtures(t *testing.T) {
	if checkDir != "" {
		t.Skip("TERRITORY_DIR set")
	}
	if runtime.GOARCH != "amd64" {
		t.Skipf("fixtures are generated on amd64; GOARCH=%s may differ in the last bit", runtime.GOARCH)
	}
	_, dir := generated(t)
	committed := filepath.Join("..", "..", "fixtures")
	for _, f := range outputFiles {
		a, _ := os.ReadFile(filepath.Join(dir, f))
		b, err := os.ReadFile(filepath.Join(committed, f))
		if err != nil {
			t.Errorf("%s: %v (run: go run ./cmd/territory --scale 1 --out fixtures)", f, err)
			continue
		}
		if !bytes.Equal(a, b) {
			t.Errorf("fixtures/%s is stale: run go run ./cmd/territory --scale 1 --out fixtures", f)
		}
	}
}

func TestCounts(t *testing.T) {
	if checkDir != "" {
		t.Skip("TERRITORY_DIR set")
	}
	_, dir := generated(t)
	for _, c := range []struct {
		file   string
		lo, hi int
	}{
		{CommunesFile, 36, 36},
		{RoadsFile, 1350, 1650},
		{AddressesFile, 2700, 3300},
		{LandCoverFile, 650, 850},
	} {
		n := len(readLayer(t, dir, c.file).Features)
		if n < c.lo || n > c.hi {
			t.Errorf("%s: %d features, want %d..%d", c.file, n, c.lo, c.hi)
		}
		t.Logf("%s: %d features", c.file, n)
	}
	total := int64(0)
	for _, f := range outputFiles {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		total += st.Size()
	}
	if total > 6<<20 {
		t.Errorf("fixtures weigh %d bytes, want < 6 MiB", total)
	}
}

// communeGeoms reads communes.geojson into Lambert-93 ring indexes.
func communeGeoms(t *testing.T, dir string) map[string]*ringIndex {
	t.Helper()
	out := map[string]*ringIndex{}
	for _, f := range readLayer(t, dir, CommunesFile).Features {
		mp := f.Geometry.(orb.MultiPolygon)
		if len(mp) != 1 || len(mp[0]) != 1 {
			t.Fatalf("commune %v: want one polygon with one ring", f.ID)
		}
		ring := make([]orb.Point, len(mp[0][0]))
		for i, p := range mp[0][0] {
			ring[i] = ToLambert93(p)
		}
		out[f.Properties.MustString("insee")] = newRingIndex(ring)
	}
	return out
}

func TestCommunes(t *testing.T) {
	_, dir := generated(t)
	infos, err := LoadCommunes()
	if err != nil {
		t.Fatal(err)
	}
	fc := readLayer(t, dir, CommunesFile)
	if len(fc.Features) != len(infos) {
		t.Fatalf("%d communes, want %d", len(fc.Features), len(infos))
	}
	for i, f := range fc.Features {
		in := infos[i]
		p := f.Properties
		if f.ID != in.INSEE || p.MustString("insee") != in.INSEE || p.MustString("nom") != in.Nom ||
			p.MustString("epci_siren") != EPCISIREN || int(p.MustFloat64("population")) != in.Population {
			t.Errorf("commune %d: id %v, properties %v; want %s %s", i, f.ID, p, in.INSEE, in.Nom)
		}
		got := f.Geometry.(orb.MultiPolygon)[0]
		if got[0].Orientation() != orb.CCW {
			t.Errorf("commune %s: exterior ring is not counter-clockwise", in.INSEE)
		}
		rev := got.Clone()
		rev[0].Reverse()
		if !got.Equal(in.Geometry) && !rev.Equal(in.Geometry) {
			t.Errorf("commune %s: boundary differs from the input", in.INSEE)
		}
	}
}

var (
	cleInteropRE  = regexp.MustCompile(`^[0-9][0-9ab][0-9]{3}_[0-9a-z]{4}_[0-9]{5}(_[0-9a-z]+)?$`)
	cadRE         = regexp.MustCompile(`^[0-9]{5}000[0-9A-Z]{2}[0-9]{4}(\|[0-9]{5}000[0-9A-Z]{2}[0-9]{4})*$`)
	validPosition = map[string]bool{
		"entrée": true, "bâtiment": true, "cage d’escalier": true, "logement": true,
		"service technique": true, "délivrance postale": true, "parcelle": true, "segment": true,
	}
)

// roadsByVoie maps (commune, name) to the Lambert-93 polylines of its roads.
func roadsByVoie(t *testing.T, dir string) map[[2]string][][]orb.Point {
	out := map[[2]string][][]orb.Point{}
	for _, f := range readLayer(t, dir, RoadsFile).Features {
		ls := f.Geometry.(orb.LineString)
		pts := make([]orb.Point, len(ls))
		for i, p := range ls {
			pts[i] = ToLambert93(p)
		}
		k := [2]string{f.Properties.MustString("commune_insee"), f.Properties.MustString("name")}
		out[k] = append(out[k], pts)
	}
	return out
}

func TestAddresses(t *testing.T) {
	_, dir := generated(t)
	communes := communeGeoms(t, dir)
	roads := roadsByVoie(t, dir)
	fc := readLayer(t, dir, AddressesFile)
	seen := map[string]bool{}
	voieCode := map[[2]string]string{}
	codeVoie := map[[2]string]string{}
	certified, suffixes, lieux := 0, 0, 0
	sources := map[string]int{}
	minDate, maxDate := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	for i, f := range fc.Features {
		p := f.Properties
		id := int(p.MustFloat64("id"))
		if id != i+1 || f.ID != float64(id) {
			t.Fatalf("feature %d: id %v / %v", i, f.ID, p["id"])
		}
		cle := p.MustString("cle_interop")
		if !cleInteropRE.MatchString(cle) {
			t.Errorf("cle_interop %q does not match the BAL pattern", cle)
		}
		if seen[cle] {
			t.Errorf("cle_interop %q is not unique", cle)
		}
		seen[cle] = true
		insee, numero := p.MustString("commune_insee"), int(p.MustFloat64("numero"))
		suffix, _ := p["suffixe"].(string)
		want := fmt.Sprintf("%s_%s_%05d", insee, cle[6:10], numero)
		if suffix != "" {
			want += "_" + suffix
			suffixes++
			if !map[string]bool{"bis": true, "ter": true, "a": true, "b": true}[suffix] {
				t.Errorf("%s: suffixe %q", cle, suffix)
			}
		}
		if cle != want || numero < 1 || numero > 99999 {
			t.Errorf("%s: inconsistent with numero %d, suffixe %q, commune %s", cle, numero, suffix, insee)
		}
		voie := p.MustString("voie_nom")
		if c, ok := voieCode[[2]string{insee, voie}]; ok && c != cle[6:10] {
			t.Errorf("%s %q has voie codes %s and %s", insee, voie, c, cle[6:10])
		}
		if v, ok := codeVoie[[2]string{insee, cle[6:10]}]; ok && v != voie {
			t.Errorf("%s voie code %s names %q and %q", insee, cle[6:10], v, voie)
		}
		voieCode[[2]string{insee, voie}] = cle[6:10]
		codeVoie[[2]string{insee, cle[6:10]}] = voie
		if !validPosition[p.MustString("position")] {
			t.Errorf("%s: position %q", cle, p["position"])
		}
		sources[p.MustString("source")]++
		d, err := time.Parse(time.DateOnly, p.MustString("date_der_maj"))
		if err != nil || d.Before(minDate) || d.After(maxDate) {
			t.Errorf("%s: date_der_maj %v", cle, p["date_der_maj"])
		}
		if p.MustBool("certification_commune") {
			certified++
		}
		if cad, ok := p["cad_parcelles"].(string); ok && (!cadRE.MatchString(cad) || cad[:5] != insee) {
			t.Errorf("%s: cad_parcelles %q", cle, cad)
		}
		if l, ok := p["lieudit_complement_nom"].(string); ok {
			if l == "" {
				t.Errorf("%s: empty lieudit_complement_nom should be null", cle)
			}
			lieux++
		}
		if p.MustString("commune_nom") == "" {
			t.Errorf("%s: no commune_nom", cle)
		}
		pt := ToLambert93(f.Geometry.(orb.Point))
		if !communes[insee].contains(pt) {
			t.Errorf("%s lies outside commune %s", cle, insee)
		}
		best := math.Inf(1)
		for _, line := range roads[[2]string{insee, voie}] {
			for k := 1; k < len(line); k++ {
				best = math.Min(best, segDist(pt, line[k-1], line[k]))
			}
		}
		if best > 20 {
			t.Errorf("%s is %.1f m from the nearest road named %q", cle, best, voie)
		}
	}
	n := float64(len(fc.Features))
	if r := float64(certified) / n; r < 0.6 || r > 0.8 {
		t.Errorf("certified share %.2f, want about 0.7", r)
	}
	if sources["Sicoval"] < sources["commune"] || sources["commune"] == 0 || sources["arcep"] == 0 {
		t.Errorf("sources %v", sources)
	}
	if suffixes == 0 || float64(suffixes) > 0.1*n || lieux == 0 || float64(lieux) > 0.1*n {
		t.Errorf("%d suffixes and %d lieux-dits among %v addresses", suffixes, lieux, n)
	}
}

var (
	roadClasses = map[string]bool{
		"Route à 2 chaussées": true, "Route à 1 chaussée": true, "Rond-point": true,
		"Chemin": true, "Sentier": true, "Bretelle": true,
	}
	surfaces = map[string]bool{"revêtue": true, "non revêtue": true, "empierrée": true}
)

func TestRoads(t *testing.T) {
	_, dir := generated(t)
	communes := communeGeoms(t, dir)
	fc := readLayer(t, dir, RoadsFile)
	classes := map[string]int{}
	// union-find over segment endpoints, to check the network is connected
	parent := map[orb.Point]orb.Point{}
	var find func(p orb.Point) orb.Point
	find = func(p orb.Point) orb.Point {
		if q, ok := parent[p]; ok && q != p {
			r := find(q)
			parent[p] = r
			return r
		}
		parent[p] = p
		return p
	}
	lo, hi := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	apostrophes := map[string]int{}
	for i, f := range fc.Features {
		p := f.Properties
		id := int(p.MustFloat64("id"))
		if id != i+1 || f.ID != float64(id) {
			t.Fatalf("feature %d: id %v / %v", i, f.ID, p["id"])
		}
		name, class := p.MustString("name"), p.MustString("road_class")
		classes[class]++
		if !roadClasses[class] || !surfaces[p.MustString("surface")] || name == "" {
			t.Errorf("road %d: %q %q %q", id, name, class, p["surface"])
		}
		for _, a := range []string{"'", "’"} {
			if bytes.Contains([]byte(name), []byte(a)) {
				apostrophes[a]++
			}
		}
		w := p.MustFloat64("width")
		if w < 1 || w > 20 || math.Round(w*10)/10 != w {
			t.Errorf("road %d: width %v", id, w)
		}
		u, err := time.Parse(time.RFC3339, p.MustString("updated_at"))
		if err != nil || u.Before(lo) || !u.Before(hi) || u.Location() != time.UTC {
			t.Errorf("road %d: updated_at %v", id, p["updated_at"])
		}
		ls := f.Geometry.(orb.LineString)
		ri := communes[p.MustString("commune_insee")]
		pts := make([]orb.Point, len(ls))
		for k, q := range ls {
			pts[k] = ToLambert93(q)
			if !ri.contains(pts[k]) && ri.boundaryDist(pts[k]) > 0.05 {
				t.Errorf("road %d: vertex %v outside commune %s", id, q, p["commune_insee"])
			}
			if k > 0 && ri.crosses(pts[k-1], pts[k]) && ri.boundaryDist(pts[k-1]) > 0.05 && ri.boundaryDist(pts[k]) > 0.05 {
				t.Errorf("road %d leaves commune %s", id, p["commune_insee"])
			}
		}
		if l := polylineLength(pts); l < 30 || l > 400 {
			t.Errorf("road %d (%s): length %.1f m", id, class, l)
		}
		a, b := find(ls[0]), find(ls[len(ls)-1])
		parent[a] = b
	}
	sizes := map[orb.Point]int{}
	for _, f := range fc.Features {
		sizes[find(f.Geometry.(orb.LineString)[0])]++
	}
	largest := 0
	for _, n := range sizes {
		largest = max(largest, n)
	}
	if largest != len(fc.Features) {
		t.Errorf("largest connected part holds %d of %d segments", largest, len(fc.Features))
	}
	for c := range roadClasses {
		if classes[c] == 0 && checkDir == "" {
			t.Errorf("no road of class %q", c)
		}
	}
	if apostrophes["'"] == 0 || apostrophes["’"] == 0 {
		t.Errorf("apostrophes used: %v, want both kinds", apostrophes)
	}
	t.Logf("classes %v, %d connected parts", classes, len(sizes))
}

// parcel is a land-cover polygon in Lambert-93 for the geometric checks.
type parcel struct {
	id    int
	ring  []orb.Point
	bound orb.Bound
}

func TestLandCover(t *testing.T) {
	_, dir := generated(t)
	communes := communeGeoms(t, dir)
	matrix, err := LoadMatrix()
	if err != nil {
		t.Fatal(err)
	}
	fc := readLayer(t, dir, LandCoverFile)
	byCommune := map[string][]parcel{}
	areaByCommune := map[string]float64{}
	arts, recent := 0, map[int]int{}
	for i, f := range fc.Features {
		p := f.Properties
		id := int(p.MustFloat64("id"))
		if id != i+1 || f.ID != float64(id) {
			t.Fatalf("feature %d: id %v / %v", i, f.ID, p["id"])
		}
		cs, us := p.MustString("code_cs"), p.MustString("code_us")
		want, ok := matrix.Artificialised(cs, us)
		if !ok || p.MustBool("artificialised") != want {
			t.Errorf("parcel %d: %s×%s artificialised=%v, matrix says %v (found %v)", id, cs, us, p["artificialised"], want, ok)
		}
		if int(p.MustFloat64("year")) != OCSGEVintage {
			t.Errorf("parcel %d: year %v", id, p["year"])
		}
		switch y := p["year_artificialised"].(type) {
		case nil:
		case float64:
			if !want || y < 2009 || y > OCSGEVintage {
				t.Errorf("parcel %d: year_artificialised %v (artificialised %v)", id, y, want)
			}
			recent[int(y)]++
		default:
			t.Errorf("parcel %d: year_artificialised %v", id, y)
		}
		if want {
			arts++
		}
		if _, err := time.Parse(time.RFC3339, p.MustString("updated_at")); err != nil {
			t.Errorf("parcel %d: %v", id, err)
		}
		poly, ok := f.Geometry.(orb.Polygon)
		if !ok || len(poly) != 1 {
			t.Fatalf("parcel %d: want a Polygon with one ring, got %T", id, f.Geometry)
		}
		ring := poly[0]
		if !ringIsSimple(ring) {
			t.Errorf("parcel %d: ring is not simple", id)
		}
		if ring.Orientation() != orb.CCW {
			t.Errorf("parcel %d: exterior ring is not counter-clockwise", id)
		}
		pts := make([]orb.Point, len(ring))
		for k, q := range ring {
			pts[k] = ToLambert93(q)
		}
		area := signedArea(pts)
		if got := p.MustFloat64("area_m2"); math.Abs(got-area) > 0.006 || math.Abs(AreaLambert93(poly)-area) > 1e-6 {
			t.Errorf("parcel %d: area_m2 %v, Lambert-93 area %.3f", id, got, area)
		}
		insee := p.MustString("commune_insee")
		ri := communes[insee]
		for _, q := range pts {
			if !ri.contains(q) && ri.boundaryDist(q) > 0.05 {
				t.Errorf("parcel %d: vertex outside commune %s", id, insee)
				break
			}
		}
		byCommune[insee] = append(byCommune[insee], parcel{id, pts, orb.LineString(pts).Bound()})
		areaByCommune[insee] += area
	}
	// Parcels cover their commune (up to the slivers dropped) and do not overlap.
	for insee, ri := range communes {
		ca := math.Abs(signedArea(ri.pts))
		if got := areaByCommune[insee]; math.Abs(got-ca) > 0.002*ca {
			t.Errorf("commune %s: parcels cover %.0f m² of %.0f m²", insee, got, ca)
		}
		ps := byCommune[insee]
		for i := range ps {
			for j := i + 1; j < len(ps); j++ {
				if ps[i].bound.Intersects(ps[j].bound) && overlap(ps[i].ring, ps[j].ring) {
					t.Errorf("parcels %d and %d overlap", ps[i].id, ps[j].id)
				}
			}
		}
	}
	if arts == 0 || (arts > len(fc.Features)/2 && checkDir == "") {
		t.Errorf("%d artificialised parcels of %d", arts, len(fc.Features))
	}
	before, after := 0, 0
	for y, n := range recent {
		if y <= 2020 {
			before += n
		} else {
			after += n
		}
	}
	if float64(after)/4 >= float64(before)/12 {
		t.Errorf("artificialisation per year does not decline after 2021: %v", recent)
	}
}

// overlap reports whether two simple polygons share interior: their edges
// cross, or a vertex of one lies inside the other away from its boundary
// (1 cm: vertices are rounded to 1e-7 degree).
func overlap(a, b []orb.Point) bool {
	for i := 1; i < len(a); i++ {
		for j := 1; j < len(b); j++ {
			if t, ok := crossParam(a[i-1], a[i], b[j-1], b[j]); ok {
				p := lerp(a[i-1], a[i], t)
				if dist(p, a[i-1]) > 0.01 && dist(p, a[i]) > 0.01 && dist(p, b[j-1]) > 0.01 && dist(p, b[j]) > 0.01 {
					return true
				}
			}
		}
	}
	inside := func(p orb.Point, r []orb.Point) bool {
		if !ringContains(r, p) {
			return false
		}
		for k := 1; k < len(r); k++ {
			if segDist(p, r[k-1], r[k]) < 0.01 {
				return false
			}
		}
		return true
	}
	for _, p := range a[:len(a)-1] {
		if inside(p, b) {
			return true
		}
	}
	for _, p := range b[:len(b)-1] {
		if inside(p, a) {
			return true
		}
	}
	// identical or nested without a vertex inside: test an interior point
	return inside(ringCentroid(a), b) && inside(ringCentroid(b), a)
}

func TestBAL(t *testing.T) {
	_, dir := generated(t)
	raw, err := os.ReadFile(filepath.Join(dir, BALFile()))
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(raw))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rows[0]) != fmt.Sprint(BALHeader) {
		t.Fatalf("header %v", rows[0])
	}
	byCle := map[string]*geojson.Feature{}
	for _, f := range readLayer(t, dir, AddressesFile).Features {
		byCle[f.Properties.MustString("cle_interop")] = f
	}
	if n := len(rows) - 1; checkDir == "" && (n < 150 || n > 600) {
		t.Errorf("%d BAL rows, want a few hundred", n)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	num := func(row []string, name string) float64 {
		v, err := strconv.ParseFloat(row[col[name]], 64)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return v
	}
	lieux := map[string]bool{}
	for _, f := range byCle {
		if l, ok := f.Properties["lieudit_complement_nom"].(string); ok && f.Properties.MustString("commune_insee") == BALCommune {
			lieux[l] = true
		}
	}
	addresses := 0
	for _, row := range rows[1:] {
		cle := row[col["cle_interop"]]
		if row[col["numero"]] == "99999" {
			// a toponyme declaring a lieudit_complement_nom
			if !lieux[row[col["voie_nom"]]] || byCle[cle] != nil || !cleInteropRE.MatchString(cle) {
				t.Errorf("toponyme row %v declares no lieudit_complement_nom in use", row)
			}
			delete(lieux, row[col["voie_nom"]])
			continue
		}
		addresses++
		f := byCle[cle]
		if f == nil {
			t.Errorf("BAL row %s is not in %s", cle, AddressesFile)
			continue
		}
		p := f.Properties
		suffix, _ := p["suffixe"].(string)
		lieu, _ := p["lieudit_complement_nom"].(string)
		cad, _ := p["cad_parcelles"].(string)
		cert := "0"
		if p.MustBool("certification_commune") {
			cert = "1"
		}
		want := []string{
			"", cle, BALCommune, p.MustString("commune_nom"), "", "", p.MustString("voie_nom"), lieu,
			strconv.Itoa(int(p.MustFloat64("numero"))), suffix, p.MustString("position"),
		}
		for i, w := range want {
			if row[i] != w {
				t.Errorf("%s: column %s = %q, want %q", cle, BALHeader[i], row[i], w)
			}
		}
		if row[col["cad_parcelles"]] != cad || row[col["source"]] != p.MustString("source") ||
			row[col["date_der_maj"]] != p.MustString("date_der_maj") || row[col["certification_commune"]] != cert {
			t.Errorf("%s: row %v does not match the GeoJSON properties", cle, row)
		}
		pt := f.Geometry.(orb.Point)
		xy := ToLambert93(pt)
		if math.Abs(num(row, "x")-xy[0]) > 0.006 || math.Abs(num(row, "y")-xy[1]) > 0.006 ||
			math.Abs(num(row, "long")-pt[0]) > 6e-7 || math.Abs(num(row, "lat")-pt[1]) > 6e-7 {
			t.Errorf("%s: coordinates %v differ from %v", cle, row[11:15], pt)
		}
	}
	if len(lieux) != 0 {
		t.Errorf("lieudit_complement_nom values without a toponyme row: %v", lieux)
	}
	want := 0
	for _, f := range byCle {
		if f.Properties.MustString("commune_insee") == BALCommune {
			want++
		}
	}
	if addresses != want {
		t.Errorf("%d address rows, want the %d addresses of %s", addresses, want, BALCommune)
	}
}

// A smaller territory exercises the budget and calibration code paths.
func TestOtherScale(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	tr, err := Generate(Config{Scale: 0.5, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, a := range tr.Addresses {
		if keys[a.CleInterop] || !cleInteropRE.MatchString(a.CleInterop) {
			t.Fatalf("cle_interop %q duplicated or malformed", a.CleInterop)
		}
		keys[a.CleInterop] = true
	}
	got := []int{len(tr.Roads), len(tr.Addresses), len(tr.Parcels)}
	want := []float64{0.5 * targetRoads, 0.5 * targetAddresses, 0.5 * targetParcels}
	for i := range got {
		if math.Abs(float64(got[i])-want[i]) > 0.25*want[i] {
			t.Errorf("counts %v, want about %v", got, want)
		}
	}
}
