package driver

import (
	"context"
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
