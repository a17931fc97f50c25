package migrate

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/planner"
)

// TestRangeHints: only a large table reached through a parent and batched by
// tenant gets the hint; a ranged one, a small one and a direct tenant table
// do not.
func TestRangeHints(t *testing.T) {
	via := &catalog.Via{Parent: "merchants"}
	tables := []*catalog.Table{
		{Name: "merchants"},
		{Name: "transactions", Via: via},
		{Name: "refunds", Via: via},
		{Name: "fees", Via: via, Ranged: true},
	}
	sizes := []planner.Size{
		{Table: "merchants", Tenant: "1", Rows: 900}, {Table: "merchants", Tenant: "2", Rows: 900},
		{Table: "transactions", Tenant: "1", Rows: 600}, {Table: "transactions", Tenant: "2", Rows: 500},
		{Table: "refunds", Tenant: "1", Rows: 50},
		{Table: "fees", Tenant: "1", Rows: 5000},
	}
	hints := rangeHints(tables, sizes, 100)
	require.Len(t, hints, 1, "%q", hints)
	require.Contains(t, hints[0], "table transactions (1100 rows) is batched by tenant through merchants")
}

// TestUnownedWarnings: all rows minus the rows sized per tenant, per table;
// shared tables and tables the source could not count are left out.
func TestUnownedWarnings(t *testing.T) {
	tables := []*catalog.Table{{Name: "a"}, {Name: "b"}, {Name: "ref", Shared: true}, {Name: "c"}}
	sizes := []planner.Size{{Table: "a", Tenant: "1", Rows: 10}, {Table: "a", Tenant: "2", Rows: 5}, {Table: "b", Tenant: "1", Rows: 7}}
	got := unownedWarnings(tables, sizes, map[string]int64{"a": 17, "b": 7, "ref": 3})
	require.Equal(t, []string{"2 rows of a belong to no tenant (NULL tenant or no parent row) and are not copied"}, got)
	require.Nil(t, unownedWarnings(tables, sizes, nil))
}

// TestChooseRange: a full run batches by range only the tables the hint
// points at whose batching the config leaves unset; the choice says why.
func TestChooseRange(t *testing.T) {
	via := &catalog.Via{Parent: "merchants"}
	res := &Resolution{
		Tables: []*catalog.Table{
			{Name: "merchants"},
			{Name: "transactions", Via: via},
			{Name: "kept", Via: via}, // batching: tenant in the config
			{Name: "refunds", Via: via},
		},
		MayRange: map[string]bool{"transactions": true, "refunds": true},
	}
	sizes := []planner.Size{
		{Table: "merchants", Tenant: "1", Rows: 5000},
		{Table: "transactions", Tenant: "1", Rows: 600}, {Table: "transactions", Tenant: "2", Rows: 500},
		{Table: "kept", Tenant: "1", Rows: 5000},
		{Table: "refunds", Tenant: "1", Rows: 50},
	}
	got := chooseRange(res, sizes, 100)
	require.Len(t, got, 1)
	require.Equal(t, "transactions", got[0].Table)
	require.Contains(t, got[0].Why, "1100 rows reached through merchants")
	ranged := map[string]bool{}
	for _, tb := range res.Tables {
		ranged[tb.Name] = tb.Ranged
	}
	require.Equal(t, map[string]bool{"merchants": false, "transactions": true, "kept": false, "refunds": false}, ranged)
	hints := rangeHints(res.Tables, sizes, 100)
	require.Len(t, hints, 1, "%q", hints)
	require.Contains(t, hints[0], "table kept (5000 rows) is batched by tenant through merchants")
}
