package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/driver"
)

// Set at link time by the Makefile (-ldflags -X); never written at run time.
var (
	version  = "dev"
	revision = "unknown"
)

const usageText = `usage: cutover COMMAND [flags]

commands:
  preflight scan the source for what the copy would lose or refuse (writes nothing)
  plan     size every tenant, print and store the plan
  run      copy the planned batches; the same command resumes after any stop
  rehearse run a sample of batches (rolled back), fit the cost model, store it
  verify   compare row counts per tenant and table on both sides
  status   show where the run stands (--json, --watch)
  stop     stop every process of the run: drain (--now: abort in-flight batches)
  pause    every process starts no new batch until resume
  resume   lift a pause, stop or halt; stopped hosts then rerun
  upgrade  drain every process, then move the run to this binary and config
  report   write the end-of-run report as one HTML file
  capture  start, stop or show changed-key capture on the source (before the copy)
  sync     apply captured changes to the target (--follow, --until caught-up)
  schema   print MySQL CREATE TABLE statements (Oracle DDL offline with --oracle-ddl)
  version  print the version and revision

Run 'cutover COMMAND -h' for a command's flags.`

// app carries what every command shares: the output streams and the secrets
// to keep out of them.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	rawErr         io.Writer // stderr unwrapped, to ask whether it is a terminal
	secrets        *secrets
	log            *slog.Logger
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	a := &app{stdin: stdin, stdout: stdout, rawErr: stderr, secrets: &secrets{}}
	a.stderr = a.secrets.writer(stderr)
	a.log = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	defer func() { err = a.secrets.scrubErr(err) }()
	if len(args) == 0 {
		fmt.Fprintln(stderr, usageText)
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
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
		fmt.Fprintf(stdout, "cutover %s (revision %s)\n", version, revision)
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usageText)
		return nil
	}
	fmt.Fprintln(stderr, usageText)
	return usagef("unknown command %q", cmd)
}

func (a *app) rawStderr() io.Writer { return a.rawErr }

// flags returns a flag set that reports errors instead of exiting.
func (a *app) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("cutover "+name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	return fs
}

// parse parses flags; -h is not an error.
func parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return usageError{errors.New("help requested")}
	}
	if err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// loadConfig reads the config and registers its secrets for scrubbing.
func (a *app) loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return nil, usagef("--config is required")
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, asUsage(err)
	}
	for _, dsn := range []string{cfg.Source.DSN, cfg.Target.DSN} {
		a.secrets.add(dsn)
		a.secrets.add(driver.Password(dsn))
	}
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
