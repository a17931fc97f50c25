package oracle

import (
	"strings"
	"testing"

	"github.com/cutover/cutover/internal/catalog"
)

func TestEmitFromDictionary(t *testing.T) {
	types := map[string]Type{
		"ID":      num(10, 0),
		"CODE":    {Name: "VARCHAR2", Length: 12, CharSemantics: true},
		"SCORE":   {Name: "NUMBER"},
		"CREATED": {Name: "DATE"},
	}
	info := &catalog.Info{Name: "AGENTS", PrimaryKey: []string{"ID"}, UniqueKeys: [][]string{{"CODE"}}, Columns: []catalog.Column{
		{Name: "ID"}, {Name: "CODE"}, {Name: "SCORE", Nullable: true}, {Name: "CREATED"},
	}}
	// DATA_DEFAULT text as the dictionary keeps it, trailing newline included.
	defaults := map[string]string{"CREATED": "SYSDATE\n", "CODE": "'X' "}
	ddl, findings := emitTables([]*ddlTable{tableFromInfo("PAY", info, types, defaults)}, DDLOptions{})
	for _, want := range []string{
		"CREATE TABLE `AGENTS` (",
		"`ID` BIGINT NOT NULL,",
		"`CODE` VARCHAR(12) NOT NULL DEFAULT 'X',",
		"`SCORE` DECIMAL(65,30) NULL,",
		"`CREATED` DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,",
		"PRIMARY KEY (`ID`),",
		"UNIQUE KEY (`CODE`)",
	} {
		if !strings.Contains(ddl, want) {
			t.Errorf("missing %q in:\n%s", want, ddl)
		}
	}
	var sawScore, sawScope bool
	for _, f := range findings {
		sawScore = sawScore || (f.Column == "SCORE" && f.Check == "type")
		sawScope = sawScope || (f.Table == "" && f.Check == "unsupported")
	}
	if !sawScore || !sawScope {
		t.Errorf("findings lack the bare NUMBER (%v) or the scope note (%v): %+v", sawScore, sawScope, findings)
	}
}
