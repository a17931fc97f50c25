// Package progress draws a copy's progress for the operator: a bar on a
// terminal, kept below the log lines, or a log line every 10 s elsewhere.
// Every drawing is made from one Snapshot of the engine's counters.
package progress

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/cutover/cutover/migrate"
	"github.com/cutover/cutover/planner"
)

// Snapshot is one tick of progress: the bar, the log line and the final
// summary are all drawn from it.
type Snapshot struct {
	Rows, Total   int64
	Batches       int64
	Failed        int64
	InFlight      int64
	Retries       int64
	RowsPerSecond float64
	ETA           time.Duration
	Paused        string // why, "" when not paused
}

// Meter reads the engine's counters into snapshots. The rate and the ETA are
// this process's: rows done before it started (Base) count in Rows but not
// in the rate.
type Meter struct {
	Base, Total int64 // rows done before this process started; rows in all
	Counters    *migrate.Counters
	Start       time.Time // when this process started copying
	// Paused, when set, says why the process is paused ("" when not): a
	// paused snapshot has no rate and no ETA.
	Paused func() string
}

// Snapshot reads the counters at now.
func (m Meter) Snapshot(now time.Time) Snapshot {
	c := m.Counters
	done := c.RowsDone.Load()
	s := Snapshot{Rows: m.Base + done, Total: m.Total, Batches: c.BatchesDone.Load(),
		Failed: c.BatchesFailed.Load(), InFlight: c.InFlight.Load(), Retries: c.Retries.Load()}
	if el := now.Sub(m.Start).Seconds(); el > 0 {
		s.RowsPerSecond = float64(done) / el
	}
	if m.Paused != nil {
		if s.Paused = m.Paused(); s.Paused != "" {
			s.RowsPerSecond = 0
		}
	}
	if s.RowsPerSecond > 0 && s.Total > s.Rows {
		s.ETA = time.Duration(float64(s.Total-s.Rows) / s.RowsPerSecond * float64(time.Second))
	}
	return s
}

// logArgs are the snapshot's log line attributes: a paused one shows why
// instead of a rate, an ETA and retries.
func (s Snapshot) logArgs() []any {
	pct := 0.0
	if s.Total > 0 {
		pct = 100 * float64(s.Rows) / float64(s.Total)
	}
	if s.Paused != "" {
		return []any{"rows", s.Rows, "total", s.Total, "percent", fmt.Sprintf("%.1f", pct), "paused", s.Paused,
			"batches_done", s.Batches, "in_flight", s.InFlight, "failed", s.Failed}
	}
	return []any{"rows", s.Rows, "total", s.Total, "percent", fmt.Sprintf("%.1f", pct),
		"rows_per_s", int64(s.RowsPerSecond), "eta", s.ETA.Round(time.Second), "batches_done", s.Batches,
		"in_flight", s.InFlight, "failed", s.Failed, "retries", s.Retries}
}

// IsTerminal reports whether w is a terminal (a bar is drawn only there).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Gate keeps log lines and the progress bar from overwriting each other on
// a terminal: a log line clears the bar's line first and the bar is drawn
// again below it. Its zero value is ready; every use of the bar holds mu.
type Gate struct {
	mu  sync.Mutex
	bar *progressbar.ProgressBar // nil while no bar is drawn
	out io.Writer                // where the bar draws
}

// Handler returns h writing through the gate: route the logger through it
// before handing the logger to what logs while the bar is drawn.
func (g *Gate) Handler(h slog.Handler) slog.Handler { return gatedHandler{Handler: h, g: g} }

type gatedHandler struct {
	slog.Handler
	g *Gate
}

func (h gatedHandler) Handle(ctx context.Context, r slog.Record) error {
	h.g.mu.Lock()
	defer h.g.mu.Unlock()
	b := h.g.bar
	if b != nil && b.IsFinished() {
		// The bar no longer redraws: leave it at 100% and log below it.
		_, _ = io.WriteString(h.g.out, "\n")
		h.g.bar = nil
		b = nil
	}
	if b != nil {
		_ = b.Clear()
	}
	err := h.Handler.Handle(ctx, r)
	if b != nil {
		_ = b.RenderBlank()
	}
	return err
}

func (h gatedHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return gatedHandler{Handler: h.Handler.WithAttrs(attrs), g: h.g}
}

func (h gatedHandler) WithGroup(name string) slog.Handler {
	return gatedHandler{Handler: h.Handler.WithGroup(name), g: h.g}
}

// display draws a meter's snapshots: on a bar, or as log lines.
type display struct {
	m    Meter
	gate *Gate
	log  *slog.Logger
	bar  *progressbar.ProgressBar // nil: log lines
	out  io.Writer
}

// Start draws m until the returned stop is called, which waits for the
// drawing goroutine and draws the last state. With tty set (the terminal's
// writer) it draws a bar there through gate, whose Handler log must already
// write through; otherwise it logs a progress line on log every 10 s. A zero
// m.Start is now.
func Start(m Meter, gate *Gate, log *slog.Logger, tty io.Writer) (stop func()) {
	if m.Start.IsZero() {
		m.Start = time.Now()
	}
	d := &display{m: m, gate: gate, log: log, out: tty}
	if tty != nil {
		// The bar counts this process's rows out of those left: rows done
		// before a resume would inflate its rate and shorten its ETA.
		desc := "rows"
		if m.Base > 0 {
			desc = fmt.Sprintf("rows (%s done before)", planner.Thousands(m.Base))
		}
		d.bar = progressbar.NewOptions64(max(m.Total-m.Base, 1),
			progressbar.OptionSetWriter(tty),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("rows"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionFullWidth(),
		)
		_ = d.bar.RenderBlank()
		gate.mu.Lock()
		gate.bar, gate.out = d.bar, tty
		gate.mu.Unlock()
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { d.loop(done) })
	return func() {
		close(done)
		wg.Wait()
		d.finish()
	}
}

func (d *display) loop(stop <-chan struct{}) {
	every := 10 * time.Second
	if d.bar != nil {
		every = 250 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			d.draw(d.m.Snapshot(time.Now()))
		}
	}
}

func (d *display) draw(s Snapshot) {
	if d.bar == nil {
		d.log.Info("progress", s.logArgs()...)
		return
	}
	d.gate.mu.Lock()
	_ = d.bar.Set64(s.Rows - d.m.Base)
	d.gate.mu.Unlock()
}

func (d *display) finish() {
	if d.bar == nil {
		return
	}
	d.gate.mu.Lock()
	defer d.gate.mu.Unlock()
	if d.gate.bar != nil { // not yet left behind by a log line
		_ = d.bar.Set64(d.m.Snapshot(time.Now()).Rows - d.m.Base)
		_ = d.bar.Exit()
		fmt.Fprintln(d.out)
	}
	d.gate.bar = nil
}
