package migrate_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/testdb"
	"github.com/cutover/cutover/migrate"
)

// TestStopWaitsInVain: a stop that waits for a process that keeps beating
// says so, and its *NotDrainedError says how to abort the process's batches.
func TestStopWaitsInVain(t *testing.T) {
	ctx := context.Background()
	srv := testdb.StartT(t)
	schema, _ := srv.NewDatabase(t, "steer")
	db, err := srv.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, err := checkpoint.Open(ctx, db, schema)
	if err != nil {
		t.Fatal(err)
	}
	id, err := l.CreateRun(ctx, "cfg", "plan", []byte("{}"), []checkpoint.NewBatch{{ID: 1, Table: "items", EstRows: 10}})
	if err != nil {
		t.Fatal(err)
	}
	run, err := l.ActiveRun(ctx)
	if err != nil || run == nil || run.ID != id {
		t.Fatalf("active run %v, %v; want run %d", run, err, id)
	}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	// This test's own pid: alive, so the process counts as live.
	if err := l.Register(ctx, id, checkpoint.Process{Owner: "w1", Host: host, PID: os.Getpid(), Version: "test", Workers: 2}); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err = migrate.Steer(ctx, &out, l, run, migrate.SteerOptions{Command: "stop", Host: "ops", Lease: time.Minute, MaxFailed: -1,
		ConfigPath: "night.yaml", Wait: time.Millisecond})
	if want := fmt.Sprintf("run %d: stop requested; 1 live processes see it within 2 s and exit 3\n", id); out.String() != want {
		t.Fatalf("said %q, want %q", out.String(), want)
	}
	if !errors.As(err, new(*migrate.NotDrainedError)) {
		t.Fatalf("got %v, want a *NotDrainedError", err)
	}
	want := fmt.Sprintf("after 1ms, 1 processes still run: pid %d on %s (0 batches in flight); `cutover stop --now --config night.yaml` aborts their batches",
		os.Getpid(), host)
	if err.Error() != want {
		t.Fatalf("got\n%s\nwant\n%s", err, want)
	}
	ctl, err := l.ReadControl(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if ctl.State != checkpoint.ControlStop || !regexp.MustCompile(`^stop on ops at \S+$`).MatchString(ctl.Reason) {
		t.Fatalf("control %+v, want stop, by ops", ctl)
	}
}
