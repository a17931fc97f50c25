package migrate

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/planner"
)

func TestChooseCanary(t *testing.T) {
	tables := map[string]*catalog.Table{
		"ref":    {Name: "ref", Shared: true},
		"agents": {Name: "agents"},
		"orders": {Name: "orders"},
		"events": {Name: "events", Ranged: true},
		"notes":  {Name: "notes"},
	}
	doc := &planner.Doc{
		Summary: planner.Summary{LargestTenant: "1"},
		Batches: []planner.Batch{
			{ID: 1, Table: "orders", Tenants: []string{"1"}, Rows: 500},
			{ID: 2, Table: "orders", Tenants: []string{"1"}, Rows: 500},
			{ID: 3, Table: "orders", Tenants: []string{"2"}, Rows: 300},
			// Packed: 40 rows each.
			{ID: 4, Table: "orders", Tenants: []string{"3", "4", "5"}, Rows: 120},
			{ID: 5, Table: "agents", Tenants: []string{"1", "2", "3", "4", "5", "6"}, Rows: 6},
			{ID: 6, Table: "notes", Tenants: []string{"5"}, Rows: 2},
			{ID: 7, Table: "ref", Rows: 10},
			{ID: 8, Table: "events", Rows: 10000},
		},
	}
	for _, tc := range []struct {
		name    string
		n       int
		why     []string
		batches []int
	}{
		{"none", 0, nil, nil},
		{"largest", 1, []string{"1: the largest (1001 rows)"}, []int{1, 2, 5}},
		// Sizes 1001, 301, 41, 41, 43 (5 has notes too), 1: 3 is the median
		// of the six (position 3 of 1, 2, 5, 3, 4, 6); 5 has the most shapes.
		{"three", 3, []string{"1: the largest (1001 rows)", "3: a median one (~41 rows)", "5: the most shapes (rows in 3 of 3 tables)"}, []int{1, 2, 4, 5, 6}},
		{"more than there are", 10, []string{
			"1: the largest (1001 rows)", "3: a median one (~41 rows)", "5: the most shapes (rows in 3 of 3 tables)",
			// Seven more asked: quantiles 1/8, 2/8, 3/8 of the sizes, each
			// the nearest tenant not picked yet, until none is left.
			"2: at 12% by size (~301 rows)", "4: at 25% by size (~41 rows)", "6: at 38% by size (~1 rows)",
		}, []int{1, 2, 3, 4, 5, 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			picks, batches := ChooseCanary(doc, tables, tc.n)
			var why []string
			for _, p := range picks {
				why = append(why, p.Why)
			}
			require.Equal(t, tc.why, why)
			require.Equal(t, tc.batches, batches)
		})
	}
	// Only shared and ranged tables: no canary.
	picks, batches := ChooseCanary(&planner.Doc{Batches: doc.Batches[6:]}, tables, 3)
	require.Empty(t, picks)
	require.Empty(t, batches)
}
