package catchup_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/cutover/cutover/catchup"
)

// TestRefused: the copy having started and other tables captured are
// refusals, wrapped or not; a failure is not.
func TestRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"copy started", &catchup.ErrCopyStarted{RunID: 3, Batches: 12}, true},
		{"other tables", fmt.Errorf("capture start: %w", &catchup.ErrOtherTables{Installed: []string{"a"}, Configured: []string{"b"}}), true},
		{"a failure", errors.New("connection refused"), false},
		{"nothing", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := catchup.Refused(tc.err); got != tc.want {
				t.Fatalf("Refused(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
