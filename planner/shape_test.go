package planner

import (
	"reflect"
	"testing"
)

func TestSourceChanges(t *testing.T) {
	planned := []SourceTable{{Table: "t", Columns: []string{
		Column("id", "BIGINT", false), Column("note", "varchar(255)", true), Column("amount", "decimal(18,2)", false),
	}}}
	for _, tc := range []struct {
		name string
		now  []SourceTable
		want []string
	}{
		{"same", planned, nil},
		{"added", []SourceTable{{Table: "t", Columns: []string{"id bigint NOT NULL", "note varchar(255) NULL", "amount decimal(18,2) NOT NULL", "extra int NULL"}}},
			[]string{"source table t: column extra int NULL was added"}},
		{"type changed", []SourceTable{{Table: "t", Columns: []string{"id bigint NOT NULL", "note varchar(300) NULL", "amount decimal(18,2) NOT NULL"}}},
			[]string{"source table t: column note varchar(255) NULL changed to note varchar(300) NULL"}},
		{"removed", []SourceTable{{Table: "t", Columns: []string{"id bigint NOT NULL", "amount decimal(18,2) NOT NULL"}}},
			[]string{"source table t: column note varchar(255) NULL was removed"}},
		{"reordered", []SourceTable{{Table: "t", Columns: []string{"note varchar(255) NULL", "id bigint NOT NULL", "amount decimal(18,2) NOT NULL"}}},
			[]string{"source table t: its columns were reordered"}},
		{"table gone", nil, []string{"table t is no longer copied"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := SourceChanges(planned, tc.now); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	if got := SourceChanges(nil, planned); got != nil {
		t.Fatalf("a plan without its source shape compares nothing: %q", got)
	}
}
