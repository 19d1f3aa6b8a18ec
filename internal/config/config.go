// Package config reads Socle's configuration from flags, SOCLE_* environment
// variables and an optional YAML file (in that order of precedence), and
// validates it as a whole so that every problem is reported at once.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3"

	"github.com/socle-geo/socle/internal/socle"
)

// Config is the whole configuration.
type Config struct {
	Addr              string
	DatabaseURL       string
	Data              string
	BaseURL           string
	LogLevel          string
	LogFormat         string
	DefaultLimit      int
	MaxLimit          int
	RequestTimeout    time.Duration
	StatementTimeout  time.Duration
	AcquireTimeout    time.Duration
	MaxConns          int
	CORSOrigins       string
	Fixtures          string
	Metadata          string
	Migrate           bool
	ShutdownTimeout   time.Duration
	TileCacheBytes    int64
	FeatureCacheBytes int64
	// ReadHeaderTimeout keeps slow clients from holding connections.
	ReadHeaderTimeout time.Duration
	// ConfigFile is the YAML file given by --config.
	ConfigFile string
	// Limits against abuse (see Flags).
	MaxBodyBytes     int64
	MaxGPKGBytes     int64
	RateLimit        int
	WarmDownloads    bool
	RateLimitAddress int
	// InputRetention is how long serve keeps deposited field files.
	InputRetention time.Duration
	// ChangeRetention is how long serve keeps the change log (0: always).
	ChangeRetention time.Duration
	// Security is the file's security section (ReadSecurity).
	Security Security
	// DatabaseReadURLs are hot standbys of DatabaseURL that serve reads.
	DatabaseReadURLs URLList
	// Metrics says who may read /metrics: admin, open or off.
	Metrics string
}

// Flags registers the configuration's flags on fs. Every flag is also read
// from SOCLE_<NAME> (dashes become underscores) and from the YAML file given
// by --config (env SOCLE_CONFIG).
func (c *Config) Flags(fs *flag.FlagSet) {
	fs.StringVar(&c.ConfigFile, "config", "", "YAML configuration file (keys are the flag names; access levels in its security section)")
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "PostgreSQL/PostGIS URL, e.g. postgres://user@127.0.0.1:5432/socle (empty: the embedded store)")
	fs.Var(&c.DatabaseReadURLs, "database-read-url", "PostgreSQL URL of a hot standby of --database-url to serve reads (repeatable, or several separated by spaces; a multi-host URL with target_session_attrs=prefer-standby works too)")
	fs.StringVar(&c.Data, "data", "./socle.gpkg", "GeoPackage file of the embedded store")
	fs.StringVar(&c.BaseURL, "base-url", "", "public URL of the API root, for links (empty: derived from each request)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.IntVar(&c.DefaultLimit, "default-limit", 10, "features per page when the client gives no limit")
	fs.IntVar(&c.MaxLimit, "max-limit", 10000, "largest page a client may ask for")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", 60*time.Second, "time budget of one request's work")
	fs.DurationVar(&c.StatementTimeout, "statement-timeout", 30*time.Second, "PostgreSQL statement_timeout of every query")
	fs.DurationVar(&c.AcquireTimeout, "acquire-timeout", 2*time.Second, "how long a request waits for a database connection before a 503")
	fs.IntVar(&c.MaxConns, "max-conns", 0, "database pool size (0: 4 per core, at least 8); with --data, the pages and tiles computed at once (0: 2 per core)")
	fs.StringVar(&c.CORSOrigins, "cors-origins", "*", "comma-separated origins allowed to read the API from a browser (* for any, empty for none)")
	fs.StringVar(&c.Fixtures, "fixtures", "fixtures", "directory of the sample territory")
	fs.StringVar(&c.Metadata, "metadata", "", "directory of the metadata files (service.yaml and one YAML file per dataset; empty: the sample territory's)")
	fs.BoolVar(&c.Migrate, "migrate", true, "migrate the schema at start")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 20*time.Second, "grace period for in-flight requests on SIGTERM")
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", 10*time.Second, "time a client has to send its request headers (slow clients are cut off)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", 32<<20, "largest request body accepted (413 beyond)")
	fs.Int64Var(&c.MaxGPKGBytes, "max-gpkg-bytes", 512<<20, "largest GeoPackage made for a query (items?f=gpkg); a larger selection is refused")
	fs.IntVar(&c.RateLimit, "rate-limit", 6000, "requests per minute per credential, and per address for anonymous callers (0: no limit); a web map asks tens of tiles a second")
	fs.BoolVar(&c.WarmDownloads, "warm-downloads", false, "make the datasets' bulk downloads at start and after every change, in the background (else when first asked for)")
	fs.IntVar(&c.RateLimitAddress, "rate-limit-address", 0, "requests per minute per client address, whatever the credential (0: no limit; many users may share an address behind a proxy)")
	fs.DurationVar(&c.ChangeRetention, "change-retention", 0, "how long the change log is kept: serve prunes older changes every hour, after which feeds start later and those batches cannot be reverted (0: always)")
	fs.DurationVar(&c.InputRetention, "input-retention", 90*24*time.Hour, "how long the field files as deposited (road reports with their vehicle ids) are kept: serve purges older ones every hour (0: never)")
	fs.StringVar(&c.Metrics, "metrics", "admin", "who may read /metrics (Prometheus): admin (callers with the right admin), open (anyone reaching the port: a private network only) or off")
	fs.Int64Var(&c.TileCacheBytes, "tile-cache-bytes", 256<<20, "size of the in-memory tile cache in bytes (negative: no cache)")
	fs.Int64Var(&c.FeatureCacheBytes, "feature-cache-bytes", 64<<20, "size of the in-memory cache of single-feature responses in bytes (negative: no cache)")
}

// Parse parses args into c from flags, environment and config file.
func Parse(fs *flag.FlagSet, args []string) error {
	return ff.Parse(fs, args,
		ff.WithEnvVarPrefix("SOCLE"),
		ff.WithConfigFileFlag("config"),
		ff.WithConfigFileParser(yamlParser),
		ff.WithAllowMissingConfigFile(false))
}

// Validate checks the whole configuration and lists every problem.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		bad("addr %q: expected host:port", c.Addr)
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			bad("database-url: expected postgres://user@host:port/dbname")
		}
	}
	for _, r := range c.DatabaseReadURLs {
		u, err := url.Parse(r)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			bad("database-read-url: expected postgres://user@host:port/dbname")
		}
	}
	if len(c.DatabaseReadURLs) > 0 && c.DatabaseURL == "" {
		bad("database-read-url needs database-url (the primary: writes and change notifications)")
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("base-url %q: expected an absolute http(s) URL", c.BaseURL)
		}
	}
	if _, err := c.Level(); err != nil {
		bad("log-level %q: expected debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("log-format %q: expected text or json", c.LogFormat)
	}
	if c.MaxLimit < 1 {
		bad("max-limit must be at least 1")
	}
	if c.DefaultLimit < 1 || c.DefaultLimit > c.MaxLimit {
		bad("default-limit must be between 1 and max-limit (%d)", c.MaxLimit)
	}
	for name, d := range map[string]time.Duration{"request-timeout": c.RequestTimeout, "statement-timeout": c.StatementTimeout,
		"acquire-timeout": c.AcquireTimeout, "shutdown-timeout": c.ShutdownTimeout, "read-header-timeout": c.ReadHeaderTimeout} {
		if d <= 0 {
			bad("%s must be positive", name)
		}
	}
	if c.MaxBodyBytes < 1 {
		bad("max-body-bytes must be positive")
	}
	if c.MaxGPKGBytes < 1 {
		bad("max-gpkg-bytes must be positive")
	}
	if c.RateLimit < 0 || c.RateLimitAddress < 0 {
		bad("rate limits must not be negative")
	}
	if err := c.Security.Apply(socle.DefaultCatalog()); err != nil {
		errs = append(errs, err)
	}
	if c.Metrics != "admin" && c.Metrics != "open" && c.Metrics != "off" {
		bad("metrics %q: expected admin, open or off", c.Metrics)
	}
	if c.MaxConns < 0 {
		bad("max-conns must not be negative")
	}
	return errors.Join(errs...)
}

// Level returns the slog level.
func (c *Config) Level() (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(c.LogLevel))
	return l, err
}

// Origins returns the CORS allow-list.
func (c *Config) Origins() []string {
	var out []string
	for _, o := range strings.Split(c.CORSOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// Logger returns the configured structured logger, writing each line to
// stderr as it comes (the commands, whose progress shares stderr).
func (c *Config) Logger() *slog.Logger {
	return slog.New(c.handler(os.Stderr))
}

// ServerLogger returns the configured structured logger of a long-running
// server: its lines are buffered (see bufferedLog). flush writes out what
// is held: call it before the process exits.
func (c *Config) ServerLogger() (log *slog.Logger, flush func()) {
	b := newBufferedLog(os.Stderr, logBufferBytes, logFlushDelay)
	return slog.New(flushingHandler{Handler: c.handler(b), log: b}), func() { _ = b.Flush() }
}

// handler is the configured slog handler writing to w.
func (c *Config) handler(w io.Writer) slog.Handler {
	level, _ := c.Level()
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.NewJSONHandler(w, opts)
	}
	return slog.NewTextHandler(w, opts)
}

// URLList is a repeatable flag of URLs; one value may hold several,
// separated by spaces (as an environment variable does).
type URLList []string

func (l *URLList) String() string { return strings.Join(*l, " ") }

// Set adds the URLs of v.
func (l *URLList) Set(v string) error {
	*l = append(*l, strings.Fields(v)...)
	return nil
}
