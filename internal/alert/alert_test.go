package alert_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover/cutover/internal/alert"
)

// syncLog is a log buffer safe for the notifier's goroutine.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncLog) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDelivery: a webhook and a command both receive every event as JSON,
// in order.
func TestDelivery(t *testing.T) {
	var mu sync.Mutex
	var posted []alert.Event
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev alert.Event
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		posted = append(posted, ev)
		mu.Unlock()
	}))
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "events.jsonl")
	var log syncLog
	n := alert.New(alert.Options{
		Command: []string{"sh", "-c", `cat >> "$0"; echo >> "$0"; echo "$CUTOVER_EVENT" >> "$0.kinds"`, out},
		Webhook: srv.URL + "/hook?token=x",
		Timeout: 5 * time.Second,
		Log:     slog.New(slog.NewTextHandler(&log, nil)),
	})
	n.Send(alert.Event{Event: alert.Start, RunID: 7, Host: "h", Message: "joined"})
	n.Send(alert.Event{Event: alert.Failure, RunID: 7, Message: "batch 3 failed", Details: map[string]any{"batch": 3}})
	n.Close()
	if log.String() != "" {
		t.Errorf("delivery logged problems: %s", log.String())
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 2 {
		t.Fatalf("command got %d events: %q", len(lines), raw)
	}
	var first alert.Event
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.Event != alert.Start || first.RunID != 7 || first.Time.IsZero() {
		t.Errorf("command's first event = %+v, %v", first, err)
	}
	kinds, _ := os.ReadFile(out + ".kinds")
	if string(kinds) != "start\nfailure\n" {
		t.Errorf("CUTOVER_EVENT values = %q", kinds)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(posted) != 2 || posted[0].Event != alert.Start || posted[1].Event != alert.Failure || posted[1].Details["batch"] != float64(3) {
		t.Errorf("webhook got %+v", posted)
	}
}

// TestUndeliverable: a webhook that fails or hangs and a command that fails
// are logged, bounded by the timeout, and never block the sender.
func TestUndeliverable(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	for _, tc := range []struct {
		name, want string
		opt        alert.Options
	}{
		{"webhook 503", "503", alert.Options{Webhook: down.URL}},
		{"webhook hangs", "alert webhook failed", alert.Options{Webhook: hang.URL}},
		{"command fails", "exit status 3", alert.Options{Command: []string{"sh", "-c", "echo nope >&2; exit 3"}}},
		{"command missing", "alert command failed", alert.Options{Command: []string{"/nonexistent/pager"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log syncLog
			tc.opt.Timeout = 300 * time.Millisecond
			tc.opt.Log = slog.New(slog.NewTextHandler(&log, nil))
			n := alert.New(tc.opt)
			n.Send(alert.Event{Event: alert.Halt, Message: "budget spent"})
			n.Close()
			if !strings.Contains(log.String(), tc.want) || !strings.Contains(log.String(), "the run goes on") {
				t.Errorf("log = %q, want %q", log.String(), tc.want)
			}
		})
	}
	// A full queue drops events with a log line instead of blocking.
	var log syncLog
	n := alert.New(alert.Options{Webhook: hang.URL, Timeout: 200 * time.Millisecond, Queue: 1, Log: slog.New(slog.NewTextHandler(&log, nil))})
	for range 5 {
		n.Send(alert.Event{Event: alert.Failure})
	}
	n.Close()
	if !strings.Contains(log.String(), "alert queue full") {
		t.Errorf("log = %q, want a dropped event", log.String())
	}
}
