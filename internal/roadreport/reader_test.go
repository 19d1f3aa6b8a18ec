package roadreport

import (
	"math"
	"strings"
	"testing"
)

func pseudo(t testing.TB) *Pseudonymizer {
	p, err := NewPseudonymizer([]byte("0123456789abcdef-test-key"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadCSV(t *testing.T) {
	in := "time,lon,lat,vehicle_id,heading,condition,comment\n" +
		"2026-11-02T07:31:05Z,1.5961723,43.4320025,BOM-12,90,2,nid de poule\n" + // 2
		"2026-11-02T08:31:05+01:00,1.5961723,43.4320025,BOM-12,,dégradé,\n" + // 3
		"2026-11-02 07:31:05,1.59,43.43,BOM-12,,1,\n" + // 4: time
		"2026-11-02T07:31:05Z,1.59,95,BOM-12,,1,\n" + // 5: lat
		"2026-11-02T07:31:05Z,1.59,43.43,,,1,\n" + // 6: vehicle
		"2026-11-02T07:31:05Z,1.59,43.43,BOM-12,400,1,\n" + // 7: heading
		"2026-11-02T07:31:05Z,1.59,43.43,BOM-12,,4,\n" + // 8: condition
		"2026-11-02T07:31:05Z,1.59,43.43,BOM-12,,Dangereux,\"virgule, dans le commentaire\"\n" + // 9
		"2026-11-02T07:31:05Z,1.59\n" // 10: short
	rs, rej, info, err := Read([]byte(in), pseudo(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.Rows != 9 || len(rs) != 3 || len(rej) != 6 {
		t.Fatalf("rows %d, reports %d, rejects %+v", info.Rows, len(rs), rej)
	}
	if rs[0].Condition != 2 || rs[0].Heading != 90 || rs[0].Comment != "nid de poule" || rs[0].Line != 2 {
		t.Errorf("report 0 %+v", rs[0])
	}
	if !rs[0].Time.Equal(rs[1].Time) || !math.IsNaN(rs[1].Heading) || rs[1].Condition != 2 {
		t.Errorf("report 1 %+v", rs[1])
	}
	if rs[2].Condition != 3 || rs[2].Comment != "virgule, dans le commentaire" {
		t.Errorf("report 2 %+v", rs[2])
	}
	if rs[0].Vehicle == "BOM-12" || rs[0].Vehicle != rs[1].Vehicle || !strings.HasPrefix(rs[0].Vehicle, "v-") {
		t.Errorf("pseudonym %q", rs[0].Vehicle)
	}
	for i, line := range []int{4, 5, 6, 7, 8, 10} {
		if rej[i].Line != line {
			t.Errorf("reject %d at line %d, want %d: %+v", i, rej[i].Line, line, rej[i])
		}
		if strings.Contains(rej[i].Raw, "BOM-12") {
			t.Errorf("a reject keeps the vehicle id: %q", rej[i].Raw)
		}
	}
	if rs[0].Key() == rs[2].Key() || rs[0].Key() != rs[1].Key() {
		t.Error("keys: the same report twice must have one key, different reports different keys")
	}
	for _, bad := range []string{"", "time,lon,lat\n", "time,lon,lat,vehicle_id,heading,condition,remark\n"} {
		if _, _, _, err := Read([]byte(bad), pseudo(t)); err == nil {
			t.Errorf("header %q accepted", bad)
		}
	}
}

func TestReadGeoJSON(t *testing.T) {
	in := `{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[1.59,43.43]},"properties":{"time":"2026-11-02T07:31:05Z","vehicle_id":"BOM-12","heading":180,"condition":"moyen","comment":null}},
{"type":"Feature","geometry":{"type":"LineString","coordinates":[[1.59,43.43],[1.6,43.4]]},"properties":{"time":"2026-11-02T07:31:05Z","vehicle_id":"BOM-12","condition":1}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[1.59,43.43]},"properties":{"time":"2026-11-02T07:31:05Z","vehicle_id":7,"condition":3}}
]}`
	rs, rej, info, err := Read([]byte(in), pseudo(t))
	if err != nil {
		t.Fatal(err)
	}
	if info.Format != "geojson" || len(rs) != 2 || len(rej) != 1 || rej[0].Line != 2 {
		t.Fatalf("%+v %+v %+v", info, rs, rej)
	}
	if rs[0].Condition != 1 || rs[0].Heading != 180 || rs[1].Condition != 3 || rs[1].Line != 3 {
		t.Errorf("%+v", rs)
	}
	if _, _, _, err := Read([]byte(`{"type":"Feature"}`), pseudo(t)); err == nil {
		t.Error("a Feature accepted as a collection")
	}
}

func TestPseudonymizer(t *testing.T) {
	if _, err := NewPseudonymizer([]byte("short")); err == nil {
		t.Error("short key accepted")
	}
	a := pseudo(t)
	b, _ := NewPseudonymizer([]byte("another key of enough length"))
	if a.Pseudonym("BOM-12") == b.Pseudonym("BOM-12") || a.Pseudonym("BOM-12") == a.Pseudonym("BOM-13") {
		t.Error("pseudonyms must depend on the key and the id")
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte("time,lon,lat,vehicle_id,heading,condition,comment\n2026-11-02T07:31:05Z,1.59,43.43,BOM-12,90,2,x\n"))
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1.59,43.43]},"properties":{"time":"2026-11-02T07:31:05Z","vehicle_id":"B","condition":"bon"}}]}`))
	f.Add([]byte("time,lon,lat,vehicle_id,heading,condition,comment\n\"x"))
	p := pseudo(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, rej, info, err := Read(data, p)
		if err != nil {
			return
		}
		if len(rs)+len(rej) < info.Rows {
			t.Errorf("records lost: %d rows, %d reports, %d rejects", info.Rows, len(rs), len(rej))
		}
		for _, r := range rs {
			if r.Condition < 0 || r.Condition > 3 || r.Lon < -180 || r.Lon > 180 || r.Lat < -90 || r.Lat > 90 || !strings.HasPrefix(r.Vehicle, "v-") {
				t.Errorf("invalid report accepted: %+v", r)
			}
		}
		for _, r := range rej {
			if r.Line <= 0 || r.Reason == "" {
				t.Errorf("reject %+v", r)
			}
		}
	})
}
