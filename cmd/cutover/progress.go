package main

import (
	"io"
	"log/slog"

	"github.com/cutover/cutover/internal/progress"
	"github.com/cutover/cutover/migrate"
)

// gateLog routes a.log through a new progress.Gate, for a bar drawn later:
// call it before handing a.log to what logs while the bar is drawn.
func (a *app) gateLog() *progress.Gate {
	g := &progress.Gate{}
	a.log = slog.New(g.Handler(a.log.Handler()))
	return g
}

// progress draws a copy through gate (a.gateLog): a bar on a terminal, or
// its log line every 10 s otherwise (internal/progress).
func (a *app) progress(gate *progress.Gate) migrate.ProgressFunc {
	return func(base, total int64, c *migrate.Counters, paused func() string) (stop func()) {
		var tty io.Writer
		if progress.IsTerminal(a.rawErr) {
			tty = a.stderr
		}
		return progress.Start(progress.Meter{Base: base, Total: total, Counters: c, Paused: paused}, gate, a.log, tty)
	}
}
