package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/pgcluster"
)

// TestTwoServesBehindHAProxy: two `socle serve` on a primary and its
// streaming standby, behind HAProxy (deploy/haproxy.cfg), serve the same
// answers; a change imported by the command line reaches both, through
// the load balancer, with no stale cached feature.
func TestTwoServesBehindHAProxy(t *testing.T) {
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		t.Skip("SKIPPED: no haproxy (Debian: apt-get install haproxy)")
	}
	p := pgcluster.Primary(t)
	sb := p.Standby("standby1")
	p.Exec("postgres", "CREATE DATABASE socle")
	primary := fmt.Sprintf("postgres://postgres@127.0.0.1:%d,127.0.0.1:%d/socle?sslmode=disable&target_session_attrs=read-write&connect_timeout=2", p.Port, sb.Port)
	if code, out, stderr := runCLI(t, "import", "fixtures", "--fixtures", "../../fixtures", "--database-url", primary, "--log-level", "error"); code != 0 {
		t.Fatalf("import fixtures: %d\n%s\n%s", code, out, stderr)
	}
	free := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	ctx, cancel := context.WithCancel(context.Background())
	var addrs []string
	var done []chan int
	for range 2 {
		addr := free()
		d := make(chan int, 1)
		go func() {
			d <- run(ctx, []string{"serve", "--addr", addr, "--database-url", primary, "--database-read-url", sb.URL("socle"),
				"--rate-limit", "0", "--log-level", "error"}, io.Discard, io.Discard)
		}()
		addrs = append(addrs, addr)
		done = append(done, d)
	}
	defer func() {
		cancel()
		for _, d := range done {
			<-d
		}
	}()
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, a := range addrs {
		deadline := time.Now().Add(60 * time.Second)
		for {
			if code, _ := get("http://" + a + "/readyz"); code == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never ready", a)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// HAProxy as deployed, over the two instances.
	cfg, err := os.ReadFile("../../deploy/haproxy.cfg")
	if err != nil {
		t.Fatal(err)
	}
	lb := free()
	var conf []string
	for _, l := range strings.Split(string(cfg), "\n") {
		switch {
		case strings.HasPrefix(l, "frontend stats"):
			conf = append(conf, "")
		case strings.Contains(l, "log stdout"), strings.Contains(l, "server socle"), strings.HasPrefix(strings.TrimSpace(l), "stats "),
			strings.Contains(l, "bind :8404"):
		case strings.Contains(l, "bind :8080"):
			conf = append(conf, "    bind "+lb)
		default:
			conf = append(conf, l)
		}
	}
	conf = append(conf, "    server socle1 "+addrs[0]+" check", "    server socle2 "+addrs[1]+" check", "")
	cfgFile := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(cfgFile, []byte(strings.Join(conf, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	hp := exec.Command(haproxy, "-f", cfgFile, "-db")
	var hpOut strings.Builder
	hp.Stdout, hp.Stderr = &hpOut, &hpOut
	if err := hp.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hp.Process.Kill(); _ = hp.Wait() }()
	base := "http://" + lb
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, _ := get(base + "/readyz"); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("haproxy never ready:\n%s", hpOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, _ := get(base + "/metrics"); code != 404 {
		t.Errorf("/metrics through the load balancer: %d", code)
	}

	name := func(url string) string {
		code, body := get(url)
		var f struct {
			Properties map[string]any `json:"properties"`
		}
		if code != 200 || json.Unmarshal([]byte(body), &f) != nil {
			t.Fatalf("GET %s: %d %s", url, code, body)
		}
		return fmt.Sprint(f.Properties["name"])
	}
	// Both instances, directly and through HAProxy, answer alike (and cache).
	before := name(base + "/collections/roads/items/1")
	for i := range 4 {
		if got := name(base + "/collections/roads/items/1"); got != before {
			t.Fatalf("answer %d through the load balancer: %q, then %q", i, before, got)
		}
	}
	for _, a := range addrs {
		if got := name("http://" + a + "/collections/roads/items/1"); got != before {
			t.Fatalf("%s: %q, want %q", a, got, before)
		}
	}
	// A change by the command line, on the primary.
	_, body := get(base + "/collections/roads/items/1?crs=http://www.opengis.net/def/crs/EPSG/0/2154")
	var f map[string]any
	if err := json.Unmarshal([]byte(body), &f); err != nil {
		t.Fatal(err)
	}
	f["properties"].(map[string]any)["name"] = "Chemin du Lendemain"
	fc, _ := json.Marshal(struct {
		Type     string           `json:"type"`
		CRS      map[string]any   `json:"crs"`
		Features []map[string]any `json:"features"`
	}{"FeatureCollection", map[string]any{"type": "name", "properties": map[string]any{"name": "urn:ogc:def:crs:EPSG::2154"}}, []map[string]any{f}})
	file := filepath.Join(t.TempDir(), "road.geojson")
	if err := os.WriteFile(file, fc, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := runCLI(t, "import", "layer", "roads", file, "--database-url", primary, "--log-level", "error", "--migrate=false"); code != 0 || !strings.Contains(out, "updated 1") {
		t.Fatalf("import: %d\n%s\n%s", code, out, stderr)
	}
	// Every instance follows within seconds, and never goes back.
	for _, url := range []string{"http://" + addrs[0], "http://" + addrs[1], base} {
		deadline := time.Now().Add(10 * time.Second)
		for name(url+"/collections/roads/items/1") != "Chemin du Lendemain" {
			if time.Now().After(deadline) {
				t.Fatalf("%s still serves the road as it was 10 s after the change", url)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for i := range 6 {
		if got := name(base + "/collections/roads/items/1"); got != "Chemin du Lendemain" {
			t.Errorf("answer %d through the load balancer after the change: %q", i, got)
		}
	}
}
