package catchup_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cutover/cutover/catchup"
)

func TestWriteStart(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    catchup.StartResult
		want string
	}{
		{"installed", catchup.StartResult{ID: "ab12"},
			"capture ab12 on for 3 tables: changes from now on are kept in cutover_capture; copy with cutover run, then cutover sync\n"},
		{"already on", catchup.StartResult{ID: "ab12", Already: true}, "capture ab12 is already on for 3 tables\n"},
		{"by hand", catchup.StartResult{ID: "ab12", Recorded: true},
			"capture ab12 (installed by hand) recorded for 3 tables: changes from now on are kept in cutover_capture\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			catchup.WriteStart(&b, tc.r, 3, "cutover_capture")
			if b.String() != tc.want {
				t.Fatalf("got %q, want %q", b.String(), tc.want)
			}
		})
	}
}

func TestWriteStatus(t *testing.T) {
	on := catchup.CaptureOutcome{ID: "ab12", Lag: []catchup.TableLag{
		{Table: "merchants", Seq: 42, Pending: 3, Oldest: 1500*time.Millisecond + 300*time.Microsecond, Applied: 40},
		{Table: "agents", Held: "not captured"},
	}}
	for _, tc := range []struct {
		name   string
		out    catchup.CaptureOutcome
		asJSON bool
		want   string
	}{
		{"off", catchup.CaptureOutcome{}, false, "capture: off\n"},
		{"off as JSON", catchup.CaptureOutcome{}, true, "capture: off\n"},
		{"on", on, false, "capture ab12: on\n" +
			"  merchants                position 42         pending 3        oldest 1.5s     applied 40 \n" +
			"  agents                   position 0          pending 0        oldest 0s       applied 0 not captured\n"},
		{"on as JSON", on, true, `{"capture":"ab12","tables":[` +
			`{"table":"merchants","position":42,"pending":3,"oldest_age_ns":1500300000,"applied":40},` +
			`{"table":"agents","position":0,"pending":0,"oldest_age_ns":0,"applied":0,"held":"not captured"}]}` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := catchup.WriteStatus(&b, tc.out, tc.asJSON); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Fatalf("got\n%q\nwant\n%q", b.String(), tc.want)
			}
		})
	}
}

// script is a Scripter that says what it was asked.
type script struct{ err error }

func (s script) CaptureScript(_ context.Context, id string, start bool) (string, error) {
	if !start {
		return "DROP TABLE x;\n", s.err
	}
	return "-- start\nINSERT INTO capture_info VALUES ('" + id + "');\n", s.err
}

func TestWriteScript(t *testing.T) {
	var b strings.Builder
	if err := catchup.WriteScript(context.Background(), &b, script{}, false); err != nil {
		t.Fatal(err)
	}
	if want := "DROP TABLE x;\n"; b.String() != want {
		t.Fatalf("stop: got %q, want %q", b.String(), want)
	}
	b.Reset()
	if err := catchup.WriteScript(context.Background(), &b, script{}, true); err != nil {
		t.Fatal(err)
	}
	// A fresh id: 16 hex digits.
	got := b.String()
	id := strings.TrimSuffix(strings.TrimPrefix(got, "-- start\nINSERT INTO capture_info VALUES ('"), "');\n")
	if len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
		t.Fatalf("start: got %q, want a 16-digit hex capture id in it", got)
	}
	b.Reset()
	boom := errors.New("boom")
	err := catchup.WriteScript(context.Background(), &b, script{err: boom}, false)
	if !errors.Is(err, boom) || err.Error() != "write the capture SQL: boom" || b.Len() != 0 {
		t.Fatalf("error: got %v and %q, want the wrapped error and nothing written", err, b.String())
	}
}
