// Command latclient loads a server with a fixed list of paths, like wrk
// with the kit's cycle.lua, and writes each request's start (seconds
// since the run's start) and latency (milliseconds), so that slow
// requests can be set against what the server did meanwhile (its garbage
// collections, in bench/gc-windows.sh). Not a load generator to compare
// servers with: wrk is, for its lower cost.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:8090", "the server")
	paths := flag.String("paths", "", "a file of paths, one a line, asked in turn")
	conns := flag.Int("c", 32, "connections")
	dur := flag.Duration("d", 10*time.Second, "duration")
	out := flag.String("o", "", "where to write start and latency of each request (tab-separated)")
	flag.Parse()
	f, err := os.Open(*paths)
	if err != nil {
		log.Fatal(err)
	}
	var ps []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		ps = append(ps, sc.Text())
	}
	f.Close()
	if len(ps) == 0 {
		log.Fatalf("no path in %s", *paths)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns}}
	type sample struct{ start, latency time.Duration }
	var (
		mu     sync.Mutex
		all    []sample
		failed int
		wg     sync.WaitGroup
	)
	t0 := time.Now()
	for c := range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []sample
			bad := 0
			for i := c * 7; time.Since(t0) < *dur; i++ {
				s := time.Now()
				resp, err := client.Get(*base + ps[i%len(ps)])
				if err != nil {
					bad++
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode >= 300 {
					bad++
				}
				mine = append(mine, sample{s.Sub(t0), time.Since(s)})
			}
			mu.Lock()
			all, failed = append(all, mine...), failed+bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	if *out != "" {
		w, err := os.Create(*out)
		if err != nil {
			log.Fatal(err)
		}
		bw := bufio.NewWriter(w)
		for _, s := range all {
			fmt.Fprintf(bw, "%.6f\t%.4f\n", s.start.Seconds(), float64(s.latency.Microseconds())/1000)
		}
		if err := bw.Flush(); err != nil {
			log.Fatal(err)
		}
		w.Close()
	}
	if len(all) == 0 {
		log.Fatal("no request answered")
	}
	slices.SortFunc(all, func(a, b sample) int { return int(a.latency - b.latency) })
	fmt.Printf("requests %d failed %d rps %.0f p50_ms %.2f p99_ms %.2f start_unix_ns %d\n", len(all), failed,
		float64(len(all))/dur.Seconds(), float64(all[len(all)/2].latency.Microseconds())/1000,
		float64(all[len(all)*99/100].latency.Microseconds())/1000, t0.UnixNano())
}
