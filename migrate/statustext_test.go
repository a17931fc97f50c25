package migrate

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

func TestStampWriterStampsEachLineOnce(t *testing.T) {
	var buf bytes.Buffer
	w := &StampWriter{W: &buf, Stamp: "09:00:00 "}
	fmt.Fprint(w, "run 1\nrows: ")
	fmt.Fprint(w, "5 of 10\n")
	fmt.Fprint(w, "a\n\nb\n")
	want := "09:00:00 run 1\n09:00:00 rows: 5 of 10\n09:00:00 a\n09:00:00 \n09:00:00 b\n"
	if got := buf.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestAgeReadsLikeAPerson(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{time.Time{}, "never"},
		{now.Add(-4230 * time.Millisecond), "4.2s ago"},
		{now.Add(time.Second), "0s ago"},
		{now.Add(-90 * time.Second), "1m30s ago (2026-01-02T03:02:35Z)"},
	} {
		if got := age(now, c.at); got != c.want {
			t.Errorf("age(%v) = %q, want %q", c.at, got, c.want)
		}
	}
}

func TestSafeTextQuotesOnlyUnprintable(t *testing.T) {
	if got := SafeText("acme-1"); got != "acme-1" {
		t.Errorf("SafeText(acme-1) = %q", got)
	}
	if got := SafeText("a\nb"); got != `"a\nb"` {
		t.Errorf("SafeText(a newline b) = %q", got)
	}
}
