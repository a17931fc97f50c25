package migrate

import (
	"context"
	"fmt"
	"time"

	"github.com/cutover/cutover/checkpoint"
)

// DraftOptions are the inputs of DraftPlan: plain values, and the plan
// maker that belongs to the caller.
type DraftOptions struct {
	Source Source
	// Target is asked for its redo log and buffer pool when the plan's model
	// comes from a sampled rehearsal (TargetWarnings).
	Target     ServerSettings
	Resolution *Resolution
	// Tables are the configured tables' names, for the source's checks.
	Tables []string
	// Within, when positive, fits the plan to finish within it (FitWindow):
	// Asked is the window as given, Now its start and PerProcess the workers
	// one process runs (run.workers).
	Within     time.Duration
	Asked      string
	Now        time.Time
	PerProcess int
	// Plan makes a new plan of res.
	Plan func(ctx context.Context, res *Resolution) (*Planned, error)
}

// DraftPlan does what `cutover plan` does before it writes anything: it
// makes the plan, fits it to a window when one is asked, warns of target
// settings a sampled calibration did not measure and adds the source's
// checks (PlanChecks: a blocking one is a *ConfigError). The plan is not
// stored (StoreOver).
func DraftPlan(ctx context.Context, o DraftOptions) (*Planned, error) {
	p, err := o.Plan(ctx, o.Resolution)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	doc := p.Doc
	if o.Within > 0 {
		if err := p.FitWindow(ctx, o.Source, o.Resolution.Tables, o.Within, o.Asked, o.Now, o.PerProcess); err != nil {
			return nil, fmt.Errorf("fit the plan to the %s: %w", o.Asked, err)
		}
	}
	if p.Model.Calibrated && p.Calibration != nil && p.Calibration.Seconds > 0 {
		// A sampled calibration (--from-run stores no sample time) did not
		// see what these settings cost the night.
		doc.Warnings = append(doc.Warnings, TargetWarnings(ctx, o.Target, doc.Summary.Bytes)...)
	}
	if err := PlanChecks(ctx, o.Source, o.Tables, doc); err != nil {
		return nil, err
	}
	return p, nil
}

// StoreOver stores the plan as the new active run of l (Store) unless it
// would replace a run by accident (RefusePlanOver, a *ConfigError).
func (p *Planned) StoreOver(ctx context.Context, l *checkpoint.Ledger, replan bool, lease time.Duration, configFP, version, runFP string) error {
	if err := RefusePlanOver(ctx, l, replan, lease); err != nil {
		return err
	}
	_, err := p.Store(ctx, l, configFP, version, runFP)
	return err
}
