package oracle

import (
	"strings"
	"testing"
	"time"
)

func TestProbesGolden(t *testing.T) {
	var b strings.Builder
	probes, err := GrantProbes("PAY", "CUTOVER", []string{"MERCHANTS", "TRANSACTIONS"}, 123456789)
	if err != nil {
		t.Fatal(err)
	}
	probes = append(probes, SCNProbes("CUTOVER")...)
	for _, p := range probes {
		b.WriteString("-- " + p.Severity.String() + " " + p.Table + ": " + p.Grant + "\n" + formatQuery(p.Query) + "\n")
	}
	b.WriteString("-- undo retention\n" + formatQuery(UndoQuery()) + "\n")
	b.WriteString("-- character sets\n" + formatQuery(CharsetQuery()))
	golden(t, "probes.sql", b.String())

	own, err := GrantProbes("CUTOVER", "CUTOVER", []string{"T"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range own {
		if strings.Contains(p.Grant, "FLASHBACK") {
			t.Errorf("FLASHBACK probed on the user's own table: %s", p.Grant)
		}
	}
	if _, err := GrantProbes("PAY", "U", []string{`BAD"NAME`}, 0); err == nil {
		t.Error("an invalid table name was probed")
	}
}

func TestUndoFindings(t *testing.T) {
	h := time.Hour
	for _, c := range []struct {
		name     string
		u        Undo
		estimate time.Duration
		sev      Severity
		says     string
	}{
		{"unknown estimate", Undo{Retention: 900 * time.Second}, 0, Info, "UNDO_RETENTION 15m0s"},
		{"guaranteed and long enough", Undo{Retention: 10 * h, Guarantee: true, Tablespace: "UNDOTBS1"}, 4 * h, Info, "survives"},
		{"tuned long enough, not guaranteed", Undo{Retention: 900 * time.Second, Tuned: 12 * h, Tablespace: "UNDOTBS1"}, 4 * h, Warning, "ALTER TABLESPACE UNDOTBS1 RETENTION GUARANTEE"},
		{"too short", Undo{Retention: 900 * time.Second, Tuned: 2 * h, Tablespace: "UNDOTBS1"}, 4 * h, Blocking, "ALTER SYSTEM SET UNDO_RETENTION = 21600"},
		{"guaranteed but short", Undo{Retention: 1 * h, Guarantee: true}, 4 * h, Blocking, "ORA-01555"},
		{"no margin", Undo{Retention: 5 * h, Tuned: 5 * h}, 4 * h, Blocking, "UNDO_RETENTION = 21600"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs := UndoFindings(c.u, c.estimate)
			if len(fs) != 1 || fs[0].Severity != c.sev || !strings.Contains(fs[0].Message, c.says) || strings.Contains(fs[0].Message, "\n") {
				t.Fatalf("got %+v, want one %s line saying %q", fs, c.sev, c.says)
			}
		})
	}
}

func TestCharsetFindings(t *testing.T) {
	fs := CharsetFindings("AL32UTF8", "AL16UTF16", false)
	if len(fs) != 1 || fs[0].Severity != Info || !strings.Contains(fs[0].Message, "NLS_CHARACTERSET AL32UTF8, NLS_NCHAR_CHARACTERSET AL16UTF16") {
		t.Fatalf("got %+v", fs)
	}
	fs = CharsetFindings("US7ASCII", "AL16UTF16", false)
	if len(fs) != 2 || fs[1].Severity != Warning || !strings.Contains(fs[1].Message, "source.raw_charset") {
		t.Fatalf("got %+v", fs)
	}
	if fs := CharsetFindings("US7ASCII", "AL16UTF16", true); len(fs) != 1 {
		t.Fatalf("raw_charset configured: got %+v", fs)
	}
}
