package config

import (
	"strings"
	"testing"
	"time"
)

func TestCaptureDefaultsAndBounds(t *testing.T) {
	c, err := Parse([]byte(base), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Capture.SchemaName() != "cutover_capture" || c.Capture.ApplyBatch() != 1000 || c.Capture.SettleTime() != time.Second {
		t.Fatalf("defaults: %q %d %s", c.Capture.SchemaName(), c.Capture.ApplyBatch(), c.Capture.SettleTime())
	}
	c, err = Parse([]byte(base+"capture:\n  schema: cap\n  apply_rows: 50\n  settle: 0s\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Capture.SchemaName() != "cap" || c.Capture.ApplyBatch() != 50 || c.Capture.SettleTime() != 0 {
		t.Fatalf("set: %q %d %s", c.Capture.SchemaName(), c.Capture.ApplyBatch(), c.Capture.SettleTime())
	}
	for _, tc := range []struct{ doc, want string }{
		{"capture:\n  schema: \"a`b\"\n", "capture.schema"},
		{"capture:\n  apply_rows: 1000000\n", "capture.apply_rows"},
		{"capture:\n  settle: 2h\n", "capture.settle"},
		{"capture:\n  shema: x\n", "shema"},
	} {
		_, err := Parse([]byte(base+tc.doc), env(nil))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one naming %s", tc.doc, err, tc.want)
		}
	}
}
