package main

import (
	"net"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/metrics"
	"github.com/cutover/cutover/migrate"
)

// runMetrics is migrate.RunMetrics with the running process's counters and
// controller, set by runProcess before serveMetrics.
type runMetrics struct {
	m        *migrate.RunMetrics
	counters *migrate.Counters
	ctl      *migrate.Controller
}

func newRunMetrics(ledger *checkpoint.Ledger, run *checkpoint.Run) *runMetrics {
	return &runMetrics{m: migrate.NewRunMetrics(ledger, run)}
}

// observe is the engine's OnBatch hook.
func (m *runMetrics) observe(b *checkpoint.Batch, rows int64, took time.Duration) {
	m.m.Observe(b, rows, took)
}

// listenMetrics opens the metrics address: a bad one is a usage error,
// found before anything is claimed.
func listenMetrics(addr string) (net.Listener, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, usagef("--metrics-addr %s: %v", addr, err)
	}
	return ln, nil
}

// serveMetrics serves /metrics on ln until stop is called.
func (a *app) serveMetrics(ln net.Listener, m *runMetrics) (stop func()) {
	m.m.Counters, m.m.Controller = m.counters, m.ctl
	return metrics.Serve(ln, m.m.Scrape, a.log)
}
