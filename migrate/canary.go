package migrate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/planner"
)

// The canary (`run --canary N`, run.canary): the seed night's "try two
// agents, then all in", made safe. Before the rest of the plan may be
// claimed, N representative tenants are copied and compared with the source;
// a difference halts the run on every host. The gate is the ledger's
// (checkpoint/canary.go), so every process obeys it and a kill -9 at any
// point resumes it; this file chooses the tenants and drives the check.

// CanaryLedger is what the canary needs of the ledger.
type CanaryLedger interface {
	ReadCanary(ctx context.Context, runID int64) (*checkpoint.Canary, error)
	RecordCanary(ctx context.Context, runID int64, tenants, why []string, batches []int) (*checkpoint.Canary, error)
	CanaryProgress(ctx context.Context, runID int64) (checkpoint.CanaryProgress, error)
	ClaimCanaryCheck(ctx context.Context, runID int64, owner string, lease time.Duration) (bool, error)
	RenewCanaryCheck(ctx context.Context, runID int64, owner string, lease time.Duration) error
	FinishCanary(ctx context.Context, runID int64, owner string, passed bool, detail string) (bool, error)
	RecheckCanary(ctx context.Context, runID int64) error
	ReadControl(ctx context.Context, runID int64) (checkpoint.Control, error)
	Halt(ctx context.Context, runID int64, reason string) (bool, error)
}

// CanaryVerdict is the outcome of comparing the canary's batches with the
// source.
type CanaryVerdict struct {
	Equal bool
	// Summary says what was compared, or what differs (the first
	// differences): the halt reason every host prints.
	Summary string
	// Lines are every difference found, for this process's log.
	Lines []string
}

// CanaryCheck compares the canary's tenants, in its batches, with the
// source: counts and content checksums (the verify package's check, wired
// by the caller).
type CanaryCheck func(ctx context.Context, tenants []string, batches []int) (CanaryVerdict, error)

// CanaryOptions configure the canary of an engine run.
type CanaryOptions struct {
	// N is how many tenants to choose when the run has no canary yet; 0
	// only follows a canary the ledger holds (another process recorded it).
	N      int
	Plan   *planner.Doc
	Ledger CanaryLedger
	Check  CanaryCheck
	// Every is how often the canary's progress is read (default 1 s).
	Every time.Duration
}

// CanaryError is a canary that differs from the source, or whose batches
// failed: the run is halted on every host.
type CanaryError struct {
	Summary string
}

func (e *CanaryError) Error() string {
	return "canary failed, run halted on every host: " + e.Summary
}

// CanaryPick is one tenant of a canary and why it was chosen.
type CanaryPick struct {
	Tenant string
	Why    string
}

// ChooseCanary picks n representative tenants of the plan and returns them
// with the plan's batches that hold any of them. Only tables batched by
// tenant take part: a shared table belongs to no tenant, and a table batched
// by range holds every tenant in every batch (the canary would be the
// whole table); both are copied once the canary passed.
//
// The picks, in order: the largest tenant (the plan's summary, measured at
// sizing), a median one by rows, the one with the most distinct shapes, then
// tenants at evenly spaced size quantiles. A tenant's shapes are the tables
// it has rows in: the most tables wins, ties go to the tenant whose tables
// are the rarest (the sum over its tables of 1/tenants with rows there), then
// to the smaller id. Rows per tenant come from the plan's batches, a batch
// packing several tenants counting its rows shared equally among them.
// Fewer than n tenants give them all.
func ChooseCanary(doc *planner.Doc, tables map[string]*catalog.Table, n int) ([]CanaryPick, []int) {
	if n <= 0 || doc == nil {
		return nil, nil
	}
	eligible := func(table string) bool {
		t := tables[table]
		return t != nil && !t.Shared && !t.Ranged
	}
	rows := map[string]float64{}
	touched := map[string]map[string]bool{}
	perTable := map[string]int{}
	for _, b := range doc.Batches {
		if !eligible(b.Table) || len(b.Tenants) == 0 {
			continue
		}
		share := float64(b.Rows) / float64(len(b.Tenants))
		for _, id := range b.Tenants {
			rows[id] += share
			if touched[id] == nil {
				touched[id] = map[string]bool{}
			}
			if !touched[id][b.Table] {
				touched[id][b.Table] = true
				perTable[b.Table]++
			}
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	bySize := make([]string, 0, len(rows))
	for id := range rows {
		bySize = append(bySize, id)
	}
	slices.SortFunc(bySize, func(a, b string) int {
		if c := cmp.Compare(rows[b], rows[a]); c != 0 {
			return c
		}
		return planner.CompareTenants(a, b)
	})
	picked := map[string]bool{}
	var picks []CanaryPick
	add := func(id, why string) {
		if !picked[id] && len(picks) < n {
			picked[id] = true
			picks = append(picks, CanaryPick{Tenant: id, Why: why})
		}
	}
	// nearest returns the unpicked tenant closest to position i of bySize.
	nearest := func(i int) string {
		for d := 0; d < len(bySize); d++ {
			for _, j := range []int{i + d, i - d} {
				if j >= 0 && j < len(bySize) && !picked[bySize[j]] {
					return bySize[j]
				}
			}
		}
		return ""
	}
	largest := bySize[0]
	if _, ok := rows[doc.Summary.LargestTenant]; ok {
		largest = doc.Summary.LargestTenant
	}
	add(largest, fmt.Sprintf("%s: the largest (%s rows)", largest, approx(rows[largest])))
	if id := nearest(len(bySize) / 2); id != "" {
		add(id, fmt.Sprintf("%s: a median one (~%s rows)", id, approx(rows[id])))
	}
	rarity := func(id string) float64 {
		var r float64
		for t := range touched[id] {
			r += 1 / float64(perTable[t])
		}
		return r
	}
	var shapes string
	for _, id := range bySize {
		if picked[id] {
			continue
		}
		if shapes == "" {
			shapes = id
			continue
		}
		a, b := len(touched[id]), len(touched[shapes])
		if a > b || a == b && (rarity(id) > rarity(shapes) || rarity(id) == rarity(shapes) && planner.CompareTenants(id, shapes) < 0) {
			shapes = id
		}
	}
	if shapes != "" {
		add(shapes, fmt.Sprintf("%s: the most shapes (rows in %d of %d tables)", shapes, len(touched[shapes]), len(perTable)))
	}
	for m, j := n-len(picks), 1; len(picks) < n && len(picks) < len(bySize); j++ {
		q := float64(j) / float64(m+1)
		id := nearest(int(q * float64(len(bySize)-1)))
		add(id, fmt.Sprintf("%s: at %.0f%% by size (~%s rows)", id, 100*q, approx(rows[id])))
	}
	var batches []int
	for _, b := range doc.Batches {
		if eligible(b.Table) && slices.ContainsFunc(b.Tenants, func(id string) bool { return picked[id] }) {
			batches = append(batches, b.ID)
		}
	}
	slices.Sort(batches)
	return picks, batches
}

func approx(f float64) string { return fmt.Sprintf("%.0f", f) }

// prepareCanary records the run's canary before any worker claims, when
// one is asked and none is recorded, and reports whether this process must
// follow one: a canary that has not passed yet. A failed canary whose halt
// the operator lifted (`cutover resume`) is checked again.
func (e *Engine) prepareCanary(ctx context.Context) (bool, error) {
	c := e.opt.Canary
	if c == nil {
		return false, nil
	}
	cn, err := c.Ledger.ReadCanary(ctx, e.opt.RunID)
	if err != nil {
		return false, err
	}
	if cn == nil {
		if c.N == 0 {
			return false, nil
		}
		picks, batches := ChooseCanary(c.Plan, e.opt.Tables, c.N)
		if len(picks) == 0 {
			e.opt.Log.Warn("canary: no tenant to copy first (every table is shared or batched by range); copying everything")
			return false, nil
		}
		tenants, why := make([]string, len(picks)), make([]string, len(picks))
		for i, p := range picks {
			tenants[i], why[i] = p.Tenant, p.Why
		}
		if cn, err = c.Ledger.RecordCanary(ctx, e.opt.RunID, tenants, why, batches); err != nil {
			return false, err
		}
	}
	switch cn.State {
	case checkpoint.CanaryPassed:
		return false, nil
	case checkpoint.CanaryFailed:
		ctl, err := c.Ledger.ReadControl(ctx, e.opt.RunID)
		if err != nil {
			return false, err
		}
		if ctl.State == checkpoint.ControlHalted {
			return true, nil // the controller stops this process
		}
		if err := c.Ledger.RecheckCanary(ctx, e.opt.RunID); err != nil {
			return false, err
		}
	}
	e.opt.Log.Info("canary: copying these tenants first; the rest of the plan waits for their check against the source",
		"tenants", strings.Join(cn.Why, "; "), "batches", len(cn.Batches))
	return true, nil
}

// runCanary follows the canary until it passed or failed: once its batches
// are done, one process of the run takes the check (a lease in the ledger,
// so another takes over when it dies) and records the outcome. A difference
// halts the run and ends this engine with a *CanaryError.
func (e *Engine) runCanary(claimCtx, ctx context.Context) error {
	c := e.opt.Canary
	every := c.Every
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		over, err := e.canaryStep(ctx)
		if err != nil || over {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		select {
		case <-claimCtx.Done():
			return nil
		case <-t.C:
		}
	}
}

// canaryStep looks at the canary once and checks it when its batches are
// done and no other process checks it; it reports whether the canary is over.
func (e *Engine) canaryStep(ctx context.Context) (bool, error) {
	c, runID := e.opt.Canary, e.opt.RunID
	cn, err := c.Ledger.ReadCanary(ctx, runID)
	if err != nil {
		return false, err
	}
	switch {
	case cn == nil || cn.State == checkpoint.CanaryPassed:
		return true, nil
	case cn.State == checkpoint.CanaryFailed:
		// Another process found the difference and halted the run.
		return true, &CanaryError{Summary: cn.Detail}
	}
	prog, err := c.Ledger.CanaryProgress(ctx, runID)
	if err != nil {
		return false, err
	}
	if len(prog.Failed) > 0 {
		f := prog.Failed[0]
		summary := fmt.Sprintf("canary batch %d of %s failed after %d attempts: %s", f.Batch, f.Table, f.Attempts, f.Error)
		if len(prog.Failed) > 1 {
			summary += fmt.Sprintf(" (and %d more canary batches failed)", len(prog.Failed)-1)
		}
		return true, e.canaryFailed(ctx, cn, CanaryVerdict{Summary: summary})
	}
	if prog.Open > 0 {
		return false, nil
	}
	got, err := c.Ledger.ClaimCanaryCheck(ctx, runID, e.opt.Owner, e.opt.Lease)
	if err != nil || !got {
		return false, err
	}
	start := time.Now()
	e.opt.Log.Info("canary: its batches are done; comparing them with the source", "tenants", strings.Join(cn.Tenants, ", "), "batches", len(cn.Batches))
	v, err := e.checkCanary(ctx, cn)
	if err != nil {
		return false, fmt.Errorf("canary check: %w", err)
	}
	if !v.Equal {
		return true, e.canaryFailed(ctx, cn, v)
	}
	detail := fmt.Sprintf("%s; checked in %s", v.Summary, time.Since(start).Round(time.Millisecond))
	if _, err := c.Ledger.FinishCanary(ctx, runID, e.opt.Owner, true, detail); err != nil {
		return false, err
	}
	e.opt.Log.Info("canary passed: the rest of the plan may be claimed", "detail", detail)
	return true, nil
}

// checkCanary runs the check while renewing this process's lease on it.
func (e *Engine) checkCanary(ctx context.Context, cn *checkpoint.Canary) (CanaryVerdict, error) {
	c := e.opt.Canary
	rctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(e.opt.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-rctx.Done():
				return
			case <-t.C:
				if err := c.Ledger.RenewCanaryCheck(rctx, e.opt.RunID, e.opt.Owner, e.opt.Lease); err != nil && rctx.Err() == nil {
					e.opt.Log.Warn("could not renew the canary check; another process may take it over", "err", err)
				}
			}
		}
	}()
	defer func() {
		stop()
		wg.Wait()
	}()
	return c.Check(ctx, cn.Tenants, cn.Batches)
}

// canaryFailed records the failed canary, halts the run on every host, and
// logs every difference.
func (e *Engine) canaryFailed(ctx context.Context, cn *checkpoint.Canary, v CanaryVerdict) error {
	c := e.opt.Canary
	// The halt must not be lost to a stop that cancels the work meanwhile.
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for _, l := range v.Lines {
		e.opt.Log.Error("canary difference", "detail", l)
	}
	_, ferr := c.Ledger.FinishCanary(hctx, e.opt.RunID, e.opt.Owner, false, v.Summary)
	_, herr := c.Ledger.Halt(hctx, e.opt.RunID, "canary ("+strings.Join(cn.Tenants, ", ")+"): "+v.Summary)
	if err := errors.Join(ferr, herr); err != nil {
		return fmt.Errorf("canary failed (%s) and could not be recorded: %w", v.Summary, err)
	}
	return &CanaryError{Summary: v.Summary}
}
