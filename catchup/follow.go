package catchup

import (
	"context"
	"errors"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
)

// Mode says when Run returns.
type Mode int

// Modes.
const (
	// Once applies what is pending when it starts (every bounded pass until
	// a pass applies nothing), then returns.
	Once Mode = iota
	// Follow keeps applying, a pass every tick, until ctx ends.
	Follow
	// UntilCaughtUp keeps applying until a pass leaves nothing pending
	// (nothing held, no fresh gap): the freeze's last step.
	UntilCaughtUp
)

// Progress is told of every pass that applied something, and of the last.
type Progress func(r Result, total int)

// Run applies passes as mode says, one every tick while there is nothing to
// do. It returns the change records applied; ctx ending returns its error.
func (s *Syncer) Run(ctx context.Context, mode Mode, tick time.Duration, progress Progress) (int, error) {
	if tick <= 0 {
		tick = time.Second
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	total := 0
	held := map[string]string{} // the last reason logged per table
	for {
		r, err := s.retriedPass(ctx)
		if err != nil {
			return total, err
		}
		for _, t := range r.Tables {
			if t.Held != held[t.Table] {
				if t.Held != "" {
					s.opt.Log.Info("changes held", "table", t.Table, "why", t.Held)
				} else {
					s.opt.Log.Info("changes no longer held", "table", t.Table)
				}
				held[t.Table] = t.Held
			}
		}
		total += r.Applied
		if progress != nil && r.Applied > 0 {
			progress(r, total)
		}
		switch {
		case mode == Once && (r.Applied == 0 || r.CaughtUp()):
			if progress != nil && r.Applied == 0 {
				progress(r, total)
			}
			return total, nil
		case mode == UntilCaughtUp && r.CaughtUp():
			if progress != nil && r.Applied == 0 {
				progress(r, total)
			}
			return total, nil
		}
		if r.Applied > 0 && !r.CaughtUp() {
			// More is waiting: no tick between passes.
			if err := ctx.Err(); err != nil {
				return total, err
			}
			continue
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-t.C:
		}
	}
}

// retriedPass is Pass, again when another process moved a position first
// (the transaction rolled back: nothing was applied twice), and again with
// a doubling wait after a transient error, a bounded number of times. Each
// failed pass rolled back its transaction, so a retry repeats nothing.
func (s *Syncer) retriedPass(ctx context.Context) (Result, error) {
	wait := 500 * time.Millisecond
	failures := 0
	for {
		r, err := s.Pass(ctx)
		switch {
		case err == nil || ctx.Err() != nil:
			return r, err
		case errors.Is(err, checkpoint.ErrSyncMoved):
			s.opt.Log.Warn("another sync process applied changes first; reading again", "err", err)
			continue
		case !s.opt.Transient(err) || failures >= s.opt.Retries:
			return r, err
		}
		failures++
		s.opt.Log.Warn("transient error; trying the pass again", "attempt", failures, "of", s.opt.Retries, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return r, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// TableLag is how far sync is behind on one table.
type TableLag struct {
	Table   string        `json:"table"`
	Seq     uint64        `json:"position"`
	Pending int64         `json:"pending"`
	Oldest  time.Duration `json:"oldest_age_ns"` // age of the oldest pending change; 0 when none
	Applied int64         `json:"applied"`
	Held    string        `json:"held,omitempty"`
}

// Lag reads the pending changes per table and the age of the oldest, for
// status; it writes nothing.
func Lag(ctx context.Context, src Source, led Ledger, tables []*catalog.Table) ([]TableLag, error) {
	pos, err := led.SyncPositions(ctx)
	if err != nil {
		return nil, err
	}
	bulk, err := led.Bulk(ctx)
	if err != nil {
		return nil, err
	}
	s := &Syncer{opt: Options{Tables: tables}}
	out := make([]TableLag, 0, len(tables))
	for _, t := range tables {
		p, ok := pos[t.Name]
		if !ok {
			out = append(out, TableLag{Table: t.Name, Held: "not captured"})
			continue
		}
		n, oldest, err := src.Pending(ctx, t, p.Seq)
		if err != nil {
			return nil, err
		}
		out = append(out, TableLag{Table: t.Name, Seq: p.Seq, Pending: n, Oldest: oldest, Applied: p.Changes, Held: s.held(t, bulk)})
	}
	return out, nil
}
