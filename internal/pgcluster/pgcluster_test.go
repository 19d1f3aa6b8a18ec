package pgcluster

import "testing"

func TestStandbyReplaysAndPromotes(t *testing.T) {
	p := Primary(t)
	s := p.Standby("standby1")
	p.Exec("postgres", "CREATE TABLE t (x int); INSERT INTO t VALUES (1)")
	s.WaitReplay(p)
	if got := s.Query("postgres", "SELECT pg_is_in_recovery()::text"); got != "true" {
		t.Fatalf("standby in recovery: %s", got)
	}
	if got := s.Query("postgres", "SELECT x::text FROM t"); got != "1" {
		t.Fatalf("standby reads %q", got)
	}
	p.Stop("fast")
	s.Promote()
	s.Exec("postgres", "INSERT INTO t VALUES (2)")
	if got := s.Query("postgres", "SELECT count(*)::text FROM t"); got != "2" {
		t.Fatalf("promoted standby has %s rows", got)
	}
}
