package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, args, env []string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	get := Flags(fs, env)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse: %v", err)
	}
	return get()
}

func TestPrecedence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "cb.toml")
	if err := os.WriteFile(file, []byte("listen = \"127.0.0.1:9000\"\nsession_ttl = \"2h\"\nnode_name = \"from-file\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := load(t, []string{"--config", file, "--node-name", "from-flag"},
		[]string{"CREDITBRIDGE_SESSION_TTL=3h", "CREDITBRIDGE_NODE_NAME=from-env"})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if c.Listen != "127.0.0.1:9000" {
		t.Errorf("file value lost: listen = %q", c.Listen)
	}
	if c.SessionTTL != 3*time.Hour {
		t.Errorf("env should override file: session_ttl = %s", c.SessionTTL)
	}
	if c.NodeName != "from-flag" {
		t.Errorf("flag should override env: node_name = %q", c.NodeName)
	}
	if c.DataDir != "data" {
		t.Errorf("default lost: data_dir = %q", c.DataDir)
	}
}

func TestErrorsNameTheSetting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	unknown := filepath.Join(dir, "u.toml")
	if err := os.WriteFile(unknown, []byte("lisen = \":1\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"bad listen flag", []string{"--listen", "nowhere"}, nil, "listen (flag --listen, env CREDITBRIDGE_LISTEN)"},
		{"bad duration env", nil, []string{"CREDITBRIDGE_SESSION_TTL=forever"}, "CREDITBRIDGE_SESSION_TTL"},
		{"bad lang", []string{"--default-lang", "fr"}, nil, "default_lang"},
		{"bad db scheme", []string{"--db", "mysql://x"}, nil, "db (flag --db"},
		{"unknown file key", []string{"--config", unknown}, nil, `unknown setting "lisen"`},
		{"missing file", []string{"--config", filepath.Join(dir, "none.toml")}, nil, "none.toml"},
		{"ttl too short", []string{"--session-ttl", "1s"}, nil, "session_ttl"},
		{"gc percent too low", []string{"--gc-percent", "5"}, nil, "gc_percent (flag --gc-percent"},
		{"gc off without a limit", nil, []string{"CREDITBRIDGE_GC_PERCENT=-1"}, "needs memory_limit_mib"},
		{"memory limit too small", []string{"--memory-limit-mib", "10"}, nil, "memory_limit_mib"},
		{"negative heap floor", []string{"--gc-heap-floor-mib", "-1"}, nil, "gc_heap_floor_mib"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, tc.args, tc.env)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestDSN(t *testing.T) {
	t.Parallel()
	c := Default()
	if got := c.DSN(); got != filepath.Join("data", "creditbridge.db") {
		t.Fatalf("default DSN = %q", got)
	}
	c.DB = "postgres://u@h/db"
	if c.DSN() != c.DB {
		t.Fatalf("DSN ignores DB")
	}
}
