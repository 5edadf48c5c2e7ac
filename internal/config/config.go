// Package config holds the node's configuration: defaults, an optional TOML
// file, CREDITBRIDGE_* environment variables and command-line flags, in
// rising order of precedence, validated at start with errors that name the
// bad setting. There is no global configuration: Load returns a value that
// the caller passes on.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is the node's configuration.
type Config struct {
	// DataDir holds the SQLite database, the node key and the data key.
	DataDir string `toml:"data_dir"`
	// DB is a PostgreSQL URL or a SQLite path; empty means
	// <DataDir>/creditbridge.db.
	DB string `toml:"db"`
	// Listen is the HTTP listen address.
	Listen string `toml:"listen"`
	// NodeName identifies this platform in evidence and (later) the network.
	NodeName string `toml:"node_name"`
	// DefaultLang is used when a request states no preference: "zh-CN" or "en".
	DefaultLang string `toml:"default_lang"`
	// SessionTTL is how long an idle sign-in session lives.
	SessionTTL time.Duration `toml:"session_ttl"`
	// CookieSecure sets the Secure attribute on cookies. Browsers accept
	// Secure cookies on http://localhost, so it stays on by default.
	CookieSecure bool `toml:"cookie_secure"`
	// MaxBodyBytes bounds request bodies.
	MaxBodyBytes int64 `toml:"max_body_bytes"`
	// MaxUploadBytes bounds a department file submitted as a batch (API
	// or web upload), which is spooled to DataDir, never held in memory.
	MaxUploadBytes int64 `toml:"max_upload_bytes"`
	// LoginMaxFailures failed sign-ins per username (and per address) within
	// LoginWindow lock further attempts until the window passes.
	LoginMaxFailures int           `toml:"login_max_failures"`
	LoginWindow      time.Duration `toml:"login_window"`
	// CheckpointInterval is how often the node signs the evidence log head.
	CheckpointInterval time.Duration `toml:"checkpoint_interval"`
	// ShutdownTimeout bounds graceful shutdown.
	ShutdownTimeout time.Duration `toml:"shutdown_timeout"`
	// LogLevel is debug, info, warn or error; LogFormat is text or json.
	LogLevel  string `toml:"log_level"`
	LogFormat string `toml:"log_format"`
	// Verification (数据核验) limits against extracting values by repeated
	// questions: questions per institution per 24 h, per institution and
	// enterprise per 24 h, distinct constants per institution, enterprise
	// and item within VerifyWindow; AttestationTTL is how long a signed
	// answer stays valid.
	VerifyMaxPerDay           int64         `toml:"verify_max_per_day"`
	VerifyMaxPerEnterpriseDay int64         `toml:"verify_max_per_enterprise_day"`
	VerifyMaxThresholds       int64         `toml:"verify_max_thresholds"`
	VerifyWindow              time.Duration `toml:"verify_window"`
	AttestationTTL            time.Duration `toml:"attestation_ttl"`
	// Rate limits (token buckets, requests per minute; a bucket holds
	// RateBurstSeconds' worth): per API key, per signed-in user, per
	// organisation (all its keys and users), per address for anonymous
	// requests. Zero disables one.
	RateKeyPerMinute  int64 `toml:"rate_key_per_minute"`
	RateUserPerMinute int64 `toml:"rate_user_per_minute"`
	RateOrgPerMinute  int64 `toml:"rate_org_per_minute"`
	RateAnonPerMinute int64 `toml:"rate_anon_per_minute"`
	RateBurstSeconds  int64 `toml:"rate_burst_seconds"`
	// MonitorBusinessHours ("08:00-20:00", Asia/Shanghai): reads outside
	// them count as night reads. MonitorAutoSuspend suspends the API key
	// or user behind a high-severity alert; MonitorInterval is how often
	// the detector reads the evidence log when no request wakes it.
	MonitorBusinessHours string        `toml:"monitor_business_hours"`
	MonitorAutoSuspend   bool          `toml:"monitor_auto_suspend"`
	MonitorInterval      time.Duration `toml:"monitor_interval"`
	// ObjectionDeadline is the source department's time to decide an
	// objection (异议) before it escalates to the operator.
	ObjectionDeadline time.Duration `toml:"objection_deadline"`
	// GCPercent is the Go garbage collector's target (what GOGC sets): a
	// collection starts when the heap has grown by this percentage over
	// what the last one left live; -1 turns collection off until
	// MemoryLimitMiB. The GOGC environment variable, when set, wins (and
	// turns GCHeapFloorMiB off).
	GCPercent int64 `toml:"gc_percent"`
	// GCHeapFloorMiB is the least heap goal in MiB: while the live heap is
	// small the percentage rises so that a collection starts only once
	// the heap reaches it; 0: off. A node's live heap while it answers is
	// a few MiB, so at GOGC 100 alone it collects some 25 times a second
	// under load, and every collection slows the requests running
	// meanwhile; a higher GOGC for every process would instead multiply
	// the memory of those whose live heap is large.
	GCHeapFloorMiB int64 `toml:"gc_heap_floor_mib"`
	// MemoryLimitMiB is the Go runtime's soft memory limit (what GOMEMLIMIT
	// sets) in MiB; 0: none. The GOMEMLIMIT environment variable, when
	// set, wins.
	MemoryLimitMiB int64 `toml:"memory_limit_mib"`
}

// Default returns the defaults: a SQLite node under ./data on :8080.
func Default() Config {
	return Config{
		DataDir:            "data",
		Listen:             "localhost:8080",
		NodeName:           "creditbridge",
		DefaultLang:        "zh-CN",
		SessionTTL:         8 * time.Hour,
		CookieSecure:       true,
		MaxBodyBytes:       1 << 20,
		MaxUploadBytes:     1 << 30,
		LoginMaxFailures:   5,
		LoginWindow:        15 * time.Minute,
		CheckpointInterval: time.Minute,
		ShutdownTimeout:    15 * time.Second,
		LogLevel:           "info",
		LogFormat:          "text",

		VerifyMaxPerDay:           2000,
		VerifyMaxPerEnterpriseDay: 30,
		VerifyMaxThresholds:       4,
		VerifyWindow:              30 * 24 * time.Hour,
		AttestationTTL:            30 * 24 * time.Hour,
		ObjectionDeadline:         15 * 24 * time.Hour,

		RateKeyPerMinute:     1200,
		RateUserPerMinute:    600,
		RateOrgPerMinute:     6000,
		RateAnonPerMinute:    600,
		RateBurstSeconds:     60,
		MonitorBusinessHours: "08:00-20:00",
		MonitorAutoSuspend:   true,
		MonitorInterval:      2 * time.Second,
		GCPercent:            100,
		GCHeapFloorMiB:       64,
	}
}

// DSN returns the database to open: DB, or the SQLite file in DataDir.
func (c Config) DSN() string {
	if c.DB != "" {
		return c.DB
	}
	return filepath.Join(c.DataDir, "creditbridge.db")
}

// setting describes one configuration key, shared by file, environment and
// flags so the three cannot drift apart.
type setting struct {
	name  string // file key and flag name (with '-' for '_')
	usage string
	set   func(c *Config, v string) error
	get   func(c *Config) string
}

func settings() []setting {
	str := func(p func(*Config) *string) (func(*Config, string) error, func(*Config) string) {
		return func(c *Config, v string) error { *p(c) = v; return nil }, func(c *Config) string { return *p(c) }
	}
	dur := func(p func(*Config) *time.Duration) (func(*Config, string) error, func(*Config) string) {
		return func(c *Config, v string) error {
				d, err := time.ParseDuration(v)
				if err != nil {
					return fmt.Errorf("%q is not a duration such as 30s or 8h", v)
				}
				*p(c) = d
				return nil
			}, func(c *Config) string {
				return p(c).String()
			}
	}
	integer := func(p func(*Config) *int64) (func(*Config, string) error, func(*Config) string) {
		return func(c *Config, v string) error {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return fmt.Errorf("%q is not a whole number", v)
				}
				*p(c) = n
				return nil
			}, func(c *Config) string {
				return strconv.FormatInt(*p(c), 10)
			}
	}
	mk := func(name, usage string, s func(*Config, string) error, g func(*Config) string) setting {
		return setting{name: name, usage: usage, set: s, get: g}
	}
	var out []setting
	add := func(name, usage string, pair func() (func(*Config, string) error, func(*Config) string)) {
		s, g := pair()
		out = append(out, mk(name, usage, s, g))
	}
	add("data_dir", "directory for the SQLite database and node keys", func() (func(*Config, string) error, func(*Config) string) {
		return str(func(c *Config) *string { return &c.DataDir })
	})
	add("db", "database: postgres://... URL or SQLite file path (default <data_dir>/creditbridge.db)", func() (func(*Config, string) error, func(*Config) string) {
		return str(func(c *Config) *string { return &c.DB })
	})
	add("listen", "HTTP listen address", func() (func(*Config, string) error, func(*Config) string) {
		return str(func(c *Config) *string { return &c.Listen })
	})
	add("node_name", "name of this platform node", func() (func(*Config, string) error, func(*Config) string) {
		return str(func(c *Config) *string { return &c.NodeName })
	})
	add("default_lang", "language when the browser states none: zh-CN or en", func() (func(*Config, string) error, func(*Config) string) {
		return str(func(c *Config) *string { return &c.DefaultLang })
	})
	add("session_ttl", "idle lifetime of a sign-in session", func() (func(*Config, string) error, func(*Config) string) {
		return dur(func(c *Config) *time.Duration { return &c.SessionTTL })
	})
	out = append(out, setting{name: "cookie_secure", usage: "set the Secure attribute on cookies",
		set: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%q is not true or false", v)
			}
			c.CookieSecure = b
			return nil
		}, get: func(c *Config) string { return strconv.FormatBool(c.CookieSecure) }})
	add("max_body_bytes", "largest accepted request body in bytes", func() (func(*Config, string) error, func(*Config) string) {
		return integer(func(c *Config) *int64 { return &c.MaxBodyBytes })
	})
	add("max_upload_bytes", "largest department file accepted as one batch, in bytes", func() (func(*Config, string) error, func(*Config) string) {
		return integer(func(c *Config) *int64 { return &c.MaxUploadBytes })
	})
	out = append(out, setting{name: "login_max_failures", usage: "failed sign-ins allowed per login window",
		set: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%q is not a whole number", v)
			}
			c.LoginMaxFailures = n
			return nil
		}, get: func(c *Config) string { return strconv.Itoa(c.LoginMaxFailures) }})
	add("login_window", "window over which failed sign-ins are counted", func() (func(*Config, string) error, func(*Config) string) {
		return dur(func(c *Config) *time.Duration { return &c.LoginWindow })
	})
	add("checkpoint_interval", "how often the evidence log head is signed", func() (func(*Config, string) error, func(*Config) string) {
		return dur(func(c *Config) *time.Duration { return &c.CheckpointInterval })
	})
	add("shutdown_timeout", "time allowed for graceful shutdown", func() (func(*Config, string) error, func(*Config) string) {
		return dur(func(c *Config) *time.Duration { return &c.ShutdownTimeout })
	})
	add("log_level", "debug, info, warn or error", func() (func(*Config, string) error, func(*Config) string) {
		return str(func(c *Config) *string { return &c.LogLevel })
	})
	add("log_format", "text or json", func() (func(*Config, string) error, func(*Config) string) {
		return str(func(c *Config) *string { return &c.LogFormat })
	})
	add("verify_max_per_day", "verification questions one institution may ask in 24 hours", func() (func(*Config, string) error, func(*Config) string) {
		return integer(func(c *Config) *int64 { return &c.VerifyMaxPerDay })
	})
	add("verify_max_per_enterprise_day", "verification questions one institution may ask about one enterprise in 24 hours", func() (func(*Config, string) error, func(*Config) string) {
		return integer(func(c *Config) *int64 { return &c.VerifyMaxPerEnterpriseDay })
	})
	add("verify_max_thresholds", "distinct constants one institution may compare one enterprise's item with per verify_window", func() (func(*Config, string) error, func(*Config) string) {
		return integer(func(c *Config) *int64 { return &c.VerifyMaxThresholds })
	})
	add("verify_window", "period over which verification thresholds and narrowing are counted", func() (func(*Config, string) error, func(*Config) string) {
		return dur(func(c *Config) *time.Duration { return &c.VerifyWindow })
	})
	add("attestation_ttl", "how long a signed verification answer stays valid", func() (func(*Config, string) error, func(*Config) string) {
		return dur(func(c *Config) *time.Duration { return &c.AttestationTTL })
	})
	add("rate_key_per_minute", "requests per minute one API key may make (0: no limit)", func() (func(*Config, string) error, func(*Config) string) {
		return integer(func(c *Config) *int64 { return &c.RateKeyPerMinute })
	})
	add("rate_user_per_minute", "requests per minute one signed-in user may make (0: no limit)", func() (func(*Config, string) error, func(*Config) string) {
		return integer(func(c *Config) *int64 { return &c.RateUserPerMinute })
	})
	add("rate_org_per_minute", "requests per minute all keys and users of one organisation may make together (0: no limit)", func() (func(*Config, string) error, func(*Config) string) {
		return integer(func(c *Config) *int64 { return &c.RateOrgPerMinute })
	})
	add("rate_anon_per_minute", "requests per minute one address may make without signing in (0: no limit)", func() (func(*Config, string) error, func(*Config) string) {
		return integer(func(c *Config) *int64 { return &c.RateAnonPerMinute })
	})
	add("rate_burst_seconds", "seconds' worth of requests a rate-limit bucket holds (the burst allowed)", func() (func(*Config, string) error, func(*Config) string) {
		return integer(func(c *Config) *int64 { return &c.RateBurstSeconds })
	})
	add("monitor_business_hours", "business hours in Asia/Shanghai time, HH:MM-HH:MM; reads outside them are night reads", func() (func(*Config, string) error, func(*Config) string) {
		return str(func(c *Config) *string { return &c.MonitorBusinessHours })
	})
	out = append(out, setting{name: "monitor_auto_suspend", usage: "suspend the API key or user behind a high-severity security alert at once",
		set: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%q is not true or false", v)
			}
			c.MonitorAutoSuspend = b
			return nil
		}, get: func(c *Config) string { return strconv.FormatBool(c.MonitorAutoSuspend) }})
	add("monitor_interval", "how often the misuse detector reads new evidence when no request wakes it", func() (func(*Config, string) error, func(*Config) string) {
		return dur(func(c *Config) *time.Duration { return &c.MonitorInterval })
	})
	add("objection_deadline", "how long the source department has to decide an objection before it escalates to the operator", func() (func(*Config, string) error, func(*Config) string) {
		return dur(func(c *Config) *time.Duration { return &c.ObjectionDeadline })
	})
	add("gc_percent", "Go garbage collector target, as GOGC: heap growth in percent that starts a collection; -1: off until memory_limit_mib (env GOGC, when set, wins)", func() (func(*Config, string) error, func(*Config) string) {
		return integer(func(c *Config) *int64 { return &c.GCPercent })
	})
	add("gc_heap_floor_mib", "least heap goal in MiB: while the live heap is small, collections wait until the heap reaches it (0: off; GOGC in the environment turns it off)", func() (func(*Config, string) error, func(*Config) string) {
		return integer(func(c *Config) *int64 { return &c.GCHeapFloorMiB })
	})
	add("memory_limit_mib", "Go runtime soft memory limit in MiB, as GOMEMLIMIT; 0: none (env GOMEMLIMIT, when set, wins)", func() (func(*Config, string) error, func(*Config) string) {
		return integer(func(c *Config) *int64 { return &c.MemoryLimitMiB })
	})
	return out
}

// EnvName is the environment variable for a setting, e.g. CREDITBRIDGE_DATA_DIR.
func EnvName(key string) string { return "CREDITBRIDGE_" + strings.ToUpper(key) }

func flagName(key string) string { return strings.ReplaceAll(key, "_", "-") }

// Flags registers every setting on fs and returns a function that, after
// fs.Parse, loads the configuration: defaults, then the file named by
// --config (or CREDITBRIDGE_CONFIG), then the environment, then the flags
// that were set. env is the process environment as KEY=VALUE strings.
func Flags(fs *flag.FlagSet, env []string) func() (Config, error) {
	ss := settings()
	cfgFile := fs.String("config", "", "optional TOML configuration file (env CREDITBRIDGE_CONFIG)")
	vals := make(map[string]*string, len(ss))
	for _, s := range ss {
		v := new(string)
		vals[s.name] = v
		def := s.get(ptr(Default()))
		fs.StringVar(v, flagName(s.name), "", fmt.Sprintf("%s (env %s, default %s)", s.usage, EnvName(s.name), def))
	}
	return func() (Config, error) {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		envMap := map[string]string{}
		for _, kv := range env {
			if k, v, ok := strings.Cut(kv, "="); ok {
				envMap[k] = v
			}
		}
		c := Default()
		path := *cfgFile
		if path == "" {
			path = envMap["CREDITBRIDGE_CONFIG"]
		}
		if path != "" {
			if err := loadFile(&c, path, ss); err != nil {
				return c, err
			}
		}
		for _, s := range ss {
			if v, ok := envMap[EnvName(s.name)]; ok && v != "" {
				if err := s.set(&c, v); err != nil {
					return c, fmt.Errorf("config: environment %s: %w", EnvName(s.name), err)
				}
			}
		}
		for _, s := range ss {
			if set[flagName(s.name)] {
				if err := s.set(&c, *vals[s.name]); err != nil {
					return c, fmt.Errorf("config: flag --%s: %w", flagName(s.name), err)
				}
			}
		}
		return c, c.Validate()
	}
}

func ptr(c Config) *Config { return &c }

func loadFile(c *Config, path string, ss []setting) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: file %s: %w", path, err)
	}
	raw := map[string]any{}
	if _, err := toml.Decode(string(b), &raw); err != nil {
		return fmt.Errorf("config: file %s: %w", path, err)
	}
	known := map[string]setting{}
	for _, s := range ss {
		known[s.name] = s
	}
	for k, v := range raw {
		s, ok := known[k]
		if !ok {
			return fmt.Errorf("config: file %s: unknown setting %q", path, k)
		}
		if err := s.set(c, fmt.Sprint(v)); err != nil {
			return fmt.Errorf("config: file %s: setting %s: %w", path, k, err)
		}
	}
	return nil
}

// Validate checks every setting and names the first bad one.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("config: %s (flag --%s, env %s): %s", key, flagName(key), EnvName(key), fmt.Sprintf(format, args...)))
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("data_dir", "must not be empty")
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		bad("listen", "%q is not host:port (for example localhost:8080 or :8080)", c.Listen)
	}
	if strings.TrimSpace(c.NodeName) == "" {
		bad("node_name", "must not be empty")
	}
	if c.DefaultLang != "zh-CN" && c.DefaultLang != "en" {
		bad("default_lang", "%q is not zh-CN or en", c.DefaultLang)
	}
	if c.SessionTTL < time.Minute || c.SessionTTL > 30*24*time.Hour {
		bad("session_ttl", "%s is outside 1m..720h", c.SessionTTL)
	}
	if c.MaxBodyBytes < 1024 || c.MaxBodyBytes > 1<<30 {
		bad("max_body_bytes", "%d is outside 1024..1073741824", c.MaxBodyBytes)
	}
	if c.MaxUploadBytes < 1024 || c.MaxUploadBytes > 1<<40 {
		bad("max_upload_bytes", "%d is outside 1024..1099511627776", c.MaxUploadBytes)
	}
	if c.LoginMaxFailures < 1 || c.LoginMaxFailures > 1000 {
		bad("login_max_failures", "%d is outside 1..1000", c.LoginMaxFailures)
	}
	if c.LoginWindow < time.Second {
		bad("login_window", "%s is shorter than 1s", c.LoginWindow)
	}
	if c.CheckpointInterval < time.Second {
		bad("checkpoint_interval", "%s is shorter than 1s", c.CheckpointInterval)
	}
	if c.ShutdownTimeout < time.Second {
		bad("shutdown_timeout", "%s is shorter than 1s", c.ShutdownTimeout)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level", "%q is not debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("log_format", "%q is not text or json", c.LogFormat)
	}
	if c.VerifyMaxPerDay < 1 || c.VerifyMaxPerDay > 10_000_000 {
		bad("verify_max_per_day", "%d is outside 1..10000000", c.VerifyMaxPerDay)
	}
	if c.VerifyMaxPerEnterpriseDay < 1 || c.VerifyMaxPerEnterpriseDay > 100_000 {
		bad("verify_max_per_enterprise_day", "%d is outside 1..100000", c.VerifyMaxPerEnterpriseDay)
	}
	if c.VerifyMaxThresholds < 1 || c.VerifyMaxThresholds > 100 {
		bad("verify_max_thresholds", "%d is outside 1..100", c.VerifyMaxThresholds)
	}
	if c.VerifyWindow < 24*time.Hour || c.VerifyWindow > 366*24*time.Hour {
		bad("verify_window", "%s is outside 24h..8784h", c.VerifyWindow)
	}
	if c.AttestationTTL < time.Minute || c.AttestationTTL > 366*24*time.Hour {
		bad("attestation_ttl", "%s is outside 1m..8784h", c.AttestationTTL)
	}
	for _, r := range []struct {
		key string
		v   int64
	}{{"rate_key_per_minute", c.RateKeyPerMinute}, {"rate_user_per_minute", c.RateUserPerMinute}, {"rate_org_per_minute", c.RateOrgPerMinute}, {"rate_anon_per_minute", c.RateAnonPerMinute}} {
		if r.v < 0 || r.v > 10_000_000 {
			bad(r.key, "%d is outside 0..10000000", r.v)
		}
	}
	if c.RateBurstSeconds < 1 || c.RateBurstSeconds > 3600 {
		bad("rate_burst_seconds", "%d is outside 1..3600", c.RateBurstSeconds)
	}
	if !validBusinessHours(c.MonitorBusinessHours) {
		bad("monitor_business_hours", "%q is not HH:MM-HH:MM with the start before the end (for example 08:00-20:00)", c.MonitorBusinessHours)
	}
	if c.MonitorInterval < 100*time.Millisecond || c.MonitorInterval > time.Hour {
		bad("monitor_interval", "%s is outside 100ms..1h", c.MonitorInterval)
	}
	if c.ObjectionDeadline < time.Hour || c.ObjectionDeadline > 366*24*time.Hour {
		bad("objection_deadline", "%s is outside 1h..8784h", c.ObjectionDeadline)
	}
	if c.GCPercent != -1 && (c.GCPercent < 25 || c.GCPercent > 10_000) {
		bad("gc_percent", "%d is neither -1 (off) nor within 25..10000", c.GCPercent)
	}
	if c.GCHeapFloorMiB < 0 || c.GCHeapFloorMiB > 1<<20 {
		bad("gc_heap_floor_mib", "%d is outside 0..1048576", c.GCHeapFloorMiB)
	}
	if c.MemoryLimitMiB != 0 && (c.MemoryLimitMiB < 64 || c.MemoryLimitMiB > 1<<24) {
		bad("memory_limit_mib", "%d is neither 0 (none) nor within 64..16777216", c.MemoryLimitMiB)
	}
	if c.GCPercent == -1 && c.MemoryLimitMiB == 0 {
		bad("gc_percent", "-1 (off) needs memory_limit_mib, or the heap grows without bound")
	}
	if c.DB != "" && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") && strings.Contains(c.DB, "://") {
		bad("db", "%q is neither a postgres:// URL nor a SQLite file path", c.DB)
	}
	return errors.Join(errs...)
}

// validBusinessHours accepts "HH:MM-HH:MM" (24:00 allowed as the end) with
// the start before the end.
func validBusinessHours(s string) bool {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return false
	}
	mins := func(x string) int {
		x = strings.TrimSpace(x)
		if x == "24:00" {
			return 24 * 60
		}
		t, err := time.Parse("15:04", x)
		if err != nil {
			return -1
		}
		return t.Hour()*60 + t.Minute()
	}
	start, end := mins(a), mins(b)
	return start >= 0 && end >= 0 && start < end && start < 24*60
}
