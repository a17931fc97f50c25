package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/driver"
)

// Set at link time by the Makefile (-ldflags -X); never written at run time.
var (
	version  = "dev"
	revision = "unknown"
)

// command is one subcommand's help: what `cutover` and `cutover CMD --help` print.
type command struct {
	name, summary, usage string
	examples             []string
}

// commands lists every subcommand in the order `cutover help` shows them.
func commands() []command {
	return []command{
		{"preflight", "scan the source for what the copy would lose or refuse (writes nothing)", "preflight --config F [--sample PCT] [--json]",
			[]string{"cutover preflight --config night.yaml", "cutover preflight --config night.yaml --sample 2%"}},
		{"plan", "size every tenant, print and store the plan", "plan --config F [--workers N] [--deadline HH:MM | --window 4h] [--svg FILE|-] [--json]",
			[]string{"cutover plan --config night.yaml", "cutover plan --config night.yaml --deadline 05:00 --svg plan.svg"}},
		{"run", "copy the planned batches; the same command resumes after any stop", "run --config F [--workers N] [--create-tables] [--dry-run read|rollback] [--retry-failed]",
			[]string{"cutover run --config night.yaml", "cutover run --config night.yaml --dry-run read"}},
		{"rehearse", "run a sample of batches (rolled back), fit the cost model, store it", "rehearse --config F [--sample PCT] [--min-time 30s] [--from-run N]",
			[]string{"cutover rehearse --config night.yaml --sample 2%", "cutover rehearse --config night.yaml --from-run 3"}},
		{"verify", "compare both sides: row counts, or content checksums per batch", "verify --config F [--checksum [--source] | --sample PCT] [--tenant ID] [--repair] [--json]",
			[]string{"cutover verify --config night.yaml", "cutover verify --config night.yaml --checksum", "cutover verify --config night.yaml --sample 5%"}},
		{"status", "show where the run stands (--json, --watch)", "status --config F [--json] [--watch 2s]",
			[]string{"cutover status --config night.yaml", "cutover status --config night.yaml --watch 5s"}},
		{"stop", "stop every process of the run: drain (--now: abort in-flight batches)", "stop --config F [--now] [--wait 1m] [--reason TEXT]",
			[]string{"cutover stop --config night.yaml --reason 'source overloaded'", "cutover stop --config night.yaml --now --wait 1m"}},
		{"pause", "every process starts no new batch until resume", "pause --config F [--wait 1m] [--reason TEXT]",
			[]string{"cutover pause --config night.yaml --reason 'backup window'"}},
		{"resume", "lift a pause, stop or halt; stopped hosts then rerun", "resume --config F [--wait 1m] [--reason TEXT]",
			[]string{"cutover resume --config night.yaml"}},
		{"upgrade", "drain every process, then move the run to this binary and config", "upgrade --config F [--wait 10m]",
			[]string{"cutover upgrade --config night.yaml"}},
		{"report", "write the end-of-run report as one HTML file", "report --config F --out FILE|- [--run N] [--verify verify.json]",
			[]string{"cutover report --config night.yaml --out night.html", "cutover report --config night.yaml --out - > night.html"}},
		{"capture", "start, stop or show changed-key capture on the source (before the copy)", "capture start|stop|status --config F [--print] [--json]",
			[]string{"cutover capture start --config night.yaml", "cutover capture start --config night.yaml --print"}},
		{"sync", "apply captured changes to the target (--follow, --until caught-up)", "sync --config F [--follow | --until caught-up] [--every 1s]",
			[]string{"cutover sync --config night.yaml --follow", "cutover sync --config night.yaml --until caught-up"}},
		{"schema", "print MySQL CREATE TABLE statements (Oracle DDL offline with --oracle-ddl)", "schema --config F | --oracle-ddl FILE [--names as-is|lower] [--skip-foreign-keys]",
			[]string{"cutover schema --config night.yaml > tables.sql", "cutover schema --oracle-ddl pay.sql --names lower"}},
		{"version", "print the version and revision", "version", []string{"cutover version"}},
	}
}

// globalFlagsText documents the flags every command takes, before or after
// the command's name.
const globalFlagsText = `global flags (before or after the command):
  --log-format text|json  log lines as key=value text (the default) or JSON
  --log-file FILE         append the log to FILE instead of stderr (errors still end on stderr)
  --quiet                 log warnings and errors only, no progress bar
  --defaults-file FILE    MySQL option file ([client] user, password, host, port, socket)
                          for a source or target given as parts; default ~/.my.cnf`

func usageText() string {
	var b strings.Builder
	b.WriteString("usage: cutover COMMAND [flags]\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-9s %s\n", c.name, c.summary)
	}
	b.WriteString("\n" + globalFlagsText + "\n\nRun 'cutover COMMAND --help' for a command's flags and examples.")
	return b.String()
}

// app carries what every command shares: the output streams and the secrets
// to keep out of them.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	rawErr         io.Writer // stderr unwrapped, to ask whether it is a terminal
	secrets        *secrets
	log            *slog.Logger
	logs           globalSettings
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	a := &app{stdin: stdin, stdout: stdout, rawErr: stderr, secrets: &secrets{}}
	a.stderr = a.secrets.writer(stderr)
	defer func() { err = a.secrets.scrubErr(err) }()
	defer func() {
		var h helpError
		if errors.As(err, &h) {
			a.printHelp(h.fs)
			err = nil
		}
	}()
	args, logs, err := globalFlags(args)
	if err != nil {
		return err
	}
	a.logs = logs
	closeLog, err := a.openLog()
	if err != nil {
		return err
	}
	defer closeLog()
	a.log = a.newLogger(slog.LevelInfo)
	if len(args) == 0 {
		fmt.Fprintln(stderr, usageText())
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	if cmd == "capture" && len(rest) > 0 && isHelpFlag(rest[0]) {
		rest = append([]string{"start"}, rest...) // capture --help: the verbs share their flags
	}
	switch cmd {
	case "preflight":
		return a.cmdPreflight(ctx, rest)
	case "plan":
		return a.cmdPlan(ctx, rest)
	case "run":
		return a.cmdRun(ctx, rest)
	case "rehearse":
		return a.cmdRehearse(ctx, rest)
	case "verify":
		return a.cmdVerify(ctx, rest)
	case "status":
		return a.cmdStatus(ctx, rest)
	case "report":
		return a.cmdReport(ctx, rest)
	case "schema":
		return a.cmdSchema(ctx, rest)
	case "stop", "pause", "resume":
		return a.cmdControl(ctx, cmd, rest)
	case "upgrade":
		return a.cmdUpgrade(ctx, rest)
	case "capture":
		return a.cmdCapture(ctx, rest)
	case "sync":
		return a.cmdSync(ctx, rest)
	case "version", "--version", "-version":
		if len(rest) > 0 && isHelpFlag(rest[0]) {
			return helpError{a.flags("version")}
		}
		fmt.Fprintf(stdout, "cutover %s (revision %s)\n", version, revision)
		return nil
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 && findCommand(rest[0]) != nil {
			return helpError{a.flags(rest[0])}
		}
		fmt.Fprintln(stdout, usageText())
		return nil
	}
	names := make([]string, 0, 16)
	for _, c := range commands() {
		names = append(names, c.name)
	}
	if s := suggest(cmd, names); s != "" {
		return usagef("unknown command %q: did you mean %s? (cutover help lists the commands)", cmd, s)
	}
	return usagef("unknown command %q (cutover help lists the commands)", cmd)
}

func (a *app) rawStderr() io.Writer { return a.rawErr }

// flags returns a flag set that reports errors instead of exiting and
// prints nothing itself: parse turns -h into a helpError, which run prints
// on stdout (exit 0), and a bad flag into one line on stderr (exit 2).
func (a *app) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("cutover "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// helpError is -h or --help: run prints the command's help and exits 0.
type helpError struct{ fs *flag.FlagSet }

func (helpError) Error() string { return "help requested" }

func isHelpFlag(s string) bool {
	switch s {
	case "-h", "-help", "--help", "--h":
		return true
	}
	return false
}

// parse parses flags; -h is not an error.
func parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return helpError{fs}
	}
	name := strings.TrimPrefix(fs.Name(), "cutover ")
	if err != nil {
		if flagName, ok := undefinedFlag(fs, args); ok {
			var known []string
			fs.VisitAll(func(f *flag.Flag) { known = append(known, f.Name) })
			if s := suggest(flagName, known); s != "" {
				return usagef("%s: unknown flag --%s: did you mean --%s? (cutover %s --help lists the flags)", name, flagName, s, name)
			}
			return usagef("%s: unknown flag --%s (cutover %s --help lists the flags)", name, flagName, name)
		}
		return usagef("%s: %v (cutover %s --help lists the flags)", name, err, name)
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q (flags are written --name value; cutover %s --help)", name, fs.Arg(0), name)
	}
	return nil
}

// undefinedFlag finds the first argument that looks like a flag the set does
// not define, walking args as the flag package does (a non-boolean flag
// written without = takes the next argument as its value).
func undefinedFlag(fs *flag.FlagSet, args []string) (string, bool) {
	for i := 0; i < len(args); i++ {
		s := args[i]
		if s == "--" || len(s) < 2 || s[0] != '-' {
			return "", false
		}
		name := strings.TrimLeft(s, "-")
		hasValue := false
		if k := strings.IndexByte(name, '='); k >= 0 {
			name, hasValue = name[:k], true
		}
		f := fs.Lookup(name)
		if f == nil {
			return name, true
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if !hasValue {
			i++
		}
	}
	return "", false
}

// findCommand returns the help of the command named name (or the first word
// of it: "capture start"), or nil.
func findCommand(name string) *command {
	name, _, _ = strings.Cut(name, " ")
	for _, c := range commands() {
		if c.name == name {
			return &c
		}
	}
	return nil
}

// printHelp writes a command's description, usage, examples and flags on
// stdout. A default is shown as it is written on the command line; a flag
// whose help says its default itself ("(default run.grace)") shows no other.
func (a *app) printHelp(fs *flag.FlagSet) {
	name := strings.TrimPrefix(fs.Name(), "cutover ")
	w := a.stdout
	if c := findCommand(name); c != nil {
		fmt.Fprintf(w, "cutover %s: %s\n\nusage: cutover %s\n\nexamples:\n", c.name, c.summary, c.usage)
		for _, e := range c.examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
	var lines []string
	fs.VisitAll(func(f *flag.Flag) {
		kind, _ := flag.UnquoteUsage(&flag.Flag{Value: f.Value})
		head := "  --" + f.Name
		if k, ok := map[string]string{"string": "TEXT", "int": "N", "uint": "N", "float": "NUMBER", "duration": "DURATION", "value": "VALUE"}[kind]; ok {
			head += " " + k
		}
		usage := f.Usage
		def := ""
		if !strings.Contains(usage, "(default") && !isZeroDefault(f) {
			v := f.DefValue
			if kind == "duration" {
				v = shortDuration(v)
			}
			def = fmt.Sprintf(" (default %s)", v)
		}
		lines = append(lines, fmt.Sprintf("%s\n      %s%s", head, usage, def))
	})
	if len(lines) > 0 {
		fmt.Fprintf(w, "\nflags:\n%s\n", strings.Join(lines, "\n"))
	}
	fmt.Fprintf(w, "\n%s\n", globalFlagsText)
}

// shortDuration writes a duration as it is typed: 10m, not 10m0s.
func shortDuration(s string) string {
	for strings.HasSuffix(s, "m0s") || strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

func isZeroDefault(f *flag.Flag) bool {
	switch f.DefValue {
	case "", "0", "0s", "false", "[]":
		return true
	}
	return false
}

// loadConfig reads the config and registers its secrets for scrubbing.
func (a *app) loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return nil, usagef("--config is required")
	}
	cfg, err := config.LoadWith(path, config.Options{DefaultsFile: a.logs.defaultsFile})
	if err != nil {
		return nil, asUsage(err)
	}
	for _, dsn := range []string{cfg.Source.DSN, cfg.Target.DSN} {
		a.secrets.add(dsn)
		a.secrets.add(driver.Password(dsn))
	}
	a.secrets.add(cfg.Source.Password) // given as a part, or from an option file
	a.secrets.add(cfg.Target.Password)
	a.secrets.add(cfg.OnEvent.Webhook) // its URL may carry a token
	return cfg, nil
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown-host"
	}
	return h
}

// globalSettings are the global flags: logging, and the MySQL option file.
type globalSettings struct {
	format string // text or json
	file   string // "" for stderr
	quiet  bool
	out    io.Writer // where log lines go, scrubbed
	// defaultsFile is --defaults-file: a MySQL option file for endpoints
	// given as parts (it rides here with the other global flags).
	defaultsFile string
}

// globalFlags takes --log-format, --log-file and --quiet out of args, before
// or after the command's name (up to a "--"), and returns the rest.
func globalFlags(args []string) ([]string, globalSettings, error) {
	ls := globalSettings{format: "text"}
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
				return nil, ls, usagef("--quiet takes no value")
			}
			ls.quiet = true
		case "log-format", "log-file", "defaults-file":
			if !hasValue {
				if i+1 >= len(args) {
					return nil, ls, usagef("--%s needs a value", name)
				}
				i++
				value = args[i]
			}
			switch name {
			case "log-file":
				ls.file = value
				continue
			case "defaults-file":
				ls.defaultsFile = value
				continue
			}
			switch value {
			case "text", "json":
				ls.format = value
			default:
				return nil, ls, usagef("--log-format %q: want text or json", value)
			}
		default:
			rest = append(rest, s)
		}
	}
	return rest, ls, nil
}

// openLog opens --log-file (appended, created 0600) and points a.logs.out at
// it or at stderr; --quiet also turns the progress bar off.
func (a *app) openLog() (func(), error) {
	a.logs.out = a.stderr
	if a.logs.quiet {
		a.rawErr = a.stderr // not a terminal: no progress bar
	}
	if a.logs.file == "" {
		return func() {}, nil
	}
	f, err := os.OpenFile(a.logs.file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, usagef("--log-file: %v", err)
	}
	a.logs.out = a.secrets.writer(f)
	return func() { f.Close() }, nil
}

// newLogger returns the logger the global flags ask for, at level (raised
// to warnings by --quiet unless level asks for more detail than info).
func (a *app) newLogger(level slog.Level) *slog.Logger {
	if a.logs.quiet && level >= slog.LevelInfo {
		level = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: level}
	out := a.logs.out
	if out == nil {
		out = a.stderr
	}
	if a.logs.format == "json" {
		return slog.New(slog.NewJSONHandler(out, opts))
	}
	return slog.New(slog.NewTextHandler(out, opts))
}

// writeOut writes data to the file path names, or to stdout when it is "-"
// (every --out-like flag).
func (a *app) writeOut(flagName, path string, data []byte) error {
	if path == "-" {
		_, err := a.stdout.Write(data)
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return usagef("--%s: %v", flagName, err)
	}
	return nil
}

// parsePercent reads --sample the one way every command does: a percentage,
// written 2% or 2, above 0 and at most 100.
func parsePercent(s string) (float64, error) {
	p, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || !(p > 0 && p <= 100) {
		return 0, usagef("--sample %q: want a percentage such as 2%% or 2 (above 0, at most 100)", s)
	}
	return p, nil
}

// percentValue is a --sample flag: a percentage, 0 when not given.
type percentValue struct{ p *float64 }

func (v percentValue) String() string {
	if v.p == nil || *v.p == 0 {
		return ""
	}
	return strconv.FormatFloat(*v.p, 'g', -1, 64) + "%"
}

func (v percentValue) Set(s string) error {
	p, err := parsePercent(s)
	if err != nil {
		return err
	}
	*v.p = p
	return nil
}
