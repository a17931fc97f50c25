package oracle

import (
	"testing"
	"time"
)

// BenchmarkConvertRow measures the conversion path of one typical Oracle row
// (as godror delivers it) into the text MySQL receives: NUMBER keys and amounts
// as strings, a DATE, a TIMESTAMP(6), VARCHAR2 text and RAW bytes. Run with
// -benchmem: the allocations per row are what the copy pays for every row.
func BenchmarkConvertRow(b *testing.B) {
	types := []Type{
		num(18, 0),
		num(18, 0),
		num(18, 2),
		{Name: "CHAR", Length: 3},
		{Name: "VARCHAR2", Length: 255},
		{Name: "DATE"},
		{Name: "TIMESTAMP", Frac: 6},
		{Name: "RAW", Length: 64},
	}
	maps := make([]Mapping, len(types))
	for i, t := range types {
		maps[i] = Map(t, "")
	}
	row := []any{
		"5604330101458258041", "2694222", "-1234567.89", "EUR", "card payment, ref 8812/AB",
		time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 12, 0, 0, 123456000, time.UTC),
		[]byte("\x00\x01payload\xff"),
	}
	b.ReportAllocs()
	var bytes int64
	for b.Loop() {
		for i, v := range row {
			out, err := Convert(maps[i], v, time.UTC)
			if err != nil {
				b.Fatal(err)
			}
			bytes += int64(len(out))
		}
	}
	b.SetBytes(bytes / int64(max(b.N, 1)))
}
