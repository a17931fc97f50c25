package migrate

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestThrottlePace: the rows a process copied are paid for at its share of
// the run's rate; the wait is the debt divided by the share.
func TestThrottlePace(t *testing.T) {
	var rows atomic.Int64
	th := newThrottle(ThrottleOptions{RowsPerSecond: 1000}, rows.Load)
	if wait, _ := th.pace(); wait != 0 {
		t.Fatalf("nothing copied yet, wait %s", wait)
	}
	rows.Store(500)
	wait, why := th.pace()
	if wait < 400*time.Millisecond || wait > 500*time.Millisecond {
		t.Errorf("500 rows at 1000 rows/s: wait %s, want just under 0.5 s", wait)
	}
	if !strings.Contains(why, "1000 rows/s for the run") {
		t.Errorf("reason %q", why)
	}
	// Three live processes share the run's limit: the same debt waits 3x.
	th = newThrottle(ThrottleOptions{RowsPerSecond: 1000}, rows.Load)
	th.setShare(3)
	rows.Store(1000) // a new throttle counts from zero: 1000 rows over 333 rows/s
	wait, why = th.pace()
	if wait < 2900*time.Millisecond || wait > 3000*time.Millisecond {
		t.Errorf("1000 rows at 333 rows/s: wait %s, want just under 3 s", wait)
	}
	if !strings.Contains(why, "1 of 3 live") {
		t.Errorf("reason %q", why)
	}
	// MB/s becomes rows/s through the plan's bytes per row; the lower wins.
	th = newThrottle(ThrottleOptions{RowsPerSecond: 1e9, BytesPerSecond: 1e6, BytesPerRow: 100}, rows.Load)
	if lim := th.limit(); lim != 10_000 {
		t.Errorf("limit = %v rows/s, want 10000", lim)
	}
	if lim := newThrottle(ThrottleOptions{}, nil).limit(); lim != 0 {
		t.Errorf("no limits: %v", lim)
	}
}

// TestThrottleProbes: a probe above its limit, or one that cannot be read,
// blocks; under the limit it clears.
func TestThrottleProbes(t *testing.T) {
	var v atomic.Int64
	var fail atomic.Bool
	th := newThrottle(ThrottleOptions{Every: time.Second, Probes: []Probe{{Name: "load", Max: 10, Read: func(context.Context) (float64, error) {
		if fail.Load() {
			return 0, errors.New("boom")
		}
		return float64(v.Load()), nil
	}}}}, nil)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	for _, tc := range []struct {
		v    int64
		fail bool
		want string
	}{
		{5, false, ""},
		{11, false, "probe load is 11, above 10"},
		{10, false, ""},
		{0, true, "probe load cannot be read: boom"},
		{0, false, ""},
	} {
		v.Store(tc.v)
		fail.Store(tc.fail)
		th.probe(ctx, log)
		if got := th.overLimit(); got != tc.want {
			t.Errorf("value %d (fail %v): %q, want %q", tc.v, tc.fail, got, tc.want)
		}
	}
}
