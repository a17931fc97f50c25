package oracle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover/cutover/internal/testdb"
)

// Oracle's own sample schemas (github.com/oracle-samples/db-sample-schemas,
// testdata/oracle/samples, MIT-style license beside them), exactly as shipped:
// SQL*Plus scripts with REM and PROMPT lines, sequences, views, keys added
// by ALTER TABLE before or after the table they reference, identity columns
// and bare NUMBER ids.

func convertSample(t *testing.T, name string, opts DDLOptions) (string, []Finding) {
	t.Helper()
	f, err := os.Open(filepath.Join(testdata, "samples", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ddl, findings, err := ConvertDDL(f, opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ddl, findings
}

// TestSampleSchemasLoadIntoMariaDB loads the three scripts' MySQL DDL into a
// throwaway MariaDB and counts what information_schema holds against numbers
// read off the scripts by hand: every table, and every foreign key (all of
// them have agreeing types once mapped).
func TestSampleSchemasLoadIntoMariaDB(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a MariaDB server")
	}
	srv := testdb.StartT(t)
	for _, c := range []struct {
		file        string
		lower       bool
		tables, fks int
	}{
		{"hr_create.sql", false, 7, 10},
		{"co_create.sql", false, 7, 9},
		{"sh_create.sql", false, 9, 10},
		{"hr_create.sql", true, 7, 10},
	} {
		name := c.file
		if c.lower {
			name += " lower"
		}
		t.Run(name, func(t *testing.T) {
			ddl, _ := convertSample(t, c.file, DDLOptions{LowerNames: c.lower})
			db, err := srv.Open(func() string { n, _ := srv.NewDatabase(t, "sample"); return n }())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, s := range statements(ddl) {
				if _, err := db.Exec(s); err != nil {
					t.Fatalf("%v\n%s", err, s)
				}
			}
			var schema string
			if err := db.QueryRow("SELECT DATABASE()").Scan(&schema); err != nil {
				t.Fatal(err)
			}
			count := func(q string) int {
				t.Helper()
				var n int
				if err := db.QueryRow(q, schema).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			if n := count("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?"); n != c.tables {
				t.Errorf("%d tables, want %d", n, c.tables)
			}
			if n := count("SELECT COUNT(*) FROM information_schema.referential_constraints WHERE constraint_schema = ?"); n != c.fks {
				t.Errorf("%d foreign keys, want %d", n, c.fks)
			}
			// No second unique index with the primary key's columns.
			if n := count(`SELECT COUNT(*) FROM (SELECT 1 FROM (SELECT table_name, GROUP_CONCAT(column_name ORDER BY seq_in_index) AS cols
				FROM information_schema.statistics WHERE table_schema = ? AND non_unique = 0
				GROUP BY table_name, index_name) k GROUP BY table_name, cols HAVING COUNT(*) > 1) d`); n != 0 {
				t.Errorf("%d unique indexes repeat another one", n)
			}
			if c.lower {
				if n := count("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = ? AND BINARY column_name <> LOWER(column_name)"); n != 0 {
					t.Errorf("%d column names are not lower case", n)
				}
			}
		})
	}
}

// TestConvertDDLScripts: the behaviours the sample scripts needed, each on
// the smallest script that shows it.
func TestConvertDDLScripts(t *testing.T) {
	convert := func(t *testing.T, src string, opts DDLOptions) (string, []Finding) {
		t.Helper()
		ddl, fs, err := ConvertDDL(strings.NewReader(src), opts)
		if err != nil {
			t.Fatal(err)
		}
		return ddl, fs
	}
	has := func(t *testing.T, ddl string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(ddl, w) {
				t.Errorf("no %q in\n%s", w, ddl)
			}
		}
	}
	hasNot := func(t *testing.T, ddl string, bad ...string) {
		t.Helper()
		for _, b := range bad {
			if strings.Contains(ddl, b) {
				t.Errorf("%q in\n%s", b, ddl)
			}
		}
	}
	t.Run("sqlplus lines", func(t *testing.T) {
		ddl, fs := convert(t, "rem a comment\nREM another\nSET ECHO OFF\nPrompt ****** Creating A ...\n@other.sql\n"+
			"CREATE TABLE a\n  ( id NUMBER(4)\n  , note VARCHAR2(10) REFERENCES b ON DELETE\nSET NULL\n  );\n/\n.\nspool off\n"+
			"CREATE TABLE b (id NUMBER(4) PRIMARY KEY);\n", DDLOptions{})
		has(t, ddl, "CREATE TABLE `A`", "CREATE TABLE `B`", "`NOTE` VARCHAR(10) NULL")
		for _, f := range fs {
			if f.Check == "unsupported" {
				t.Errorf("finding %q: the SQL*Plus lines were not dropped", f.Message)
			}
		}
	})
	t.Run("no table is an error", func(t *testing.T) {
		for _, src := range []string{"rem nothing\nSET ECHO OFF\n", "CREATE SEQUENCE s START WITH 1;", "CREATE TABLE t OF person_t;"} {
			if _, _, err := ConvertDDL(strings.NewReader(src), DDLOptions{}); err == nil {
				t.Errorf("%q: no error", src)
			}
		}
	})
	t.Run("one statement fails, the rest converts", func(t *testing.T) {
		ddl, fs := convert(t, "CREATE TABLE people OF person_t;\nCREATE TABLE kept (id NUMBER(4));\nCREATE TABLE broken (id NUMBER(4);\n", DDLOptions{})
		has(t, ddl, "CREATE TABLE `KEPT`")
		hasNot(t, ddl, "CREATE TABLE `PEOPLE`", "CREATE TABLE `BROKEN`")
		n := 0
		for _, f := range fs {
			if f.Check == "unsupported" && strings.Contains(f.Message, "not converted") {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%d findings for the two statements not converted: %v", n, fs)
		}
	})
	t.Run("foreign key to a later table", func(t *testing.T) {
		ddl, _ := convert(t, "CREATE TABLE d (id NUMBER(4) PRIMARY KEY, mgr NUMBER(6));\n"+
			"ALTER TABLE d ADD CONSTRAINT d_mgr_fk FOREIGN KEY (mgr) REFERENCES e (id);\n"+
			"CREATE TABLE e (id NUMBER(6) PRIMARY KEY);\n", DDLOptions{})
		has(t, ddl, "ADD CONSTRAINT `D_MGR_FK` FOREIGN KEY (`MGR`) REFERENCES `E` (`ID`)")
	})
	t.Run("identity and its references share a type", func(t *testing.T) {
		ddl, _ := convert(t, "CREATE TABLE c (id INTEGER GENERATED BY DEFAULT ON NULL AS IDENTITY PRIMARY KEY);\n"+
			"CREATE TABLE o (id INTEGER PRIMARY KEY, c_id INTEGER NOT NULL REFERENCES c (id));\n", DDLOptions{})
		has(t, ddl, "`ID` BIGINT NOT NULL AUTO_INCREMENT", "`C_ID` BIGINT NOT NULL", "FOREIGN KEY (`C_ID`) REFERENCES `C` (`ID`)")
	})
	t.Run("bare NUMBER key", func(t *testing.T) {
		ddl, fs := convert(t, "CREATE TABLE r (id NUMBER CONSTRAINT r_nn NOT NULL, v NUMBER);\nCREATE UNIQUE INDEX r_pk ON r (id);\n"+
			"ALTER TABLE r ADD (CONSTRAINT r_pk PRIMARY KEY (id));\n"+
			"CREATE TABLE s (r_id NUMBER(9) REFERENCES r);\n", DDLOptions{})
		has(t, ddl, "`ID` BIGINT NOT NULL", "`V` DECIMAL(65,30) NULL", "`R_ID` BIGINT NULL", "FOREIGN KEY (`R_ID`) REFERENCES `R` (`ID`)")
		hasNot(t, ddl, "UNIQUE KEY `R_PK`")
		found := false
		for _, f := range fs {
			found = found || f.Table == "R" && f.Column == "ID" && strings.Contains(f.Message, "BIGINT")
		}
		if !found {
			t.Errorf("no finding for the bare NUMBER key: %v", fs)
		}
	})
	t.Run("novalidate foreign key keeps its type", func(t *testing.T) {
		ddl, _ := convert(t, "CREATE TABLE p (id NUMBER(6) PRIMARY KEY);\n"+
			"CREATE TABLE q (p_id NUMBER(12), CONSTRAINT q_fk FOREIGN KEY (p_id) REFERENCES p (id) ENABLE NOVALIDATE);\n", DDLOptions{})
		has(t, ddl, "`P_ID` BIGINT NULL")
	})
	t.Run("check on a column not created", func(t *testing.T) {
		ddl, _ := convert(t, "CREATE TABLE v (a NUMBER(4), b AS (a * 2), g BFILE, CONSTRAINT v_b CHECK (b > 0), CONSTRAINT v_g CHECK (g IS NOT NULL), CONSTRAINT v_a CHECK (a > 0));\n", DDLOptions{})
		has(t, ddl, "CONSTRAINT `V_A` CHECK (`A` > 0)")
		hasNot(t, ddl, "CONSTRAINT `V_B` CHECK", "CONSTRAINT `V_G` CHECK")
	})
	t.Run("names lower", func(t *testing.T) {
		ddl, _ := convert(t, "CREATE TABLE Dept (Id NUMBER(4) PRIMARY KEY, Name VARCHAR2(10), CONSTRAINT Dept_Name_Uk UNIQUE (Name));\n"+
			"CREATE TABLE emp (id NUMBER(6) PRIMARY KEY, dept_id NUMBER(4) CONSTRAINT emp_dept_fk REFERENCES dept);\n"+
			`CREATE TABLE "Mixed" ("Col" NUMBER(4), CONSTRAINT "Mixed_Chk" CHECK ("Col" > 0));`+"\n", DDLOptions{LowerNames: true})
		has(t, ddl, "CREATE TABLE `dept`", "`id` SMALLINT NOT NULL", "UNIQUE KEY `dept_name_uk` (`name`)",
			"ALTER TABLE `emp` ADD CONSTRAINT `emp_dept_fk` FOREIGN KEY (`dept_id`) REFERENCES `dept` (`id`)",
			"CREATE TABLE `mixed`", "CONSTRAINT `mixed_chk` CHECK (`col` > 0)")
		hasNot(t, ddl, "`DEPT`", "`Mixed`")
	})
}
