package canon

import (
	"testing"

	"github.com/cutover/cutover/internal/catalog"
)

// BenchmarkRow hashes a row shaped like the generated dataset's widest table.
func BenchmarkRow(b *testing.B) {
	cols := []catalog.Column{
		{Kind: catalog.KindInt, Type: "bigint"}, {Kind: catalog.KindInt, Type: "int"},
		{Kind: catalog.KindString, Type: "varchar(64)"}, {Kind: catalog.KindDecimal, Type: "decimal(18,4)"},
		{Kind: catalog.KindTime, Type: "datetime(6)"}, {Kind: catalog.KindString, Type: "char(3)"},
		{Kind: catalog.KindFloat, Type: "double"}, {Kind: catalog.KindBinary, Type: "varbinary(32)"},
	}
	row := [][]byte{[]byte("123456789"), []byte("42"), []byte("merchant \"x\"\ttab\\slash"), []byte("1234.5000"),
		[]byte("2024-02-29 23:59:59.123456"), []byte("EUR"), []byte("0.1"), []byte("\x00\x01binary\xff"), nil}
	row = row[:len(cols)]
	h := NewHasher(cols)
	var s Sum
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s.Add(h.Row(row))
	}
	if s.Rows == 0 {
		b.Fatal("no rows")
	}
}
