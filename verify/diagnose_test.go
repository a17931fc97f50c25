package verify

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
)

// TestReadyRangedPlaced: a ranged batch whose differing rows drill-down
// placed on their tenants makes only those tenants not ready.
func TestReadyRangedPlaced(t *testing.T) {
	tables := map[string]*catalog.Table{"txns": {Name: "txns", Ranged: true}}
	groups := []string{"1", "2", "3", SharedGroup}
	differ := []BatchResult{{Batch: 1, Table: "txns", Tenants: []string{}, Equal: false, TenantsDiffer: []string{"2"}}}
	ready := map[string]bool{}
	for _, r := range Ready(groups, tables, nil, differ, nil) {
		ready[r.Tenant] = r.Ready
	}
	require.Equal(t, map[string]bool{"1": true, "2": false, "3": true, SharedGroup: true}, ready)
}

func TestPlacedTenants(t *testing.T) {
	rows := []RowDiff{
		{tenants: []string{"10"}, placed: true},
		{tenants: []string{"9", "10"}, placed: true},
	}
	require.Equal(t, []string{"9", "10"}, placedTenants(rows), "natural order, once each")
	require.Nil(t, placedTenants(append(rows, RowDiff{placed: false})), "one row not placed: every tenant stays suspect")
}

func TestRepairSteps(t *testing.T) {
	tables := map[string]*catalog.Table{"transactions": {Name: "transactions", Target: "txn_history"}}
	jobs := []Job{
		{Batch: &checkpoint.Batch{ID: 3, Lo: []string{"100"}, Hi: []string{"200"}}},
		{Batch: &checkpoint.Batch{ID: 4}},
		{Batch: &checkpoint.Batch{ID: 5}},
	}
	results := []BatchResult{
		{Batch: 3, Table: "transactions", Tenants: []string{}, TenantsDiffer: []string{"7"}, Rows: []RowDiff{
			{What: Changed}, {What: OrphanedInTarget}, {What: Changed},
		}},
		{Batch: 4, Table: "transactions", Equal: true},
		{Batch: 5, Table: "transactions", Tenants: []string{"8"}, Target: "2/ab", Stored: "2/cd"},
	}
	require.Equal(t, []RepairStep{
		{Batch: 3, Table: "transactions", TargetTable: "txn_history", Tenants: []string{}, TenantsDiffer: []string{"7"},
			Lo: []string{"100"}, Hi: []string{"200"}, Why: "2 changed, 1 orphaned in target"},
		{Batch: 5, Table: "transactions", TargetTable: "txn_history", Tenants: []string{"8"}, Why: "checksum differs (target 2/ab, expected 2/cd)"},
	}, repairSteps(tables, jobs, results))
}

func TestNothingCopied(t *testing.T) {
	require.NoError(t, copied(4, nil), "an empty plan has nothing to copy")
	err := copied(4, []*checkpoint.Batch{{State: checkpoint.Pending}, {State: checkpoint.Failed}})
	require.EqualError(t, err, "nothing copied yet: run 4 has 0 of 2 batches done")
	require.True(t, errors.Is(err, ErrNothingCopied))
	require.NoError(t, copied(4, []*checkpoint.Batch{{State: checkpoint.Pending}, {State: checkpoint.Done}}))
}

func TestStrayHint(t *testing.T) {
	counts := &Report{Differences: []Diff{
		{Table: "agents", Tenant: "99", Source: 0, Target: 1},
		{Table: "merchants", Tenant: "99", Source: 0, Target: 3},
		{Table: "merchants", Tenant: "5", Source: 2, Target: 1},
	}}
	require.Equal(t, "tenant 99 has rows only in the target (agents: 1, merchants: 3) and none in the source, so no batch of the plan copied them: they were written by something else; delete them from the target (or, if the tenant is new in the source, plan again)",
		StrayHint("99", counts))
}
