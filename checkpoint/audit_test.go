package checkpoint_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/testdb"
)

func kinds(events []checkpoint.Event) string {
	var out []string
	for _, e := range events {
		s := string(e.Kind)
		if e.Batch != 0 {
			s += fmt.Sprintf(":%d#%d", e.Batch, e.Attempt)
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestAuditHistory(t *testing.T) {
	srv := testdb.StartT(t)
	ctx := context.Background()
	host, _ := os.Hostname()

	t.Run("a batch that failed and then succeeded keeps its failures", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		runID := lt.run(t, []checkpoint.NewBatch{{ID: 1, Table: "orders", Tenants: []string{"7"}, Lo: []string{"100"}, Hi: []string{"200"}, EstRows: 5}})
		a, _, err := lt.l.Claim(ctx, runID, "proc-a", 1, time.Microsecond, 5)
		if err != nil || a == nil {
			t.Fatal(a, err)
		}
		if err := lt.l.Note(ctx, a, errors.New("Error 1213: Deadlock found")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // a stalls past its lease
		b, _, err := lt.l.Claim(ctx, runID, "proc-b", 1, time.Minute, 5)
		if err != nil || b == nil || b.Token != a.Token+1 {
			t.Fatalf("takeover = %+v, %v", b, err)
		}
		if err := lt.done(ctx, a, 5); !errors.Is(err, checkpoint.ErrLeaseLost) {
			t.Fatalf("stale Done = %v, want ErrLeaseLost", err)
		}
		if err := lt.done(ctx, b, 5); err != nil {
			t.Fatal(err)
		}
		// The batch's row keeps only the end: done, no error.
		row := lt.batch(t, runID, 1)
		if row.State != checkpoint.Done || row.Error != "" {
			t.Fatalf("batch row = %+v, want done without an error", row)
		}
		hist, err := lt.l.History(ctx, runID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := kinds(hist); got != "attempt-failed:1#1 retry:1#2 fenced:1#1" {
			t.Fatalf("history = %s, want attempt-failed:1#1 retry:1#2 fenced:1#1", got)
		}
		f := hist[0]
		if f.Detail != "Error 1213: Deadlock found" || f.Table != "orders" || !slices.Equal(f.Tenants, []string{"7"}) ||
			!slices.Equal(f.Lo, []string{"100"}) || !slices.Equal(f.Hi, []string{"200"}) || f.Owner != "proc-a" || f.Host != host ||
			f.At.IsZero() || time.Since(f.At) > time.Hour || time.Since(f.At) < -time.Hour {
			t.Errorf("failure event = %+v", f)
		}
		if r := hist[1]; r.Owner != "proc-b" || !strings.Contains(r.Detail, "lease of proc-a (attempt 1) had expired") || !strings.Contains(r.Detail, "Deadlock found") {
			t.Errorf("retry event = %+v", r)
		}
		if fe := hist[2]; fe.Owner != "proc-a" || !slices.Equal(fe.Lo, []string{"100"}) || !strings.Contains(fe.Detail, "taken over") {
			t.Errorf("fenced event = %+v", fe)
		}
	})

	t.Run("failures, retry-failed, controls, upgrade and repair are appended, never rewritten", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		runID := lt.run(t, batches(2))
		b1, _, err := lt.l.Claim(ctx, runID, "p", 1, time.Minute, 3)
		if err != nil || b1 == nil {
			t.Fatal(b1, err)
		}
		if err := lt.l.Fail(ctx, b1, errors.New("Error 1406: Data too long for column 'name'")); err != nil {
			t.Fatal(err)
		}
		if err := lt.l.SetControl(ctx, runID, checkpoint.ControlPause, "pause by ops: index rebuild"); err != nil {
			t.Fatal(err)
		}
		before, err := lt.l.History(ctx, runID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := lt.l.SetControl(ctx, runID, checkpoint.ControlRun, "resume"); err != nil {
			t.Fatal(err)
		}
		for range 2 { // the second halt is not this call's: one event
			if _, err := lt.l.Halt(ctx, runID, "error budget spent: 1 failed batch"); err != nil {
				t.Fatal(err)
			}
		}
		if err := lt.l.Upgrade(ctx, runID, "2.0", "fp2", "upgrade to 2.0"); err != nil {
			t.Fatal(err)
		}
		if n, err := lt.l.ResetFailed(ctx, runID); err != nil || n != 1 {
			t.Fatalf("ResetFailed = %d, %v", n, err)
		}
		for range 2 {
			b, _, err := lt.l.Claim(ctx, runID, "p", 1, time.Minute, 3)
			if err != nil || b == nil {
				t.Fatal(b, err)
			}
			if err := lt.done(ctx, b, 3); err != nil {
				t.Fatal(err)
			}
		}
		if err := lt.l.Reopen(ctx, runID, []int{2}, []string{"orders"}); err != nil {
			t.Fatal(err)
		}
		if err := lt.l.Record(ctx, runID, checkpoint.EventRepair, "verify --repair: 1 batch differs"); err != nil {
			t.Fatal(err)
		}
		hist, err := lt.l.History(ctx, runID, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := "failed:1#1 control control control upgrade reset:1#1 repair:2#1 repair"
		if got := kinds(hist); got != want {
			t.Fatalf("history = %s\nwant      %s", got, want)
		}
		if !reflect.DeepEqual(hist[:len(before)], before) {
			t.Errorf("earlier events changed:\n%+v\nwas\n%+v", hist[:len(before)], before)
		}
		for i, e := range hist {
			if i > 0 && e.ID <= hist[i-1].ID {
				t.Errorf("event ids not increasing: %d after %d", e.ID, hist[i-1].ID)
			}
		}
		if hist[0].Detail != "Error 1406: Data too long for column 'name'" || hist[0].Host != host {
			t.Errorf("failure = %+v", hist[0])
		}
		for _, i := range []int{1, 2, 3, 4, 5, 7} {
			if e := hist[i]; !strings.HasSuffix(e.Who, "@"+host) || e.Host != host {
				t.Errorf("%s event without who: %+v", e.Kind, e)
			}
		}
		if d := hist[1].Detail; d != "pause: pause by ops: index rebuild" {
			t.Errorf("pause detail = %q", d)
		}
		if d := hist[3].Detail; d != "halted: error budget spent: 1 failed batch" {
			t.Errorf("halt detail = %q", d)
		}
		if d := hist[4].Detail; !strings.Contains(d, "-> 2.0") || !strings.Contains(d, "-> fp2") {
			t.Errorf("upgrade detail = %q", d)
		}
		if d := hist[5].Detail; !strings.Contains(d, "after 1 attempts") || !strings.Contains(d, "Data too long") {
			t.Errorf("reset detail = %q", d)
		}
		if d := hist[6].Detail; !strings.Contains(d, "verify --repair") || !strings.Contains(d, "3 rows") {
			t.Errorf("repair detail = %q", d)
		}
		if got, err := lt.l.History(ctx, runID, 2); err != nil || len(got) != 2 || got[1].ID != hist[1].ID {
			t.Errorf("History with limit 2 = %d events, %v", len(got), err)
		}
		if fails, err := lt.l.History(ctx, runID, 0, checkpoint.FailureKinds()...); err != nil || kinds(fails) != "failed:1#1" {
			t.Errorf("failures = %s, %v; want failed:1#1", kinds(fails), err)
		}
		if other, err := lt.l.History(ctx, runID+100, 0); err != nil || len(other) != 0 {
			t.Errorf("History of another run = %v, %v", other, err)
		}
	})

	t.Run("a batch that used up its attempts is recorded as failed by its claimer", func(t *testing.T) {
		t.Parallel()
		lt := newLedger(t, srv)
		runID := lt.run(t, batches(1))
		if b, _, err := lt.l.Claim(ctx, runID, "dead", 1, time.Microsecond, 1); err != nil || b == nil {
			t.Fatal(b, err)
		}
		time.Sleep(2 * time.Millisecond)
		if b, _, err := lt.l.Claim(ctx, runID, "next", 1, time.Minute, 1); err != nil || b != nil {
			t.Fatalf("claim past the bound = %+v, %v", b, err)
		}
		hist, err := lt.l.History(ctx, runID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := kinds(hist); got != "failed:1#1" || hist[0].Owner != "dead" || !strings.Contains(hist[0].Detail, "gave up after 1 attempts") {
			t.Errorf("history = %s %+v", got, hist)
		}
	})
}
