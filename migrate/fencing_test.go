package migrate_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqldb"
	"github.com/cutover/cutover/migrate"
)

// TestStaleAttemptInOneProcessIsFenced is issue 18's stalled target: two
// workers of one process, one stalls on batch 1 past its lease, the other
// takes batch 1 over. The stale attempt's rows and done mark must roll back
// (its claim token is no longer the batch's), so the fresh attempt loads the
// batch without a duplicate key and the run ends with no failed batch and an
// exact target. The target was empty at the start (no delete of old rows),
// as in the issue.
func TestStaleAttemptInOneProcessIsFenced(t *testing.T) {
	e := newEnv(t, 4, 40, 64, hostileName)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ledgerSchema, _ := e.srv.NewDatabase(t, "fence")
	var err error
	if e.ledger, err = checkpoint.Open(ctx, e.tgt.SQL(), ledgerSchema); err != nil {
		t.Fatal(err)
	}
	runID, bs := e.plan(t, 4, 15)

	var mu sync.Mutex
	calls := map[string]int{}
	stalled, expired, resume, staleRead := make(chan struct{}), make(chan struct{}), make(chan struct{}), make(chan struct{})
	wait := func(ctx context.Context, c chan struct{}) error {
		select {
		case <-c:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	src := &faultSource{Source: e.src, before: func(ctx context.Context, s catalog.Scope) error {
		first := len(s.Tenants) == 1 && s.Tenants[0] == "1" && s.Lo == nil
		mu.Lock()
		key := fmt.Sprint(s.Tenants, s.Lo, s.Hi)
		calls[key]++
		n := calls[key]
		mu.Unlock()
		switch {
		case first && n == 1: // the stale attempt: stall until taken over
			close(stalled)
			return wait(ctx, resume)
		case first && n == 2: // the fresh attempt: load after the stale one
			return wait(ctx, staleRead)
		default: // the other worker waits for the lease to be expired
			return wait(ctx, expired)
		}
	}}
	stale := &staleSignal{Source: src, first: func(s catalog.Scope) bool { return len(s.Tenants) == 1 && s.Tenants[0] == "1" && s.Lo == nil }, done: staleRead}
	eng := migrate.New(stale, e.tgt, e.ledger, migrate.Options{
		RunID: runID, Owner: "one-process", Workers: 2, Retries: 3, Lease: 30 * time.Second,
		Backoff: 5 * time.Millisecond, Transient: mysqldb.IsTransient,
		Tables:     map[string]*catalog.Table{"items": e.table},
		CleanStart: map[string]bool{"items": true},
	})
	type outcome struct {
		res migrate.Result
		err error
	}
	out := make(chan outcome, 1)
	go func() {
		res, err := eng.Run(ctx, ctx)
		out <- outcome{res, err}
	}()
	if err := wait(ctx, stalled); err != nil {
		t.Fatal("batch 1 was never read")
	}
	// The stall outlasts the lease (the heartbeat renews only live leases).
	if _, err := e.tgtDB.Exec("UPDATE `"+ledgerSchema+"`.batches_v1 SET lease_until = NOW(6) - INTERVAL 1 SECOND WHERE run_id = ? AND id = 1", runID); err != nil {
		t.Fatal(err)
	}
	close(expired)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		var token int64
		if err := e.tgtDB.QueryRow("SELECT claim_token FROM `"+ledgerSchema+"`.batches_v1 WHERE run_id = ? AND id = 1", runID).Scan(&token); err != nil {
			t.Fatal(err)
		}
		if token == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("batch 1 was not taken over")
		}
	}
	close(resume)
	o := <-out
	if o.err != nil {
		t.Fatal(o.err)
	}
	if o.res.Failed != 0 || o.res.Batches != int64(len(bs)) || o.res.Rows != 160 {
		t.Errorf("result = %+v, want %d batches and 160 rows, none failed", o.res, len(bs))
	}
	sameRows(t, dump(t, e.tgtDB, ""), dump(t, e.srcDB, ""), "after a stale attempt was fenced")
	got, err := e.ledger.Batches(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	if b := got[0]; b.State != checkpoint.Done || b.Token != 2 || b.Attempts != 2 {
		t.Errorf("batch 1 = %+v, want done by attempt 2", b)
	}
	hist, err := e.ledger.History(ctx, runID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ev := range hist {
		kinds = append(kinds, fmt.Sprintf("%s:%d#%d", ev.Kind, ev.Batch, ev.Attempt))
	}
	if got := strings.Join(kinds, " "); got != "retry:1#2 fenced:1#1" {
		t.Errorf("history = %s, want retry:1#2 fenced:1#1", got)
	}
}

// staleSignal closes done once the first read of the scope first picks
// returned: the stale attempt's rows are then in its open transaction.
type staleSignal struct {
	migrate.Source
	first func(catalog.Scope) bool
	done  chan struct{}
}

func (s *staleSignal) Open(ctx context.Context) (migrate.Reader, error) {
	r, err := s.Source.Open(ctx)
	if err != nil {
		return nil, err
	}
	return &staleReader{Reader: r, s: s}, nil
}

type staleReader struct {
	migrate.Reader
	s    *staleSignal
	once bool
}

func (r *staleReader) Rows(ctx context.Context, sc catalog.Scope, fn func(row [][]byte) error) (int64, error) {
	n, err := r.Reader.Rows(ctx, sc, fn)
	if r.s.first(sc) && !r.once {
		r.once = true
		select {
		case <-r.s.done:
		default:
			close(r.s.done)
		}
	}
	return n, err
}
