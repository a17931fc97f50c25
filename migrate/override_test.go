package migrate

import (
	"errors"
	"strings"
	"testing"

	"github.com/cutover/cutover/internal/catalog"
)

func TestOverrideTypes(t *testing.T) {
	const ddl = "CREATE TABLE `app`.`m` (\n" +
		"  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,\n" +
		"  `name` varchar(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,\n" +
		"  `kind` enum('a b','c') DEFAULT NULL,\n" +
		"  `code` varchar(5) COLLATE utf8mb4_bin,\n" +
		"  `AMOUNT` DECIMAL(65,30) NOT NULL COMMENT 'from NUMBER',\n" +
		"  `note` text\n" +
		"  PRIMARY KEY (`id`),\n" +
		"  KEY `name` (`name`)\n" +
		") ENGINE=InnoDB"
	cases := []struct {
		name     string
		override map[string]string
		line     int
		want     string
	}{
		{"unsigned goes with the type", map[string]string{"id": "BIGINT UNSIGNED"}, 1, "  `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,"},
		{"character set and collation go", map[string]string{"name": "VARCHAR(200)"}, 2, "  `name` VARCHAR(200) NOT NULL,"},
		{"a quoted space in the old type", map[string]string{"kind": "VARCHAR(10)"}, 3, "  `kind` VARCHAR(10) DEFAULT NULL,"},
		{"the comma after a collation stays", map[string]string{"code": "CHAR(5)"}, 4, "  `code` CHAR(5),"},
		{"names compared ignoring case", map[string]string{"amount": "DECIMAL(18,4)"}, 5, "  `AMOUNT` DECIMAL(18,4) NOT NULL COMMENT 'from NUMBER',"},
		{"the last column", map[string]string{"note": "MEDIUMTEXT"}, 6, "  `note` MEDIUMTEXT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := overrideTypes(ddl, &catalog.Table{Name: "m", Target: "m", Override: c.override})
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(got, "\n")
			if lines[c.line] != c.want {
				t.Errorf("line %d\n got %s\nwant %s", c.line, lines[c.line], c.want)
			}
			before := strings.Split(ddl, "\n")
			for i := range before {
				if i != c.line && lines[i] != before[i] {
					t.Errorf("line %d changed: %s", i, lines[i])
				}
			}
		})
	}
	_, err := overrideTypes(ddl, &catalog.Table{Name: "m", Target: "m", Override: map[string]string{"gone": "INT"}})
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "tables: m: override column gone is not a column of the CREATE TABLE of m") {
		t.Errorf("missing column: %v", err)
	}
	if got, err := overrideTypes(ddl, &catalog.Table{Name: "m"}); err != nil || got != ddl {
		t.Errorf("no override changed the DDL: %v", err)
	}
}
