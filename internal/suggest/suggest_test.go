package suggest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"run", "run", 0},
		{"", "run", 3},
		{"rnu", "run", 2}, // a transposition is two edits
		{"wrokers", "workers", 2},
		{"wrkers", "workers", 1}, // one insertion
		{"sorce", "source", 1},
		{"rün", "run", 1}, // runes, not bytes
		{"kitten", "sitting", 3},
	} {
		require.Equal(t, c.want, Distance(c.a, c.b), "%q %q", c.a, c.b)
		require.Equal(t, c.want, Distance(c.b, c.a), "%q %q", c.b, c.a)
	}
}

func TestClosest(t *testing.T) {
	commands := []string{"preflight", "plan", "run", "rehearse", "verify", "status", "stop", "pause", "resume"}
	for _, c := range []struct {
		name, want string
	}{
		{"rnu", "run"},
		{"stauts", "status"},
		{"plase", "plan"}, // plan and pause are both 2 edits away: the first listed wins
		{"verfy", "verify"},
		{"rün", "run"},
		{"xyzzy", ""}, // too far from everything
		{"ru", "run"}, // 1 edit, fewer than its 2 runes
		{"r", ""},     // 2 edits from run: not fewer than its one rune
		{"RUN", ""},   // exact: case counts (a caller that ignores it folds the name)
	} {
		require.Equal(t, c.want, Closest(c.name, commands), c.name)
	}
	require.Equal(t, "", Closest("run", nil))
}
