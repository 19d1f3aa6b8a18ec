package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/socle-geo/socle/internal/postgis"
	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
)

// countingStore counts the times each job is started.
type countingStore struct {
	*postgis.Store
	mu      sync.Mutex
	started map[string]int
}

func (c *countingStore) SetIngestJob(ctx context.Context, j socle.IngestJob) error {
	if j.Status == socle.JobRunning {
		c.mu.Lock()
		c.started[j.ID]++
		c.mu.Unlock()
	}
	return c.Store.SetIngestJob(ctx, j)
}

// TestTwoInstancesRunEachJobOnce: two Socle instances on one database
// share the airlock's queue, and each job runs in one of them, once.
func TestTwoInstancesRunEachJobOnce(t *testing.T) {
	if env.kind == "embedded" {
		t.Skip("the embedded store has one serving process")
	}
	open := openFresh(t)
	st := open()
	defer closeStore(st)
	s := startAirlock(t, st, "", false) // deposits only
	_, props, lon, lat := s.someAddress(t)
	var locations []string
	for i, state := range []string{"deploye", "cible", "signe", "deploye"} {
		csv := strings.Replace(fibreCSV(props, lon, lat, state), "IMB/31/X/0001", fmt.Sprintf("IMB/31/X/%04d", 100+i), 1)
		resp, b := s.do(t, "POST", "fibre", "/ingest/fibre", "text/csv", csv)
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("upload %d: %d %s", i, resp.StatusCode, b)
		}
		locations = append(locations, resp.Header.Get("Location"))
	}
	var stores []*countingStore
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		pg := open().(*postgis.Store)
		defer pg.Close()
		cs := &countingStore{Store: pg, started: map[string]int{}}
		stores = append(stores, cs)
		a, err := server.NewAirlock(cs, socle.DefaultCatalog(), nil, quiet)
		if err != nil {
			t.Fatal(err)
		}
		a.Poll = 50 * time.Millisecond
		wg.Add(1)
		go func() { defer wg.Done(); a.Run(ctx) }()
	}
	for _, loc := range locations {
		if j := s.waitJob(t, "fibre", loc); j.Status != socle.JobDone {
			t.Errorf("job %s: %+v", j.ID, j)
		}
	}
	cancel()
	wg.Wait()
	total := map[string]int{}
	for i, cs := range stores {
		for id, n := range cs.started {
			total[id] += n
		}
		t.Logf("instance %d ran %d jobs", i, len(cs.started))
	}
	if len(total) != len(locations) {
		t.Errorf("%d jobs ran, want %d", len(total), len(locations))
	}
	for id, n := range total {
		if n != 1 {
			t.Errorf("job %s ran %d times", id, n)
		}
	}
}
