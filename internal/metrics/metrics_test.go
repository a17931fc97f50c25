package metrics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/cutover/cutover/internal/metrics"
)

// scrape GETs url as Prometheus would and parses the body with the
// library's own text parser.
func scrape(t *testing.T, url string) (*http.Response, map[string]*dto.MetricFamily) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	require.NoError(t, err, string(body))
	return resp, fams
}

// TestExposition scrapes a real HTTP endpoint: the program's samples come
// out as the hand-written exposition wrote them (the literal below, parsed
// by the same parser), beside the standard go_* and process_* collectors.
func TestExposition(t *testing.T) {
	h := metrics.NewHistogram(0.5, 0.1, 1)
	for _, v := range []float64{0.05, 0.1, 0.3, 0.7, 2, 5} {
		h.Observe(v)
	}
	srv := httptest.NewServer(metrics.NewRegistry().Handler(func(ctx context.Context, w *metrics.Writer) {
		require.NoError(t, ctx.Err())
		w.Counter("rows_total", "Rows copied.\nSecond line", 1234567)
		w.Gauge("ratio", `with \ backslash`, 0.25)
		w.GaugeVec("batches", "Batches by state.", "state", map[string]float64{"pending": 3, "done": 5, `we"ird`: 1})
		w.Histogram("latency_seconds", "Batch latency.", h)
		require.NoError(t, w.Err())
	}))
	defer srv.Close()
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
	p := expfmt.NewTextParser(model.UTF8Validation)
	wantFams, err := p.TextToMetricFamilies(strings.NewReader(want))
	require.NoError(t, err)

	resp, got := scrape(t, srv.URL+"/metrics")
	require.Contains(t, resp.Header.Get("Content-Type"), "text/plain")
	require.Contains(t, resp.Header.Get("Content-Type"), "version=0.0.4")
	for name, w := range wantFams {
		g, ok := got[name]
		require.True(t, ok, "no %s in the scrape", name)
		require.True(t, proto.Equal(w, g), "%s:\ngot  %v\nwant %v", name, g, w)
	}
	// The standard collectors, under their usual names.
	for _, name := range []string{"go_goroutines", "go_info", "go_memstats_alloc_bytes", "go_gc_duration_seconds",
		"process_start_time_seconds", "process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds"} {
		require.Contains(t, got, name)
	}
	require.Greater(t, got["go_goroutines"].GetMetric()[0].GetGauge().GetValue(), 0.0)
}

// TestConcurrentObserve: observations from many goroutines while scrapes
// go on are all counted (run under -race).
func TestConcurrentObserve(t *testing.T) {
	h := metrics.NewHistogram(1, 10)
	srv := httptest.NewServer(metrics.NewRegistry().Handler(func(_ context.Context, w *metrics.Writer) {
		w.Histogram("obs", "Observations.", h)
	}))
	defer srv.Close()
	const workers, each = 8, 500
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			for j := range each {
				h.Observe(float64((i + j) % 20))
			}
		})
	}
	for range 5 {
		_, fams := scrape(t, srv.URL)
		require.Contains(t, fams, "obs")
	}
	wg.Wait()
	_, fams := scrape(t, srv.URL)
	hs := fams["obs"].GetMetric()[0].GetHistogram()
	require.Equal(t, uint64(workers*each), hs.GetSampleCount())
	// Independently: values 0..19 evenly, so 2 of 20 are <= 1, 11 of 20 <= 10.
	require.Equal(t, uint64(workers*each*2/20), hs.GetBucket()[0].GetCumulativeCount())
	require.Equal(t, uint64(workers*each*11/20), hs.GetBucket()[1].GetCumulativeCount())
}

// TestInvalidSample: a sample the format cannot carry fails the scrape
// loudly instead of serving a partial or malformed exposition.
func TestInvalidSample(t *testing.T) {
	srv := httptest.NewServer(metrics.NewRegistry().Handler(func(_ context.Context, w *metrics.Writer) {
		w.Gauge("ok_gauge", "Fine.", 1)
		w.GaugeVec("by_state", "Bad label value.", "state", map[string]float64{"\xff": 1})
		require.Error(t, w.Err())
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
}

// TestRegistriesAreSeparate: two registries in one process share nothing,
// so two handlers never export each other's samples.
func TestRegistriesAreSeparate(t *testing.T) {
	a := httptest.NewServer(metrics.NewRegistry().Handler(func(_ context.Context, w *metrics.Writer) { w.Gauge("only_a", "A.", 1) }))
	defer a.Close()
	b := httptest.NewServer(metrics.NewRegistry().Handler(func(_ context.Context, w *metrics.Writer) { w.Gauge("only_b", "B.", 2) }))
	defer b.Close()
	_, fa := scrape(t, a.URL)
	_, fb := scrape(t, b.URL)
	require.Contains(t, fa, "only_a")
	require.NotContains(t, fa, "only_b")
	require.Contains(t, fb, "only_b")
	require.NotContains(t, fb, "only_a")
}
