package metrics_test

import (
	"bytes"
	"testing"

	"github.com/cutover/cutover/internal/metrics"
)

func TestExposition(t *testing.T) {
	h := metrics.NewHistogram(0.5, 0.1, 1)
	for _, v := range []float64{0.05, 0.1, 0.3, 0.7, 2, 5} {
		h.Observe(v)
	}
	var buf bytes.Buffer
	w := metrics.NewWriter(&buf)
	w.Counter("rows_total", "Rows copied.\nSecond line", 1234567)
	w.Gauge("ratio", `with \ backslash`, 0.25)
	w.GaugeVec("batches", "Batches by state.", "state", map[string]float64{"pending": 3, "done": 5, `we"ird`: 1})
	w.Histogram("latency_seconds", "Batch latency.", h)
	if err := w.Err(); err != nil {
		t.Fatal(err)
	}
	want := `# HELP rows_total Rows copied.\nSecond line
# TYPE rows_total counter
rows_total 1234567
# HELP ratio with \\ backslash
# TYPE ratio gauge
ratio 0.25
# HELP batches Batches by state.
# TYPE batches gauge
batches{state="done"} 5
batches{state="pending"} 3
batches{state="we\"ird"} 1
# HELP latency_seconds Batch latency.
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.1"} 2
latency_seconds_bucket{le="0.5"} 3
latency_seconds_bucket{le="1"} 4
latency_seconds_bucket{le="+Inf"} 6
latency_seconds_sum 8.15
latency_seconds_count 6
`
	if buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
}
