package bal

import (
	"math"
	"testing"
)

// Expected values computed with PROJ 9 cs2cs from WGS84 to the EPSG code
// (for Wallis and Tahiti, from project-legal's proj4 strings, e.g.
// +proj=utm +zone=1 +south +ellps=intl): e.g. `echo "43.111637 1.028392" | cs2cs EPSG:4326 EPSG:2154`.
func TestProjectLegal(t *testing.T) {
	for _, tc := range []struct {
		name     string
		lon, lat float64
		epsg     int
		wantX    float64
		wantY    float64
	}{
		{"Escoulis", 1.028392, 43.111637, 2154, 539416.1613, 6225601.1640},
		{"Strasbourg", 7.737072, 48.55045, 2154, 1049409.0064, 6838286.3782},
		{"Mont-Bonvillers", 5.833622, 49.322203, 2154, 906010.9177, 6917321.2901},
		{"Atlantic west of Brittany", -4.533391, 46.986547, 2154, 128289.6745, 6681329.2814},
		{"Guadeloupe", -61.55, 16.25, 5490, 654957.4536, 1797138.0712},
		{"Guyane", -52.33, 4.93, 2972, 352535.0376, 545073.7193},
		{"Réunion", 55.5, -21.1, 2975, 344197.5754, 7666050.7110},
		{"Mayotte", 45.23, -12.78, 4471, 524963.3606, 8587181.9611},
		{"Saint-Pierre", -56.17, 46.78, 4467, 563359.6380, 5181051.2208},
		{"Nouméa", 166.45, -22.27, 3163, 446378.7125, 214678.5387},
		// project-legal's RGPF string has no datum shift; PROJ's EPSG:3297
		// definition has one (228207.7556 8059982.8923, 0.55 m away).
		{"Tahiti", -149.56, -17.53, 3297, 228208.2976, 8059982.4297},
		{"Wallis", -176.17, -13.28, 2988, 589910.7962, 8531733.1299},
	} {
		x, y, epsg, ok := projectLegal(tc.lon, tc.lat)
		if !ok || epsg != tc.epsg || math.Abs(x-tc.wantX) > 0.011 || math.Abs(y-tc.wantY) > 0.011 {
			t.Errorf("%s: projectLegal = %.4f %.4f EPSG:%d %v, want %.4f %.4f EPSG:%d",
				tc.name, x, y, epsg, ok, tc.wantX, tc.wantY, tc.epsg)
		}
	}
	for _, c := range [][2]float64{{-3.70, 40.41}, {181, 45}, {2, 91}, {math.NaN(), 45}, {0, 0}} {
		if _, _, _, ok := projectLegal(c[0], c[1]); ok {
			t.Errorf("projectLegal(%v) should fail", c)
		}
	}
}
