package canon

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/cutover/cutover/internal/catalog"
)

// streamed hashes row with the columns in big streamed in pieces of size.
func streamed(t *testing.T, h *Hasher, row [][]byte, big []int, size int) Digest {
	t.Helper()
	held := append([][]byte(nil), row...)
	for _, i := range big {
		held[i] = []byte{} // what a reader leaves in a streamed column
	}
	h.StartRow(held)
	for _, i := range big {
		if err := h.BeginValue(i); err != nil {
			t.Fatal(err)
		}
		v := row[i]
		for off := 0; off < len(v); off += size {
			if _, err := h.Write(v[off:min(off+size, len(v))]); err != nil {
				t.Fatal(err)
			}
		}
		h.EndValue()
	}
	d, err := h.EndRow()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestStreamedEqualsHeld: a row hashes the same whether its LOBs are held or
// streamed, in pieces of every size from one byte to the whole value (multi-
// byte UTF-8 split across pieces included).
func TestStreamedEqualsHeld(t *testing.T) {
	cols := []catalog.Column{
		{Name: "id", Kind: catalog.KindInt, Type: "bigint"},
		{Name: "doc", Kind: catalog.KindString, Type: "longtext"},
		{Name: "amount", Kind: catalog.KindDecimal, Type: "decimal(10,2)"},
		{Name: "blob", Kind: catalog.KindBinary, Type: "longblob"},
		{Name: "code", Kind: catalog.KindString, Type: "char(3)"},
	}
	text := []byte("a\tb\nc\\d\x00e\x1af ü€😀 ü€😀 end")
	bin := []byte{0, 1, 0xff, '\t', '\n', '\\', 0x1a, 0xc3, 0xa9, 0xf0, 0x9f}
	rows := [][][]byte{
		{b("1"), text, b("1.50"), bin, b("EUR ")},
		{b("2"), []byte{}, nil, []byte{}, nil},
		{b("-0"), text, b("0"), nil, b("X")},
	}
	h := NewHasher(cols)
	for r, row := range rows {
		want := h.Row(row)
		for _, big := range [][]int{{1}, {3}, {1, 3}} {
			if row[big[len(big)-1]] == nil {
				continue // a NULL is never streamed
			}
			for size := 1; size <= len(text)+1; size++ {
				if got := streamed(t, h, row, big, size); got != want {
					t.Fatalf("row %d, streamed columns %v in pieces of %d: %v, want %v", r, big, size, got, want)
				}
			}
		}
	}
}

// TestSuffixFraming: the frame is canonical bytes, 8-byte length, tag; moving
// bytes between adjacent values changes the encoding.
func TestSuffixFraming(t *testing.T) {
	c := Col{Kind: catalog.KindString}
	got := AppendValue(nil, c, b("ab"))
	want := append(b("ab"), 2, 0, 0, 0, 0, 0, 0, 0, tagValue)
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendValue = % x, want % x", got, want)
	}
	if got := AppendValue(nil, c, nil); !bytes.Equal(got, []byte{tagNull}) {
		t.Fatalf("NULL = % x", got)
	}
	split := func(a, bb string) []byte { return AppendValue(AppendValue(nil, c, b(a)), c, b(bb)) }
	if bytes.Equal(split("a", "bc"), split("ab", "c")) || bytes.Equal(split("", "x"), split("x", "")) {
		t.Fatal("values that split the same bytes differently encode alike")
	}
	// Read from the end, the length says where the value starts.
	enc := split("hello", "")
	if enc[len(enc)-1] != tagValue || binary.LittleEndian.Uint64(enc[len(enc)-9:]) != 0 {
		t.Fatalf("last value misframed: % x", enc)
	}
}

// TestStreamMisuse: streaming a column whose canonical form is not its
// bytes, or out of order, is an error, not a silently different hash.
func TestStreamMisuse(t *testing.T) {
	h := NewHasher([]catalog.Column{
		{Kind: catalog.KindDecimal, Type: "decimal(10,2)"},
		{Kind: catalog.KindString, Type: "char(4)"},
		{Kind: catalog.KindBinary, Type: "blob"},
		{Kind: catalog.KindBinary, Type: "blob"},
	})
	row := [][]byte{b("1"), b("x"), {}, {}}
	for _, i := range []int{0, 1} {
		h.StartRow(row)
		if err := h.BeginValue(i); err == nil {
			t.Errorf("column %d streamed", i)
		}
	}
	h.StartRow(row)
	if err := h.BeginValue(3); err != nil {
		t.Fatal(err)
	}
	if err := h.BeginValue(2); err == nil {
		t.Error("a second value opened while one is open")
	}
	h.EndValue()
	if err := h.BeginValue(2); err == nil {
		t.Error("column 2 streamed after column 3")
	}
	h.StartRow(row)
	if err := h.BeginValue(2); err != nil {
		t.Fatal(err)
	}
	if _, err := h.EndRow(); err == nil {
		t.Error("row ended with a value open")
	}
}

// BenchmarkStreamedRow hashes a row with one 1 MiB value streamed in 64 KiB
// pieces; it allocates nothing once the hasher is warm.
func BenchmarkStreamedRow(b *testing.B) {
	cols := []catalog.Column{{Kind: catalog.KindInt, Type: "bigint"}, {Kind: catalog.KindBinary, Type: "longblob"}}
	big := bytes.Repeat([]byte{7}, 1<<20)
	row := [][]byte{[]byte("42"), {}}
	h := NewHasher(cols)
	b.ReportAllocs()
	b.SetBytes(int64(len(big)))
	for b.Loop() {
		h.StartRow(row)
		if err := h.BeginValue(1); err != nil {
			b.Fatal(err)
		}
		for off := 0; off < len(big); off += 64 << 10 {
			h.Write(big[off : off+64<<10])
		}
		h.EndValue()
		if _, err := h.EndRow(); err != nil {
			b.Fatal(err)
		}
	}
}
