package server

import "testing"

// TestCallerGate: one GeoPackage at a time per caller, others unhindered.
func TestCallerGate(t *testing.T) {
	g := &callerGate{busy: map[string]bool{}}
	if !g.enter("a") || g.enter("a") || !g.enter("b") {
		t.Fatal("a caller entered twice, or another was kept out")
	}
	g.leave("a")
	if !g.enter("a") {
		t.Fatal("a caller that left cannot enter again")
	}
}
