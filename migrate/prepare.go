package migrate

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/planner"
)

// PrepareSource is the source as PrepareRun needs it.
type PrepareSource interface {
	Source
	SchemaSource
}

// PrepareTarget is the target as PrepareRun needs it.
type PrepareTarget interface {
	SQLDB
	SchemaTarget
	Describer
}

// GrantChecker is a side that can tell, writing nothing, which grants its
// user lacks on tables (the MySQL adapter).
type GrantChecker interface {
	CheckReads(ctx context.Context, tables []string) error
	CheckWrites(ctx context.Context, tables []string) error
}

// PrepareOptions are the inputs of PrepareRun: plain values, and the two
// steps that belong to the caller (opening the ledger, making a plan).
type PrepareOptions struct {
	Source PrepareSource
	Target PrepareTarget
	// Resolution is the configured tables resolved (missing target tables
	// allowed when they are to be created); Spec resolves them again after.
	Resolution *Resolution
	Spec       Spec
	// LedgerSchema is where the ledger lives; Version this binary's version;
	// Host this host's name; Lease the run's lease.
	LedgerSchema, Version, Host string
	Lease                       time.Duration
	// PlanFP and RunFP are the config's plan and run fingerprints; Settings
	// the settings a plan stores (named in a refusal of changed ones).
	PlanFP, RunFP string
	Settings      map[string]string
	// Replan, AllowNonEmpty, AllowEmptyTenants and RetryFailed are run's
	// flags of those names.
	Replan, AllowNonEmpty, AllowEmptyTenants, RetryFailed bool
	// OpenLedger opens (on first use creates) the ledger: the first write.
	OpenLedger func(context.Context) (*checkpoint.Ledger, error)
	// Plan makes a new plan of res.
	Plan func(ctx context.Context, res *Resolution) (*Planned, error)
	Log  *slog.Logger
}

// Prepared is a run ready to be joined.
type Prepared struct {
	Ledger     *checkpoint.Ledger
	Run        *checkpoint.Run
	Resolution *Resolution
	// Source reads at the plan's snapshot (PinSnapshot).
	Source Source
}

// PrepareRun does everything `run` does before it joins: it refuses a stale
// binary (a *checkpoint.GateError), changed settings, a guarded start, missing
// grants and a stored plan that no longer fits (*ConfigError) before anything
// is written; then opens the ledger, creates missing tables, plans or resumes,
// adopts the stored plan's batching, pins the snapshot and, when asked,
// gives failed batches fresh attempts. The order is the contract: nothing is
// written before every refusal that can be made first.
func PrepareRun(ctx context.Context, o PrepareOptions) (*Prepared, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	res := o.Resolution
	// A stale binary is refused before it creates, plans or resets anything.
	if err := GateEarly(ctx, o.Target, o.LedgerSchema, o.Version, o.Lease); err != nil {
		return nil, err
	}
	if err := RefuseChangedSettings(ctx, o.Target, o.LedgerSchema, o.PlanFP, o.RunFP, o.Settings, o.Replan); err != nil {
		return nil, err
	}
	if err := GuardStart(ctx, o.Source, o.Target, o.LedgerSchema, res, o.AllowNonEmpty, o.Log); err != nil {
		return nil, err
	}
	// The ledger (its first use creates it) before anything else is
	// written: a stored plan that no longer fits is refused before
	// --create-tables creates a table.
	l, err := o.OpenLedger(ctx)
	if err != nil {
		return nil, err
	}
	if err := refuseEarly(ctx, o, l); err != nil {
		return nil, err
	}
	if len(res.Missing) > 0 {
		if err := CreateTables(ctx, o.Source, o.Target, res, o.Log); err != nil {
			return nil, err
		}
		if res, err = Resolve(ctx, o.Spec, o.Source, o.Target, false); err != nil {
			return nil, err
		}
	}
	for _, w := range res.Warnings {
		o.Log.Warn(w)
	}
	runRec, err := planOrResume(ctx, o, res, l)
	if err != nil {
		return nil, err
	}
	// The stored plan's choice of range batching, also on a resume.
	if err := AdoptPlan(res.Tables, runRec); err != nil {
		return nil, err
	}
	src, err := PinSnapshot(o.Source, runRec, o.Log)
	if err != nil {
		return nil, err
	}
	if o.RetryFailed {
		if err := RetryFailed(ctx, l, runRec, o.Host, o.Log); err != nil {
			return nil, err
		}
	}
	return &Prepared{Ledger: l, Run: runRec, Resolution: res, Source: src}, nil
}

// refuseEarly makes the refusals of `run` that must come before its first
// write to the target (--create-tables, a reset, a batch): missing grants on
// either side, and a stored plan whose config or source tables changed since
// it was made.
func refuseEarly(ctx context.Context, o PrepareOptions, l *checkpoint.Ledger) error {
	res := o.Resolution
	missing := map[string]bool{}
	for _, m := range res.Missing {
		missing[m] = true
	}
	var targets, sources []string
	for _, t := range res.Tables {
		sources = append(sources, t.Name)
		if !missing[t.Target] {
			targets = append(targets, t.Target)
		}
	}
	if g, ok := o.Target.(GrantChecker); ok {
		if err := g.CheckWrites(ctx, targets); err != nil {
			return err
		}
	}
	if g, ok := o.Source.(GrantChecker); ok {
		if err := g.CheckReads(ctx, sources); err != nil {
			return err
		}
	}
	if o.Replan {
		return nil
	}
	runRec, err := l.ActiveRun(ctx)
	if err != nil || runRec == nil {
		return err
	}
	if runRec.ConfigFP != o.PlanFP {
		return configChanged(runRec)
	}
	doc, err := planner.ParseDoc(runRec.Plan)
	if err != nil {
		return nil // the run reports a plan it cannot read where it reads it
	}
	if changes := planner.SourceChanges(doc.Source, SourceShape(res.Tables)); len(changes) > 0 {
		return configErr("the source changed since run %d was planned (%s):\n  %s\nrerun with --replan to plan again (batches already done are copied again)",
			runRec.ID, runRec.CreatedAt.Format(time.RFC3339), strings.Join(changes, "\n  "))
	}
	return nil
}

// configChanged refuses to resume run with a config it was not planned with.
func configChanged(runRec *checkpoint.Run) error {
	return configErr("the config changed since run %d was planned (%s): rerun with --replan to plan again (batches already done are copied again)",
		runRec.ID, runRec.CreatedAt.Format(time.RFC3339))
}

// planOrResume returns the run to copy: the stored one, or a new plan when
// there is none or --replan asks for one.
func planOrResume(ctx context.Context, o PrepareOptions, res *Resolution, l *checkpoint.Ledger) (*checkpoint.Run, error) {
	runRec, err := l.ActiveRun(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the active run: %w", err)
	}
	if runRec != nil && o.Replan {
		if err := RefuseReplanWhileLive(ctx, l, runRec, o.Lease); err != nil {
			return nil, err
		}
	}
	switch {
	case runRec == nil || o.Replan:
		p, err := o.Plan(ctx, res)
		if err != nil {
			return nil, fmt.Errorf("plan: %w", err)
		}
		if err := RefuseAbsentTenants(p, o.AllowEmptyTenants); err != nil {
			return nil, err
		}
		if runRec, err = p.Store(ctx, l, o.PlanFP, o.Version, o.RunFP); err != nil {
			return nil, err
		}
		o.Log.Info("planned", "run", runRec.ID, "plan", p.Doc.Fingerprint, "batches", len(p.Doc.Batches), "rows", p.Doc.Summary.Rows)
	case runRec.ConfigFP != o.PlanFP:
		return nil, configChanged(runRec)
	default:
		o.Log.Info("continuing the stored plan", "run", runRec.ID, "plan", runRec.PlanFP)
	}
	return runRec, nil
}

// PrepareDryOptions are the inputs of PrepareDryRun.
type PrepareDryOptions struct {
	Source     PrepareSource
	Target     PrepareTarget
	Resolution *Resolution
	Spec       Spec
	// Plan makes a new plan of res (kept in memory).
	Plan func(ctx context.Context, res *Resolution) (*Planned, error)
	Log  *slog.Logger
}

// DryPrepared is a dry run ready for NewDry: its plan's batches on a
// MemLedger, so the ledger tables are neither created nor read.
type DryPrepared struct {
	Resolution *Resolution
	Plan       *Planned
	Ledger     *MemLedger
}

// PrepareDryRun does what `run --dry-run` does before its engine starts:
// creates the missing target tables (empty; with --create-tables the only
// write a dry run makes, otherwise a *ConfigError), logs the resolution's
// warnings, and plans in memory.
func PrepareDryRun(ctx context.Context, o PrepareDryOptions) (*DryPrepared, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	res, err := EnsureTables(ctx, o.Spec, o.Source, o.Target, o.Resolution, o.Log)
	if err != nil {
		return nil, err
	}
	for _, w := range res.Warnings {
		o.Log.Warn(w)
	}
	p, err := o.Plan(ctx, res)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	return &DryPrepared{Resolution: res, Plan: p, Ledger: NewMemLedger(LedgerBatches(p.Doc.Batches))}, nil
}
