//go:build unix

package server_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used, user and system: the
// currency of issue 18 (on 2 cores shared with PostgreSQL, what the server
// spends per request is taken from the database).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
