package migrate

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cutover/cutover/checkpoint"
)

// DefaultOutageLimit is how long a worker waits for an unreachable server
// before the run stops (exit 3) when Options.OutageLimit is zero.
const DefaultOutageLimit = 5 * time.Minute

// maxOutageWait bounds the wait between two tries while a server is
// unreachable, so that its return is noticed within seconds.
const maxOutageWait = 10 * time.Second

// OutageError stops a run without failing a batch: a server stayed
// unreachable past the outage limit, or the target's disk is full. The batch
// is given back to the ledger; the plain rerun copies it (no --retry-failed).
type OutageError struct {
	What string // what happened, for the line the operator reads
	Fix  string // what to do before resuming
	Err  error
}

func (e *OutageError) Error() string {
	return fmt.Sprintf("%s: %v; %s", e.What, e.Err, e.Fix)
}

func (e *OutageError) Unwrap() error { return e.Err }

// outage is the engine's view of servers that do not answer: while any worker
// waits for one, no worker claims a new batch, so an outage holds at most one
// batch per worker instead of failing batch after batch.
type outage struct {
	mu      sync.Mutex
	waiting int
	clear   chan struct{} // closed when waiting drops to 0
}

// enter counts a worker that waits for a server; the first says so.
func (o *outage) enter(log *slog.Logger, limit time.Duration, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.waiting++
	if o.waiting == 1 {
		o.clear = make(chan struct{})
		log.Warn(fmt.Sprintf("a server does not answer: new claims are paused and the batches in flight are retried until it does (for up to %s)", limit), "err", err)
	}
}

// leave uncounts a worker; the last one reopens claiming.
func (o *outage) leave(log *slog.Logger, back bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.waiting--
	if o.waiting == 0 {
		close(o.clear)
		o.clear = nil
		if back {
			log.Info("the servers answer again: claiming resumes")
		}
	}
}

// wait blocks while another worker waits for a server, or until ctx ends.
func (o *outage) wait(ctx context.Context) error {
	o.mu.Lock()
	clear := o.clear
	o.mu.Unlock()
	if clear == nil {
		return nil
	}
	select {
	case <-clear:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *Engine) outageLimit() time.Duration {
	if e.opt.OutageLimit > 0 {
		return e.opt.OutageLimit
	}
	return DefaultOutageLimit
}

// isOutage reports whether err means a server cannot be reached.
func (e *Engine) isOutage(err error) bool {
	return e.opt.Outage != nil && e.opt.Outage(err)
}

// claim claims the next batch; while the ledger's server does not answer it
// tries again, up to the outage limit, and a claim that met a deadlock or a
// lock wait timeout (it changed nothing) is tried again up to Retries times.
func (e *Engine) claim(claimCtx, ctx context.Context, log *slog.Logger, worker int) (*checkpoint.Batch, int, error) {
	if err := e.outages.wait(claimCtx); err != nil {
		return nil, 0, err
	}
	var since time.Time
	wait := e.opt.Backoff
	transient := 0 // deadlocks and lock wait timeouts met, not outage rounds
	for {
		b, open, err := e.ledger.Claim(ctx, e.opt.RunID, e.opt.Owner, worker, e.opt.Lease, e.opt.Retries+1)
		if err != nil && !e.isOutage(err) && e.opt.Transient(err) && transient < e.opt.Retries && ctx.Err() == nil {
			transient++
			if !since.IsZero() {
				// The server answered (with a deadlock, as many workers claim
				// at once when it comes back): the outage is over.
				e.outages.leave(log, true)
				since = time.Time{}
			}
			log.Warn("claim met a transient error; trying again", "err", err)
			timer := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				timer.Stop()
				return nil, 0, ctx.Err()
			case <-timer.C:
			}
			wait = min(wait*2, maxOutageWait)
			continue
		}
		if err == nil || !e.isOutage(err) || ctx.Err() != nil {
			if !since.IsZero() {
				e.outages.leave(log, err == nil)
			}
			return b, open, err
		}
		if since.IsZero() {
			since = time.Now()
			e.outages.enter(log, e.outageLimit(), err)
		}
		if time.Since(since) >= e.outageLimit() {
			e.outages.leave(log, false)
			return nil, 0, &OutageError{What: fmt.Sprintf("the ledger's server did not answer for %s", e.outageLimit()), Fix: "start it, then resume", Err: err}
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			e.outages.leave(log, false)
			return nil, 0, ctx.Err()
		case <-timer.C:
		}
		wait = min(wait*2, maxOutageWait)
	}
}
