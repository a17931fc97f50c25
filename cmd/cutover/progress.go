package main

import (
	"log/slog"

	"github.com/cutover/cutover/internal/progress"
	"github.com/cutover/cutover/migrate"
)

// copyProgress is a copy's bar on a terminal, or its log line every 10 s
// otherwise (internal/progress).
type copyProgress struct {
	a           *app
	gate        *progress.Gate
	base, total int64 // rows done when this process started; rows in all
	counters    *migrate.Counters
	// paused, when set, says why the process is paused ("" when not): the
	// log line then shows no rate and no ETA.
	paused func() string
}

// gateLog routes a.log through a new progress.Gate, for a bar drawn later:
// call it before handing a.log to what logs while the bar is drawn.
func (a *app) gateLog() *progress.Gate {
	g := &progress.Gate{}
	a.log = slog.New(g.Handler(a.log.Handler()))
	return g
}

func newProgress(a *app, base, total int64, c *migrate.Counters) *copyProgress {
	return newGatedProgress(a, a.gateLog(), base, total, c)
}

// newGatedProgress is newProgress drawing through gate (a.gateLog).
func newGatedProgress(a *app, gate *progress.Gate, base, total int64, c *migrate.Counters) *copyProgress {
	return &copyProgress{a: a, gate: gate, base: base, total: total, counters: c}
}

// run draws until the returned stop is called, which waits for the drawing
// goroutine and draws the last state.
func (p *copyProgress) run() (stop func()) {
	m := progress.Meter{Base: p.base, Total: p.total, Counters: p.counters, Paused: p.paused}
	if progress.IsTerminal(p.a.rawErr) {
		return progress.Start(m, p.gate, p.a.log, p.a.stderr)
	}
	return progress.Start(m, p.gate, p.a.log, nil)
}
