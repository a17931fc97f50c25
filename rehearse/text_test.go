package rehearse

import (
	"errors"
	"testing"

	"github.com/cutover/cutover/migrate"
)

func TestFailedErrorDetail(t *testing.T) {
	e := &FailedError{Failed: 2, Ran: 9, Batches: []migrate.FailedBatch{{ID: 4, Table: "orders", Err: errors.New("boom")}, {ID: 7, Table: "items", Err: errors.New("bang")}}}
	if got, want := e.Detail(), "  batch 4 (orders): boom\n  batch 7 (items): bang"; got != want {
		t.Errorf("Detail = %q, want %q", got, want)
	}
}

func TestWorkerCount(t *testing.T) {
	if workerCount(1) != "1 worker" || workerCount(3) != "3 workers" {
		t.Errorf("workerCount: %q, %q", workerCount(1), workerCount(3))
	}
}
