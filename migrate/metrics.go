package migrate

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/metrics"
)

// RunMetrics are this process's numbers for `run --metrics-addr`, scraped
// in the Prometheus text format; run-wide numbers come from the ledger at
// each scrape. Counters and Controller are the running process's; set them
// before the first scrape.
type RunMetrics struct {
	ledger     *checkpoint.Ledger
	run        *checkpoint.Run
	Counters   *Counters
	Controller *Controller
	latency    *metrics.Histogram
	// bytes is estimated from each batch's planned bytes, scaled to the rows
	// it copied: the writer streams rows, it does not count bytes.
	bytes atomic.Int64
}

// NewRunMetrics returns the metrics of run, read from ledger.
func NewRunMetrics(ledger *checkpoint.Ledger, run *checkpoint.Run) *RunMetrics {
	return &RunMetrics{ledger: ledger, run: run,
		latency: metrics.NewHistogram(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)}
}

// Observe is the engine's OnBatch hook.
func (m *RunMetrics) Observe(b *checkpoint.Batch, rows int64, took time.Duration) {
	m.latency.Observe(took.Seconds())
	if b.EstRows > 0 {
		m.bytes.Add(int64(float64(b.EstBytes) * float64(rows) / float64(b.EstRows)))
	}
}

// Scrape writes this process's samples for one scrape.
func (m *RunMetrics) Scrape(ctx context.Context, mw *metrics.Writer) {
	c := m.Counters
	mw.Counter("cutover_rows_copied_total", "Rows this process copied.", float64(c.RowsDone.Load()))
	mw.Counter("cutover_bytes_copied_total", "Bytes this process copied, estimated from the plan's bytes per batch.", float64(m.bytes.Load()))
	mw.Counter("cutover_batches_copied_total", "Batches this process copied.", float64(c.BatchesDone.Load()))
	mw.Counter("cutover_batches_failed_total", "Batches this process failed after their retries.", float64(c.BatchesFailed.Load()))
	mw.Counter("cutover_batch_retries_total", "Retries of transient errors.", float64(c.Retries.Load()))
	mw.Gauge("cutover_batches_in_flight", "Batches this process is copying now.", float64(c.InFlight.Load()))
	mw.Counter("cutover_throttled_seconds_total", "Time workers waited before a claim: pause, load probes, rate limits (summed over workers).", float64(m.Controller.Throttled.Load())/1e9)
	throttled := 0.0
	if m.Controller.Reason() != "" {
		throttled = 1
	}
	mw.Gauge("cutover_throttled", "1 while no new batch may start on this process.", throttled)
	mw.Histogram("cutover_batch_duration_seconds", "Time to copy one batch, commit included.", m.latency)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	st, err := m.ledger.Status(ctx, m.run, time.Minute)
	up := 1.0
	if err != nil {
		up = 0
	}
	mw.Gauge("cutover_ledger_up", "1 when the ledger answered this scrape.", up)
	if err == nil {
		byState := map[string]float64{}
		for _, s := range []checkpoint.State{checkpoint.Pending, checkpoint.Claimed, checkpoint.Done, checkpoint.Failed} {
			byState[s.String()] = float64(st.Batches[s.String()])
		}
		mw.GaugeVec("cutover_run_batches", "The run's batches by state (all processes).", "state", byState)
		mw.Gauge("cutover_run_rows_done", "Rows copied by every process of the run.", float64(st.RowsDone))
		mw.Gauge("cutover_run_rows_total", "Rows of the run (planned estimate for batches not done).", float64(st.RowsTotal))
		mw.Gauge("cutover_run_rows_per_second", "The run's rate over the last minute.", st.RowsPerSecond)
	}
}
