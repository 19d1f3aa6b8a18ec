package server

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestBudgetBehavesAsWithTimeout holds the request's context to what
// context.WithTimeout(context.WithValue(parent, callKey{}, call)) does:
// the call, the deadline (the parent's when earlier), cancellation by the
// parent, by the budget and by the end of the request, for the context and
// for contexts derived from it, whether or not it was waited on before.
func TestBudgetBehavesAsWithTimeout(t *testing.T) {
	type probe struct{}

	t.Run("value and deadline, nothing made", func(t *testing.T) {
		parent := context.WithValue(context.Background(), probe{}, 7)
		b := withBudget(parent, time.Hour)
		defer b.end()
		b.call.id = "x"
		if b.Value(callKey{}) != &b.call || b.Value(probe{}) != 7 || requestID(b) != "x" {
			t.Fatalf("values: %v %v", b.Value(callKey{}), b.Value(probe{}))
		}
		if d, ok := b.Deadline(); !ok || time.Until(d) < 59*time.Minute {
			t.Fatalf("deadline %v %v", d, ok)
		}
		if b.Err() != nil || b.made.Load() {
			t.Fatalf("Err %v, or made without a wait: %v", b.Err(), b.made.Load())
		}
		early, stop := context.WithTimeout(context.Background(), time.Minute)
		defer stop()
		b2 := withBudget(early, time.Hour)
		defer b2.end()
		if d, _ := b2.Deadline(); time.Until(d) > time.Minute {
			t.Fatalf("the parent's earlier deadline is not kept: %v", d)
		}
	})

	t.Run("the budget runs out", func(t *testing.T) {
		b := withBudget(context.Background(), 20*time.Millisecond)
		defer b.end()
		derived, stop := context.WithCancel(context.WithValue(b, probe{}, 1))
		defer stop()
		select {
		case <-b.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("Done not closed past the budget")
		}
		<-derived.Done()
		if !errors.Is(b.Err(), context.DeadlineExceeded) || !errors.Is(derived.Err(), context.DeadlineExceeded) {
			t.Fatalf("Err %v, derived %v", b.Err(), derived.Err())
		}
	})

	t.Run("past the budget without a wait", func(t *testing.T) {
		b := withBudget(context.Background(), time.Millisecond)
		defer b.end()
		time.Sleep(5 * time.Millisecond)
		if !errors.Is(b.Err(), context.DeadlineExceeded) {
			t.Fatalf("Err %v", b.Err())
		}
		select {
		case <-b.Done():
		default:
			t.Fatal("Err says done, Done is open")
		}
	})

	t.Run("the parent is cancelled", func(t *testing.T) {
		for _, waited := range []bool{false, true} {
			parent, cancel := context.WithCancel(context.Background())
			b := withBudget(parent, time.Hour)
			if waited {
				_ = b.Done()
			}
			cancel()
			if !errors.Is(b.Err(), context.Canceled) {
				t.Fatalf("waited %v: Err %v", waited, b.Err())
			}
			<-b.Done()
			b.end()
		}
	})

	t.Run("the request ends", func(t *testing.T) {
		b := withBudget(context.Background(), time.Hour)
		derived, stop := context.WithCancel(b)
		defer stop()
		b.end()
		<-derived.Done()
		<-b.Done()
		if !errors.Is(b.Err(), context.Canceled) {
			t.Fatalf("Err %v", b.Err())
		}
		// Ended before anything waited: done all the same.
		b2 := withBudget(context.Background(), time.Hour)
		b2.end()
		if !errors.Is(b2.Err(), context.Canceled) {
			t.Fatalf("ended unwaited: Err %v", b2.Err())
		}
		<-b2.Done()
	})

	t.Run("waited on from many goroutines", func(t *testing.T) {
		b := withBudget(context.Background(), time.Hour)
		var wg sync.WaitGroup
		dones := make([]<-chan struct{}, 8)
		for i := range dones {
			wg.Add(1)
			go func() {
				defer wg.Done()
				dones[i] = b.Done()
				_ = b.Err()
			}()
		}
		wg.Wait()
		for _, d := range dones {
			if d != dones[0] {
				t.Fatal("two Done channels for one context")
			}
		}
		b.end()
		<-dones[0]
	})
}
