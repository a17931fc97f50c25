package planner

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSplits(t *testing.T) {
	tables := []TableSpec{{Name: "a"}, {Name: "b"}, {Name: "cfg", Shared: true}}
	tests := []struct {
		name  string
		sizes []Size
		o     Options
		want  []Split
	}{
		{
			name:  "even pieces, remainder in the last",
			sizes: []Size{{Table: "a", Tenant: "1", Rows: 10}},
			o:     Options{BatchRows: 4},
			want:  []Split{{SplitKey: SplitKey{"a", "1"}, Rows: 10, Pieces: 3, Step: 4}},
		},
		{
			name:  "spread evenly rather than full pieces and a sliver",
			sizes: []Size{{Table: "a", Tenant: "1", Rows: 1_000_001}},
			o:     Options{BatchRows: 500_000},
			want:  []Split{{SplitKey: SplitKey{"a", "1"}, Rows: 1_000_001, Pieces: 3, Step: 333_334}},
		},
		{
			name:  "exact multiple",
			sizes: []Size{{Table: "a", Tenant: "1", Rows: 100}},
			o:     Options{BatchRows: 10},
			want:  []Split{{SplitKey: SplitKey{"a", "1"}, Rows: 100, Pieces: 10, Step: 10}},
		},
		{
			name:  "at the limit is not split",
			sizes: []Size{{Table: "a", Tenant: "1", Rows: 10}, {Table: "a", Tenant: "2", Rows: 0}},
			o:     Options{BatchRows: 10},
			want:  nil,
		},
		{
			name: "table order, then rows descending, then tenant numerically",
			sizes: []Size{
				{Table: "b", Tenant: "1", Rows: 100},
				{Table: "a", Tenant: "10", Rows: 50},
				{Table: "a", Tenant: "9", Rows: 50},
				{Table: "a", Tenant: "3", Rows: 200},
				{Table: "a", Tenant: "4", Rows: 5},
				{Table: "cfg", Rows: 31},
			},
			o: Options{BatchRows: 10},
			want: []Split{
				{SplitKey: SplitKey{"a", "3"}, Rows: 200, Pieces: 20, Step: 10},
				{SplitKey: SplitKey{"a", "9"}, Rows: 50, Pieces: 5, Step: 10},
				{SplitKey: SplitKey{"a", "10"}, Rows: 50, Pieces: 5, Step: 10},
				{SplitKey: SplitKey{"b", "1"}, Rows: 100, Pieces: 10, Step: 10},
				{SplitKey: SplitKey{"cfg", ""}, Rows: 31, Pieces: 4, Step: 8},
			},
		},
		{
			name:  "unknown table skipped",
			sizes: []Size{{Table: "zzz", Tenant: "1", Rows: 100}},
			o:     Options{BatchRows: 10},
			want:  nil,
		},
		{
			name:  "invalid batch rows yields nothing",
			sizes: []Size{{Table: "a", Tenant: "1", Rows: 100}},
			o:     Options{BatchRows: 0},
			want:  nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Splits(tables, tc.sizes, tc.o)
			require.Equal(t, tc.want, got)
			for _, s := range got {
				last := s.Rows - s.Step*int64(s.Pieces-1)
				require.LessOrEqual(t, s.Step, tc.o.BatchRows, "step of %v", s.SplitKey)
				require.Positive(t, last, "last piece of %v", s.SplitKey)
				require.LessOrEqual(t, last, s.Step, "last piece of %v", s.SplitKey)
			}
		})
	}
}

func TestSplitsPiecesAreMinimalAndBounded(t *testing.T) {
	for batchRows := int64(1); batchRows <= 40; batchRows++ {
		for rows := batchRows + 1; rows <= 2000; rows++ {
			pieces, step := cut(rows, batchRows)
			last := rows - step*int64(pieces-1)
			if int64(pieces-1)*batchRows >= rows || step > batchRows || last < 1 || last > step {
				t.Fatalf("cut(%d, %d) = %d pieces of %d, last %d", rows, batchRows, pieces, step, last)
			}
		}
	}
}

func TestCompareTenants(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want int
	}{
		{"numbers by value", "9", "10", -1},
		{"numbers by value reversed", "10", "9", 1},
		{"equal", "42", "42", 0},
		{"leading zeros compare by value", "007", "10", -1},
		{"same value, different spelling", "007", "7", -1},
		{"numbers before words", "99999", "a", -1},
		{"words after numbers", "a", "1", 1},
		{"words as strings", "t10", "t9", -1},
		{"empty is not a number", "", "1", 1},
		{"huge numbers", "123456789012345678901234567890", "99", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, CompareTenants(tc.a, tc.b))
			require.Equal(t, -tc.want, CompareTenants(tc.b, tc.a))
		})
	}
}
