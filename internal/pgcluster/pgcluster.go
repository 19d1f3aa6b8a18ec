// Package pgcluster builds, for tests, PostgreSQL servers of their own on
// this machine: a primary and hot standbys streaming from it
// (pg_basebackup, primary_conninfo), each a cluster in a temporary
// directory listening on a free port of 127.0.0.1. Tests use it to stop,
// pause and promote servers, which they may not do to the shared test
// server.
//
// The binaries are PostgreSQL 15's (SOCLE_PG_BIN, default
// /usr/lib/postgresql/15/bin); without them the tests that need a cluster
// are skipped saying so. PostgreSQL refuses to run as root: as root the
// servers run as the user postgres (runuser).
package pgcluster

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Node is one PostgreSQL server: the primary or a standby.
type Node struct {
	Name string
	Port int
	Dir  string // the data directory
	c    *set
}

type set struct {
	tb   testing.TB
	bin  string
	base string
	run  []string // the command prefix that runs as the server's user
	uid  int
	gid  int
}

// Bin returns the directory of the PostgreSQL binaries, or skips tb when
// they are absent.
func Bin(tb testing.TB) string {
	tb.Helper()
	bin := os.Getenv("SOCLE_PG_BIN")
	if bin == "" {
		bin = "/usr/lib/postgresql/15/bin"
	}
	for _, p := range []string{"initdb", "pg_ctl", "pg_basebackup", "postgres"} {
		if _, err := os.Stat(filepath.Join(bin, p)); err != nil {
			tb.Skipf("SKIPPED: no PostgreSQL binaries in %s (%s missing; set SOCLE_PG_BIN): a primary and a standby cannot be built", bin, p)
		}
	}
	return bin
}

// Primary starts a new primary server, stopped and removed when tb ends.
func Primary(tb testing.TB) *Node {
	tb.Helper()
	bin := Bin(tb)
	c := &set{tb: tb, bin: bin, uid: -1, gid: -1}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			tb.Skipf("SKIPPED: running as root and there is no user postgres to run PostgreSQL as")
		}
		c.uid, _ = strconv.Atoi(u.Uid)
		c.gid, _ = strconv.Atoi(u.Gid)
		c.run = []string{"runuser", "-u", "postgres", "--"}
	}
	base, err := os.MkdirTemp("", "socle-pgcluster-")
	if err != nil {
		tb.Fatal(err)
	}
	c.base = base
	c.own(base)
	tb.Cleanup(func() { _ = os.RemoveAll(base) })
	n := &Node{Name: "primary", Port: freePort(tb), Dir: filepath.Join(base, "primary"), c: c}
	c.cmd("initdb", "-D", n.Dir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C.UTF-8")
	n.conf(`listen_addresses = '127.0.0.1'
port = ` + strconv.Itoa(n.Port) + `
unix_socket_directories = ''
fsync = off
full_page_writes = off
shared_buffers = 32MB
max_connections = 60
wal_level = replica
max_wal_senders = 8
wal_keep_size = 256MB
hot_standby_feedback = on
log_min_messages = warning
`)
	n.Start()
	return n
}

// Standby makes a hot standby of the primary p (a base backup written with
// its primary_conninfo) and starts it.
func (p *Node) Standby(name string) *Node {
	c := p.c
	c.tb.Helper()
	n := &Node{Name: name, Port: freePort(c.tb), Dir: filepath.Join(c.base, name), c: c}
	c.cmd("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(p.Port), "-U", "postgres", "-D", n.Dir, "-R", "-X", "stream", "--no-sync")
	n.conf(`port = ` + strconv.Itoa(n.Port) + `
primary_conninfo = 'host=127.0.0.1 port=` + strconv.Itoa(p.Port) + ` user=postgres application_name=` + name + `'
`)
	n.Start()
	return n
}

// conf appends lines to the node's postgresql.conf (later lines win).
func (n *Node) conf(lines string) {
	f, err := os.OpenFile(filepath.Join(n.Dir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		n.c.tb.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("\n" + lines); err != nil {
		n.c.tb.Fatal(err)
	}
}

// Start starts the server and waits until it accepts connections; it is
// stopped (immediately) when the test ends.
func (n *Node) Start() {
	n.c.tb.Helper()
	n.c.cmd("pg_ctl", "-D", n.Dir, "-l", filepath.Join(n.Dir, "server.log"), "-w", "-t", "60", "start")
	n.c.tb.Cleanup(func() { n.stop("immediate", false) })
}

// Stop stops the server: mode "fast" (sessions ended, 57P01) or
// "immediate" (as a crash).
func (n *Node) Stop(mode string) {
	n.c.tb.Helper()
	n.stop(mode, true)
}

func (n *Node) stop(mode string, must bool) {
	if _, err := os.Stat(filepath.Join(n.Dir, "postmaster.pid")); err != nil {
		return
	}
	args := append(append([]string{}, n.c.run...), filepath.Join(n.c.bin, "pg_ctl"), "-D", n.Dir, "-m", mode, "-w", "stop")
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil && must {
		n.c.tb.Fatalf("pgcluster: stop %s: %v\n%s", n.Name, err, out)
	}
}

// Promote makes a standby the primary and waits until it accepts writes.
func (n *Node) Promote() {
	n.c.tb.Helper()
	n.c.cmd("pg_ctl", "-D", n.Dir, "-w", "-t", "60", "promote")
}

// URL is the node's URL for database db.
func (n *Node) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", n.Port, db)
}

// Exec runs sql on database db of the node.
func (n *Node) Exec(db, sql string, args ...any) {
	n.c.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, n.URL(db))
	if err != nil {
		n.c.tb.Fatalf("pgcluster: %s: %v", n.Name, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		n.c.tb.Fatalf("pgcluster: %s: %s: %v", n.Name, sql, err)
	}
}

// Query returns the first column of the first row of sql on database db,
// as text.
func (n *Node) Query(db, sql string, args ...any) string {
	n.c.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, n.URL(db))
	if err != nil {
		n.c.tb.Fatalf("pgcluster: %s: %v", n.Name, err)
	}
	defer conn.Close(ctx)
	var s *string
	if err := conn.QueryRow(ctx, sql, args...).Scan(&s); err != nil {
		n.c.tb.Fatalf("pgcluster: %s: %s: %v", n.Name, sql, err)
	}
	if s == nil {
		return ""
	}
	return *s
}

// WaitReplay waits until the standby n has replayed everything the primary
// p has written.
func (n *Node) WaitReplay(p *Node) {
	n.c.tb.Helper()
	want := p.Query("postgres", "SELECT pg_current_wal_lsn()::text")
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if n.Query("postgres", "SELECT (pg_last_wal_replay_lsn() >= $1::pg_lsn)::text", want) == "true" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	n.c.tb.Fatalf("pgcluster: %s did not replay up to %s in 60 s", n.Name, want)
}

func (c *set) cmd(name string, args ...string) {
	c.tb.Helper()
	all := append(append(append([]string{}, c.run...), filepath.Join(c.bin, name)), args...)
	cmd := exec.Command(all[0], all[1:]...)
	cmd.Dir = c.base
	if out, err := cmd.CombinedOutput(); err != nil {
		c.tb.Fatalf("pgcluster: %s: %v\n%s%s", strings.Join(all, " "), err, out, c.logs())
	}
}

// logs returns the tail of every server log, to explain a failure.
func (c *set) logs() string {
	var b strings.Builder
	files, _ := filepath.Glob(filepath.Join(c.base, "*", "server.log"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if len(data) > 4000 {
			data = data[len(data)-4000:]
		}
		fmt.Fprintf(&b, "\n--- %s\n%s", f, data)
	}
	return b.String()
}

func (c *set) own(path string) {
	if c.uid >= 0 {
		if err := os.Chown(path, c.uid, c.gid); err != nil {
			c.tb.Fatal(err)
		}
	}
	if err := os.Chmod(path, 0o700); err != nil {
		c.tb.Fatal(err)
	}
}

// freePort returns a TCP port of 127.0.0.1 free at the time of asking.
func freePort(tb testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
