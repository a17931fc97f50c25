package oracle

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
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

// TestConnParamsTimezone: godror builds a DATE's time.Time from its fields
// in the connection's Timezone (rows.go: time.Date(..., tz)); unset, it takes
// time.Local or the database's region, here Europe/Berlin as on a server in
// Germany. 2024-03-31 02:30 does not exist there (the clocks jump from 02:00
// to 03:00) and 2024-10-27 02:30 happens twice; both must arrive as stored.
func TestConnParamsTimezone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("SKIP: no time zone database here: %v", err)
	}
	params, err := connParams("scott/tiger@localhost:1521/FREEPDB1")
	if err != nil {
		t.Fatal(err)
	}
	tz := params.Timezone
	if tz == nil {
		tz = berlin // what godror picks when the parameter is not set
	}
	if tz != time.UTC {
		t.Errorf("connection time zone %v, want UTC", tz)
	}
	for _, c := range []struct {
		name                   string
		y, mo, d, h, mi, s, ns int
		typ                    Type
		want                   string
	}{
		{"DST gap DATE", 2024, 3, 31, 2, 30, 0, 0, Type{Name: "DATE"}, "2024-03-31 02:30:00"},
		{"DST gap TIMESTAMP", 2024, 3, 31, 2, 59, 59, 999999000, Type{Name: "TIMESTAMP", Frac: 6}, "2024-03-31 02:59:59.999999"},
		{"DST overlap DATE", 2024, 10, 27, 2, 30, 0, 0, Type{Name: "DATE"}, "2024-10-27 02:30:00"},
		{"DST overlap TIMESTAMP", 2024, 10, 27, 2, 0, 0, 1000, Type{Name: "TIMESTAMP", Frac: 6}, "2024-10-27 02:00:00.000001"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := time.Date(c.y, time.Month(c.mo), c.d, c.h, c.mi, c.s, c.ns, tz)
			got, err := Convert(Map(c.typ, ""), v, time.UTC)
			if err != nil || string(got) != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
	// Session settings the key text relies on.
	set := map[string]string{}
	for _, kv := range params.AlterSession {
		set[kv[0]] = kv[1]
	}
	for k, v := range map[string]string{"NLS_NUMERIC_CHARACTERS": ".,", "NLS_SORT": "BINARY", "NLS_COMP": "BINARY", "TIME_ZONE": "+00:00"} {
		if set[k] != v {
			t.Errorf("session parameter %s = %q on connect, want %q", k, set[k], v)
		}
	}
}
