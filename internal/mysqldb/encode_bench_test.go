package mysqldb

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

// benchRows builds n rows shaped like the generated transactions: ints, a
// decimal, a datetime, a varchar that now and then holds a tab or a backslash,
// a NULL now and then, and a 200-byte blob with every byte value in it.
func benchRows(n int) [][][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	rows := make([][][]byte, n)
	for i := range rows {
		note := fmt.Sprintf("order #%d at corner shop", r.IntN(1_000_000))
		switch i % 17 {
		case 3:
			note = "tab\there " + note
		case 9:
			note = `back\slash ` + note
		}
		blob := make([]byte, 200)
		for j := range blob {
			blob[j] = byte(r.UintN(256))
		}
		row := [][]byte{
			[]byte(fmt.Sprint(uint64(1)<<63 + r.Uint64N(1<<40))), // txn_id beyond 2^63
			[]byte(fmt.Sprint(r.Int64N(10_000_000))),             // merchant_id
			[]byte(fmt.Sprintf("%d.%02d", r.IntN(100_000), r.IntN(100))),
			[]byte("EUR"),
			[]byte("approved"),
			[]byte(note),
			[]byte(fmt.Sprintf("2024-%02d-%02d 12:%02d:%02d.%06d", 1+r.IntN(12), 1+r.IntN(28), r.IntN(60), r.IntN(60), r.IntN(1_000_000))),
			blob,
		}
		if i%29 == 0 {
			row[5] = nil // NULL note
		}
		rows[i] = row
	}
	return rows
}

// BenchmarkEncodeRow measures the LOAD DATA text encoder per row; b.SetBytes
// counts the raw value bytes, so MB/s is source data encoded per second.
func BenchmarkEncodeRow(b *testing.B) {
	rows := benchRows(1024)
	var size int64
	for _, row := range rows {
		for _, v := range row {
			size += int64(len(v))
		}
	}
	bw := bufio.NewWriterSize(io.Discard, 256<<10)
	var enc encoder
	b.SetBytes(size / int64(len(rows)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := enc.writeRow(bw, rows[i%len(rows)]); err != nil {
			b.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkEncodeRowPlain is the same rows without any byte that needs an
// escape, to show what the escape scan costs on its own.
func BenchmarkEncodeRowPlain(b *testing.B) {
	rows := benchRows(1024)
	var size int64
	for _, row := range rows {
		row[5] = []byte("order 12345 at corner shop")
		for j := range row[7] {
			row[7][j] = 'a' + row[7][j]%26
		}
		for _, v := range row {
			size += int64(len(v))
		}
	}
	bw := bufio.NewWriterSize(io.Discard, 256<<10)
	var enc encoder
	b.SetBytes(size / int64(len(rows)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := enc.writeRow(bw, rows[i%len(rows)]); err != nil {
			b.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
}
