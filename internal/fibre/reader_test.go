package fibre

import (
	"math"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/socle-geo/socle/internal/socle"
)

// The rows below are synthetic (no real ARCEP extract is public here; see
// shared/data/ftth): the header is the file's, the values made up.
const header = "x,y,imb_id,num_voie,cp_no_voie,type_voie,nom_voie,batiment,code_insee,code_poste,nom_com,catg_loc_imb,imb_etat,pm_ref,pm_etat,code_l331,geom_mod,type_imb\n"

func TestReadVariants(t *testing.T) {
	utf := header +
		"1.5961723,43.4320025,IMB/31004/X/0001,0002,,ALL,DE LA MARCAISSONNE,,31004,31750,Ayguesvives,individuel,deploye,PM1,deploye,FTEL,,pavillon\n" +
		"43.4320025,1.5961723,IMB/31004/X/0002,3,B,R,DU MOULIN,,31004,31750,Ayguesvives,individuel,en cours de deploiement,PM1,deploye,FTEL,,pavillon\n" +
		"586000.5,6263000.25,IMB/31004/X/0003,4,,RTE,D ESCALQUENS,,31004,31750,Ayguesvives,individuel,Signé,PM1,deploye,SFR0,,pavillon\n" +
		"6263000.25,586000.5,IMB/31004/X/0004,5,,,CHEMIN DE LA GARE,,31004,31750,Ayguesvives,individuel,RACCORDABLE_DEMANDE,PM1,deploye,SFR0,,pavillon\n"
	bs, rej, info, err := Read([]byte(utf))
	if err != nil || len(rej) != 0 || len(bs) != 4 {
		t.Fatalf("Read: %d buildings, rejects %v, err %v", len(bs), rej, err)
	}
	if info.Encoding != "utf-8" || info.Delimiter != "," {
		t.Errorf("info %+v", info)
	}
	want := []string{"wgs84", "wgs84-swapped", "lambert93", "lambert93-swapped"}
	for i, b := range bs {
		if b.Coords != want[i] {
			t.Errorf("row %d read as %s, want %s", i, b.Coords, want[i])
		}
	}
	if math.Abs(bs[0].X-bs[1].X) > 1e-6 || math.Abs(bs[0].Y-bs[1].Y) > 1e-6 {
		t.Errorf("swapped WGS84 not swapped back: %v,%v vs %v,%v", bs[0].X, bs[0].Y, bs[1].X, bs[1].Y)
	}
	if bs[0].X < 500000 || bs[0].X > 700000 || bs[0].Y < 6200000 || bs[0].Y > 6300000 {
		t.Errorf("WGS84 not projected to Lambert-93: %v %v", bs[0].X, bs[0].Y)
	}
	if bs[2].X != 586000.5 || bs[3].X != 586000.5 || bs[3].Y != 6263000.25 {
		t.Errorf("Lambert-93 misread: %+v %+v", bs[2], bs[3])
	}
	if bs[0].Numero != 2 || !bs[0].HasNumero || bs[0].Street != "ALL DE LA MARCAISSONNE" || bs[1].Suffixe != "B" {
		t.Errorf("fields: %+v %+v", bs[0], bs[1])
	}
	if bs[2].State != "signe" || bs[3].State != "raccordable demande" || bs[1].State != "en cours de deploiement" {
		t.Errorf("states %q %q %q", bs[1].State, bs[2].State, bs[3].State)
	}

	// The same in Windows-1252 with ';' and decimal commas, and without code_insee.
	old := strings.NewReplacer(",", ";").Replace("x,y,imb_id,num_voie,cp_no_voie,type_voie,nom_voie,code_poste,nom_com,imb_etat,code_l331\n") +
		"1,5961723;43,4320025;IMB1;12;;R;DE L'ÉGLISE;1750;Montgiscard;déployé;FTEL\n"
	cp, err := charmap.Windows1252.NewEncoder().String(old)
	if err != nil {
		t.Fatal(err)
	}
	bs, rej, info, err = Read([]byte(cp))
	if err != nil || len(rej) != 0 || len(bs) != 1 {
		t.Fatalf("cp1252: %v %v %v", bs, rej, err)
	}
	if info.Encoding != "windows-1252" || info.Delimiter != ";" {
		t.Errorf("info %+v", info)
	}
	b := bs[0]
	if b.Street != "R DE L'ÉGLISE" || b.Postcode != "01750" || b.Insee != "" || b.Commune != "Montgiscard" || b.State != "deploye" {
		t.Errorf("cp1252 row %+v", b)
	}
}

func TestReadRejects(t *testing.T) {
	in := header +
		"1.59,43.43,IMB1,12,,R,DU MOULIN,,31004,31750,Ayguesvives,,deploye,,,FTEL,,\n" + // line 2: fine
		"1.59,43.43,IMB2,12a,,R,DU MOULIN,,31004,31750,Ayguesvives,,deploye,,,FTEL,,\n" + // 3: number
		"1.59,43.43,IMB3,12,,R,DU MOULIN,,31004,31750,Ayguesvives,,raccorde,,,FTEL,,\n" + // 4: state
		"200,43.43,IMB4,12,,R,DU MOULIN,,31004,31750,Ayguesvives,,deploye,,,FTEL,,\n" + // 5: coords
		"1.59,43.43,IMB5,12,,R,DU MOULIN\n" + // 6: short
		"1.59,43.43,,12,,R,DU MOULIN,,31004,31750,Ayguesvives,,deploye,,,FTEL,,\n" + // 7: no id
		"1.59,43.43,IMB7,12,,R,DU MOULIN,,,,,,deploye,,,FTEL,,\n" + // 8: no commune: found by position
		"1.59,43.43,IMB8,12,,R,DU MOULIN,,3100X,31750,Ayguesvives,,deploye,,,FTEL,,\n" // 9: insee
	bs, rej, info, err := Read([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 || info.Rows != 8 || bs[1].ImbID != "IMB7" || bs[1].Insee != "" {
		t.Fatalf("%d buildings of %d rows: %+v", len(bs), info.Rows, bs)
	}
	wantLines := []int{3, 4, 5, 6, 7, 9}
	if len(rej) != len(wantLines) {
		t.Fatalf("rejects %+v", rej)
	}
	for i, r := range rej {
		if r.Line != wantLines[i] || r.Reason == "" || r.Raw == "" {
			t.Errorf("reject %d: %+v, want line %d", i, r, wantLines[i])
		}
	}
	if _, _, _, err := Read([]byte("a,b,c\n1,2,3\n")); err == nil {
		t.Error("a file without the columns was read")
	}
	if _, _, _, err := Read(nil); err == nil {
		t.Error("an empty file was read")
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte(header + "1.59,43.43,IMB1,12,,R,DU MOULIN,,31004,31750,Ayguesvives,,deploye,,,FTEL,,\n"))
	f.Add([]byte("x;y;imb_id;num_voie;nom_voie;code_poste;nom_com;imb_etat\n586000;6263000;I;0012;RTE X;1750;Y;cible\n"))
	f.Add([]byte("x,y,imb_id,num_voie,nom_voie,imb_etat,code_insee\n\"1.5,43\",\"\n"))
	f.Add([]byte("\xef\xbb\xbfx,y,imb_id,num_voie,nom_voie,imb_etat,code_insee\n\xe9,\xff\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		bs, rej, info, err := Read(data)
		if err != nil {
			return
		}
		if len(bs)+countRowRejects(rej) < info.Rows {
			t.Errorf("rows lost: %d read, %d buildings, %d rejects", info.Rows, len(bs), len(rej))
		}
		for _, b := range bs {
			if b.X < -200_000 || b.X > 1_400_000 || b.Y < 5_900_000 || b.Y > 7_200_000 {
				t.Errorf("building outside Lambert-93 France: %+v", b)
			}
			if _, ok := State(b.State); !ok {
				t.Errorf("state %q", b.State)
			}
		}
		for _, r := range rej {
			if r.Line <= 0 || r.Reason == "" {
				t.Errorf("reject without line or reason: %+v", r)
			}
		}
	})
}

func countRowRejects(rej []socle.Reject) int { return len(rej) }
