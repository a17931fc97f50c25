package preflight

import (
	"encoding/json"
	"strings"
	"testing"
)

func sample() []Finding {
	return []Finding{
		{Severity: Info, Table: "b", Column: "x", Check: "number-digits", Message: "fits DECIMAL(9,2)"},
		{Severity: Warning, Table: "a", Column: "id", Check: "auto-increment", Message: "93% used", Example: "1999999999"},
		{Severity: Blocking, Table: "b", Column: "name", Check: "invalid-utf8", Rows: 2, Message: "not\nwell-formed", Example: "a\xed\xa0\x80 and a rather long tail after it"},
		{Severity: Blocking, Table: "a", Column: "qty", Check: "int-range", Rows: 1, Message: "outside int"},
	}
}

func TestSortWorstSummary(t *testing.T) {
	fs := sample()
	Sort(fs)
	var order []string
	for _, f := range fs {
		order = append(order, f.Where())
	}
	if got := strings.Join(order, " "); got != "a.qty b.name a.id b.x" {
		t.Fatalf("order %s", got)
	}
	w, ok := Worst(sample())
	if !ok || w.Where() != "b.name" {
		t.Fatalf("worst %+v (the first of the most severe, in input order)", w)
	}
	fs = sample()
	Sort(fs)
	got := Summary(fs)
	want := "preflight: 2 blocking, 1 warnings; worst: a.qty int-range: outside int"
	if got != want {
		t.Fatalf("summary %q, want %q", got, want)
	}
	if Summary(nil) != "preflight: no findings" || strings.Contains(Summary(fs), "\n") {
		t.Fatal("summary is not one line")
	}
}

func TestFormat(t *testing.T) {
	fs := sample()
	Sort(fs)
	out := Format(fs)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("want a header and 4 rows, one line each:\n%s", out)
	}
	msgCol := strings.Index(lines[0], "MESSAGE") // the header is ASCII
	for i, l := range lines[1:] {
		r := []rune(l)
		if r[msgCol-1] != ' ' || r[msgCol] == ' ' || string(r[msgCol:]) != oneLine(fs[i].Message) {
			t.Fatalf("message column not aligned:\n%s", out)
		}
	}
	if !strings.Contains(out, "not well-formed") {
		t.Fatalf("a newline in a message is kept:\n%s", out)
	}
	if strings.Contains(out, "\xed") || !strings.Contains(out, `"a\xed\xa0\x80 and a rather lon…  `) {
		t.Fatalf("an invalid example is not escaped and shortened:\n%s", out)
	}
}

func TestSeverityJSON(t *testing.T) {
	b, err := json.Marshal(sample()[2])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"severity":"blocking"`) {
		t.Fatalf("json %s", b)
	}
	var back Finding
	if err := json.Unmarshal(b, &back); err != nil || back.Severity != Blocking || back.Rows != 2 {
		t.Fatalf("round trip %+v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"severity":"fatal"}`), &back); err == nil {
		t.Fatal("an unknown severity was accepted")
	}
}

func TestReportCountsAndText(t *testing.T) {
	r := NewReport(sample())
	if r.Blocking != 2 || r.Warnings != 1 || r.Findings[0].Severity != Blocking {
		t.Fatalf("report = %+v", r)
	}
	if strings.Contains(r.Text(2), "no blocking findings") {
		t.Errorf("a report with blocking findings says there are none:\n%s", r.Text(2))
	}
	empty := NewReport(nil)
	if empty.Findings == nil {
		t.Error("Findings is nil: --json would print null")
	}
	if got, want := empty.Text(3), "preflight: no blocking findings (0 warnings) in 3 tables\n"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}
