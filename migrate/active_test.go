package migrate_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/testdb"
	"github.com/cutover/cutover/migrate"
)

// runs is a ledger with one active run, none, or one it cannot read.
type runs struct {
	run *checkpoint.Run
	err error
}

func (r runs) ActiveRun(context.Context) (*checkpoint.Run, error) { return r.run, r.err }

func TestActiveRun(t *testing.T) {
	ctx := context.Background()
	down := errors.New("connection refused")
	for _, tc := range []struct {
		name   string
		l      runs
		found  bool
		wantID int64
		want   string // the error, "" for none
		noRun  bool
	}{
		{"active", runs{run: &checkpoint.Run{ID: 7}}, true, 7, "", false},
		{"no ledger", runs{run: &checkpoint.Run{ID: 7}}, false, 0, "no ledger in schema led: nothing runs yet", true},
		{"no active run", runs{}, true, 0, "no active run in ledger schema led", true},
		{"unreadable", runs{err: down}, true, 0, "read the active run: connection refused", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run, err := migrate.ActiveRun(ctx, tc.l, tc.found, "led")
			if tc.want == "" {
				if err != nil || run == nil || run.ID != tc.wantID {
					t.Fatalf("got run %v, %v; want run %d", run, err, tc.wantID)
				}
				return
			}
			if err == nil || err.Error() != tc.want || run != nil {
				t.Fatalf("got run %v, %v; want %q", run, err, tc.want)
			}
			if got := errors.As(err, new(*migrate.NoRunError)); got != tc.noRun {
				t.Fatalf("a *NoRunError: %v, want %v", got, tc.noRun)
			}
		})
	}
}

// TestActiveRunID: 0 without a ledger, 0 on a ledger without a run, then
// the id of the run just created.
func TestActiveRunID(t *testing.T) {
	ctx := context.Background()
	srv := testdb.StartT(t)
	schema, _ := srv.NewDatabase(t, "activeid")
	db, err := srv.Open("")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "DROP DATABASE `"+schema+"`"); err != nil {
		t.Fatal(err)
	}
	if id := migrate.ActiveRunID(ctx, db, schema); id != 0 {
		t.Fatalf("no ledger: run %d, want 0", id)
	}
	l, err := checkpoint.Open(ctx, db, schema)
	if err != nil {
		t.Fatal(err)
	}
	if id := migrate.ActiveRunID(ctx, db, schema); id != 0 {
		t.Fatalf("no run: run %d, want 0", id)
	}
	id, err := l.CreateRun(ctx, "cfg", "plan", []byte("{}"), []checkpoint.NewBatch{{ID: 1, Table: "items", EstRows: 10}})
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	if err := db.QueryRowContext(ctx, "SELECT id FROM `"+schema+"`.runs_v1 WHERE active = 1").Scan(&want); err != nil {
		t.Fatal(err)
	}
	if got := migrate.ActiveRunID(ctx, db, schema); got != want || got != id {
		t.Fatalf("run %d, want %d (the active row of runs)", got, want)
	}
}
