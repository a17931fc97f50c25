package checkpoint_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/testdb"
)

func TestControl(t *testing.T) {
	srv := testdb.StartT(t)
	ctx := context.Background()
	proc := func(owner, host, version string) checkpoint.Process {
		return checkpoint.Process{Owner: owner, Host: host, PID: 1, Version: version, Workers: 2}
	}

	t.Run("the first process fixes the version; others that differ are refused and not registered", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		runID := lt.run(t, batches(3))
		if err := lt.l.Join(ctx, runID, proc("a", "host-a", "1.0 (revision aaa)"), "fp1", "planfp", time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := lt.l.Join(ctx, runID, proc("b", "host-b", "1.0 (revision aaa)"), "fp1", "planfp", time.Minute); err != nil {
			t.Fatalf("same version and settings refused: %v", err)
		}
		err := lt.l.Join(ctx, runID, proc("c", "host-c", "1.1 (revision ccc)"), "fp1", "planfp", time.Minute)
		var ge *checkpoint.GateError
		if !errors.As(err, &ge) || ge.What != "version" || ge.Accepted != "1.0 (revision aaa)" || ge.Got != "1.1 (revision ccc)" ||
			fmt.Sprint(ge.Hosts) != "[host-a host-b]" {
			t.Fatalf("other version: err = %v (%+v)", err, ge)
		}
		err = lt.l.Join(ctx, runID, proc("d", "host-d", "1.0 (revision aaa)"), "fp2", "planfp", time.Minute)
		if !errors.As(err, &ge) || ge.What != "settings" || ge.Accepted != "fp1" || ge.Got != "fp2" {
			t.Fatalf("other settings: err = %v", err)
		}
		members, err := lt.l.Members(ctx, runID, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(members) != 2 || members[0].Owner+members[1].Owner != "ba" || !members[0].Live || !members[1].Live { // latest first
			t.Errorf("members = %+v, want a and b, live", members)
		}
		// A stopped process no longer counts as running the accepted version.
		if err := lt.l.Stopped(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		err = lt.l.Join(ctx, runID, proc("c", "host-c", "1.1 (revision ccc)"), "fp1", "planfp", time.Minute)
		if !errors.As(err, &ge) || fmt.Sprint(ge.Hosts) != "[host-b]" {
			t.Fatalf("hosts after a stopped: %v", err)
		}
		// Accept does not override a version already fixed.
		if err := lt.l.Accept(ctx, runID, "0.9 (revision old)", "fp0"); err != nil {
			t.Fatal(err)
		}
		if c, _ := lt.l.ReadControl(ctx, runID); c.Version != "1.0 (revision aaa)" || c.RunFP != "fp1" {
			t.Errorf("Accept overrode the version: %+v", c)
		}
		// Upgrade moves the run; then the new version joins and the old is refused.
		if err := lt.l.Upgrade(ctx, runID, "1.1 (revision ccc)", "fp1", "test"); err != nil {
			t.Fatal(err)
		}
		if err := lt.l.Join(ctx, runID, proc("c", "host-c", "1.1 (revision ccc)"), "fp1", "planfp", time.Minute); err != nil {
			t.Fatalf("after upgrade: %v", err)
		}
		if err := lt.l.Join(ctx, runID, proc("e", "host-e", "1.0 (revision aaa)"), "fp1", "planfp", time.Minute); !errors.As(err, &ge) {
			t.Fatalf("old version after upgrade: %v", err)
		}
	})

	t.Run("the planning binary fixes the version of a fresh run", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		runID := lt.run(t, batches(1))
		if err := lt.l.Accept(ctx, runID, "2.0 (revision planner)", "fp"); err != nil {
			t.Fatal(err)
		}
		var ge *checkpoint.GateError
		if err := lt.l.Join(ctx, runID, proc("stale", "host-s", "1.0 (revision aaa)"), "fp", "planfp", time.Minute); !errors.As(err, &ge) {
			t.Fatalf("a stale first joiner: %v", err)
		}
		if err := lt.l.Join(ctx, runID, proc("a", "host-a", "2.0 (revision planner)"), "fp", "planfp", time.Minute); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("controls are set, read and replaced", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		runID := lt.run(t, batches(1))
		c, err := lt.l.ReadControl(ctx, runID)
		if err != nil || c.State != checkpoint.ControlRun || !c.Active || c.Version != "" {
			t.Fatalf("fresh run control = %+v, %v", c, err)
		}
		for _, s := range []string{checkpoint.ControlPause, checkpoint.ControlStop, checkpoint.ControlStopNow, checkpoint.ControlRun} {
			if err := lt.l.SetControl(ctx, runID, s, "by test "+s); err != nil {
				t.Fatal(err)
			}
			c, err := lt.l.ReadControl(ctx, runID)
			if err != nil || c.State != s || c.Reason != "by test "+s || c.At.IsZero() {
				t.Errorf("after %s: %+v, %v", s, c, err)
			}
		}
		if err := lt.l.SetControl(ctx, runID, "explode", ""); err == nil {
			t.Error("an unknown control was accepted")
		}
		if first, err := lt.l.Halt(ctx, runID, "budget"); err != nil || !first {
			t.Fatalf("first halt = %v, %v", first, err)
		}
		if first, err := lt.l.Halt(ctx, runID, "again"); err != nil || first {
			t.Fatalf("second halt = %v, %v; want false", first, err)
		}
		if c, _ := lt.l.ReadControl(ctx, runID); c.State != checkpoint.ControlHalted || c.Reason != "budget" {
			t.Errorf("halted = %+v, want the first reason kept", c)
		}
		lt.run(t, batches(1)) // a new plan replaces the run
		if c, _ := lt.l.ReadControl(ctx, runID); c.Active {
			t.Error("a replaced run is still active")
		}
	})

	t.Run("max_workers bounds leases across claimers", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		const n, bound = 40, 3
		runID := lt.run(t, batches(n))
		lt.l.BoundWorkers(bound)
		var inFlight, most, done atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				owner := fmt.Sprintf("owner-%d", w)
				for {
					b, open, err := lt.l.Claim(ctx, runID, owner, w, time.Minute, 3)
					if err != nil {
						errs <- err
						return
					}
					if b == nil {
						if open == 0 {
							return
						}
						time.Sleep(2 * time.Millisecond)
						continue
					}
					now := inFlight.Add(1)
					for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
					}
					time.Sleep(3 * time.Millisecond)
					inFlight.Add(-1) // before Done: a count that lags the ledger, never leads it
					if err := lt.done(ctx, b, 1); err != nil {
						errs <- err
						return
					}
					done.Add(1)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if done.Load() != n {
			t.Errorf("%d batches done, want %d", done.Load(), n)
		}
		if most.Load() > bound {
			t.Errorf("%d batches in flight at once, bound %d", most.Load(), bound)
		}
		if most.Load() < 2 {
			t.Errorf("at most %d batch in flight: the bound serialised everything", most.Load())
		}
	})

	t.Run("an expired lease frees its slot", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		runID := lt.run(t, batches(3))
		lt.l.BoundWorkers(1)
		// The lease is long enough that a loaded machine still makes the
		// second claim inside it.
		const lease = 3 * time.Second
		b, _, err := lt.l.Claim(ctx, runID, "dead", 1, lease, 3)
		if err != nil || b == nil {
			t.Fatalf("first claim: %v, %v", b, err)
		}
		if b2, open, err := lt.l.Claim(ctx, runID, "live", 1, time.Minute, 3); err != nil || b2 != nil || open == 0 {
			t.Fatalf("claim at the bound = %+v, %d, %v; want nothing, with batches open", b2, open, err)
		}
		time.Sleep(lease + 200*time.Millisecond)
		if b2, _, err := lt.l.Claim(ctx, runID, "live", 1, time.Minute, 3); err != nil || b2 == nil {
			t.Fatalf("claim after the lease expired = %+v, %v", b2, err)
		}
	})
}
