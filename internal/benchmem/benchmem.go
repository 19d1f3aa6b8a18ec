// Package benchmem measures what benchmarks report besides time: the Go
// runtime's memory in use (its peak while something runs), the process's
// CPU time and peak resident set. On a shared machine wall time alone says
// little.
package benchmem

import (
	"runtime/metrics"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Sampler follows the Go runtime's memory in use (all classes, less what
// is free or released) while something runs.
type Sampler struct {
	peak atomic.Uint64
	stop chan struct{}
	done chan struct{}
}

// Sample starts following memory in use, every 5 ms.
func Sample() *Sampler {
	p := &Sampler{stop: make(chan struct{}), done: make(chan struct{})}
	sample := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}, {Name: "/memory/classes/heap/free:bytes"}}
	read := func() {
		metrics.Read(sample)
		used := sample[0].Value.Uint64() - sample[1].Value.Uint64() - sample[2].Value.Uint64()
		if used > p.peak.Load() {
			p.peak.Store(used)
		}
	}
	go func() {
		defer close(p.done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			read()
			select {
			case <-p.stop:
				read()
				return
			case <-t.C:
			}
		}
	}()
	return p
}

// Finish stops following and returns the peak, in bytes.
func (p *Sampler) Finish() uint64 {
	close(p.stop)
	<-p.done
	return p.peak.Load()
}

// InUse is the Go runtime's memory in use now, in bytes.
func InUse() uint64 { return Sample().Finish() }

// CPUTime is the process's user and system CPU time so far.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Report reports a peak of memory in use (peak-MiB) and the process's peak
// resident set (maxrss-MiB).
func Report(b *testing.B, peak uint64) {
	b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss-MiB")
	}
}
