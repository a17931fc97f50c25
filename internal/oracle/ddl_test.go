package oracle

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cutover/cutover/internal/testdb"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/oracle")

const envDSN = "CUTOVER_TEST_ORACLE_DSN"

const testdata = "../../testdata/oracle"

// golden compares got with testdata/oracle/name, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(testdata, name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Fatalf("%s differs from the output (review and run go test -update):\n%s", path, diffLines(string(want), got))
	}
}

func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n- " + a + "\n+ " + b
		}
	}
	return ""
}

func convertFixture(t *testing.T) (string, []Finding) {
	t.Helper()
	f, err := os.Open(filepath.Join(testdata, "schema.sql"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ddl, findings, err := ConvertDDL(f, DDLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ddl, findings
}

func TestConvertDDLGolden(t *testing.T) {
	ddl, findings := convertFixture(t)
	golden(t, "schema.mysql.sql", ddl)
	sortFindings(findings)
	var b strings.Builder
	for _, f := range findings {
		b.WriteString(f.Severity.String() + "\t" + f.Table + "\t" + f.Column + "\t" + f.Check + "\t" + f.Message + "\n")
	}
	golden(t, "schema.findings.txt", b.String())
}

// TestConvertDDLReportsEveryLoss checks that what the fixture cannot carry is
// named in a finding, not dropped silently.
func TestConvertDDLReportsEveryLoss(t *testing.T) {
	_, findings := convertFixture(t)
	want := []struct{ table, column, check string }{
		{"MERCHANTS", "RISK_SCORE", "type"},
		{"MERCHANTS", "EXTERNAL_REF", "default"},
		{"MERCHANTS", "DISPLAY_NAME", "unsupported"},
		{"MERCHANTS", "", "index"},
		{"TRANSACTIONS", "CAPTURED_AT", "type"},
		{"TRANSACTIONS", "AUTHORIZED_AT", "type"},
		{"TRANSACTIONS", "BATCH_NO", "default"},
		{"TRANSACTIONS", "PROCESSED_ON", "default"},
		{"TRANSACTIONS", "", "unsupported"},
		{"FX_RATES", "DOC", "type"},
		{"FX_RATES", "RATE", "type"},
		{"AUDIT_LOG", "ACTOR", "default"},
		{"AUDIT_LOG", "ACTION", "row-size"},
		{"AGENTS", "NOTES", "default"},
		{"SETTLEMENTS", "SETTLED_ON", "default"},
		{"SETTLEMENTS", "", "constraint"},
		{"", "", "unsupported"},
	}
	for _, w := range want {
		found := false
		for _, f := range findings {
			if f.Table == w.table && f.Column == w.column && f.Check == w.check {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s finding for %s.%s", w.check, w.table, w.column)
		}
	}
}

// statements splits the generated DDL at the semicolons that end its lines.
func statements(ddl string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(ddl, "\n") {
		cur.WriteString(line + "\n")
		if strings.HasSuffix(line, ";") && !strings.HasPrefix(strings.TrimSpace(line), "--") {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	return out
}

func TestConvertDDLLoadsIntoMariaDB(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a MariaDB server")
	}
	ddl, _ := convertFixture(t)
	srv := testdb.StartT(t)
	name, _ := srv.NewDatabase(t, "ora")
	db, err := srv.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stmts := statements(ddl)
	if len(stmts) < 5 {
		t.Fatalf("only %d statements in the generated DDL", len(stmts))
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 7 {
		t.Fatalf("%d tables created, want 7", n)
	}
	// The mapping's promises hold in the created table.
	var typ string
	if err := db.QueryRow("SELECT column_type FROM information_schema.columns WHERE table_schema = ? AND table_name = 'MERCHANTS' AND column_name = 'RISK_SCORE'", name).Scan(&typ); err != nil {
		t.Fatal(err)
	}
	if typ != "decimal(65,30)" {
		t.Fatalf("RISK_SCORE is %s", typ)
	}
}

func TestConvertDDLErrors(t *testing.T) {
	for name, src := range map[string]string{
		"unbalanced":          `CREATE TABLE "T" ("A" NUMBER(10,0);`,
		"unterminated string": `CREATE TABLE "T" ("A" VARCHAR2(10) DEFAULT 'x);`,
		"twice":               `CREATE TABLE "T" ("A" DATE); CREATE TABLE "T" ("A" DATE);`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := ConvertDDL(strings.NewReader(src), DDLOptions{}); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}
