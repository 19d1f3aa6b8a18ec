package postgis

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/socle-geo/socle/internal/socle"
)

// The audit log lives on the primary. While no primary accepts writes
// (it stopped, and no standby is promoted yet), reads go on from the
// standbys, and so do the audited actions that need no write: reads of
// restricted data, refused credentials. Their entries are held in memory,
// in order, and written, still in order and with their own times, as soon
// as a primary accepts them; the entries that come meanwhile queue behind
// them. The hold is bounded (Options.AuditHold); past it an entry is
// refused (the server then logs it whole), and the log gets one entry
// saying how many were not kept and when. Entries still held when the
// process stops are lost: Close says how many.

// defaultAuditHold bounds the entries held while no primary accepts
// writes: a few hours of a busy instance's restricted reads, a few MB.
const defaultAuditHold = 10000

// auditHold holds the audit entries that wait for a primary.
type auditHold struct {
	max int
	// write appends one entry to the audit log on the primary.
	write func(context.Context, socle.AuditEntry) error

	mu      sync.Mutex
	pending []socle.AuditEntry
	// lost counts the entries refused because the hold was full, between
	// lostFrom and lostTo.
	lost             int
	lostFrom, lostTo time.Time
	// flushing is set while a goroutine writes the held entries out;
	// stop ends it (Close), done tells it has ended.
	flushing bool
	stop     chan struct{}
	done     chan struct{}
}

// append writes e, or holds it while no primary accepts writes.
func (h *auditHold) append(ctx context.Context, e socle.AuditEntry) error {
	h.mu.Lock()
	waiting := len(h.pending) > 0 || h.flushing
	h.mu.Unlock()
	if !waiting {
		err := h.write(ctx, e)
		if socle.ErrorCode(err) != socle.EUNAVAILABLE {
			return err
		}
	}
	return h.hold(e)
}

// hold queues e behind the entries already held and starts writing them
// out.
func (h *auditHold) hold(e socle.AuditEntry) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.pending) >= h.max {
		if h.lost == 0 {
			h.lostFrom = e.Time
		}
		h.lost++
		h.lostTo = e.Time
		return &socle.Error{Code: socle.EUNAVAILABLE,
			Message: fmt.Sprintf("the audit entry is not kept: no primary accepts writes and %d entries are already held", len(h.pending))}
	}
	h.pending = append(h.pending, e)
	if !h.flushing {
		h.flushing = true
		if h.stop == nil {
			h.stop = make(chan struct{})
		}
		h.done = make(chan struct{})
		go h.flush(h.stop, h.done)
	}
	return nil
}

// flush writes the held entries out, in order, retrying with backoff until
// a primary takes them all, then records the entries not kept, if any.
func (h *auditHold) flush(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	wait := 100 * time.Millisecond
	for {
		select {
		case <-stop:
			h.mu.Lock()
			h.flushing = false
			h.mu.Unlock()
			return
		case <-time.After(wait):
		}
		if h.writeOut(context.Background()) {
			return
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// writeOut writes the held entries in order, then the count of those not
// kept; it tells whether nothing is left to write (and then ends the
// flushing, under the same lock as the last check).
func (h *auditHold) writeOut(ctx context.Context) bool {
	for {
		h.mu.Lock()
		if len(h.pending) == 0 && h.lost == 0 {
			h.flushing = false
			h.mu.Unlock()
			return true
		}
		var e socle.AuditEntry
		gap := len(h.pending) == 0
		if gap {
			e = socle.AuditEntry{Time: time.Now().UTC(), Actor: "socle", Action: "audit.lost", Target: "audit_log",
				Detail: fmt.Sprintf("%d audit entries not kept between %s and %s: no primary accepted writes and %d were already held (each is in the log of the instance that refused it)",
					h.lost, h.lostFrom.Format(time.RFC3339), h.lostTo.Format(time.RFC3339), h.max)}
		} else {
			e = h.pending[0]
		}
		h.mu.Unlock()
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := h.write(wctx, e)
		cancel()
		if err != nil {
			return false
		}
		h.mu.Lock()
		if gap {
			h.lost = 0
		} else {
			h.pending = h.pending[1:]
		}
		h.mu.Unlock()
	}
}

// held counts the entries waiting for a primary.
func (h *auditHold) held() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.pending)
}

// close stops the writing out, tries once more within ctx, and tells how
// many entries are lost.
func (h *auditHold) close(ctx context.Context) error {
	h.mu.Lock()
	if h.stop != nil {
		select {
		case <-h.stop:
		default:
			close(h.stop)
		}
	}
	done := h.done
	h.mu.Unlock()
	if done != nil {
		<-done
	}
	h.writeOut(ctx)
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := len(h.pending) + h.lost; n > 0 {
		return fmt.Errorf("postgis: %d audit entries not written: no primary accepted writes before the store closed", n)
	}
	return nil
}

// AppendAudit appends one entry to the audit log; while no primary accepts
// writes, the entry is held and written once one does (see auditHold).
func (s *Store) AppendAudit(ctx context.Context, e socle.AuditEntry) error {
	return s.audit.append(ctx, e)
}

// AuditHeld counts the audit entries waiting for a primary.
func (s *Store) AuditHeld() int { return s.audit.held() }
