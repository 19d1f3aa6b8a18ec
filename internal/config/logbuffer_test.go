package config

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// written reads what b has written to out: b writes to it only under its
// lock (a line, a flush, the timer's flush).
func written(b *bufferedLog, out *bytes.Buffer) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return out.String()
}

func newTestLog(out *bytes.Buffer, size int, delay time.Duration) (*slog.Logger, *bufferedLog) {
	b := newBufferedLog(out, size, delay)
	h := slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelInfo, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}})
	return slog.New(flushingHandler{Handler: h, log: b}), b
}

// TestBufferedLogHoldsInfoAndWritesProblemsAtOnce: info lines wait for the
// buffer; a warning writes them out with itself, in order; Flush writes
// what is left.
func TestBufferedLogHoldsInfoAndWritesProblemsAtOnce(t *testing.T) {
	var out bytes.Buffer
	log, b := newTestLog(&out, 64<<10, time.Hour)
	log.Info("request", "path", "/a")
	log.With("request_id", "x").Info("request", "path", "/b")
	if got := written(b, &out); got != "" {
		t.Fatalf("info lines written before the flush: %q", got)
	}
	log.WithGroup("store").Warn("slow", "ms", 900)
	want := "level=INFO msg=request path=/a\nlevel=INFO msg=request request_id=x path=/b\nlevel=WARN msg=slow store.ms=900\n"
	if got := written(b, &out); got != want {
		t.Fatalf("after a warning:\n%s\nwant\n%s", got, want)
	}
	log.Info("request", "path", "/c")
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := written(b, &out); !strings.HasSuffix(got, "level=INFO msg=request path=/c\n") {
		t.Fatalf("after Flush: %q", got)
	}
}

// TestBufferedLogWritesWhenFullOrLate: a full buffer is written without
// waiting, and a line held is written delay later without any flush.
func TestBufferedLogWritesWhenFullOrLate(t *testing.T) {
	var out bytes.Buffer
	log, b := newTestLog(&out, 256, time.Hour)
	for i := range 20 {
		log.Info("request", "n", i)
	}
	if got := written(b, &out); !strings.HasPrefix(got, "level=INFO msg=request n=0\n") || strings.Contains(got, "n=19") {
		t.Fatalf("a full buffer: %q", got)
	}

	var late bytes.Buffer
	log, b = newTestLog(&late, 64<<10, 10*time.Millisecond)
	log.Info("request", "path", "/late")
	for deadline := time.Now().Add(10 * time.Second); written(b, &late) == "" && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if got := written(b, &late); got != "level=INFO msg=request path=/late\n" {
		t.Fatalf("a line held: %q", got)
	}
}

// TestBufferedLogLinesStayWhole: lines from many goroutines, flushed by
// warnings and the timer meanwhile, come out whole and all there.
func TestBufferedLogLinesStayWhole(t *testing.T) {
	var out bytes.Buffer
	log, b := newTestLog(&out, 1<<10, time.Millisecond)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				if i%50 == 0 {
					log.Warn("slow", "g", g, "i", i)
				} else {
					log.Info("request", "g", g, "i", i)
				}
			}
		}()
	}
	wg.Wait()
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(written(b, &out), "\n"), "\n") {
		var level, msg string
		var g, i int
		if n, err := fmt.Sscanf(line, "level=%s msg=%s g=%d i=%d", &level, &msg, &g, &i); n != 4 || err != nil {
			t.Fatalf("a broken line: %q", line)
		}
		seen[fmt.Sprint(g, i)] = true
	}
	if len(seen) != 8*200 {
		t.Fatalf("%d lines of %d", len(seen), 8*200)
	}
}

func TestServerLoggerFollowsTheConfiguration(t *testing.T) {
	c := &Config{LogLevel: "warn", LogFormat: "json"}
	log, flush := c.ServerLogger()
	defer flush()
	if log.Enabled(context.Background(), slog.LevelInfo) || !log.Enabled(context.Background(), slog.LevelWarn) {
		t.Error("the server's logger does not follow --log-level")
	}
	if _, ok := log.Handler().(flushingHandler).Handler.(*slog.JSONHandler); !ok {
		t.Errorf("the server's logger does not follow --log-format: %T", log.Handler())
	}
}
