package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"
)

// runBin runs the built binary as an operator does and returns its exit
// code, stdout and stderr.
func runBin(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(binPath, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), out.String(), errb.String()
	}
	require.NoError(t, err)
	return 0, out.String(), errb.String()
}

// goLeak matches what an operator must never read: Go types, YAML tags,
// pointers.
var goLeak = regexp.MustCompile(`\*[a-z]+\.|\[\][a-z]|map\[|0x[0-9a-f]|yaml:|!!|config\.[A-Z]|reflect|strconv\.`)

// TestHelpEveryCommand walks every command's --help and -h through the binary.
func TestHelpEveryCommand(t *testing.T) {
	names := []string{"capture start"}
	for _, c := range commands() {
		names = append(names, c.name)
	}
	for _, name := range names {
		for _, h := range []string{"--help", "-h"} {
			t.Run(name+" "+h, func(t *testing.T) {
				t.Parallel()
				code, out, errs := runBin(t, nil, append(strings.Fields(name), h)...)
				require.Equal(t, 0, code, errs)
				require.Empty(t, errs)
				first := strings.Fields(name)[0]
				require.True(t, strings.HasPrefix(out, "cutover "+first+": "), out)
				require.Contains(t, out, "\nusage: cutover "+first)
				require.Contains(t, out, "\nexamples:\n  cutover "+first)
				require.Contains(t, out, "--log-format")
				require.NotContains(t, out, "-1ns")
				require.NotRegexp(t, goLeak, out)
			})
		}
	}
	t.Run("defaults as written", func(t *testing.T) {
		_, out, _ := runBin(t, nil, "run", "--help")
		require.Contains(t, out, "(default run.grace)")
		_, out, _ = runBin(t, nil, "upgrade", "--help")
		require.Contains(t, out, "(default 10m)")
		_, out, _ = runBin(t, nil, "rehearse", "--help")
		require.Contains(t, out, "(default 2%)")
	})
	t.Run("help lists every command", func(t *testing.T) {
		code, out, _ := runBin(t, nil, "help")
		require.Equal(t, 0, code)
		for _, c := range commands() {
			require.Contains(t, out, "  "+c.name+" ")
		}
		code, out, _ = runBin(t, nil, "help", "verify")
		require.Equal(t, 0, code)
		require.True(t, strings.HasPrefix(out, "cutover verify: "), out)
	})
}

// TestBadInputOneLine checks bad input through the binary: exit 2, one line
// on stderr naming the problem and the fix, nothing on stdout, no Go types.
func TestBadInputOneLine(t *testing.T) {
	dir := t.TempDir()
	config := func(name, body string) string {
		p := filepath.Join(dir, name+".yaml")
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return p
	}
	const head = "source:\n  dsn: \"u:p@tcp(127.0.0.1:1)/a\"\ntarget:\n  dsn: \"u:p@tcp(127.0.0.1:1)/b\"\ntenant:\n  column: agent_id\n"
	const tables = "tables:\n  - name: agents\n  - name: transactions\n"
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"rnu"}, `unknown command "rnu": did you mean run?`},
		{"unknown flag", []string{"run", "--wrokers", "3"}, "unknown flag --wrokers: did you mean --workers?"},
		{"flag value", []string{"plan", "--workers", "two"}, `invalid value "two" for flag -workers`},
		{"stray argument", []string{"status", "night.yaml"}, `unexpected argument "night.yaml"`},
		{"no config", []string{"plan"}, "--config is required"},
		{"config number", []string{"plan", "--config", config("num", head+tables+"run:\n  workers: two\n")}, `config: run.workers: want a number, got "two" (line 11)`},
		{"config unknown key", []string{"plan", "--config", config("key", head+tables+"run:\n  wrkers: 2\n")}, "config: run.wrkers is not a setting; did you mean workers? (line 11)"},
		{"config top-level key", []string{"plan", "--config", config("top", "sorce:\n  dsn: x\n")}, "config: sorce is not a setting; did you mean source?"},
		{"config table entry", []string{"plan", "--config", config("tbl", head+tables+"    batching: fast\n")}, `config: tables[2] (transactions): batching "fast" is not supported`},
		{"config table key", []string{"plan", "--config", config("tkey", head+tables+"    batchng: range\n")}, "tables[2] (transactions).batchng is not a setting; did you mean batching?"},
		{"config list", []string{"plan", "--config", config("list", head+"tables: agents\n")}, "config: tables: want a list"},
		{"config duration", []string{"plan", "--config", config("dur", head+tables+"run:\n  lease: soon\n")}, `config: run.lease: want a duration such as 30s or 5m, got "soon"`},
		{"sample verify", []string{"verify", "--sample", "150%"}, `--sample "150%": want a percentage such as 2% or 2`},
		{"sample rehearse", []string{"rehearse", "--sample", "two"}, `--sample "two": want a percentage such as 2% or 2`},
		{"sample preflight", []string{"preflight", "--sample", "0"}, `--sample "0": want a percentage such as 2% or 2`},
		{"log format", []string{"--log-format", "xml", "status"}, `--log-format "xml": want text or json`},
		{"log format after the command", []string{"status", "--log-format=xml"}, `--log-format "xml": want text or json`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, out, errs := runBin(t, nil, c.args...)
			require.Equal(t, exitUsage, code, errs)
			require.Empty(t, out)
			require.Equal(t, 1, strings.Count(errs, "\n"), "one line: %q", errs)
			require.Contains(t, errs, c.want)
			require.NotRegexp(t, goLeak, errs)
		})
	}
	t.Run("a DSN's password is never shown", func(t *testing.T) {
		body := strings.Replace(head, `"u:p@tcp(127.0.0.1:1)/a"`, `"mysql://u:s3cretpw%zz@h:3306/a"`, 1) + tables
		code, _, errs := runBin(t, nil, "plan", "--config", config("url", body))
		require.Equal(t, exitUsage, code, errs)
		require.Contains(t, errs, "source.dsn: not a mysql:// URL cutover can read; write it as user:password@tcp(host:3306)/database")
		require.NotContains(t, errs, "s3cretpw")
		body = strings.Replace(head, `"u:p@tcp(127.0.0.1:1)/a"`, `"u:s3cretpw@h:3306"`, 1) + tables
		code, _, errs = runBin(t, nil, "plan", "--config", config("noslash", body))
		require.Equal(t, exitUsage, code, errs)
		require.NotContains(t, errs, "s3cretpw")
		require.NotRegexp(t, goLeak, errs)
	})
}

// TestCredentialsAndOutputs connects through each credential form the
// config takes, and checks --out - and the log flags, on the test server.
func TestCredentialsAndOutputs(t *testing.T) {
	f := newFixture(t, fixtureOpts{rows: 3000, workers: 2, batchRows: 500, ids: ""})
	raw, err := os.ReadFile(f.config)
	require.NoError(t, err)
	tgt, err := mysql.ParseDSN(srv.DSN(f.tgt))
	require.NoError(t, err)
	src, err := mysql.ParseDSN(srv.DSN(f.src))
	require.NoError(t, err)
	// where is the server's address as parts and as option-file lines: a
	// throwaway server listens on a socket only, an existing one may be TCP.
	where, cnfWhere := "  socket: "+tgt.Addr, "socket = "+tgt.Addr+"\n"
	if tgt.Net == "tcp" {
		host, port, _ := strings.Cut(tgt.Addr, ":")
		where, cnfWhere = "  host: "+host+"\n  port: "+port, "host = "+host+"\nport = "+port+"\n"
	}
	// withEndpoints swaps the fixture's DSN lines for the given YAML.
	withEndpoints := func(name, source, target string) string {
		lines := strings.Split(string(raw), "\n")
		for i, l := range lines {
			switch {
			case strings.HasPrefix(l, "  dsn: ") && strings.Contains(l, f.src):
				lines[i] = source
			case strings.HasPrefix(l, "  dsn: ") && strings.Contains(l, f.tgt):
				lines[i] = target
			}
		}
		p := filepath.Join(t.TempDir(), name+".yaml")
		require.NoError(t, os.WriteFile(p, []byte(strings.Join(lines, "\n")), 0o600))
		return p
	}
	srcLine := "  dsn: \"" + src.FormatDSN() + "\""
	cnf := filepath.Join(t.TempDir(), "my.cnf")
	require.NoError(t, os.WriteFile(cnf, []byte(fmt.Sprintf("[client]\nuser = %s\npassword = \"%s\"\n%s", tgt.User, tgt.Passwd, cnfWhere)), 0o600))
	cases := []struct {
		name, source, target string
		flags                []string
	}{
		{"parts with the password from a variable", srcLine,
			fmt.Sprintf("%s\n  user: %s\n  password: \"${CONV_TEST_PW}\"\n  database: %s", where, tgt.User, tgt.DBName), nil},
		{"an option file's [client] group", srcLine,
			fmt.Sprintf("  defaults_file: %s\n  database: %s", cnf, tgt.DBName), nil},
		{"the --defaults-file flag", srcLine, "  database: " + tgt.DBName, []string{"--defaults-file", cnf}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := withEndpoints(strings.Fields(c.name)[1], c.source, c.target)
			code, out, errs := runBin(t, []string{"CONV_TEST_PW=" + tgt.Passwd, "HOME=" + t.TempDir()}, append([]string{"plan", "--config", cfg}, c.flags...)...)
			require.Equal(t, 0, code, out+errs)
			require.Contains(t, out, "plan ")
		})
	}

	t.Run("the mysql client's user:password@host:port/db is understood", func(t *testing.T) {
		cfg := withEndpoints("client", srcLine, "  dsn: \"cutover:s3cretpw@127.0.0.1:1/app\"")
		code, _, errs := runBin(t, nil, "plan", "--config", cfg)
		require.NotEqual(t, 0, code)
		require.Contains(t, errs, "127.0.0.1:1", "the DSN was read and the address dialled")
		require.NotContains(t, errs, "invalid DSN")
		require.NotContains(t, errs, "s3cretpw")
		require.NotRegexp(t, goLeak, errs)
	})
	t.Run("plan --svg - and report --out - write to stdout", func(t *testing.T) {
		code, out, errs := runBin(t, nil, "plan", "--config", f.config, "--svg", "-")
		require.Equal(t, 0, code, errs)
		require.Contains(t, out, "<svg")
		require.NotContains(t, out, "largest batches", "the plan text goes to stderr")
		require.Contains(t, errs, "plan ")
		code, out, errs = runBin(t, nil, "run", "--config", f.config, "--create-tables", "--quiet")
		require.Equal(t, 0, code, errs)
		require.NotContains(t, errs, "level=INFO", "--quiet logs warnings and errors only")
		code, out, errs = runBin(t, nil, "report", "--config", f.config, "--out", "-")
		require.Equal(t, 0, code, errs)
		require.True(t, strings.HasPrefix(strings.TrimSpace(out), "<!DOCTYPE html>") || strings.HasPrefix(strings.TrimSpace(out), "<html"), out[:min(len(out), 200)])
		require.Contains(t, errs, "written to stdout")
	})
	t.Run("--log-format json --log-file", func(t *testing.T) {
		g := newFixture(t, fixtureOpts{rows: 3000, workers: 2, batchRows: 500, ids: ""})
		logFile := filepath.Join(t.TempDir(), "night.log")
		// The global flags are taken before and after the command's name.
		code, _, errs := runBin(t, nil, "--log-format", "json", "run", "--config", g.config, "--log-file", logFile, "--create-tables")
		require.Equal(t, 0, code, errs)
		require.NotContains(t, errs, `"level":"INFO"`, "log lines go to the file")
		text, err := os.ReadFile(logFile)
		require.NoError(t, err)
		require.Contains(t, string(text), `{"time":`)
		require.Contains(t, string(text), `"msg":"planned"`)
	})
}
