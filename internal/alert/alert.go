// Package alert tells people about a run's events: a command run with the
// event as JSON on its stdin, and/or an HTTP webhook receiving it as a POST.
// Delivery is asynchronous, bounded in time and queue length, and never
// stops the run: an alert that cannot be delivered is logged.
package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os/exec"
	"sync"
	"time"
)

// Event kinds.
const (
	Start    = "start"    // a process joined the run and starts copying
	Failure  = "failure"  // a batch failed after its retries
	Halt     = "halt"     // the error budget is spent: the run halts everywhere
	Stop     = "stop"     // a process stopped before the run completed
	Complete = "complete" // every batch is done
	Verify   = "verify"   // a verification's result
)

// Event is the JSON payload.
type Event struct {
	Event   string         `json:"event"`
	RunID   int64          `json:"run_id"`
	Host    string         `json:"host"`
	PID     int            `json:"pid"`
	Version string         `json:"version"`
	Time    time.Time      `json:"time"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

// Options name the receivers.
type Options struct {
	Command []string
	Webhook string
	Timeout time.Duration
	Log     *slog.Logger
	// Queue bounds the events waiting for delivery (default 64); more are
	// dropped with a log line.
	Queue int
}

// Notifier delivers events in the order sent, one at a time, from one
// goroutine that Close waits for.
type Notifier struct {
	opt    Options
	client *http.Client
	queue  chan Event
	done   chan struct{}
	once   sync.Once
	// giveUp ends every delivery when Close has waited long enough.
	giveUp context.CancelFunc
}

// New returns a running notifier; with no receiver configured it drops
// every event quietly.
func New(opt Options) *Notifier {
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	if opt.Queue <= 0 {
		opt.Queue = 64
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	n := &Notifier{opt: opt, client: &http.Client{Timeout: opt.Timeout}, queue: make(chan Event, opt.Queue), done: make(chan struct{})}
	ctx, giveUp := context.WithCancel(context.Background())
	n.giveUp = giveUp
	go n.loop(ctx)
	return n
}

func (n *Notifier) enabled() bool { return len(n.opt.Command) > 0 || n.opt.Webhook != "" }

// Send queues ev without blocking.
func (n *Notifier) Send(ev Event) {
	if !n.enabled() {
		return
	}
	if ev.Time.IsZero() {
		ev.Time = time.Now().UTC()
	}
	select {
	case n.queue <- ev:
	default:
		n.opt.Log.Warn("alert queue full: event not delivered", "event", ev.Event, "message", ev.Message)
	}
}

// Close delivers what is queued and stops, waiting at most twice the
// timeout: what is still queued then is logged as not delivered.
func (n *Notifier) Close() {
	n.once.Do(func() { close(n.queue) })
	t := time.NewTimer(2 * n.opt.Timeout)
	defer t.Stop()
	select {
	case <-n.done:
	case <-t.C:
		n.giveUp()
		<-n.done
	}
	n.giveUp()
}

// loop delivers the queue until Close closes it; ctx ends when Close gives
// up waiting.
func (n *Notifier) loop(ctx context.Context) {
	defer close(n.done)
	for ev := range n.queue {
		if ctx.Err() != nil {
			n.opt.Log.Warn("alert not delivered: gave up at exit", "event", ev.Event, "message", ev.Message)
			continue
		}
		body, err := json.Marshal(ev)
		if err != nil {
			n.opt.Log.Warn("alert not delivered: cannot encode it", "event", ev.Event, "err", err)
			continue
		}
		if len(n.opt.Command) > 0 {
			if err := n.command(ctx, ev, body); err != nil {
				n.opt.Log.Warn("alert command failed; the run goes on", "event", ev.Event, "err", err)
			}
		}
		if n.opt.Webhook != "" {
			if err := n.post(ctx, body); err != nil {
				n.opt.Log.Warn("alert webhook failed; the run goes on", "event", ev.Event, "err", err)
			}
		}
	}
}

func (n *Notifier) command(ctx context.Context, ev Event, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, n.opt.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, n.opt.Command[0], n.opt.Command[1:]...)
	cmd.Stdin = bytes.NewReader(body)
	cmd.Env = append(cmd.Environ(), "CUTOVER_EVENT="+ev.Event)
	cmd.WaitDelay = time.Second
	var out limited
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: no answer within %s", n.opt.Command[0], n.opt.Timeout)
		}
		return fmt.Errorf("%s: %w: %s", n.opt.Command[0], err, bytes.TrimSpace(out.buf.Bytes()))
	}
	return nil
}

func (n *Notifier) post(ctx context.Context, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, n.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.opt.Webhook, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

// limited keeps the first 2 KiB of a command's output for the log line.
type limited struct{ buf bytes.Buffer }

func (l *limited) Write(p []byte) (int, error) {
	if room := 2048 - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
