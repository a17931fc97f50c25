package catchup_test

import (
	"testing"
	"time"

	"github.com/cutover/cutover/catchup"
)

func TestParseMode(t *testing.T) {
	for _, tc := range []struct {
		name   string
		follow bool
		until  string
		every  time.Duration
		want   catchup.Mode
		err    string
	}{
		{"once", false, "", time.Second, catchup.Once, ""},
		{"follow", true, "", time.Second, catchup.Follow, ""},
		{"until caught up", false, "caught-up", 10 * time.Millisecond, catchup.UntilCaughtUp, ""},
		{"an hour", true, "", time.Hour, catchup.Follow, ""},
		{"both", true, "caught-up", time.Second, 0, "--follow and --until caught-up exclude each other"},
		{"unknown condition", false, "done", time.Second, 0, `--until "done": only caught-up is known`},
		{"too often", false, "", 9 * time.Millisecond, 0, "--every must be between 10ms and 1h"},
		{"too seldom", true, "", time.Hour + time.Second, 0, "--every must be between 10ms and 1h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := catchup.ParseMode(tc.follow, tc.until, tc.every)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("got %v, %v; want the error %q", got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
