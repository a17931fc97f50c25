package checkpoint_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/testdb"
)

func TestCalibrationAndTimeline(t *testing.T) {
	srv := testdb.StartT(t)
	ctx := context.Background()

	t.Run("calibration", func(t *testing.T) {
		lt := newLedger(t, srv)
		schema := ledgerSchema(t, lt)
		if c, err := checkpoint.LatestCalibration(ctx, lt.db, "no_such_schema", "fp"); err != nil || c != nil {
			t.Fatalf("no ledger: got %v, %v; want nil, nil", c, err)
		}
		for i, model := range []string{`{"v":1}`, `{"v":2}`} {
			if _, err := lt.l.SaveCalibration(ctx, checkpoint.Calibration{ConfigFP: "fp", Workers: 4 + i, Batches: 9, Seconds: 1.5, Model: json.RawMessage(model)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := lt.l.SaveCalibration(ctx, checkpoint.Calibration{ConfigFP: "other", Workers: 1, Model: json.RawMessage(`{"v":3}`)}); err != nil {
			t.Fatal(err)
		}
		c, err := checkpoint.LatestCalibration(ctx, lt.db, schema, "fp")
		if err != nil {
			t.Fatal(err)
		}
		if c == nil || string(c.Model) != `{"v":2}` || c.Workers != 5 || c.Batches != 9 || c.Seconds != 1.5 || c.CreatedAt.IsZero() {
			t.Fatalf("latest calibration of fp: %+v", c)
		}
		if c, err := checkpoint.LatestCalibration(ctx, lt.db, schema, "unknown"); err != nil || c != nil {
			t.Fatalf("unknown fingerprint: got %+v, %v", c, err)
		}
	})

	t.Run("timeline", func(t *testing.T) {
		lt := newLedger(t, srv)
		runID := lt.run(t, batches(3))
		b1, _, err := lt.l.Claim(ctx, runID, "h:1:x", 2, time.Minute, 3)
		if err != nil {
			t.Fatal(err)
		}
		if err := lt.done(ctx, b1, 7); err != nil {
			t.Fatal(err)
		}
		b2, _, err := lt.l.Claim(ctx, runID, "h:1:x", 1, time.Minute, 3)
		if err != nil {
			t.Fatal(err)
		}
		if err := lt.l.Fail(ctx, b2, errors.New("boom")); err != nil {
			t.Fatal(err)
		}
		spans, err := lt.l.Timeline(ctx, runID)
		if err != nil {
			t.Fatal(err)
		}
		if len(spans) != 3 {
			t.Fatalf("%d spans, want 3", len(spans))
		}
		s1, s2, s3 := spans[0], spans[1], spans[2]
		if s1.State != checkpoint.Done || s1.Rows != 7 || s1.Worker != 2 || s1.Owner != "h:1:x" || s1.Claimed.IsZero() || s1.Finished.Before(s1.Claimed) {
			t.Fatalf("done batch: %+v", s1)
		}
		if s2.State != checkpoint.Failed || s2.Error != "boom" || s2.Finished.IsZero() {
			t.Fatalf("failed batch: %+v", s2)
		}
		if s3.State != checkpoint.Pending || !s3.Claimed.IsZero() || !s3.Finished.IsZero() || s3.EstRows != 30 {
			t.Fatalf("pending batch: %+v", s3)
		}
		r, err := lt.l.RunByID(ctx, runID)
		if err != nil || r.ID != runID || r.PlanFP != "planfp" {
			t.Fatalf("run by id: %+v, %v", r, err)
		}
		if _, err := lt.l.RunByID(ctx, runID+100); err == nil {
			t.Fatal("a run that does not exist was found")
		}
	})
}

// ledgerSchema is the schema the test's ledger lives in.
func ledgerSchema(t *testing.T, lt ledgerT) string {
	t.Helper()
	var name string
	if err := lt.db.QueryRow("SELECT DATABASE()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}
