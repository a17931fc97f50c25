package main

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
)

// snapshot is one tick of progress: the bar, the log line and the final
// summary are all drawn from it.
type snapshot struct {
	Rows, Total   int64
	Batches       int64
	Failed        int64
	InFlight      int64
	Retries       int64
	RowsPerSecond float64
	ETA           time.Duration
	Paused        string // why, "" when not paused
}

// progress draws a bar on a terminal, or a log line every 10 s otherwise.
type progress struct {
	a        *app
	base     int64 // rows already done when this process started
	total    int64
	counters *migrate.Counters
	start    time.Time
	bar      *progressbar.ProgressBar
	gate     *barGate
	// paused, when set, says why the process is paused ("" when not): the
	// log line then shows no rate and no ETA.
	paused func() string
}

// barGate keeps log lines and the progress bar from overwriting each other
// on a terminal: a log line clears the bar's line first and the bar is drawn
// again below it. Every use of the bar holds mu.
type barGate struct {
	mu  sync.Mutex
	bar *progressbar.ProgressBar // nil while no bar is drawn
	out io.Writer                // where the bar draws
}

// gatedHandler is a log handler that writes through a barGate.
type gatedHandler struct {
	slog.Handler
	g *barGate
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

// gateLog routes a.log through a new barGate, for a bar drawn later: call it
// before handing a.log to what logs while the bar is drawn.
func (a *app) gateLog() *barGate {
	g := &barGate{}
	a.log = slog.New(gatedHandler{Handler: a.log.Handler(), g: g})
	return g
}

func newProgress(a *app, base, total int64, c *migrate.Counters) *progress {
	return newGatedProgress(a, a.gateLog(), base, total, c)
}

// newGatedProgress is newProgress drawing through gate (a.gateLog).
func newGatedProgress(a *app, gate *barGate, base, total int64, c *migrate.Counters) *progress {
	p := &progress{a: a, base: base, total: total, counters: c, start: time.Now(), gate: gate}
	if f, ok := a.rawStderr().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		// The bar counts this process's rows out of those left: rows done
		// before a resume would inflate its rate and shorten its ETA.
		desc := "rows"
		if base > 0 {
			desc = fmt.Sprintf("rows (%s done before)", commas(base))
		}
		p.bar = progressbar.NewOptions64(max(total-base, 1),
			progressbar.OptionSetWriter(a.stderr),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("rows"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionFullWidth(),
		)
		_ = p.bar.RenderBlank()
		gate.mu.Lock()
		gate.bar, gate.out = p.bar, a.stderr
		gate.mu.Unlock()
	}
	return p
}

func (p *progress) snap() snapshot {
	done := p.counters.RowsDone.Load()
	s := snapshot{Rows: p.base + done, Total: p.total, Batches: p.counters.BatchesDone.Load(),
		Failed: p.counters.BatchesFailed.Load(), InFlight: p.counters.InFlight.Load(), Retries: p.counters.Retries.Load()}
	if el := time.Since(p.start).Seconds(); el > 0 {
		s.RowsPerSecond = float64(done) / el
	}
	if p.paused != nil {
		if s.Paused = p.paused(); s.Paused != "" {
			s.RowsPerSecond = 0
		}
	}
	if s.RowsPerSecond > 0 && s.Total > s.Rows {
		s.ETA = time.Duration(float64(s.Total-s.Rows) / s.RowsPerSecond * float64(time.Second))
	}
	return s
}

// run draws until the returned stop is called, which waits for the drawing
// goroutine and draws the last state.
func (p *progress) run() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.loop(done)
	}()
	return func() {
		close(done)
		wg.Wait()
		p.finish()
	}
}

func (p *progress) loop(stop <-chan struct{}) {
	every := 10 * time.Second
	if p.bar != nil {
		every = 250 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.draw(p.snap())
		}
	}
}

func (p *progress) draw(s snapshot) {
	if p.bar != nil {
		p.gate.mu.Lock()
		_ = p.bar.Set64(s.Rows - p.base)
		p.gate.mu.Unlock()
		return
	}
	pct := 0.0
	if s.Total > 0 {
		pct = 100 * float64(s.Rows) / float64(s.Total)
	}
	if s.Paused != "" {
		p.a.log.Info("progress", "rows", s.Rows, "total", s.Total, "percent", fmt.Sprintf("%.1f", pct), "paused", s.Paused,
			"batches_done", s.Batches, "in_flight", s.InFlight, "failed", s.Failed)
		return
	}
	p.a.log.Info("progress", "rows", s.Rows, "total", s.Total, "percent", fmt.Sprintf("%.1f", pct),
		"rows_per_s", int64(s.RowsPerSecond), "eta", s.ETA.Round(time.Second), "batches_done", s.Batches,
		"in_flight", s.InFlight, "failed", s.Failed, "retries", s.Retries)
}

func (p *progress) finish() {
	if p.bar != nil {
		p.gate.mu.Lock()
		defer p.gate.mu.Unlock()
		if p.gate.bar != nil { // not yet left behind by a log line
			_ = p.bar.Set64(p.snap().Rows - p.base)
			_ = p.bar.Exit()
			fmt.Fprintln(p.a.stderr)
		}
		p.gate.bar = nil
	}
}
