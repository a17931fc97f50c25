package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestCanarySetting: run.canary parses, is bounded, and is a run-wide
// setting; absent or 0 leaves the run fingerprint as it was before the key
// existed (a run planned by an earlier build keeps its settings).
func TestCanarySetting(t *testing.T) {
	c, err := Parse([]byte(base), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Run.Canary != 0 {
		t.Errorf("default canary = %d, want 0", c.Run.Canary)
	}
	plain := c.RunFingerprint()
	// The fingerprint without the canary, as the builds before it computed it.
	if want := fingerprintWithout(c); plain != want {
		t.Errorf("run fingerprint with no canary = %s, want the earlier builds' %s", plain, want)
	}
	three, err := Parse([]byte(base+"run:\n  canary: 3\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if three.Run.Canary != 3 {
		t.Errorf("canary = %d, want 3", three.Run.Canary)
	}
	if three.RunFingerprint() == plain {
		t.Error("run.canary did not change the run fingerprint")
	}
	if three.PlanFingerprint() != c.PlanFingerprint() {
		t.Error("run.canary changed the plan fingerprint: a stored plan would need --replan")
	}
	for _, bad := range []string{"-1", "101"} {
		_, err := Parse([]byte(base+"run:\n  canary: "+bad+"\n"), env(nil))
		if err == nil || !strings.Contains(err.Error(), "run.canary must be between 0 (no canary) and 100 tenants, not "+bad) {
			t.Errorf("canary %s: err = %v", bad, err)
		}
	}
}

// fingerprintWithout is RunFingerprint's hash over the shape it had before
// run.canary.
func fingerprintWithout(c *Config) string {
	shape := struct {
		Plan     string
		Lease    time.Duration
		Retries  int
		Max      int
		Failed   int
		Throttle Throttle
	}{c.PlanFingerprint(), c.Run.Lease.Duration, c.Run.Retries, c.Run.MaxWorkers, c.Run.MaxFailed, c.Run.Throttle}
	b, _ := json.Marshal(shape)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}
