package planner

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDocRoundTrip: a stored plan reads back as it was written, and a
// document that is not a plan is an error that says so.
func TestDocRoundTrip(t *testing.T) {
	d := &Doc{RunID: 3, Fingerprint: "abc", SCN: 42, Warnings: []string{"w"},
		Batches:  []Batch{{ID: 1, Table: "t", Tenants: []string{"7"}, Rows: 10, Bytes: 400}, {ID: 2, Table: "t", Rows: 30, Bytes: 400}},
		Estimate: &Estimate{Calibrated: true, Calibration: "by rehearsal 1", Fit: &WindowFit{Asked: "4h", Processes: 2}}}
	raw, err := d.Marshal()
	require.NoError(t, err)
	got, err := ParseDoc(raw)
	require.NoError(t, err)
	require.Equal(t, d, got)
	require.InDelta(t, 20.0, got.BytesPerRow(), 1e-9)
	require.Zero(t, (&Doc{}).BytesPerRow())
	_, err = ParseDoc([]byte("not json"))
	require.ErrorContains(t, err, "read the stored plan")
}
