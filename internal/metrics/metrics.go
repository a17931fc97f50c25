// Package metrics writes the Prometheus text exposition format (version
// 0.0.4) by hand, with the standard library: counters, gauges, labelled
// gauges and one histogram type are all cutover needs.
package metrics

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// ContentType is the exposition format's content type.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Writer writes one exposition; the first write error sticks and is returned
// by Err.
type Writer struct {
	w   io.Writer
	err error
}

// NewWriter returns a writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Err returns the first write error.
func (m *Writer) Err() error { return m.err }

func (m *Writer) printf(format string, args ...any) {
	if m.err == nil {
		_, m.err = fmt.Fprintf(m.w, format, args...)
	}
}

func (m *Writer) header(name, help, typ string) {
	m.printf("# HELP %s %s\n# TYPE %s %s\n", name, escapeHelp(help), name, typ)
}

// Counter writes a counter.
func (m *Writer) Counter(name, help string, v float64) {
	m.header(name, help, "counter")
	m.printf("%s %s\n", name, num(v))
}

// Gauge writes a gauge.
func (m *Writer) Gauge(name, help string, v float64) {
	m.header(name, help, "gauge")
	m.printf("%s %s\n", name, num(v))
}

// GaugeVec writes a gauge with one label, one sample per value, sorted.
func (m *Writer) GaugeVec(name, help, label string, values map[string]float64) {
	m.header(name, help, "gauge")
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m.printf("%s{%s=\"%s\"} %s\n", name, label, escapeLabel(k), num(values[k]))
	}
}

// Histogram writes h.
func (m *Writer) Histogram(name, help string, h *Histogram) {
	bounds, counts, sum, count := h.snapshot()
	m.header(name, help, "histogram")
	var cum uint64
	for i, b := range bounds {
		cum += counts[i]
		m.printf("%s_bucket{le=\"%s\"} %d\n", name, num(b), cum)
	}
	m.printf("%s_bucket{le=\"+Inf\"} %d\n", name, count)
	m.printf("%s_sum %s\n%s_count %d\n", name, num(sum), name, count)
}

// Histogram counts observations into fixed buckets; safe for concurrent use.
type Histogram struct {
	bounds []float64 // upper bounds, ascending

	mu     sync.Mutex
	counts []uint64 // per bucket, not cumulative; the last is above every bound
	sum    float64
	count  uint64
}

// NewHistogram returns a histogram with the given ascending upper bounds.
func NewHistogram(bounds ...float64) *Histogram {
	b := append([]float64(nil), bounds...)
	sort.Float64s(b)
	return &Histogram{bounds: b, counts: make([]uint64, len(b)+1)}
}

// Observe records v.
func (h *Histogram) Observe(v float64) {
	i := sort.SearchFloat64s(h.bounds, v) // the first bound >= v: le is inclusive
	h.mu.Lock()
	h.counts[i]++
	h.sum += v
	h.count++
	h.mu.Unlock()
}

func (h *Histogram) snapshot() ([]float64, []uint64, float64, uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.bounds, append([]uint64(nil), h.counts...), h.sum, h.count
}

func num(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatFloat(v, 'f', -1, 64) // counts stay plain integers
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(s)
}
