package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// Globals are the flags every command takes, before or after its name:
// logging, and the MySQL option file.
type Globals struct {
	LogFormat string // text or json
	LogFile   string // "" for stderr
	Quiet     bool
	// DefaultsFile is --defaults-file: a MySQL option file for endpoints
	// given as parts (it rides here with the other global flags).
	DefaultsFile string
}

// ParseGlobals takes --log-format, --log-file, --quiet and --defaults-file
// out of args, before or after the command's name (up to a "--"), and
// returns the rest.
func ParseGlobals(args []string) ([]string, Globals, error) {
	g := Globals{LogFormat: "text"}
	rest := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		s := args[i]
		if s == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(s, "-"), "=")
		if !strings.HasPrefix(s, "-") {
			rest = append(rest, s)
			continue
		}
		switch name {
		case "quiet", "q":
			if hasValue {
				return nil, g, errors.New("--quiet takes no value")
			}
			g.Quiet = true
		case "log-format", "log-file", "defaults-file":
			if !hasValue {
				if i+1 >= len(args) {
					return nil, g, fmt.Errorf("--%s needs a value", name)
				}
				i++
				value = args[i]
			}
			switch name {
			case "log-file":
				g.LogFile = value
				continue
			case "defaults-file":
				g.DefaultsFile = value
				continue
			}
			switch value {
			case "text", "json":
				g.LogFormat = value
			default:
				return nil, g, fmt.Errorf("--log-format %q: want text or json", value)
			}
		default:
			rest = append(rest, s)
		}
	}
	return rest, g, nil
}

// Log is where log lines go and how they are written: the global flags,
// opened.
type Log struct {
	Out   io.Writer
	JSON  bool
	Quiet bool
}

// OpenLog opens --log-file (appended, created 0600) and returns the Log to
// it through scrub, or to stderr (which the caller scrubs already) when no
// file is named; close closes the file.
func (g Globals) OpenLog(stderr io.Writer, scrub func(io.Writer) io.Writer) (l Log, close func(), err error) {
	l = Log{Out: stderr, JSON: g.LogFormat == "json", Quiet: g.Quiet}
	if g.LogFile == "" {
		return l, func() {}, nil
	}
	f, err := os.OpenFile(g.LogFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return Log{}, nil, fmt.Errorf("--log-file: %v", err)
	}
	l.Out = scrub(f)
	return l, func() { f.Close() }, nil
}

// Logger returns a logger at level, raised to warnings by --quiet unless
// level asks for more detail than info.
func (l Log) Logger(level slog.Level) *slog.Logger {
	if l.Quiet && level >= slog.LevelInfo {
		level = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: level}
	if l.JSON {
		return slog.New(slog.NewJSONHandler(l.Out, opts))
	}
	return slog.New(slog.NewTextHandler(l.Out, opts))
}
