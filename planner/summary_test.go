package planner

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSummarize(t *testing.T) {
	// orders/1 (25 rows) splits into 9+9+7; orders/2 and /3 pack into 9;
	// items/2 (8) and items/1 (5) do not fit together; config is 3:
	// 7 batches, 50 rows, largest batch 9. Tenant 1 has 25+5 = 30 of 50 rows.
	tables := []TableSpec{{Name: "orders"}, {Name: "items"}, {Name: "config", Shared: true}}
	sizes := []Size{
		{Table: "orders", Tenant: "1", Rows: 25, Bytes: 2_500},
		{Table: "orders", Tenant: "2", Rows: 6, Bytes: 600},
		{Table: "orders", Tenant: "3", Rows: 3, Bytes: 300},
		{Table: "items", Tenant: "1", Rows: 5, Bytes: 500},
		{Table: "items", Tenant: "2", Rows: 8, Bytes: 800},
		{Table: "items", Tenant: "4", Rows: 0},
		{Table: "config", Rows: 3, Bytes: 300},
	}
	bounds := map[SplitKey][][]string{{Table: "orders", Tenant: "1"}: {{"a"}, {"b"}}}
	p, err := Build(tables, sizes, bounds, Options{BatchRows: 10, Workers: 3})
	require.NoError(t, err)

	tests := []struct {
		name     string
		workers  int
		want     Summary
		wantText string
	}{
		{
			name:    "rows per worker bound",
			workers: 3,
			want: Summary{
				Tenants: 4, Tables: 3, Batches: 7, Rows: 50, Bytes: 5_000,
				LargestTenant: "1", LargestTenantRows: 30, LargestTenantShare: 0.6,
				LargestBatchRows: 9, LowerBoundRows: 17, Workers: 3,
			},
			wantText: "tenants 4, tables 3, batches 7, rows 50 (5.0 kB)\n" +
				"largest tenant 1: 30 rows (60.0% of all rows)\n" +
				"makespan lower bound with 3 workers: 17 rows per worker (largest batch 9 rows)",
		},
		{
			name:    "largest batch bound",
			workers: 10,
			want: Summary{
				Tenants: 4, Tables: 3, Batches: 7, Rows: 50, Bytes: 5_000,
				LargestTenant: "1", LargestTenantRows: 30, LargestTenantShare: 0.6,
				LargestBatchRows: 9, LowerBoundRows: 9, Workers: 10,
			},
			wantText: "tenants 4, tables 3, batches 7, rows 50 (5.0 kB)\n" +
				"largest tenant 1: 30 rows (60.0% of all rows)\n" +
				"makespan lower bound with 10 workers: 9 rows per worker (largest batch 9 rows)",
		},
		{
			name:    "no workers counts as one",
			workers: 0,
			want: Summary{
				Tenants: 4, Tables: 3, Batches: 7, Rows: 50, Bytes: 5_000,
				LargestTenant: "1", LargestTenantRows: 30, LargestTenantShare: 0.6,
				LargestBatchRows: 9, LowerBoundRows: 50, Workers: 1,
			},
			wantText: "tenants 4, tables 3, batches 7, rows 50 (5.0 kB)\n" +
				"largest tenant 1: 30 rows (60.0% of all rows)\n" +
				"makespan lower bound with 1 worker: 50 rows per worker (largest batch 9 rows)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Summarize(p, sizes, tc.workers)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.wantText, got.Text())
		})
	}
}

func TestSummarizeTies(t *testing.T) {
	sizes := []Size{
		{Table: "t", Tenant: "10", Rows: 5},
		{Table: "t", Tenant: "9", Rows: 5},
		{Table: "u", Tenant: "x", Rows: 5},
	}
	s := Summarize(&Plan{}, sizes, 2)
	require.Equal(t, "9", s.LargestTenant, "ties go to the smaller id")
	require.InDelta(t, 1.0/3, s.LargestTenantShare, 1e-12)

	empty := Summarize(nil, nil, 2)
	require.Equal(t, Summary{Workers: 2}, empty)
	require.Equal(t, "tenants 0, tables 0, batches 0, rows 0 (0 B)\nno tenant rows\n"+
		"makespan lower bound with 2 workers: 0 rows per worker (largest batch 0 rows)", empty.Text())
}

func TestSummaryTextAndJSON(t *testing.T) {
	s := Summary{
		Tenants: 1000, Tables: 3, Batches: 57, Rows: 1_000_000, Bytes: 169_000_000,
		LargestTenant: "17", LargestTenantRows: 60_123, LargestTenantShare: 0.060123,
		LargestBatchRows: 50_000, LowerBoundRows: 250_000, Workers: 4,
	}
	require.Equal(t, "tenants 1,000, tables 3, batches 57, rows 1,000,000 (169 MB)\n"+
		"largest tenant 17: 60,123 rows (6.0% of all rows)\n"+
		"makespan lower bound with 4 workers: 250,000 rows per worker (largest batch 50,000 rows)", s.Text())

	data, err := json.Marshal(s)
	require.NoError(t, err)
	require.JSONEq(t, `{"tenants":1000,"tables":3,"batches":57,"rows":1000000,"bytes":169000000,
		"largest_tenant":"17","largest_tenant_rows":60123,"largest_tenant_share":0.060123,
		"largest_batch_rows":50000,"lower_bound_rows":250000,"workers":4}`, string(data))
}

func TestThousands(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0"}, {7, "7"}, {999, "999"}, {1_000, "1,000"}, {12_345, "12,345"},
		{123_456, "123,456"}, {1_234_567, "1,234,567"}, {-1_234, "-1,234"},
		{9_223_372_036_854_775_807, "9,223,372,036,854,775,807"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			require.Equal(t, tc.want, Thousands(tc.n))
		})
	}
}

func TestHumanBytes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {999, "999 B"}, {1_000, "1.0 kB"}, {1_500, "1.5 kB"}, {99_999, "100 kB"},
		{999_600, "1.0 MB"}, {169_000_000, "169 MB"}, {2_400_000_000, "2.4 GB"}, {31_000_000_000_000, "31 TB"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			require.Equal(t, tc.want, humanBytes(tc.n))
		})
	}
}
