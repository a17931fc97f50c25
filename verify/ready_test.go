package verify

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
)

func TestReady(t *testing.T) {
	tables := map[string]*catalog.Table{
		"orders":     {Name: "orders"},
		"currencies": {Name: "currencies", Shared: true},
	}
	counts := &Report{Differences: []Diff{{Table: "orders", Tenant: "7", Source: 3, Target: 2}}}
	results := []BatchResult{
		{Batch: 1, Table: "orders", Tenants: []string{"1", "2", "3"}, Equal: false, TenantsDiffer: []string{"2"}, TargetRows: 30},
		{Batch: 2, Table: "orders", Tenants: []string{"4", "5"}, Equal: false, TargetRows: 20}, // not placed: both suspect
		{Batch: 3, Table: "currencies", Tenants: []string{}, Equal: true, TargetRows: 5},
		{Batch: 4, Table: "orders", Tenants: []string{"7"}, Equal: true, TargetRows: 3},
	}
	open := []*checkpoint.Batch{{ID: 5, Table: "orders", Tenants: []string{"6"}, State: checkpoint.Failed}}
	got := Ready([]string{"1", "2", "3", "4", "5", "6", "7", SharedGroup}, tables, counts, results, open)
	ready := map[string]bool{}
	for _, r := range got {
		ready[r.Tenant] = r.Ready
	}
	require.Equal(t, map[string]bool{"1": true, "2": false, "3": true, "4": false, "5": false, "6": false, "7": false, SharedGroup: true}, ready)
	require.Equal(t, int64(30), got[0].RowsChecked)
	require.Equal(t, 1, got[6].CountDiffs)
	require.Equal(t, 1, got[5].BatchesOpen)
}

func TestDisplayEscapesHostileValues(t *testing.T) {
	for _, tc := range []struct {
		kind catalog.Kind
		in   []byte
		want string
	}{
		{catalog.KindString, nil, "NULL"},
		{catalog.KindString, []byte(""), `""`},
		{catalog.KindString, []byte("NULL"), `"NULL"`},
		{catalog.KindString, []byte("a\tb\n\x1b[31m"), `"a\tb\n\x1b[31m"`},
		{catalog.KindString, []byte("abc\u202edef"), `"abc\u202edef"`},
		{catalog.KindString, []byte("\xff\xfe"), `"\xff\xfe"`},
		{catalog.KindBinary, []byte{0, 0xff}, "0x00ff"},
		{catalog.KindDecimal, []byte("-1.50"), "-1.50"},
		{catalog.KindDecimal, []byte("1\n2"), `"1\n2"`},
	} {
		require.Equal(t, tc.want, Display(tc.kind, tc.in), "%q", tc.in)
	}
}

func TestSampleConfidence(t *testing.T) {
	require.Equal(t, 0.0, SampleConfidence(10, 10), "checking every batch leaves no doubt")
	// 59 clean batches bound the differing share below ~5% with 95% confidence.
	require.InDelta(t, 0.05, SampleConfidence(59, 10000), 0.001)
	require.True(t, SampleConfidence(10, 1000) > SampleConfidence(100, 1000))
	require.False(t, math.IsNaN(SampleConfidence(0, 0)))
}

// TestReadyRangedTable: a batch of a ranged table names no tenant, so a
// difference or an open batch in it makes every tenant not ready, and an
// equal one makes none.
func TestReadyRangedTable(t *testing.T) {
	tables := map[string]*catalog.Table{
		"txns":       {Name: "txns", Ranged: true},
		"currencies": {Name: "currencies", Shared: true},
	}
	groups := []string{"1", "2", SharedGroup}
	equal := []BatchResult{{Batch: 1, Table: "txns", Tenants: []string{}, Equal: true}}
	for _, r := range Ready(groups, tables, nil, equal, nil) {
		require.True(t, r.Ready, "group %s after an equal ranged batch", r.Tenant)
	}
	differ := []BatchResult{{Batch: 1, Table: "txns", Tenants: []string{}, Equal: false}}
	got := Ready(groups, tables, nil, differ, nil)
	require.False(t, got[0].Ready)
	require.False(t, got[1].Ready)
	require.True(t, got[2].Ready, "shared tables are not in a ranged batch")
	open := []*checkpoint.Batch{{ID: 2, Table: "txns", State: checkpoint.Pending}}
	got = Ready(groups, tables, nil, equal, open)
	require.False(t, got[0].Ready)
	require.False(t, got[1].Ready)
	require.True(t, got[2].Ready)
}
