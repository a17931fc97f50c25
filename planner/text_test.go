package planner

import (
	"bytes"
	"testing"
)

func TestWriteDeferralSkipsTablesWithoutDeferredIndexes(t *testing.T) {
	var buf bytes.Buffer
	WriteDeferral(&buf, []Deferred{{Target: "orders", Indexes: []string{"KEY a (a)", "KEY b (b)"}}, {Target: "items"}})
	want := "deferred indexes of orders (loaded without, built in one ALTER TABLE once its batches are done): KEY a (a), KEY b (b)\n"
	if got := buf.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
