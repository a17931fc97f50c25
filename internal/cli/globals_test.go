package cli

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseGlobals(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		rest []string
		want Globals
		err  string
	}{
		{"none", []string{"status", "--config", "a.yaml"}, []string{"status", "--config", "a.yaml"}, Globals{LogFormat: "text"}, ""},
		{"before and after the command", []string{"--log-format", "json", "run", "-q", "--log-file=run.log", "--workers", "2", "--defaults-file", "my.cnf"},
			[]string{"run", "--workers", "2"}, Globals{LogFormat: "json", LogFile: "run.log", Quiet: true, DefaultsFile: "my.cnf"}, ""},
		{"quiet", []string{"--quiet", "plan"}, []string{"plan"}, Globals{LogFormat: "text", Quiet: true}, ""},
		{"not after --", []string{"sync", "--", "--quiet"}, []string{"sync", "--", "--quiet"}, Globals{LogFormat: "text"}, ""},
		{"quiet with a value", []string{"--quiet=yes", "plan"}, nil, Globals{}, "--quiet takes no value"},
		{"no value", []string{"plan", "--log-file"}, nil, Globals{}, "--log-file needs a value"},
		{"bad format", []string{"--log-format", "xml", "status"}, nil, Globals{}, `--log-format "xml": want text or json`},
		{"bad format after", []string{"status", "--log-format=xml"}, nil, Globals{}, `--log-format "xml": want text or json`},
	} {
		t.Run(c.name, func(t *testing.T) {
			rest, g, err := ParseGlobals(c.args)
			if c.err != "" {
				require.EqualError(t, err, c.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.rest, rest)
			require.Equal(t, c.want, g)
		})
	}
}

// upper stands for the caller's scrubber: it shows which writes went
// through it.
func upper(w io.Writer) io.Writer { return upperWriter{w} }

type upperWriter struct{ w io.Writer }

func (u upperWriter) Write(p []byte) (int, error) { return u.w.Write(bytes.ToUpper(p)) }

func TestOpenLog(t *testing.T) {
	var stderr bytes.Buffer
	l, closeLog, err := Globals{LogFormat: "text"}.OpenLog(&stderr, upper)
	require.NoError(t, err)
	closeLog()
	l.Logger(slog.LevelInfo).Info("to stderr")
	require.Contains(t, stderr.String(), "level=INFO msg=\"to stderr\"\n", "stderr as the caller gave it")

	path := filepath.Join(t.TempDir(), "cutover.log")
	require.NoError(t, os.WriteFile(path, []byte("before\n"), 0o600))
	for _, msg := range []string{"one", "two"} {
		l, closeLog, err = Globals{LogFormat: "json", LogFile: path}.OpenLog(&stderr, upper)
		require.NoError(t, err)
		l.Logger(slog.LevelInfo).Info(msg)
		closeLog()
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	require.Len(t, lines, 3, "appended")
	require.Equal(t, "before", lines[0])
	require.Contains(t, lines[1], `"LEVEL":"INFO","MSG":"ONE"`, "JSON, through scrub")
	require.Contains(t, lines[2], `"MSG":"TWO"`)

	fresh := filepath.Join(t.TempDir(), "new.log")
	_, closeLog, err = Globals{LogFile: fresh}.OpenLog(&stderr, upper)
	require.NoError(t, err)
	closeLog()
	st, err := os.Stat(fresh)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "a new log file is the operator's alone")

	_, _, err = Globals{LogFile: filepath.Join(t.TempDir(), "no", "such", "dir", "x.log")}.OpenLog(&stderr, upper)
	require.ErrorContains(t, err, "--log-file: open ")
}

func TestLoggerLevels(t *testing.T) {
	for _, c := range []struct {
		quiet bool
		level slog.Level
		want  []string // of debug, info, warn: those written
	}{
		{false, slog.LevelInfo, []string{"info", "warn"}},
		{false, slog.LevelDebug, []string{"debug", "info", "warn"}},
		{true, slog.LevelInfo, []string{"warn"}},
		{true, slog.LevelDebug, []string{"debug", "info", "warn"}}, // -v asks for more than --quiet takes away
	} {
		var b bytes.Buffer
		log := Log{Out: &b, Quiet: c.quiet}.Logger(c.level)
		log.Debug("debug")
		log.Info("info")
		log.Warn("warn")
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
			got = append(got, line[strings.Index(line, "msg=")+4:])
		}
		require.Equal(t, c.want, got, "quiet=%v level=%v", c.quiet, c.level)
	}
}
