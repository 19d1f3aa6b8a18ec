//go:build unix

package server_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/socle-geo/socle/internal/embedded"
	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/storetest"
	"github.com/socle-geo/socle/internal/zan"
)

// TestBrowserZANCharts opens, in headless Chromium, the page of a commune
// and the intercommunality's page (its artificialisation feature) of a
// territory with two millésimes and a Cerema file, in French and in
// English, and checks the charts it draws against the served figures: the
// land consumed each year and the pace the 2021–2031 allowance permits,
// and the hectares artificialised, de-artificialised and net per period.
func TestBrowserZANCharts(t *testing.T) {
	chrome := chromiumPath(t)
	ctx := context.Background()
	cat := socle.DefaultCatalog()
	st, err := embedded.Open(ctx, filepath.Join(t.TempDir(), "socle.gpkg"), cat)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	communes, _ := cat.Collection("communes")
	landCover, _ := cat.Collection("land_cover")
	for i, step := range []struct {
		c    *socle.Collection
		rows []socle.Row
	}{{communes, storetest.ZANCommunes()}, {landCover, storetest.ZANMillesime(2016)}, {landCover, storetest.ZANMillesime(2019)}} {
		if _, err := st.Import(ctx, socle.Batch{ID: fmt.Sprintf("charts-%d", i), Kind: "import-layer", Actor: "test"}, step.c, socle.RowsOf(step.rows, nil)); err != nil {
			t.Fatal(err)
		}
	}
	// 31001: 1 ha a year 2011–2020 (reference 10 ha, allowance 5 ha), then
	// 0.5 ha in 2021. 31002 keeps the estimate from the millésimes: its
	// 1 ha of 2016–2019 spread over 2016, 2017 and 2018.
	cons, err := zan.ReadConsommation(strings.NewReader("idcom;naf11art12;naf12art13;naf13art14;naf14art15;naf15art16;naf16art17;naf17art18;naf18art19;naf19art20;naf20art21;naf21art22\n" +
		"31001;10000;10000;10000;10000;10000;10000;10000;10000;10000;10000;5000\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportConsommation(ctx, socle.Batch{ID: "charts-cerema", Actor: "test"}, cons); err != nil {
		t.Fatal(err)
	}
	srv := server.New(st, cat, quiet, server.Options{FeatureCacheBytes: -1})
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	bars := regexp.MustCompile(`<rect class="bar (\w+)" data-series="\w+" data-label="([^"]+)" data-value="([-0-9.]+)"`)
	line := regexp.MustCompile(`<line class="allowance" data-value="([-0-9.]+)"`)
	page := func(path, lang string) (map[string]float64, float64, string) {
		t.Helper()
		out := chromium(t, chrome, []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
			"--user-data-dir=" + t.TempDir(), "--dump-dom", hs.URL + path + "?f=html&lang=" + lang})
		got := map[string]float64{}
		for _, m := range bars.FindAllStringSubmatch(out, -1) {
			v, _ := strconv.ParseFloat(m[3], 64)
			got[m[1]+" "+m[2]] = v
		}
		allowance := -1.0
		if m := line.FindStringSubmatch(out); m != nil {
			allowance, _ = strconv.ParseFloat(m[1], 64)
		}
		if dir := os.Getenv("SOCLE_BROWSER_SCREENSHOTS"); dir != "" {
			shot := filepath.Join(dir, "zan-"+strings.NewReplacer("/", "_").Replace(path)+"-"+lang+".png")
			chromium(t, chrome, []string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1000,1400",
				"--user-data-dir=" + t.TempDir(), "--screenshot=" + shot, hs.URL + path + "?f=html&lang=" + lang})
			t.Logf("screenshot: %s", shot)
		}
		return got, allowance, out
	}
	near := func(a, b float64) bool { return a-b < 0.001 && b-a < 0.001 }
	check := func(what string, got map[string]float64, want map[string]float64) {
		t.Helper()
		for k, v := range want {
			g, ok := got[k]
			if !ok || !near(g, v) {
				t.Errorf("%s: bar %s = %v (drawn: %v), want %v", what, k, g, ok, v)
			}
		}
	}
	for _, lang := range []string{"fr", "en"} {
		got, allowance, dom := page("/collections/communes/items/31001", lang)
		want := map[string]float64{"artificialised 2016–2019": 2, "deartificialised 2016–2019": 4, "net 2016–2019": -2, "since2021 2021": 0.5}
		for y := 2011; y <= 2020; y++ {
			want["reference "+strconv.Itoa(y)] = 1
		}
		check("31001 "+lang, got, want)
		if !near(allowance, 0.5) {
			t.Errorf("31001 %s: the allowance's yearly pace is drawn at %v, want 0.5 ha", lang, allowance)
		}
		words := map[string][]string{
			"fr": {"Consommation depuis 2021", "Rythme permis 2021–2031", "Désartificialisé", "Solde net", "fichier Cerema", "enveloppe 2021–2031 : 5,00 ha"},
			"en": {"Consumption since 2021", "Pace allowed 2021–2031", "De-artificialised", "Net change", "Cerema NAF land consumption file", "2021–2031 allowance: 5.00 ha"},
		}[lang]
		for _, w := range words {
			if !strings.Contains(dom, w) {
				t.Errorf("31001 %s: the page does not say %q", lang, w)
			}
		}
		// The intercommunality: its period row, its communes' years summed.
		got, allowance, _ = page("/collections/artificialisation/items/200000001-2016-2019", lang)
		check("EPCI "+lang, got, map[string]float64{"artificialised 2016–2019": 3, "deartificialised 2016–2019": 6, "net 2016–2019": -3,
			"reference 2016": 1 + 1.0/3, "reference 2019": 1, "since2021 2021": 0.5})
		if !near(allowance, (5+0.5)/10) {
			t.Errorf("EPCI %s: the allowance's yearly pace is drawn at %v, want 0.55 ha", lang, allowance)
		}
	}
}
