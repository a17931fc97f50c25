package report

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseVerificationBothModes(t *testing.T) {
	counts := `{"equal": false, "tables": [], "differences": [{"table":"m","tenant":"3","source_rows":5,"target_rows":4}]}`
	v, err := ParseVerification([]byte(counts))
	require.NoError(t, err)
	require.Equal(t, &Verification{Mode: "row counts", Differences: 1, Detail: []string{`{"table":"m","tenant":"3","source_rows":5,"target_rows":4}`}}, v)

	content := `{"ready": false, "run_id": 1, "readiness": [{"tenant":"3","ready":false,"reasons":["batch 4 differs"]},{"tenant":"4","ready":true}],
	  "counts": {"equal": true, "differences": []}, "batches_differ": [{"batch":4,"table":"m"}]}`
	v, err = ParseVerification([]byte(content))
	require.NoError(t, err)
	require.Equal(t, "content (--checksum)", v.Mode)
	require.False(t, v.Equal)
	require.Equal(t, 1, v.Differences)
	require.Equal(t, 1, v.NotReady)
	require.Equal(t, []string{`content: {"batch":4,"table":"m"}`, "tenant 3 not ready: batch 4 differs"}, v.Detail)

	v, err = ParseVerification([]byte(`{"ready": true, "readiness": [{"tenant":"4","ready":true}], "counts": {"equal": true}}`))
	require.NoError(t, err)
	require.True(t, v.Equal)

	for _, bad := range []string{"source:\n  driver: mysql\n", `{"tables": []}`, `[]`} {
		_, err := ParseVerification([]byte(bad))
		require.ErrorIs(t, err, ErrNotVerifyOutput, bad)
	}
}
