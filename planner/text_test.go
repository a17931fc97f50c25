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

// WritePlan prints the plan's text and then, when the plan has one, its
// estimate: all `cutover plan` prints.
func TestWritePlan(t *testing.T) {
	doc := func(e *Estimate) *Doc {
		return &Doc{
			Fingerprint: "fp1", RunID: 7,
			Summary:  Summary{Tenants: 2, Tables: 1, Batches: 1, Rows: 1500, Bytes: 800, Workers: 2, LowerBoundRows: 1500, LargestBatchRows: 1500},
			Batches:  []Batch{{ID: 1, Table: "orders", Tenants: []string{"9"}, Rows: 1500}},
			Warnings: []string{"be careful"},
			Estimate: e,
		}
	}
	plan := "plan fp1 (run 7)\n" +
		"tenants 2, tables 1, batches 1, rows 1,500 (800 B)\n" +
		"no tenant rows\n" +
		"makespan lower bound with 2 workers: 1,500 rows per worker (largest batch 1,500 rows)\n" +
		"largest batches:\n" +
		"  #1     orders                1,500 rows  tenant 9\n" +
		"warning: be careful\n"
	cases := []struct {
		name string
		e    *Estimate
		want string
	}{
		{"without an estimate", nil, plan},
		{"with an estimate", &Estimate{Calibrated: true, Calibration: "calibrated by test", Schedule: Schedule{Workers: 2, Makespan: 90, LowerBound: 60}},
			plan + "estimate with 2 workers (calibrated by test): makespan 1m30s, lower bound 1m0s (ratio 1.500)\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			doc(tc.e).WritePlan(&buf, 2)
			if got := buf.String(); got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

// GanttSVG is the chart WriteGantt draws, as bytes.
func TestGanttSVG(t *testing.T) {
	batches, m, s := ganttFixture()
	d := &Doc{Fingerprint: "fp2", Batches: batches, Estimate: &Estimate{Model: m, Schedule: s}}
	got, err := d.GanttSVG()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(got, []byte("<svg")) || !bytes.Contains(got, []byte("plan fp2: 6 batches on 2 workers")) || !bytes.HasSuffix(bytes.TrimSpace(got), []byte("</svg>")) {
		t.Errorf("not the plan's chart:\n%s", got)
	}
}
