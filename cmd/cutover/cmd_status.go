package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/mysqldb"
)

func (a *app) cmdStatus(ctx context.Context, args []string) error {
	fs := a.flags("status")
	cfgPath := fs.String("config", "", "config file (YAML)")
	asJSON := fs.Bool("json", false, "print the status as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := a.loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	tgt, err := mysqldb.Open(ctx, cfg.Target.DSN, "", mysqldb.RoleTarget, 2)
	if err != nil {
		return usagef("target: %v", err)
	}
	defer tgt.Close()
	ok, err := checkpoint.Exists(ctx, tgt.SQL(), cfg.Target.LedgerSchema)
	if err != nil {
		return err
	}
	var run *checkpoint.Run
	ledger := checkpoint.OpenExisting(tgt.SQL(), cfg.Target.LedgerSchema)
	if ok {
		if run, err = ledger.ActiveRun(ctx); err != nil {
			return err
		}
	}
	if run == nil {
		fmt.Fprintf(a.stdout, "no run in ledger schema %s yet: `cutover plan --config %s` makes one\n", cfg.Target.LedgerSchema, *cfgPath)
		return nil
	}
	st, err := ledger.Status(ctx, run, time.Minute)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	w := a.stdout
	fmt.Fprintf(w, "run %d, plan %s, planned %s\n", st.RunID, st.PlanFP, st.CreatedAt.Format(time.RFC3339))
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
	for _, p := range st.Processes {
		state := "running, last heartbeat " + p.Heartbeat.Format(time.RFC3339)
		if p.Stopped {
			state = "stopped"
		}
		fmt.Fprintf(w, "process %s (pid %d on %s, %s, %d workers): %s\n", p.Owner, p.PID, p.Host, p.Version, p.Workers, state)
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
	if st.TotalBatches == st.Batches[checkpoint.Done.String()] {
		fmt.Fprintln(w, "complete: next, cutover verify --config "+*cfgPath)
	}
	return nil
}
