package mysqldb

import (
	"bufio"
	"bytes"
	"context"
	"testing"
	"unicode/utf8"

	"github.com/cutover/cutover/migrate"
)

// pieces is a LOB that hands v out in pieces of size bytes.
func pieces(col int, v []byte, size int) migrate.LOB {
	return migrate.LOB{Column: col, Size: int64(len(v)), Key: "(id=1)", Copy: func(ctx context.Context, fn func([]byte) error) error {
		for off := 0; off < len(v); off += size {
			if err := fn(v[off:min(off+size, len(v))]); err != nil {
				return err
			}
		}
		return nil
	}}
}

// TestStreamedRowEscaping: a row whose values are streamed in pieces of any
// size encodes to exactly the bytes of the same row held whole.
func TestStreamedRowEscaping(t *testing.T) {
	text := []byte("a\tb\nc\\d\x00e\x1af\rü€😀\\\\\t\t end")
	bin := []byte{0, '\\', 0x1a, '\r', '\n', '\t', 0xff, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80, 'N'}
	row := [][]byte{[]byte("42"), text, nil, bin, []byte("x\ty")}
	var want bytes.Buffer
	bw := bufio.NewWriter(&want)
	if err := (encoder{}).writeRow(bw, row); err != nil {
		t.Fatal(err)
	}
	bw.Flush()
	for size := 1; size <= len(text)+1; size++ {
		held := [][]byte{row[0], {}, nil, {}, row[4]}
		var got bytes.Buffer
		bw := bufio.NewWriterSize(&got, 16) // small: pieces cross buffer flushes
		big := []migrate.LOB{pieces(1, text, size), pieces(3, bin, size)}
		if err := (encoder{}).writeStreamedRow(context.Background(), bw, held, big); err != nil {
			t.Fatal(err)
		}
		bw.Flush()
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("pieces of %d:\n got %q\nwant %q", size, got.Bytes(), want.Bytes())
		}
	}
}

// TestPieceCheckUTF8: UTF-8 is validated across piece boundaries, whatever
// the split, and characters are counted exactly.
func TestPieceCheckUTF8(t *testing.T) {
	col := targetColumn{name: "body", dataType: "longtext", columnType: "longtext", maxOctets: 1 << 32}
	cases := []struct {
		name  string
		v     []byte
		valid bool
	}{
		{"ascii", []byte("plain text"), true},
		{"multibyte", []byte("ü€😀aü€😀b😀"), true},
		{"empty", []byte{}, true},
		{"truncated at the end", []byte("ab\xf0\x9f\x98"), false},
		{"truncated inside", []byte("a\xe2\x82b"), false},
		{"stray continuation", []byte("a\x80b"), false},
		{"overlong", []byte("a\xc0\xafb"), false},
		{"surrogate", []byte("a\xed\xa0\x80b"), false},
		{"above U+10FFFF", []byte("a\xf4\x90\x80\x80"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if utf8.Valid(c.v) != c.valid {
				t.Fatalf("case is wrong: utf8.Valid = %v", !c.valid)
			}
			for size := 1; size <= len(c.v)+1; size++ {
				pc := pieceCheck{col: col}
				for off := 0; off < len(c.v); off += size {
					pc.add(c.v[off:min(off+size, len(c.v))])
				}
				msg := pc.end()
				if (msg == "") != c.valid {
					t.Fatalf("pieces of %d: %q", size, msg)
				}
				if c.valid && pc.chars != int64(utf8.RuneCount(c.v)) {
					t.Fatalf("pieces of %d: %d characters, want %d", size, pc.chars, utf8.RuneCount(c.v))
				}
			}
		})
	}
}

// TestPieceCheckLength: a streamed value longer than its column is refused in
// bytes (TEXT, BLOB) or characters (VARCHAR).
func TestPieceCheckLength(t *testing.T) {
	v := []byte("üüüü") // 4 characters, 8 bytes
	for _, c := range []struct {
		col  targetColumn
		want string
	}{
		{targetColumn{dataType: "tinytext", maxOctets: 7}, "8 bytes, the column holds 7"},
		{targetColumn{dataType: "tinytext", maxOctets: 8}, ""},
		{targetColumn{dataType: "varchar", maxChars: 3, maxOctets: 12}, "4 characters, the column holds 3"},
		{targetColumn{dataType: "varchar", maxChars: 4, maxOctets: 16}, ""},
		{targetColumn{dataType: "blob", maxOctets: 5}, "8 bytes, the column holds 5"},
	} {
		pc := pieceCheck{col: c.col}
		pc.add(v[:3])
		pc.add(v[3:])
		if got := pc.end(); got != c.want {
			t.Errorf("%s(%d/%d): %q, want %q", c.col.dataType, c.col.maxChars, c.col.maxOctets, got, c.want)
		}
	}
}
