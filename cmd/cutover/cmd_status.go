package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/migrate"
)

func (a *app) cmdStatus(ctx context.Context, args []string) error {
	fs := a.flags("status")
	cfgPath := fs.String("config", "", "config file (YAML)")
	asJSON := fs.Bool("json", false, "print the status as JSON")
	watch := fs.Duration("watch", 0, "print the status again every this long (e.g. 2s) until interrupted")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := a.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	tgt, ledger, ok, err := existingLedger(ctx, cfg)
	if err != nil {
		return err
	}
	defer tgt.Close()
	var run *checkpoint.Run
	if ok {
		if run, err = ledger.ActiveRun(ctx); err != nil {
			return fmt.Errorf("read the active run: %w", err)
		}
	}
	if run == nil {
		fmt.Fprintf(a.stdout, "no run in ledger schema %s yet: `cutover plan --config %s` makes one\n", cfg.Target.LedgerSchema, *cfgPath)
		return nil
	}
	if *watch <= 0 {
		return a.printStatus(ctx, ledger, run, cfg.Run.Lease.Duration, *asJSON, *cfgPath)
	}
	t := time.NewTicker(max(*watch, 500*time.Millisecond))
	defer t.Stop()
	for {
		if err := a.printStatus(ctx, ledger, run, cfg.Run.Lease.Duration, *asJSON, *cfgPath); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if !*asJSON {
			fmt.Fprintln(a.stdout)
		}
	}
}

// statusDoc is status --json: the run's status, controls and processes, and
// its index rebuilds.
type statusDoc struct {
	*migrate.RunStatus
	IndexSteps []indexStepDoc     `json:"index_rebuilds,omitempty"`
	Canary     *checkpoint.Canary `json:"canary,omitempty"`
}

func (a *app) printStatus(ctx context.Context, ledger *checkpoint.Ledger, run *checkpoint.Run, lease time.Duration, asJSON bool, cfgPath string) error {
	rs, err := migrate.ReadRunStatus(ctx, ledger, run, lease)
	if err != nil {
		return err
	}
	doc, st := &statusDoc{RunStatus: rs}, rs.Status
	if doc.Canary, err = ledger.ReadCanary(ctx, run.ID); err != nil {
		return err
	}
	if asJSON {
		if doc.IndexSteps, err = indexStepDocs(ctx, ledger, run.ID); err != nil {
			return err
		}
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	w := a.stdout
	fmt.Fprintf(w, "run %d, plan %s, planned %s\n", st.RunID, st.PlanFP, st.CreatedAt.Format(time.RFC3339))
	printCluster(w, doc.RunStatus)
	pct := 0.0
	if st.RowsTotal > 0 {
		pct = 100 * float64(st.RowsDone) / float64(st.RowsTotal)
	}
	fmt.Fprintf(w, "rows: %s of about %s (%.1f%%)\n", commas(st.RowsDone), commas(st.RowsTotal), pct)
	fmt.Fprintf(w, "batches: %d total; %d done, %d in flight, %d pending, %d failed\n", st.TotalBatches,
		st.Batches[checkpoint.Done.String()], st.Batches[checkpoint.Claimed.String()], st.Batches[checkpoint.Pending.String()], st.Batches[checkpoint.Failed.String()])
	if st.RowsPerSecond > 0 {
		eta := time.Duration(float64(st.RowsTotal-st.RowsDone) / st.RowsPerSecond * float64(time.Second))
		fmt.Fprintf(w, "rate over the last minute: %s rows/s; ETA %s\n", commas(int64(st.RowsPerSecond)), eta.Round(time.Second))
	}
	printCanary(w, doc.Canary) // canary.go
	printMembers(w, doc.Members)
	rebuilding, err := printIndexSteps(ctx, w, ledger, run.ID)
	if err != nil {
		return err
	}
	for _, f := range st.InFlight {
		note := ""
		if f.Expired {
			note = " (lease expired: claimable again)"
		}
		fmt.Fprintf(w, "in flight: batch %d of %s, %s worker %d since %s%s\n", f.Batch, f.Table, f.Owner, f.Worker, f.Since.Format(time.RFC3339), note)
	}
	for _, f := range st.Failures {
		fmt.Fprintf(w, "failed: batch %d of %s after %d attempts: %s\n", f.Batch, f.Table, f.Attempts, f.Error)
	}
	if st.TotalBatches == st.Batches[checkpoint.Done.String()] && !rebuilding {
		fmt.Fprintln(w, "complete: next, cutover verify --config "+cfgPath)
	}
	return nil
}
