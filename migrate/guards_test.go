package migrate

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSettingsChanges(t *testing.T) {
	was := map[string]string{"run.batch_rows": "1000", "run.throttle.rows_per_second": "2000", "tables[3] (old)": "{}"}
	now := map[string]string{"run.batch_rows": "1000", "run.throttle.rows_per_second": "4000", "run.canary": "5"}
	require.Equal(t, []string{
		"run.canary: (unset) -> 5",
		"run.throttle.rows_per_second: 2000 -> 4000",
		"tables[3] (old): {} -> (unset)",
	}, SettingsChanges(was, now))
	require.Empty(t, SettingsChanges(now, now))
}

func TestCommas(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		require.Equal(t, want, commas(n))
	}
}
