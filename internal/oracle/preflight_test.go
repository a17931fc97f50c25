package oracle

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cutover/cutover/internal/preflight"
)

func preflightCols() []Col {
	return []Col{
		{Name: "RISK_SCORE", Type: Type{Name: "NUMBER"}},
		{Name: "MERCHANT_ID", Type: num(12, 0)},
		{Name: "AUTHORIZED_AT", Type: Type{Name: "TIMESTAMP", Frac: 9}},
		{Name: "CAPTURED_AT", Type: Type{Name: "TIMESTAMP WITH TIME ZONE", Frac: 6}},
		{Name: "FX_RATE", Type: Type{Name: "BINARY_DOUBLE"}},
		{Name: "EMAIL", Type: Type{Name: "VARCHAR2", Length: 320}},
		{Name: "LOGO", Type: Type{Name: "BLOB"}},
		{Name: "NOTES", Type: Type{Name: "CLOB"}},
	}
}

func preflightTargets() map[string]Target {
	return map[string]Target{
		"MERCHANT_ID": {Type: "int(11)", NotNull: true, AutoIncrement: true},
		"EMAIL":       {Type: "varchar(255)", NotNull: true},
	}
}

func TestPreflightQueryGolden(t *testing.T) {
	checks := PlanChecks(preflightCols(), preflightTargets(), 64<<20)
	var b strings.Builder
	for _, ck := range checks {
		b.WriteString("-- check " + string(ck.Kind) + " " + ck.Column.Name + " -> " + ck.Target.Type + "\n")
	}
	q, err := PreflightQuery(Spec{Owner: "PAY", Table: "MERCHANTS", SCN: 99}, checks, 0)
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString("-- full scan at the snapshot\n" + formatQuery(q) + "\n")
	q, err = PreflightQuery(Spec{Owner: "PAY", Table: "MERCHANTS"}, checks[:2], 5)
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString("-- sampled\n" + formatQuery(q) + "\n")
	bound := PlanBoundChecks(preflightCols(), 256<<20)
	q, err = PreflightQuery(Spec{Owner: "PAY", Table: "MERCHANTS", SCN: 99}, bound, 0)
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString("-- LOBs over source.lob_max_bytes\n" + formatQuery(q) + "\n")
	key := []Col{{Name: "MERCHANT_ID", Type: num(12, 0)}}
	q, err = TextScanQuery(Spec{Owner: "PAY", Table: "MERCHANTS", SCN: 99, Key: key, LOBBound: 256 << 20}, textColumns(preflightCols()), 10)
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString("-- text columns for the UTF-8 check in Go, sampled\n" + formatQuery(q) + "\n")
	// tables[].where: every scan reads the rows the filter keeps, ANDed in
	// parenthesised as extraction does, at the snapshot and in the sample.
	filtered := Spec{Owner: "PAY", Table: "MERCHANTS", SCN: 99, Where: "STATUS <> 'CLOSED' OR CLOSED_AT > DATE '2020-01-01'"}
	if q, err = PreflightQuery(filtered, checks[:2], 0); err != nil {
		t.Fatal(err)
	}
	b.WriteString("-- filtered, at the snapshot\n" + formatQuery(q) + "\n")
	if q, err = PreflightQuery(filtered, checks[:2], 5); err != nil {
		t.Fatal(err)
	}
	b.WriteString("-- filtered, sampled\n" + formatQuery(q) + "\n")
	filtered.Key, filtered.LOBBound = key, 256<<20
	if q, err = TextScanQuery(filtered, textColumns(preflightCols()), 10); err != nil {
		t.Fatal(err)
	}
	b.WriteString("-- text columns, filtered and sampled\n" + formatQuery(q))
	golden(t, "preflight.sql", b.String())
}

func TestPlanChecks(t *testing.T) {
	got := map[string]bool{}
	for _, ck := range PlanChecks(preflightCols(), preflightTargets(), 64<<20) {
		got[string(ck.Kind)+" "+ck.Column.Name] = true
	}
	for _, want := range []string{
		"number-digits RISK_SCORE", "int-range MERCHANT_ID", "null-for-not-null MERCHANT_ID",
		"sub-microsecond AUTHORIZED_AT", "date-range AUTHORIZED_AT", "tz-offset CAPTURED_AT",
		"nan-infinity FX_RATE", "string-length EMAIL", "null-for-not-null EMAIL", "lob-size LOGO", "lob-size NOTES",
	} {
		if !got[want] {
			t.Errorf("no %s check", want)
		}
	}
	if got["sub-microsecond CAPTURED_AT"] {
		t.Error("TIMESTAMP(6) WITH TIME ZONE fits DATETIME(6): no sub-microsecond check")
	}
}

func TestInterpret(t *testing.T) {
	col := func(name string, typ Type) Col { return Col{Name: name, Type: typ} }
	cases := []struct {
		name  string
		check Check
		vals  []string
		sev   Severity
		rows  int64
		none  bool
	}{
		{"bare number fits", Check{Kind: CheckNumberDigits, Column: col("N", Type{Name: "NUMBER"}), Target: Target{Type: "decimal(65,30)"}}, []string{"0", "7", "2"}, Info, 0, false},
		{"bare number too wide", Check{Kind: CheckNumberDigits, Column: col("N", Type{Name: "NUMBER"}), Target: Target{Type: "decimal(65,30)"}}, []string{"3", "99", "2"}, Blocking, 3, false},
		{"decimal scale lost", Check{Kind: CheckNumberDigits, Column: col("N", num(38, 35)), Target: Target{Type: "decimal(33,30)"}}, []string{"12", "1", "34"}, Blocking, 12, false},
		{"int out of range", Check{Kind: CheckIntRange, Column: col("I", num(12, 0)), Target: Target{Type: "int(11)"}}, []string{"2", "0", "1", "99999999999"}, Blocking, 2, false},
		{"int fraction", Check{Kind: CheckIntRange, Column: col("I", Type{Name: "NUMBER"}), Target: Target{Type: "bigint(20)"}}, []string{"0", "5", "1", "10"}, Blocking, 5, false},
		{"auto-increment headroom", Check{Kind: CheckIntRange, Column: col("I", num(12, 0)), Target: Target{Type: "int(11)", AutoIncrement: true}}, []string{"0", "0", "1", "2000000000"}, Warning, 0, false},
		{"auto-increment plenty", Check{Kind: CheckIntRange, Column: col("I", num(12, 0)), Target: Target{Type: "bigint", AutoIncrement: true}}, []string{"0", "0", "1", "2000000000"}, Info, 0, false},
		{"sub-microsecond", Check{Kind: CheckSubsecond, Column: col("T", Type{Name: "TIMESTAMP", Frac: 9}), Limit: 6}, []string{"4", "2024-01-01 00:00:00.123456789"}, Warning, 4, false},
		{"tz offsets", Check{Kind: CheckTZOffset, Column: col("T", Type{Name: "TIMESTAMP WITH TIME ZONE", Frac: 6})}, []string{"10", "3", "+05:30"}, Warning, 10, false},
		{"tz all utc", Check{Kind: CheckTZOffset, Column: col("T", Type{Name: "TIMESTAMP WITH TIME ZONE", Frac: 6})}, []string{"0", "1", "+00:00"}, 0, 0, true},
		{"bc dates", Check{Kind: CheckDateRange, Column: col("D", Type{Name: "DATE"})}, []string{"1", "1", "-0044-03-15 00:00:00"}, Blocking, 1, false},
		{"early dates", Check{Kind: CheckDateRange, Column: col("D", Type{Name: "DATE"})}, []string{"0", "2", " 0999-01-01 00:00:00"}, Warning, 2, false},
		{"nan", Check{Kind: CheckFloatSpecial, Column: col("F", Type{Name: "BINARY_DOUBLE"})}, []string{"1"}, Blocking, 1, false},
		{"nulls for not null", Check{Kind: CheckNotNull, Column: col("S", Type{Name: "VARCHAR2", Length: 10})}, []string{"7"}, Blocking, 7, false},
		{"too long", Check{Kind: CheckLength, Column: col("S", Type{Name: "VARCHAR2", Length: 320}), Target: Target{Type: "varchar(255)"}, Limit: 255}, []string{"2", "300"}, Blocking, 2, false},
		{"lob too large", Check{Kind: CheckLOBSize, Column: col("B", Type{Name: "BLOB"}), Limit: 1024}, []string{"1", "1", "5000"}, Warning, 1, false},
		{"clob may exceed", Check{Kind: CheckLOBSize, Column: col("C", Type{Name: "CLOB"}), Limit: 1024}, []string{"0", "3", "900"}, Info, 3, false},
		{"lob over the memory bound is streamed", Check{Kind: CheckLOBBound, Column: col("B", Type{Name: "BLOB"}), Limit: 1024}, []string{"2", "2", "9000"}, Info, 2, false},
		{"clob over a quarter of the bound is streamed", Check{Kind: CheckLOBBound, Column: col("C", Type{Name: "CLOB"}), Limit: 1024}, []string{"0", "4", "1000"}, Info, 4, false},
		{"lob under the memory bound", Check{Kind: CheckLOBBound, Column: col("C", Type{Name: "CLOB"}), Limit: 1024}, []string{"0", "0", "100"}, 0, 0, true},
		{"clean", Check{Kind: CheckNotNull, Column: col("S", Type{Name: "VARCHAR2", Length: 10})}, []string{"0"}, 0, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs, err := Interpret("T", []Check{c.check}, append([]string{"100"}, c.vals...), false)
			if err != nil {
				t.Fatal(err)
			}
			if c.none {
				if len(fs) != 0 {
					t.Fatalf("got %v, want no finding", fs)
				}
				return
			}
			if len(fs) != 1 || fs[0].Severity != c.sev || fs[0].Rows != c.rows {
				t.Fatalf("got %+v, want one %v finding of %d rows", fs, c.sev, c.rows)
			}
		})
	}
	if _, err := Interpret("T", []Check{{Kind: CheckNotNull}}, []string{"1"}, false); err == nil {
		t.Fatal("a short row was accepted")
	}
}

func TestFormatFindings(t *testing.T) {
	out := FormatFindings([]Finding{{Severity: Blocking, Table: "T", Column: "C", Check: "lob-size", Rows: 3, Example: "5000", Message: "too big"}})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "SEVERITY") || !strings.Contains(lines[1], "blocking") || !strings.HasSuffix(lines[1], "too big") {
		t.Fatalf("table:\n%s", out)
	}
}

// TestPreflightFindingsGolden renders what a scan of the fixture table with a
// problem in every column reports: the terminal table and the one-line
// summary the command exits with.
func TestPreflightFindingsGolden(t *testing.T) {
	checks := append(PlanChecks(preflightCols(), preflightTargets(), 64<<20), PlanBoundChecks(preflightCols(), 256<<20)...)
	// What Oracle returns for each check's aggregates on the seeded data.
	vals := map[CheckKind][]string{
		CheckNumberDigits: {"0", "14", "6"},
		CheckIntRange:     {"3", "0", "1", "99999999999"},
		CheckSubsecond:    {"12", "2024-03-01 10:00:00.123456789"},
		CheckTZOffset:     {"40", "3", "+05:30"},
		CheckDateRange:    {"0", "1", " 0999-12-31 00:00:00"},
		CheckFloatSpecial: {"2"},
		CheckNotNull:      {"5"},
		CheckLength:       {"7", "301"},
		CheckLOBSize:      {"1", "1", "70000000"},
		CheckLOBBound:     {"1", "1", "300000000"},
	}
	row := []string{"100000"}
	for _, ck := range checks {
		v, ok := vals[ck.Kind]
		if !ok || len(v) != len(ck.exprs()) {
			t.Fatalf("no seeded values for %s", ck.Kind)
		}
		row = append(row, v...)
	}
	fs, err := Interpret("MERCHANTS", checks, row, false)
	if err != nil {
		t.Fatal(err)
	}
	key := []Col{{Name: "MERCHANT_ID", Type: num(12, 0)}}
	u := newUTF8Tally("MERCHANTS", key, textColumns(preflightCols()))
	if err := u.add(key, []any{"7", "bad\xed\xa0\x80", nil}); err != nil {
		t.Fatal(err)
	}
	fs = append(fs, u.findings(false)...)
	sortFindings(fs)
	got := FormatFindings(fs) + preflight.Summary(fs) + "\n"
	golden(t, "preflight.findings.txt", got)
	for _, want := range []string{"number-digits", "int-range", "sub-microsecond", "tz-offset", "date-range", "nan-infinity",
		"null-for-not-null", "string-length", "lob-size", "lob-bound", "invalid-utf8", "source.null_as_empty"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %s in\n%s", want, got)
		}
	}
}

// TestSplitChecks: a table of 400 NUMBER columns needs 1,201 aggregates,
// beyond Oracle's 1,000 expressions in one select list (ORA-01792); the scan
// is split into queries within the limit, no check cut in two.
func TestSplitChecks(t *testing.T) {
	var cols []Col
	for i := range 400 {
		cols = append(cols, Col{Name: fmt.Sprintf("C%d", i), Type: Type{Name: "NUMBER"}})
	}
	checks := PlanChecks(cols, nil, 0)
	total := 1
	for _, ck := range checks {
		total += len(ck.exprs())
	}
	if total <= maxSelectExprs {
		t.Fatalf("the fixture needs only %d expressions", total)
	}
	groups := SplitChecks(checks, maxSelectExprs)
	n := 0
	for _, g := range groups {
		q, err := PreflightQuery(Spec{Owner: "O", Table: "WIDE"}, g, 0)
		if err != nil {
			t.Fatal(err)
		}
		if exprs := strings.Count(q.SQL, ",\n") + 1; exprs > maxSelectExprs {
			t.Errorf("a query selects %d expressions", exprs)
		}
		n += len(g)
	}
	if len(groups) < 2 || n != len(checks) {
		t.Fatalf("%d groups holding %d of %d checks", len(groups), n, len(checks))
	}
}
