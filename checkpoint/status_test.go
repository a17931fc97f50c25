package checkpoint_test

import (
	"context"
	"testing"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/testdb"
)

// TestStatusRateIsThisStretchs: rows copied by a process that stopped, or
// before a resume, do not count in the rate of the run that goes on.
func TestStatusRateIsThisStretchs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lt := newLedger(t, testdb.StartT(t))
	runID := lt.run(t, batches(5))
	run, err := lt.l.ActiveRun(ctx)
	if err != nil {
		t.Fatal(err)
	}
	copyOne := func(owner string, rows int64) {
		t.Helper()
		b, _, err := lt.l.Claim(ctx, runID, owner, 1, time.Hour, 3)
		if err != nil || b == nil {
			t.Fatal(b, err)
		}
		if err := lt.done(ctx, b, rows); err != nil {
			t.Fatal(err)
		}
	}
	for _, owner := range []string{"old", "new"} {
		if err := lt.l.Register(ctx, runID, checkpoint.Process{Owner: owner, Host: "h", PID: 1, Version: "v", Workers: 1}); err != nil {
			t.Fatal(err)
		}
	}
	copyOne("old", 1000)
	if err := lt.l.Stopped(ctx, "old"); err != nil {
		t.Fatal(err)
	}
	copyOne("new", 20)
	st, err := lt.l.StatusWithLease(ctx, run, time.Hour, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// Under a second since the claim: the span is 1 s, the rate the rows.
	if st.RowsPerSecond <= 0 || st.RowsPerSecond > 20 {
		t.Errorf("rate = %v, want at most the 20 rows of the live process (the stopped one's 1000 left out)", st.RowsPerSecond)
	}
	if st.RowsDone != 1020 {
		t.Errorf("rows done = %d, want 1020", st.RowsDone)
	}

	if err := lt.l.SetControl(ctx, runID, checkpoint.ControlPause, "test"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	if err := lt.l.SetControl(ctx, runID, checkpoint.ControlRun, "test"); err != nil {
		t.Fatal(err)
	}
	ctl, err := lt.l.ReadControl(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	copyOne("new", 30)
	if st, err = lt.l.StatusWithLease(ctx, run, time.Hour, time.Hour); err != nil {
		t.Fatal(err)
	}
	if st.RowsPerSecond <= 0 || st.RowsPerSecond > 30 {
		t.Errorf("rate = %v, want at most the 30 rows since the resume", st.RowsPerSecond)
	}
	if st.RateSince.Before(ctl.At) {
		t.Errorf("rate since %s, before the resume at %s", st.RateSince, ctl.At)
	}
	if len(st.Tables) != 1 || st.Tables[0].Table != "orders" || st.Tables[0].Batches != 5 || st.Tables[0].BatchesDone != 3 ||
		st.Tables[0].RowsDone != 1050 || st.Tables[0].Started.IsZero() || !st.Tables[0].Finished.IsZero() {
		t.Errorf("tables = %+v, want orders with 3 of 5 batches, 1050 rows, started, not finished", st.Tables)
	}
	if st.Now.Before(st.RateSince) {
		t.Errorf("now %s before rate since %s", st.Now, st.RateSince)
	}
}
