package main

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/migrate"
)

// repairCopier is verify --repair's copy: the engine joins the run as a
// process of its own and copies the reopened batches again.
type repairCopier struct {
	a *app
	s *session
	// calls numbers the copies (one per wave of a repair): each joins the
	// run as a process of its own name.
	calls *atomic.Int32
}

func (c repairCopier) Copy(ctx context.Context, runID int64, batches, workers int) (migrate.Result, error) {
	s := c.s
	owner := fmt.Sprintf("%s:%d:repair", hostname(), os.Getpid())
	if n := c.calls.Add(1); n > 1 {
		owner += fmt.Sprint(n)
	}
	if len(owner) > 64 {
		owner = owner[len(owner)-64:]
	}
	if err := s.ledger.Register(ctx, runID, checkpoint.Process{Owner: owner, Host: hostname(), PID: os.Getpid(),
		Version: version + " " + revision, Workers: workers}); err != nil {
		return migrate.Result{}, err
	}
	defer func() {
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = s.ledger.Stopped(c, owner)
	}()
	// No clean start: the target holds these batches' old rows.
	eng := migrate.New(s.ep.src, s.ep.tgt, s.ledger, migrate.Options{
		RunID: runID, Owner: owner, Workers: min(workers, batches), Retries: s.cfg.Run.Retries,
		Lease: s.cfg.Run.Lease.Duration, Transient: isTransient, Log: c.a.log, Tables: migrate.TableMap(s.res.Tables),
		NoChecksums: !s.cfg.Run.ChecksumsOn(),
	})
	return eng.Run(ctx, ctx)
}
