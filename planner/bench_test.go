package planner

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// heavyTailed returns tenants whose sizes follow a Pareto law, as agents of a
// payment platform do (a few giants, a long tail of small ones), over two
// tenant tables and a shared one, with the boundaries a database would return.
func heavyTailed(tenants int, seed uint64) ([]TableSpec, []Size, map[SplitKey][][]string) {
	r := rand.New(rand.NewPCG(seed, 42))
	tables := []TableSpec{{Name: "merchants"}, {Name: "transactions"}, {Name: "currencies", Shared: true}}
	var sizes []Size
	for i := 1; i <= tenants; i++ {
		id := strconv.Itoa(i)
		// Pareto with alpha 1.1 and a minimum of 50 rows, capped at 3M.
		rows := int64(math.Min(50/math.Pow(1-r.Float64(), 1/1.1), 3_000_000))
		sizes = append(sizes,
			Size{Table: "merchants", Tenant: id, Rows: 1 + rows/100, Bytes: (1 + rows/100) * 300},
			Size{Table: "transactions", Tenant: id, Rows: rows, Bytes: rows * 90})
	}
	sizes = append(sizes, Size{Table: "currencies", Rows: 180, Bytes: 9_000})
	return tables, sizes, fakeBounds(tables, sizes, Options{BatchRows: 20_000})
}

// fakeBounds makes up ascending boundaries for every split.
func fakeBounds(tables []TableSpec, sizes []Size, o Options) map[SplitKey][][]string {
	bounds := map[SplitKey][][]string{}
	for _, sp := range Splits(tables, sizes, o) {
		bs := make([][]string, sp.Pieces-1)
		for i := range bs {
			bs[i] = []string{strconv.FormatInt(int64(i+1)*sp.Step*7919, 10)}
		}
		bounds[sp.SplitKey] = bs
	}
	return bounds
}

func BenchmarkBuild(b *testing.B) {
	tables, sizes, _ := heavyTailed(3_000, 1)
	o := Options{BatchRows: 50_000, Workers: 8}
	bounds := fakeBounds(tables, sizes, o)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(tables, sizes, bounds, o); err != nil {
			b.Fatal(err)
		}
	}
}
