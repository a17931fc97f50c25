package rehearse

import (
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
)

// steadySample repeats the sample when the plan has too few batches (each
// copy under an id of its own; every transaction is rolled back, so a batch
// can run twice) until there are at least three batches per worker: the
// batches are then timed while every worker is busy, as in the real run, and
// not alone in a short sample, which on a saturated server made the estimate
// 40% low (make bench, 2M rows).
func steadySample(sample []planner.Batch, workers int) []*checkpoint.Batch {
	base := migrate.LedgerBatches(sample)
	if len(base) == 0 {
		return base
	}
	maxID := 0
	for _, b := range base {
		maxID = max(maxID, b.ID)
	}
	reps := 1
	for reps*len(base) < batchesPerWorker*workers && reps < 20 {
		reps++
	}
	out := make([]*checkpoint.Batch, 0, reps*len(base))
	for r := range reps {
		for _, b := range base {
			c := *b
			c.ID = b.ID + r*(maxID+1)
			out = append(out, &c)
		}
	}
	return out
}

// measured turns done batch results into the calibration's input.
func measured(rs []migrate.BatchResult) []planner.Measured {
	var ms []planner.Measured
	for _, r := range rs {
		if r.Done {
			ms = append(ms, planner.Measured{Table: r.Batch.Table, Rows: r.Rows, Bytes: r.Batch.EstBytes, Seconds: r.Duration.Seconds()})
		}
	}
	return ms
}

// pairedRatio is the time the second pass took over the time the first took,
// on the batches both timed while every worker was busy, and how many.
func pairedRatio(first, second []migrate.BatchResult) (float64, int) {
	took := map[int]float64{}
	for _, r := range first {
		if r.Done {
			took[r.Batch.ID] = r.Duration.Seconds()
		}
	}
	var a, b float64
	n := 0
	for _, r := range second {
		if t, ok := took[r.Batch.ID]; ok && r.Done {
			a, b, n = a+t, b+r.Duration.Seconds(), n+1
		}
	}
	if n == 0 || a <= 0 {
		return 0, 0
	}
	return b / a, n
}

// spreadOut returns the plan's batches that are not in the sample, in an
// order whose every prefix is spread evenly over the plan (largest first):
// the batches a rehearsal adds when its sample ran too short.
func spreadOut(plan, sample []planner.Batch) []planner.Batch {
	in := make(map[int]bool, len(sample))
	for _, b := range sample {
		in[b.ID] = true
	}
	var rest []planner.Batch
	for _, b := range plan {
		if !in[b.ID] {
			rest = append(rest, b)
		}
	}
	// Positions in van der Corput order (1/2, 1/4, 3/4, 1/8, ...), each
	// index taken once.
	out := make([]planner.Batch, 0, len(rest))
	taken := make([]bool, len(rest))
	for i := 0; len(out) < len(rest); i++ {
		x, f := 0.0, 0.5
		for k := i; k > 0; k >>= 1 {
			if k&1 == 1 {
				x += f
			}
			f /= 2
		}
		j := int(x * float64(len(rest)))
		for taken[j] {
			j = (j + 1) % len(rest)
		}
		taken[j] = true
		out = append(out, rest[j])
	}
	return out
}

// steadyState keeps the batches that finished before the last batch was
// claimed: until then every worker had a batch, so each was timed under the
// run's full concurrency. The tail, where workers fall idle and the last
// batches run faster, is left out, unless too little would be left.
func steadyState(rs []migrate.BatchResult, workers int) []migrate.BatchResult {
	var last time.Time
	for _, r := range rs {
		if r.Start.After(last) {
			last = r.Start
		}
	}
	var keep []migrate.BatchResult
	steady := map[string]bool{}
	for _, r := range rs {
		if !r.Start.Add(r.Duration).After(last) {
			keep = append(keep, r)
			steady[r.Batch.Table] = true
		}
	}
	if len(keep) < max(workers, 3) {
		return rs
	}
	// Every table keeps a measurement: one that only ran in the tail is
	// timed there rather than not at all.
	for _, r := range rs {
		if !steady[r.Batch.Table] {
			keep = append(keep, r)
		}
	}
	return keep
}
