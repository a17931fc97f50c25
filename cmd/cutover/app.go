package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/cutover/cutover/internal/cli"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/driver"
	"github.com/cutover/cutover/internal/redact"
	"github.com/cutover/cutover/internal/suggest"
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
	secrets        *redact.Secrets
	log            *slog.Logger
	logs           cli.Log
	defaultsFile   string // --defaults-file
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	a := &app{stdin: stdin, stdout: stdout, rawErr: stderr, secrets: &redact.Secrets{}}
	a.stderr = a.secrets.Writer(stderr)
	defer func() { err = a.secrets.Err(err) }()
	defer func() {
		var h cli.Help
		if errors.As(err, &h) {
			a.printHelp(h.FlagSet)
			err = nil
		}
	}()
	args, g, err := cli.ParseGlobals(args)
	if err != nil {
		return asUsage(err)
	}
	a.defaultsFile = g.DefaultsFile
	if g.Quiet {
		a.rawErr = a.stderr // not a terminal: no progress bar
	}
	logs, closeLog, err := g.OpenLog(a.stderr, a.secrets.Writer)
	if err != nil {
		return asUsage(err)
	}
	defer closeLog()
	a.logs = logs
	a.log = a.logs.Logger(slog.LevelInfo)
	if len(args) == 0 {
		fmt.Fprintln(stderr, usageText())
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	if cmd == "capture" && len(rest) > 0 && cli.IsHelpFlag(rest[0]) {
		rest = append([]string{"start"}, rest...) // capture --help: the verbs share their flags
	}
	handlers := map[string]func(context.Context, []string) error{
		"preflight": a.cmdPreflight, "plan": a.cmdPlan, "run": a.cmdRun, "rehearse": a.cmdRehearse, "verify": a.cmdVerify,
		"status": a.cmdStatus, "report": a.cmdReport, "schema": a.cmdSchema, "upgrade": a.cmdUpgrade, "capture": a.cmdCapture, "sync": a.cmdSync,
	}
	if h := handlers[cmd]; h != nil {
		return h(ctx, rest)
	}
	switch cmd {
	case "stop", "pause", "resume":
		return a.cmdControl(ctx, cmd, rest)
	case "version", "--version", "-version":
		if len(rest) > 0 && cli.IsHelpFlag(rest[0]) {
			return cli.Help{FlagSet: a.flags("version")}
		}
		fmt.Fprintf(stdout, "cutover %s (revision %s)\n", version, revision)
		return nil
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 && findCommand(rest[0]) != nil {
			return cli.Help{FlagSet: a.flags(rest[0])}
		}
		fmt.Fprintln(stdout, usageText())
		return nil
	}
	names := make([]string, 0, 16)
	for _, c := range commands() {
		names = append(names, c.name)
	}
	if s := suggest.Closest(strings.ToLower(cmd), names); s != "" {
		return usagef("unknown command %q: did you mean %s? (cutover help lists the commands)", cmd, s)
	}
	return usagef("unknown command %q (cutover help lists the commands)", cmd)
}

// flags returns the flag set of a command (cli.NewFlagSet): parse turns -h
// into a help request, which run prints on stdout (exit 0), and a bad flag
// into one line on stderr (exit 2).
func (a *app) flags(name string) *flag.FlagSet { return cli.NewFlagSet("cutover " + name) }

// parse parses flags (cli.Parse); -h is not an error.
func parse(fs *flag.FlagSet, args []string) error {
	err := cli.Parse(fs, args)
	if errors.As(err, new(cli.Help)) {
		return err
	}
	return asUsage(err)
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
// stdout.
func (a *app) printHelp(fs *flag.FlagSet) {
	w := a.stdout
	if c := findCommand(strings.TrimPrefix(fs.Name(), "cutover ")); c != nil {
		fmt.Fprintf(w, "cutover %s: %s\n\nusage: cutover %s\n\nexamples:\n", c.name, c.summary, c.usage)
		for _, e := range c.examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
	cli.WriteFlags(w, fs)
	fmt.Fprintf(w, "\n%s\n", globalFlagsText)
}

// loadConfig reads the config and registers its secrets for scrubbing.
func (a *app) loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return nil, usagef("--config is required")
	}
	cfg, err := config.LoadWith(path, config.Options{DefaultsFile: a.defaultsFile})
	if err != nil {
		return nil, asUsage(err)
	}
	for _, s := range append(cfg.Secrets(), driver.Password(cfg.Source.DSN), driver.Password(cfg.Target.DSN)) {
		a.secrets.Add(s)
	}
	return cfg, nil
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown-host"
	}
	return h
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

// parsePercent is cli.ParsePercent, a usage error when s is not a percentage.
func parsePercent(s string) (float64, error) {
	p, err := cli.ParsePercent(s)
	return p, asUsage(err)
}
