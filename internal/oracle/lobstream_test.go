package oracle

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestLOBStreamQueriesGolden: the deferred row's read by key and its pieces'
// read, AS OF the snapshot, for a one-column key, a composite key reached
// through a parent (read without the join), and a table keyed by ROWID.
func TestLOBStreamQueriesGolden(t *testing.T) {
	var b strings.Builder
	add := func(name string, q Query, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b.WriteString("-- " + name + "\n" + formatQuery(q) + "\n")
	}
	s := fixtureSpec()
	s.Columns = append(s.Columns, Col{Name: "LOGO", Type: Type{Name: "BLOB"}}, Col{Name: "NOTES", Type: Type{Name: "NCLOB"}})
	s.LOBBound = 1 << 20
	q, err := LOBRowQuery(s, []string{"42"})
	add("deferred row by key", q, err)
	q, err = LOBPieceQuery(s, 4, []string{"42"}, 5_000_001, s.Columns[4].pieceAmount(s.LOBBound))
	add("BLOB pieces of 2000 bytes", q, err)
	q, err = LOBPieceQuery(s, 5, []string{"42"}, 300_000, s.Columns[5].pieceAmount(s.LOBBound))
	add("NCLOB pieces of 1000 characters", q, err)
	q, err = LOBPieceQuery(s, 3, []string{"42"}, 262_145, s.Columns[3].pieceAmount(s.LOBBound))
	add("XMLTYPE pieces, serialized", q, err)

	v := viaSpec()
	v.LOBBound = 1 << 20
	key := []string{"7", "2024-01-02 03:04:05.000000006", "0A0B"}
	q, err = LOBRowQuery(v, key)
	add("composite key, via table read alone", q, err)
	q, err = LOBPieceQuery(v, 4, key, 400_000, v.Columns[4].pieceAmount(v.LOBBound))
	add("JSON pieces", q, err)

	r := fixtureSpec()
	r.Key = nil
	r.Columns = append(r.Columns, Col{Name: "NOTES", Type: Type{Name: "CLOB"}})
	r.LOBBound = 64
	q, err = ExtractQuery(r, []string{"42"}, nil, nil)
	add("extraction keyed by ROWID appends it; a tiny bound makes tiny pieces", q, err)
	q, err = LOBPieceQuery(r, 4, []string{"AAAR3sAAEAAAACXAAA"}, 100, r.Columns[4].pieceAmount(r.LOBBound))
	add("pieces by ROWID", q, err)
	golden(t, "lob_stream.sql", b.String())

	if _, err := LOBPieceQuery(s, 0, []string{"42"}, 10, 5); err == nil {
		t.Error("pieces of a NUMBER column")
	}
	if _, err := LOBRowQuery(s, []string{"1", "2"}); err == nil {
		t.Error("a two-value key for a one-column key")
	}
}

// TestHeldLimitAndPieces: a character LOB is held up to a quarter of the
// bound in characters (4 UTF-8 bytes each), a BLOB up to the bound, and no
// piece is larger than what may be held.
func TestHeldLimitAndPieces(t *testing.T) {
	clob, blob := Col{Name: "C", Type: Type{Name: "CLOB"}}, Col{Name: "B", Type: Type{Name: "BLOB"}}
	for _, c := range []struct {
		col         Col
		bound       int64
		held, piece int64
	}{
		{clob, 256 << 20, 64 << 20, 1000},
		{blob, 256 << 20, 256 << 20, 2000},
		{clob, 64, 16, 16},
		{blob, 64, 64, 64},
		{clob, 3, 1, 1},
	} {
		if h, p := c.col.heldLimit(c.bound), c.col.pieceAmount(c.bound); h != c.held || p != c.piece {
			t.Errorf("%s with bound %d: held %d, piece %d; want %d, %d", c.col.Type.Name, c.bound, h, p, c.held, c.piece)
		}
	}
}

// join passes pieces through a textJoiner and returns what came out.
func join(pieces [][]byte) ([]byte, error) {
	var tj textJoiner
	var out bytes.Buffer
	for _, p := range pieces {
		if err := tj.add(p, func(b []byte) error { out.Write(b); return nil }); err != nil {
			return out.Bytes(), err
		}
	}
	return out.Bytes(), tj.end()
}

func cut(v []byte, size int) [][]byte {
	var out [][]byte
	for off := 0; off < len(v); off += size {
		out = append(out, v[off:min(off+size, len(v))])
	}
	return out
}

// TestTextJoinerSplits: well-formed UTF-8 cut anywhere comes out unchanged;
// malformed text fails at its offset whatever the cut.
func TestTextJoinerSplits(t *testing.T) {
	good := []byte("a\tü€😀\\\x00z😀€ü")
	for size := 1; size <= len(good); size++ {
		got, err := join(cut(good, size))
		if err != nil || !bytes.Equal(got, good) {
			t.Fatalf("pieces of %d: %q, %v", size, got, err)
		}
	}
	for _, c := range []struct {
		name string
		v    []byte
		at   int
	}{
		{"truncated at the end", []byte("ab€\xf0\x9f\x98"), 5},
		{"stray continuation", []byte("abc\x80def"), 3},
		{"overlong", []byte("ü\xc0\xaf"), 2},
		{"lone high surrogate inside", []byte("ab\xed\xa0\x80cd"), 2},
		{"lone low surrogate", []byte("ab\xed\xb0\x80"), 2},
		{"high surrogate at the end", []byte("abc\xed\xa0\x80"), 3},
	} {
		for size := 1; size <= len(c.v); size++ {
			_, err := join(cut(c.v, size))
			var inv *InvalidTextError
			if !errors.As(err, &inv) {
				t.Fatalf("%s, pieces of %d: %v", c.name, size, err)
			}
			if inv.Offset != c.at {
				t.Fatalf("%s, pieces of %d: offset %d, want %d", c.name, size, inv.Offset, c.at)
			}
		}
	}
}

// TestTextJoinerSurrogatePair: a character outside the BMP cut between its
// UTF-16 surrogates by DBMS_LOB.SUBSTR (which counts UTF-16 code units)
// arrives as two 3-byte halves in consecutive pieces and is joined into its
// 4-byte UTF-8.
func TestTextJoinerSurrogatePair(t *testing.T) {
	high, low := []byte{0xED, 0xA0, 0xBD}, []byte{0xED, 0xB8, 0x80} // U+1F600 = D83D DE00
	pieces := [][]byte{append([]byte("ab"), high...), append(append([]byte{}, low...), "cd"...)}
	got, err := join(pieces)
	if err != nil {
		t.Fatal(err)
	}
	if want := "ab😀cd"; string(got) != want {
		t.Fatalf("joined %q, want %q", got, want)
	}
	if !utf8.Valid(got) {
		t.Fatal("not UTF-8")
	}
	// A high surrogate followed by anything else is still refused.
	if _, err := join([][]byte{append([]byte("ab"), high...), []byte("cd")}); err == nil {
		t.Fatal("a lone high surrogate at a piece's end was accepted")
	}
}

// TestOverBound: a row is deferred when one of its LOBs is over its held
// limit (a quarter of the bound in characters for a CLOB, the bound in bytes
// for a BLOB), and its key is read from the columns extraction appends.
func TestOverBound(t *testing.T) {
	s := fixtureSpec()
	s.Columns = append(s.Columns, Col{Name: "LOGO", Type: Type{Name: "BLOB"}}, Col{Name: "NOTES", Type: Type{Name: "CLOB"}})
	s.LOBBound = 1000
	lobs := s.lobCols() // PROFILE (XMLTYPE), LOGO, NOTES
	row := func(profile, logo, notes any) []any {
		return []any{"42", "7", "name", nil, nil, nil, profile, logo, notes, "42"}
	}
	for _, c := range []struct {
		name string
		vals []any
		over bool
	}{
		{"all NULL", row(nil, nil, nil), false},
		{"at the limits", row("250", "1000", "250"), false},
		{"BLOB over the bound", row("1", "1001", nil), true},
		{"CLOB over a quarter of the bound", row(nil, "1", "251"), true},
		{"XMLTYPE over", row("251", nil, nil), true},
	} {
		key, over, err := overBound(&s, lobs, c.vals)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if over != c.over {
			t.Errorf("%s: over = %v", c.name, over)
		}
		if over && (len(key) != 1 || key[0] != "42") {
			t.Errorf("%s: key %q", c.name, key)
		}
	}
}

// TestFetchRows: a query selecting LOBs fetches few rows at a time, so one
// fetch holds at most lobFetchBudget of values within the bound; others keep
// the configured array.
func TestFetchRows(t *testing.T) {
	plain := []Col{{Name: "ID", Type: num(10, 0)}, {Name: "V", Type: Type{Name: "VARCHAR2", Length: 4000}}}
	lob := append(append([]Col{}, plain...), Col{Name: "C", Type: Type{Name: "CLOB"}})
	two := append(append([]Col{}, lob...), Col{Name: "B", Type: Type{Name: "BLOB"}})
	long := append(append([]Col{}, plain...), Col{Name: "L", Type: Type{Name: "LONG"}})
	for _, c := range []struct {
		name  string
		cols  []Col
		bound int64
		want  int
	}{
		{"no LOB", plain, 256 << 20, 4096},
		{"one LOB, default bound", lob, 256 << 20, 1},
		{"one LOB, 1 MiB bound", lob, 1 << 20, 256},
		{"two LOBs, 1 MiB bound", two, 1 << 20, 128},
		{"one LOB, small bound", lob, 16, 4096},
		{"LONG", long, 64 << 20, 4},
	} {
		if got := fetchRows(c.cols, c.bound, 4096); got != c.want {
			t.Errorf("%s: %d rows per fetch, want %d", c.name, got, c.want)
		}
	}
}
