package main

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mapEnv(m map[string]string) envLookup {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// loadWith builds a serve config from flags and environment, as the serve command does.
func loadWith(t *testing.T, args []string, env map[string]string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	cf := addConfigFlags(fs, true)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return cf.load(mapEnv(env))
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigDefaults(t *testing.T) {
	c, err := loadWith(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("config = %+v, want the defaults %+v", *c, want)
	}
	if got := c.DSN(); got != "sqlite:"+filepath.Join("data", "pubdata.db") {
		t.Errorf("DSN = %q", got)
	}
	if c.CheckpointInterval != time.Minute || c.Addr != "127.0.0.1:8080" || c.Data != "./data" {
		t.Errorf("defaults: %+v", c)
	}
}

func TestConfigDSNFollowsData(t *testing.T) {
	c, err := loadWith(t, []string{"--data", "/srv/pd"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.DSN(), "sqlite:/srv/pd/pubdata.db"; got != want {
		t.Errorf("DSN = %q, want %q", got, want)
	}
	if c.SQLitePath() != "/srv/pd/pubdata.db" || c.IsPostgres() {
		t.Errorf("SQLitePath = %q, IsPostgres = %v", c.SQLitePath(), c.IsPostgres())
	}
	c, err = loadWith(t, []string{"--db", "postgresql://u:secret@db/pd"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.IsPostgres() || c.SQLitePath() != "" {
		t.Errorf("postgresql DSN: IsPostgres = %v, SQLitePath = %q", c.IsPostgres(), c.SQLitePath())
	}
}

// TestConfigPrecedence checks defaults < file < environment < flags, key by key.
func TestConfigPrecedence(t *testing.T) {
	for _, ext := range []string{"toml", "yaml", "yml"} {
		t.Run(ext, func(t *testing.T) {
			var body string
			if ext == "toml" {
				body = `
data = "/file/data"
addr = "127.0.0.1:1001"
log_level = "debug"
log_format = "json"
secure_cookies = true
max_body = 1000
checkpoint_interval = "30s"
`
			} else {
				body = `
data: /file/data
addr: 127.0.0.1:1001
log_level: debug
log_format: json
secure_cookies: true
max_body: 1000
checkpoint_interval: 30s
`
			}
			file := writeFile(t, "pubdata."+ext, body)

			// File alone.
			c, err := loadWith(t, []string{"--config", file}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.Data != "/file/data" || c.Addr != "127.0.0.1:1001" || c.LogLevel != "debug" || c.LogFormat != "json" ||
				!c.SecureCookies || c.MaxBody != 1000 || c.CheckpointInterval != 30*time.Second {
				t.Errorf("file: %+v", c)
			}

			// Environment over file; PUBDATA_CONFIG names the file.
			env := map[string]string{
				"PUBDATA_CONFIG":              file,
				"PUBDATA_ADDR":                "127.0.0.1:2002",
				"PUBDATA_DB":                  "postgres://env@db/pd",
				"PUBDATA_SECURE_COOKIES":      "false",
				"PUBDATA_MAX_BODY":            "2000",
				"PUBDATA_CHECKPOINT_INTERVAL": "45s",
				"PUBDATA_LOG_FORMAT":          "", // empty counts as unset
			}
			c, err = loadWith(t, nil, env)
			if err != nil {
				t.Fatal(err)
			}
			if c.Data != "/file/data" || c.Addr != "127.0.0.1:2002" || c.DB != "postgres://env@db/pd" ||
				c.SecureCookies || c.MaxBody != 2000 || c.CheckpointInterval != 45*time.Second || c.LogFormat != "json" {
				t.Errorf("env over file: %+v", c)
			}

			// Flags over environment and file; flags not given change nothing.
			c, err = loadWith(t, []string{"--addr", "127.0.0.1:3003", "--data", "/flag/data", "--log-level", "warn"}, env)
			if err != nil {
				t.Fatal(err)
			}
			if c.Addr != "127.0.0.1:3003" || c.Data != "/flag/data" || c.LogLevel != "warn" ||
				c.DB != "postgres://env@db/pd" || c.MaxBody != 2000 {
				t.Errorf("flags over env: %+v", c)
			}

			// --config beats PUBDATA_CONFIG.
			other := writeFile(t, "other."+ext, strings.Replace(body, "/file/data", "/other/data", 1))
			c, err = loadWith(t, []string{"--config", other}, map[string]string{"PUBDATA_CONFIG": file})
			if err != nil {
				t.Fatal(err)
			}
			if c.Data != "/other/data" {
				t.Errorf("--config over PUBDATA_CONFIG: data = %q", c.Data)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		file string // name=body of a config file passed with --config
		want string // in the error
	}{
		{name: "bad db scheme", args: []string{"--db", "mysql://x"}, want: "setting db"},
		{name: "db password hidden", args: []string{"--db", "mysql://u:hunter2@h/x"}, want: "xxxxx"},
		{name: "empty sqlite path", args: []string{"--db", "sqlite:"}, want: "setting db"},
		{name: "empty data", args: []string{"--data", ""}, want: "setting data"},
		{name: "bad addr", args: []string{"--addr", "nohost"}, want: "setting addr"},
		{name: "bad log level", args: []string{"--log-level", "loud"}, want: "setting log_level"},
		{name: "bad log format", env: map[string]string{"PUBDATA_LOG_FORMAT": "xml"}, want: "setting log_format"},
		{name: "zero max body", args: []string{"--max-body", "0"}, want: "setting max_body"},
		{name: "checkpoint too long", args: []string{"--checkpoint-interval", "2m"}, want: "setting checkpoint_interval"},
		{name: "checkpoint zero", env: map[string]string{"PUBDATA_CHECKPOINT_INTERVAL": "0s"}, want: "setting checkpoint_interval"},
		{name: "env bad bool", env: map[string]string{"PUBDATA_SECURE_COOKIES": "perhaps"}, want: "PUBDATA_SECURE_COOKIES"},
		{name: "env bad number", env: map[string]string{"PUBDATA_MAX_BODY": "10MB"}, want: "PUBDATA_MAX_BODY"},
		{name: "env bad duration", env: map[string]string{"PUBDATA_CHECKPOINT_INTERVAL": "often"}, want: "PUBDATA_CHECKPOINT_INTERVAL"},
		{name: "unknown toml key", file: "c.toml=data = \"x\"\nlisten = \"y\"\n", want: "unknown setting listen"},
		{name: "unknown yaml key", file: "c.yaml=data: x\nlisten: y\n", want: "listen"},
		{name: "bad toml duration", file: "c.toml=checkpoint_interval = \"soon\"\n", want: "checkpoint_interval"},
		{name: "toml syntax", file: "c.toml=data = \n", want: "config file"},
		{name: "file checkpoint too long", file: "c.yml=checkpoint_interval: 5m\n", want: "setting checkpoint_interval"},
		{name: "zero share reply days", args: []string{"--share-reply-days", "0"}, want: "setting share_reply_days"},
		{name: "env bad open reply days", env: map[string]string{"PUBDATA_OPEN_REPLY_DAYS": "ten"}, want: "PUBDATA_OPEN_REPLY_DAYS"},
		{name: "file open reply days too many", file: "c.toml=open_reply_days = 61\n", want: "setting open_reply_days"},
		{name: "bad trusted proxy", env: map[string]string{"PUBDATA_TRUSTED_PROXIES": "10.0.0.0/8, proxy.local"}, want: "PUBDATA_TRUSTED_PROXIES: \"proxy.local\""},
		{name: "bad trusted proxy in file", file: "c.toml=trusted_proxies = [\"10.0.0.0/33\"]\n", want: "setting trusted_proxies"},
		{name: "bad extension", file: "c.json={}", want: "extension"},
		{name: "missing file", args: []string{"--config", "/nonexistent/pubdata.toml"}, want: "config file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				name, body, _ := strings.Cut(tt.file, "=")
				args = append(args, "--config", writeFile(t, name, body))
			}
			_, err := loadWith(t, args, tt.env)
			if err == nil {
				t.Fatalf("no error, want one containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q shows the password", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q spans lines", err)
			}
		})
	}
}

// TestConfigErrorExitsTwo checks that a bad setting is a usage error of the command.
func TestConfigErrorExitsTwo(t *testing.T) {
	code, stdout, stderr := runCLI(t, "serve", "--data", t.TempDir(), "--checkpoint-interval", "90s")
	if code != 2 {
		t.Fatalf("exit %d, want 2; stderr %q", code, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout %q, want nothing", stdout)
	}
	assertOneLine(t, stderr, "checkpoint_interval")
}
