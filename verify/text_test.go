package verify

import (
	"strings"
	"testing"
)

func TestSafeTextQuotesWhatIsNotPrintableASCII(t *testing.T) {
	for in, want := range map[string]string{"t-1": "t-1", "a\nb": `"a\nb"`, "é": `"é"`, "": ""} {
		if got := SafeText(in); got != want {
			t.Errorf("SafeText(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestKeyRangeNamesOpenEnds(t *testing.T) {
	if got := keyRange(nil, []string{"7", "b"}); got != "[start, 7,b)" {
		t.Errorf("keyRange = %s", got)
	}
	if got := keyRange([]string{"3"}, nil); got != "[3, end)" {
		t.Errorf("keyRange = %s", got)
	}
}

func TestWriteCountsEqual(t *testing.T) {
	var b strings.Builder
	WriteCounts(&b, &Report{Equal: true, Tables: []TableCounts{{Table: "orders", TargetTable: "orders", Tenants: 2, Source: 1200, Target: 1200}}}, 50)
	out := b.String()
	for _, want := range []string{"1,200", "total", "verify: every (tenant, table) row count is equal on both sides\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
