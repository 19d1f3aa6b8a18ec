package config

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// A server's log is written in batches: at the default level every request
// is a line, and one write(2) a line cost about a fifth of the throughput
// on small answers (docs/benchmarks.md, issue 18).
const (
	logBufferBytes = 64 << 10
	// logFlushDelay is the longest a line waits: what a crash that no
	// handler recovers (a panic outside a request, a fatal runtime error)
	// may take with it. Lines of level warn and above are written at once.
	logFlushDelay = 100 * time.Millisecond
)

// bufferedLog gathers log lines and writes them out when its buffer is
// full, delay after the first line it holds, or when flushed.
type bufferedLog struct {
	mu      sync.Mutex
	w       *bufio.Writer
	delay   time.Duration
	pending bool // a flush is scheduled
}

func newBufferedLog(w io.Writer, size int, delay time.Duration) *bufferedLog {
	return &bufferedLog{w: bufio.NewWriterSize(w, size), delay: delay}
}

func (b *bufferedLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.w.Write(p)
	if !b.pending && b.w.Buffered() > 0 {
		b.pending = true
		time.AfterFunc(b.delay, func() { _ = b.Flush() })
	}
	return n, err
}

// Flush writes out the lines held.
func (b *bufferedLog) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending = false
	return b.w.Flush()
}

// flushingHandler writes out the held lines after each record of level
// warn or above: a problem is never held back, nor what led to it.
type flushingHandler struct {
	slog.Handler
	log *bufferedLog
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		if ferr := h.log.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (h flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushingHandler{Handler: h.Handler.WithAttrs(attrs), log: h.log}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{Handler: h.Handler.WithGroup(name), log: h.log}
}
