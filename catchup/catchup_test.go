package catchup

import (
	"fmt"
	"testing"
	"time"
)

// TestSettled: a gap in the sequence stops the read while the change after
// it is younger than the settle time (an insert may still fill it), and is
// read past once that change is older.
func TestSettled(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 10, 0, time.UTC)
	old, fresh := now.Add(-5*time.Second), now.Add(-100*time.Millisecond)
	ch := func(seq uint64, at time.Time) Change { return Change{Seq: seq, At: at} }
	for _, tc := range []struct {
		name  string
		after uint64
		in    []Change
		want  int
	}{
		{"no gap", 3, []Change{ch(4, fresh), ch(5, fresh), ch(6, fresh)}, 3},
		{"fresh gap at the start", 3, []Change{ch(5, fresh), ch(6, fresh)}, 0},
		{"fresh gap in the middle", 3, []Change{ch(4, fresh), ch(6, fresh), ch(7, fresh)}, 1},
		{"old gap", 3, []Change{ch(4, old), ch(9, old), ch(10, fresh)}, 3},
		{"old gap, then a fresh one", 0, []Change{ch(2, old), ch(3, fresh), ch(5, fresh)}, 2},
		{"nothing", 7, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := settled(tc.in, tc.after, now, time.Second); len(got) != tc.want {
				t.Fatalf("settled %d of %v, want %d", len(got), tc.in, tc.want)
			}
		})
	}
}

// TestFold: repeats of one key fold into one, in first-seen order; keys
// that differ in any column stay apart.
func TestFold(t *testing.T) {
	in := []Change{{Key: []string{"a", "1"}}, {Key: []string{"b", "1"}}, {Key: []string{"a", "1"}}, {Key: []string{"a", "10"}}, {Key: []string{"a1", "0"}}}
	got := fmt.Sprint(fold(in))
	if want := "[[a 1] [b 1] [a 10] [a1 0]]"; got != want {
		t.Fatalf("fold = %s, want %s", got, want)
	}
}
