package updater_test

import (
	"encoding/json"
	"io/fs"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/fixtures"
	"github.com/socle-geo/socle/internal/fibre"
	"github.com/socle-geo/socle/internal/roadreport"
	"github.com/socle-geo/socle/internal/updater"
	"github.com/socle-geo/socle/internal/updater/synth"
	"github.com/socle-geo/socle/ogc/crs"
)

// territory reads the sample territory's addresses and roads from fixtures/.
func territory(t testing.TB) ([]updater.Address, []updater.Road) {
	t.Helper()
	return territoryFS(t, fixtures.FS)
}

// territoryFS reads addresses and roads from the GeoJSON files of fsys.
func territoryFS(t testing.TB, fsys fs.FS) ([]updater.Address, []updater.Road) {
	t.Helper()
	toL93, err := crs.NewTransformer(4326, 2154)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			ID       int64           `json:"id"`
			Geometry json.RawMessage `json:"geometry"`
			Props    map[string]any  `json:"properties"`
		} `json:"features"`
	}
	read := func(name string) {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			t.Fatal(err)
		}
		fc.Features = nil
		if err := json.Unmarshal(b, &fc); err != nil {
			t.Fatal(err)
		}
	}
	str := func(v any) string { s, _ := v.(string); return s }
	read("addresses.geojson")
	var addrs []updater.Address
	for _, f := range fc.Features {
		var g struct{ Coordinates [2]float64 }
		if err := json.Unmarshal(f.Geometry, &g); err != nil {
			t.Fatal(err)
		}
		x, y, err := toL93.Transform(g.Coordinates[0], g.Coordinates[1])
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, updater.Address{ID: f.ID, CleInterop: str(f.Props["cle_interop"]), Numero: int(f.Props["numero"].(float64)),
			Suffixe: str(f.Props["suffixe"]), VoieNom: str(f.Props["voie_nom"]), Insee: str(f.Props["commune_insee"]),
			CommuneNom: str(f.Props["commune_nom"]), X: x, Y: y})
	}
	read("roads.geojson")
	var roads []updater.Road
	for _, f := range fc.Features {
		var g struct{ Coordinates [][2]float64 }
		if err := json.Unmarshal(f.Geometry, &g); err != nil {
			t.Fatal(err)
		}
		var l orb.LineString
		for _, c := range g.Coordinates {
			x, y, err := toL93.Transform(c[0], c[1])
			if err != nil {
				t.Fatal(err)
			}
			l = append(l, orb.Point{x, y})
		}
		roads = append(roads, updater.Road{ID: f.ID, Line: l, Condition: -1})
	}
	return addrs, roads
}

func TestFibreJoinAgainstTruth(t *testing.T) {
	addrs, _ := territory(t)
	byID := map[int64]int{}
	for i, a := range addrs {
		byID[a.ID] = i
	}
	for _, cfg := range []synth.FibreConfig{
		{Seed: 1, Rows: 2500, Fake: 0.05, Duplicates: 0.02},
		{Seed: 2, Rows: 2500, Fake: 0.05, Duplicates: 0.02, Windows1252: true, Semicolon: true, NoInsee: true},
	} {
		data, truth, err := synth.FibreFile(addrs, cfg)
		if err != nil {
			t.Fatal(err)
		}
		bs, rej, _, err := fibre.Read(data)
		if err != nil || len(rej) > 0 || len(bs) != len(truth) {
			t.Fatalf("read: %d buildings for %d rows, rejects %v, err %v", len(bs), len(truth), rej, err)
		}
		ms := updater.MatchFibre(addrs, bs, updater.DefaultFibreOptions)
		var matched, correct, exist, found, fakeMatched, ambiguous int
		methods := map[string]int{}
		for i, m := range ms {
			want := truth[i]
			if want != 0 {
				exist++
			}
			if m.Ambiguous {
				ambiguous++
			}
			if m.Address < 0 {
				if m.Reason == "" {
					t.Errorf("row %d unmatched without a reason", i)
				}
				continue
			}
			matched++
			methods[m.Method]++
			got := addrs[m.Address].ID
			if got == want {
				correct++
				found++
			} else if want == 0 {
				fakeMatched++
			} else {
				t.Logf("row %d (%s %d %s %s): matched %d by %s, truth %d", bs[i].Line, bs[i].Insee, bs[i].Numero, bs[i].Suffixe, bs[i].Street, got, m.Method, want)
			}
		}
		precision := float64(correct) / float64(matched)
		recall := float64(found) / float64(exist)
		t.Logf("%+v: %d rows, %d matched %v, %d ambiguous, precision %.4f, recall %.4f, buildings at unknown addresses matched %d",
			cfg, len(bs), matched, methods, ambiguous, precision, recall, fakeMatched)
		if precision < 0.99 || recall < 0.97 {
			t.Errorf("precision %.4f (want ≥ 0.99), recall %.4f (want ≥ 0.97)", precision, recall)
		}
		if methods[updater.ByAddress] < matched/2 {
			t.Errorf("the normalised address matched only %d of %d: normalisation is not doing its job", methods[updater.ByAddress], matched)
		}
	}
}

func TestSnapAgainstTruth(t *testing.T) {
	_, roads := territory(t)
	opts := updater.DefaultSnapOptions
	data, truth, err := synth.ReportFile(roads, synth.ReportConfig{Seed: 3, Rows: 20000, OffRoad: 0.03, Junction: 0.3, Invalid: 0.01, NoHeading: 0.2,
		Start: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), MaxDistance: opts.MaxDistance, MaxHeadingDelta: opts.MaxHeadingDelta})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := roadreport.NewPseudonymizer([]byte("a test key of enough length"))
	reps, rej, _, err := roadreport.Read(data, p)
	if err != nil {
		t.Fatal(err)
	}
	var valid []synth.ReportTruth
	for _, tr := range truth {
		if tr.Road >= 0 {
			valid = append(valid, tr)
		}
	}
	if len(reps) != len(valid) || len(rej) != len(truth)-len(valid) {
		t.Fatalf("%d reports, %d rejects for %d valid rows of %d", len(reps), len(rej), len(valid), len(truth))
	}
	toL93, _ := crs.NewTransformer(4326, 2154)
	pos := make([]updater.Position, len(reps))
	for i, r := range reps {
		x, y, _ := toL93.Transform(r.Lon, r.Lat)
		pos[i] = updater.Position{X: x, Y: y, Heading: r.Heading}
	}
	snaps := updater.SnapReports(roads, pos, opts)
	var onRoad, right, wrong, wrongDecided, decided, offSnapped, junctionRefused, inside, insideRight, insideWrongHeading int
	for i, s := range snaps {
		tr := valid[i]
		if tr.Road == 0 {
			if s.Road >= 0 {
				offSnapped++
			}
			continue
		}
		onRoad++
		if !tr.NearEnd {
			inside++
			if s.Road >= 0 && roads[s.Road].ID == tr.Road {
				insideRight++
			} else if !math.IsNaN(pos[i].Heading) {
				insideWrongHeading++
			}
		}
		if tr.HeadingDecides {
			decided++
		}
		switch {
		case s.Road < 0:
			junctionRefused++
		case roads[s.Road].ID == tr.Road:
			right++
		default:
			wrong++
			if tr.HeadingDecides {
				wrongDecided++
			}
		}
	}
	t.Logf("%d on-road reports: %d right, %d wrong, %d refused at junctions; away from segment ends %d of %d right (%d wrong with a heading); heading decides for %d, wrong among them %d; off-road snapped %d",
		onRoad, right, wrong, junctionRefused, insideRight, inside, insideWrongHeading, decided, wrongDecided, offSnapped)
	if wrongDecided != 0 {
		t.Errorf("%d reports snapped to the wrong segment where the heading decides", wrongDecided)
	}
	if offSnapped != 0 {
		t.Errorf("%d off-road reports snapped", offSnapped)
	}
	// Within a few metres of a segment's end, GPS noise alone decides
	// between a segment and the next one in line; elsewhere the join must
	// be right but for parallel or in-line segments closer than the GPS
	// error (measured: 98.7%).
	if float64(insideRight)/float64(inside) < 0.98 || decided < onRoad/4 {
		t.Errorf("away from segment ends %d of %d right, heading deciding for %d", insideRight, inside, decided)
	}
}

func TestAggregateReports(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 10, d, 8, 0, 0, 0, time.UTC) }
	obs := []updater.Observation{{day(1), 3}, {day(20), 1}, {day(25), 2}, {day(28), 0}}
	a := updater.AggregateReports(obs, 14*24*time.Hour)
	if a.Condition != 2 || a.Count != 3 || !a.ObservedAt.Equal(day(28)) {
		t.Errorf("%+v", a)
	}
	a = updater.AggregateReports(obs, 30*24*time.Hour)
	if a.Condition != 3 || a.Count != 4 {
		t.Errorf("%+v", a)
	}
	if got := updater.AggregateReports([]updater.Observation{obs[3], obs[0], obs[2], obs[1]}, 14*24*time.Hour); got != updater.AggregateReports(obs, 14*24*time.Hour) {
		t.Error("the aggregate depends on the order of reports")
	}
}
