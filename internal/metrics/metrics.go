// Package metrics serves a process's numbers to Prometheus through the
// ecosystem's own client (github.com/prometheus/client_golang): the
// standard go_* and process_* collectors, and the program's own samples,
// read at each scrape from wherever they live (atomic counters, the
// ledger). The library writes the exposition and negotiates its format.
package metrics

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
)

// Registry is one process's metrics. There is no default registry: each
// process makes its own, so two in one test binary never share a number.
type Registry struct {
	reg *prometheus.Registry
}

// NewRegistry returns a registry with the Go runtime's and the process's
// standard collectors.
func NewRegistry() *Registry {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &Registry{reg: reg}
}

// ScrapeFunc writes the program's samples for one scrape; ctx is the
// scrape request's, so a slow source of numbers (the ledger) is bounded by
// the scraper's own patience.
type ScrapeFunc func(ctx context.Context, w *Writer)

// Handler serves the registry's collectors and, at each request, what
// scrape writes.
func (r *Registry) Handler(scrape ScrapeFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx := req.Context()
		g := prometheus.Gatherers{r.reg, prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
			mw := &Writer{}
			if scrape != nil {
				scrape(ctx, mw)
			}
			return mw.gather()
		})}
		// HandlerFor is cheap to build (a closure over the options); built
		// per request, it gathers with this request's context.
		promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}).ServeHTTP(w, req)
	})
}

// Writer collects one scrape's samples; the first invalid sample (a bad
// name, a label value that is not UTF-8) sticks and is returned by Err, and
// fails the scrape with HTTP 500 rather than serving a partial exposition.
type Writer struct {
	ms  []prometheus.Metric
	err error
}

// Err returns the first error.
func (m *Writer) Err() error { return m.err }

func (m *Writer) add(desc *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) {
	if m.err != nil {
		return
	}
	s, err := prometheus.NewConstMetric(desc, t, v, labels...)
	if err != nil {
		m.err = err
		return
	}
	m.ms = append(m.ms, s)
}

// Counter writes a counter.
func (m *Writer) Counter(name, help string, v float64) {
	m.add(prometheus.NewDesc(name, help, nil, nil), prometheus.CounterValue, v)
}

// Gauge writes a gauge.
func (m *Writer) Gauge(name, help string, v float64) {
	m.add(prometheus.NewDesc(name, help, nil, nil), prometheus.GaugeValue, v)
}

// GaugeVec writes a gauge with one label, one sample per value.
func (m *Writer) GaugeVec(name, help, label string, values map[string]float64) {
	desc := prometheus.NewDesc(name, help, []string{label}, nil)
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		m.add(desc, prometheus.GaugeValue, values[k], k)
	}
}

// Histogram writes h under name.
func (m *Writer) Histogram(name, help string, h *Histogram) {
	if m.err != nil {
		return
	}
	var snap dto.Metric
	if err := h.h.Write(&snap); err != nil {
		m.err = fmt.Errorf("read histogram %s: %w", name, err)
		return
	}
	hs := snap.GetHistogram()
	buckets := make(map[float64]uint64, len(hs.GetBucket()))
	for _, b := range hs.GetBucket() {
		buckets[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	s, err := prometheus.NewConstHistogram(prometheus.NewDesc(name, help, nil, nil), hs.GetSampleCount(), hs.GetSampleSum(), buckets)
	if err != nil {
		m.err = err
		return
	}
	m.ms = append(m.ms, s)
}

// gather turns the samples into metric families, checked as the registry
// checks its own (one help and type per name, no duplicate sample).
func (m *Writer) gather() ([]*dto.MetricFamily, error) {
	if m.err != nil {
		return nil, m.err
	}
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(samples(m.ms)); err != nil {
		return nil, err
	}
	return reg.Gather()
}

// samples is an unchecked collector of one scrape's constant samples: the
// set varies by scrape (the ledger may not answer), so it describes none.
type samples []prometheus.Metric

func (s samples) Describe(chan<- *prometheus.Desc) {}

func (s samples) Collect(ch chan<- prometheus.Metric) {
	for _, m := range s {
		ch <- m
	}
}

// Histogram counts observations into fixed buckets (the client library's
// histogram, lock-free); safe for concurrent use. Its name is given when it
// is written, so one type serves any number of them.
type Histogram struct {
	h prometheus.Histogram
}

// NewHistogram returns a histogram with the given upper bounds, in any
// order.
func NewHistogram(bounds ...float64) *Histogram {
	b := slices.Clone(bounds)
	slices.Sort(b)
	return &Histogram{h: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "unnamed", Buckets: b})}
}

// Observe records v.
func (h *Histogram) Observe(v float64) { h.h.Observe(v) }
