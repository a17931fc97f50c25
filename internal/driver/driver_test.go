package driver

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqldb"
	"github.com/cutover/cutover/internal/oracle"
)

// TestScripterOf: a MySQL source writes its triggers' SQL into the capture
// schema, an Oracle source has a script too, and no source has none.
func TestScripterOf(t *testing.T) {
	tables := []*catalog.Table{{Name: "merchants", Key: []catalog.Column{{Name: "merchant_id", Type: "bigint(20)"}}}}
	s, ok := ScripterOf(&mysqldb.DB{Schema: "legacy"}, "cutover_capture", tables)
	if !ok {
		t.Fatal("a MySQL source has no capture script")
	}
	got, err := s.CaptureScript(context.Background(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	if want := "DROP TRIGGER IF EXISTS `legacy`.`cutover_ins_merchants`;\n"; !strings.Contains(got, want) {
		t.Fatalf("stop script\n%s\nlacks %q", got, want)
	}
	if want := "DROP TABLE IF EXISTS `cutover_capture`.`chg_merchants`;\n"; !strings.Contains(got, want) {
		t.Fatalf("stop script\n%s\nlacks %q", got, want)
	}
	if _, ok := ScripterOf(&oracle.Source{}, "cutover_capture", tables); !ok {
		t.Fatal("an Oracle source has no capture script")
	}
	if _, ok := ScripterOf(nil, "cutover_capture", tables); ok {
		t.Fatal("no source has a capture script")
	}
}

// TestConvertOracleDDLFile: a file of Oracle DDL becomes MySQL DDL with its
// findings; Write puts the statements on one stream and the findings on the
// other; a missing or unreadable file is an error that names it.
func TestConvertOracleDDLFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pay.sql")
	oracleDDL := `  CREATE TABLE "PAY"."AGENTS"
   (	"AGENT_ID" NUMBER(10,0) NOT NULL ENABLE,
	"NOTES" CLOB DEFAULT EMPTY_CLOB(),
	 CONSTRAINT "AGENTS_PK" PRIMARY KEY ("AGENT_ID")
   ) ;
`
	if err := os.WriteFile(path, []byte(oracleDDL), 0o644); err != nil {
		t.Fatal(err)
	}
	ddl, err := ConvertOracleDDLFile(path, DDLOptions{LowerNames: true})
	if err != nil {
		t.Fatal(err)
	}
	table := "CREATE TABLE `agents` (\n  `agent_id` BIGINT NOT NULL,\n" +
		"  -- DEFAULT EMPTY_CLOB () dropped: MySQL takes no literal DEFAULT on TEXT, BLOB or JSON columns\n" +
		"  `notes` LONGTEXT NULL,\n  PRIMARY KEY (`agent_id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;\n"
	if !strings.HasSuffix(ddl.Text, table) {
		t.Fatalf("DDL\n%s\ndoes not end with\n%s", ddl.Text, table)
	}
	finding := "warning   AGENTS  NOTES   default                 DEFAULT EMPTY_CLOB () dropped: MySQL takes no literal DEFAULT on TEXT, BLOB or JSON columns\n"
	if ddl.N != 1 || !strings.HasSuffix(ddl.Findings, finding) {
		t.Fatalf("%d findings:\n%s\nwant 1 ending with\n%s", ddl.N, ddl.Findings, finding)
	}
	var out, errs strings.Builder
	ddl.Write(&out, &errs)
	if out.String() != ddl.Text || !strings.HasPrefix(errs.String(), "1 findings (also as comments in the DDL):\nSEVERITY") ||
		!strings.HasSuffix(errs.String(), finding) {
		t.Fatalf("Write: stdout\n%s\nstderr\n%s", out.String(), errs.String())
	}
	out.Reset()
	errs.Reset()
	DDL{Text: "CREATE TABLE t (id INT);\n\n"}.Write(&out, &errs)
	if out.String() != "CREATE TABLE t (id INT);\n\n" || errs.Len() != 0 {
		t.Fatalf("Write without findings: stdout %q, stderr %q", out.String(), errs.String())
	}

	missing := filepath.Join(dir, "none.sql")
	if _, err := ConvertOracleDDLFile(missing, DDLOptions{}); err == nil || err.Error() != "open "+missing+": no such file or directory" {
		t.Fatalf("missing file: got %v", err)
	}
	latin := filepath.Join(dir, "latin1.sql")
	if err := os.WriteFile(latin, []byte("CREATE TABLE \"CAF\xe9\" (\"ID\" NUMBER);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ConvertOracleDDLFile(latin, DDLOptions{}); err == nil || err.Error() != latin+": read oracle ddl: the file is not UTF-8" {
		t.Fatalf("not UTF-8: got %v", err)
	}
}

// TestSchemaDDLNeedsOracle: a MySQL source has no dictionary to convert
// (schema --config on MySQL reads SHOW CREATE TABLE through migrate).
func TestSchemaDDLNeedsOracle(t *testing.T) {
	_, err := SchemaDDL(context.Background(), &mysqldb.DB{Schema: "legacy"}, []string{"merchants"}, DDLOptions{})
	if err == nil || err.Error() != "the source cannot print its schema as MySQL DDL" {
		t.Fatalf("got %v", err)
	}
}
