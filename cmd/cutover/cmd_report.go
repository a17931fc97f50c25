package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cutover/cutover/internal/report"
)

// cmdReport writes the end-of-run report from the ledger: the actual
// schedule, throughput, estimate against actual, slowest tenants, failures
// and, with --verify, the verification result. It reads the target only.
func (a *app) cmdReport(ctx context.Context, args []string) error {
	fs := a.flags("report")
	cfgPath := fs.String("config", "", "config file (YAML)")
	out := fs.String("out", "", "where to write the HTML report (- for stdout)")
	runID := fs.Int64("run", 0, "the run to report (default: the active run)")
	verifyPath := fs.String("verify", "", "the output of `cutover verify --json`, to include the verification result")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("--out is required")
	}
	cfg, err := a.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	var ver *report.Verification
	if *verifyPath != "" {
		if ver, err = readVerification(*verifyPath); err != nil {
			return err
		}
	}
	s, err := existingLedger(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	schema := cfg.Target.LedgerSchema
	if !s.found {
		return usagef("no ledger in %s: nothing was planned or run yet", schema)
	}
	r, err := report.Render(ctx, s.ledger, *runID, ver, time.Now())
	var unknown *report.UnknownRunError
	switch {
	case errors.As(err, &unknown):
		return usagef("--run %d: %v", *runID, unknown.Err)
	case errors.Is(err, report.ErrNoActiveRun):
		return usagef("no active run in %s: give --run", schema)
	case err != nil:
		return err
	}
	if err := a.writeOut("out", *out, r.HTML); err != nil {
		return err
	}
	if *out == "-" {
		fmt.Fprintf(a.stderr, "report of run %d (%d batches) written to stdout\n", r.Run.ID, r.Batches)
		return nil
	}
	fmt.Fprintf(a.stdout, "report of run %d (%d batches) written to %s\n", r.Run.ID, r.Batches, *out)
	return nil
}

// readVerification reads `cutover verify --json` output of either mode.
func readVerification(path string) (*report.Verification, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--verify: %v", err)
	}
	v, err := report.ParseVerification(raw)
	if err != nil {
		return nil, usagef("--verify %s: %v", path, err)
	}
	return v, nil
}
