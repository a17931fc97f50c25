package oracle

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

// TestOpenWithoutClient proves the one-line failure when the Oracle client
// library is missing, as on the build machines. Where a client is installed
// (CUTOVER_TEST_ORACLE_DSN set) the test does not apply.
func TestOpenWithoutClient(t *testing.T) {
	if os.Getenv(envDSN) != "" {
		t.Skip("an Oracle client is configured; the missing-client path cannot be observed")
	}
	_, err := Open(context.Background(), "scott/tiger@localhost:1521/FREEPDB1", Options{})
	if err == nil {
		t.Skip("an Oracle client library is installed here; the missing-client path cannot be observed")
	}
	if !errors.Is(err, ErrClientMissing) {
		t.Fatalf("got %v, want ErrClientMissing", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "Instant Client") || !strings.Contains(msg, "LD_LIBRARY_PATH") {
		t.Fatalf("message is not the one-line advice: %q", msg)
	}
	if strings.Contains(msg, "tiger") {
		t.Fatal("the message repeats the password")
	}
}

func TestOpenRejectsBadOptions(t *testing.T) {
	for name, o := range map[string]Options{
		"sizing":  {Sizing: "guess"},
		"percent": {Sizing: "sample", SamplePercent: 100},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Open(context.Background(), "u/p@h:1521/s", o); err == nil || errors.Is(err, ErrClientMissing) {
				t.Fatalf("got %v, want an option error before connecting", err)
			}
		})
	}
}
