package migrate

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// ThrottleOptions protect the source and the target. Rate limits are for the
// whole run: each live process takes an equal share (the ledger counts the
// live processes), and paces itself on the rows it has copied. The pacing is
// per batch: a batch runs at full speed and the next one waits for the
// tokens, so the limit holds on average over batches (smaller batches give a
// smoother rate).
type ThrottleOptions struct {
	RowsPerSecond float64
	// BytesPerSecond is converted to rows through BytesPerRow, the plan's
	// estimated average row size.
	BytesPerSecond float64
	BytesPerRow    float64
	// Every is how often the probes are read.
	Every  time.Duration
	Probes []Probe
}

// Probe is a load check: while Read returns more than Max, or fails, no
// worker starts a new batch (a probe that cannot be read is treated as over
// its limit: the check exists to protect production).
type Probe struct {
	Name string
	Max  float64
	Read func(ctx context.Context) (float64, error)
}

// throttle is one process's rate pacing and probe state.
type throttle struct {
	opt  ThrottleOptions
	rows func() int64

	mu       sync.Mutex
	share    int // live processes of the run, at least 1
	tokens   float64
	last     time.Time
	lastRows int64
	over     string // why probes say stop; "" when all are under their limits
}

func newThrottle(opt ThrottleOptions, rows func() int64) *throttle {
	if rows == nil {
		rows = func() int64 { return 0 }
	}
	// rows is not read here: the engine it reads from may not exist yet; it
	// starts at zero.
	return &throttle{opt: opt, rows: rows, share: 1, last: time.Now()}
}

func (t *throttle) every() time.Duration {
	if t.opt.Every <= 0 {
		return 5 * time.Second
	}
	return t.opt.Every
}

// limit is the run's rows/s limit from both settings; 0 means none.
func (t *throttle) limit() float64 {
	lim := t.opt.RowsPerSecond
	if t.opt.BytesPerSecond > 0 && t.opt.BytesPerRow > 0 {
		byBytes := t.opt.BytesPerSecond / t.opt.BytesPerRow
		if lim == 0 || byBytes < lim {
			lim = byBytes
		}
	}
	return lim
}

func (t *throttle) setShare(live int) {
	t.mu.Lock()
	t.share = max(live, 1)
	t.mu.Unlock()
}

// pace returns how long the next claim must wait for this process to stay
// within its share of the run's rate.
func (t *throttle) pace() (time.Duration, string) {
	lim := t.limit()
	if lim <= 0 {
		return 0, ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	share := lim / float64(t.share)
	now := time.Now()
	t.tokens = min(t.tokens+share*now.Sub(t.last).Seconds(), share) // at most one second of burst
	t.last = now
	rows := t.rows()
	t.tokens -= float64(rows - t.lastRows)
	t.lastRows = rows
	if t.tokens >= 0 {
		return 0, ""
	}
	wait := time.Duration(-t.tokens / share * float64(time.Second))
	return max(wait, time.Millisecond), t.rateReasonLocked(lim)
}

// rateReason says what the rate limit is now.
func (t *throttle) rateReason() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rateReasonLocked(t.limit())
}

func (t *throttle) rateReasonLocked(lim float64) string {
	return fmt.Sprintf("rate limit: %.0f rows/s for the run, %.0f rows/s for this process (1 of %d live)", lim, lim/float64(t.share), t.share)
}

// overLimit says which probes are over their limits.
func (t *throttle) overLimit() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.over
}

// probe reads every probe once, each bounded by the probe interval.
func (t *throttle) probe(ctx context.Context, log *slog.Logger) {
	if len(t.opt.Probes) == 0 {
		return
	}
	var over []string
	for _, p := range t.opt.Probes {
		pctx, cancel := context.WithTimeout(ctx, t.every())
		v, err := p.Read(pctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			over = append(over, fmt.Sprintf("probe %s cannot be read: %v", p.Name, err))
		case v > p.Max:
			over = append(over, fmt.Sprintf("probe %s is %g, above %g", p.Name, v, p.Max))
		}
	}
	reason := strings.Join(over, "; ")
	t.mu.Lock()
	was := t.over
	t.over = reason
	t.mu.Unlock()
	switch {
	case reason != "" && was != reason:
		log.Warn("load probe over its limit: no new batch starts", "why", reason)
	case reason == "" && was != "":
		log.Info("load probes under their limits again: batches start")
	}
}
