package alert_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/cutover/cutover/internal/alert"
)

// TestForAndVerified: events sent through For carry the process and run
// they were made for, and Verified's message says the verification's result.
func TestForAndVerified(t *testing.T) {
	var mu sync.Mutex
	var posted []alert.Event
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev alert.Event
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		posted = append(posted, ev)
		mu.Unlock()
	}))
	defer srv.Close()
	n := alert.New(alert.Options{Webhook: srv.URL, Timeout: 5 * time.Second})
	send := n.For(alert.Event{RunID: 7, Host: "h1", PID: 42, Version: "1.0 (revision abc)", Message: "not kept"})
	send(alert.Verified(true, 0))
	send(alert.Verified(false, 3))
	send(alert.Stop, "process stopped", nil)
	n.Close()
	mu.Lock()
	defer mu.Unlock()
	want := []alert.Event{
		{Event: "verify", RunID: 7, Host: "h1", PID: 42, Version: "1.0 (revision abc)",
			Message: "verify: every (tenant, table) row count is equal on both sides", Details: map[string]any{"equal": true, "differences": float64(0)}},
		{Event: "verify", RunID: 7, Host: "h1", PID: 42, Version: "1.0 (revision abc)",
			Message: "verify: 3 (tenant, table) counts differ", Details: map[string]any{"equal": false, "differences": float64(3)}},
		{Event: "stop", RunID: 7, Host: "h1", PID: 42, Version: "1.0 (revision abc)", Message: "process stopped"},
	}
	for i := range posted {
		posted[i].Time = time.Time{}
	}
	if !reflect.DeepEqual(posted, want) {
		t.Fatalf("webhook got\n%+v\nwant\n%+v", posted, want)
	}
}
