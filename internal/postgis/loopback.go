package postgis

import (
	"net"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// plainOnLoopback drops TLS from c when the database URL leaves sslmode to
// its default ("prefer": TLS if the server offers it, else plain) and every
// host c may try is on this machine. TLS on the loopback protects nothing
// another local user could not read anyway, and cost 10–15 % of the CPU
// of a single feature (docs/benchmarks.md, issue 18). A URL (or PGSSLMODE)
// that names an sslmode is obeyed as written.
func plainOnLoopback(c *pgconn.Config, url string) {
	if strings.Contains(url, "sslmode") || os.Getenv("PGSSLMODE") != "" {
		return
	}
	if !loopback(c.Host) {
		return
	}
	for _, f := range c.Fallbacks {
		if !loopback(f.Host) {
			return
		}
	}
	c.TLSConfig = nil
	// "prefer" lists each host with TLS, then without: keep the latter once.
	kept := c.Fallbacks[:0]
	for _, f := range c.Fallbacks {
		if f.TLSConfig == nil && (f.Host != c.Host || f.Port != c.Port) {
			kept = append(kept, f)
		}
	}
	c.Fallbacks = kept
}

// loopback tells whether host is a Unix socket directory or an address of
// this machine's loopback interface.
func loopback(host string) bool {
	if strings.HasPrefix(host, "/") || host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
