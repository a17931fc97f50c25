package oracle

import (
	"strings"
	"testing"
	"time"
)

// TestRawCharset: GBK bytes stored in a database declared US7ASCII are read
// as RAW and decoded; the expected text is written here, not derived.
func TestRawCharset(t *testing.T) {
	gbk, err := LookupCharset("GBK")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		in   []byte
		want string
	}{
		{"chinese", []byte{0xD6, 0xD0, 0xCE, 0xC4}, "中文"},
		{"ascii", []byte("abc"), "abc"},
		{"mixed", []byte{'A', 0xB1, 0xB1, 0xBE, 0xA9}, "A北京"},
	} {
		got, err := gbk.Decode(c.in)
		if err != nil || string(got) != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	if _, err := gbk.Decode([]byte{0xD6, 0x7F}); err == nil {
		t.Error("an undefined GBK sequence was decoded")
	}
	latin1, err := LookupCharset("ISO-8859-1")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := latin1.Decode([]byte{'c', 'a', 'f', 0xE9}); err != nil || string(got) != "café" {
		t.Errorf("latin-1: got %q, %v", got, err)
	}
	if _, err := LookupCharset("KLINGON"); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("unknown character set: %v", err)
	}
}

func TestRawColumn(t *testing.T) {
	sets := map[string]*RawCharset{}
	for _, n := range []string{"GBK", "Big5"} {
		rc, err := LookupCharset(n)
		if err != nil {
			t.Fatal(err)
		}
		sets[n] = rc
	}
	cfg := map[string]string{"customers.name": "Big5", "CUSTOMERS": "GBK"}
	name := Col{Name: "NAME", Type: Type{Name: "VARCHAR2", Length: 100}}
	city := Col{Name: "CITY", Type: Type{Name: "CHAR", Length: 20}}
	id := Col{Name: "ID", Type: num(10, 0)}
	long := Col{Name: "NOTES", Type: Type{Name: "VARCHAR2", Length: 4000}}
	if c, err := rawColumn(cfg, sets, "CUSTOMERS", name); err != nil || c.raw != sets["Big5"] {
		t.Errorf("TABLE.COLUMN entry: %v, %v", c.raw, err)
	}
	if c, err := rawColumn(cfg, sets, "CUSTOMERS", city); err != nil || c.raw != sets["GBK"] {
		t.Errorf("TABLE entry: %v, %v", c.raw, err)
	}
	if c, err := rawColumn(cfg, sets, "CUSTOMERS", id); err != nil || c.raw != nil {
		t.Errorf("a NUMBER under a TABLE entry: %v, %v", c.raw, err)
	}
	if _, err := rawColumn(cfg, sets, "CUSTOMERS", long); err == nil {
		t.Error("a VARCHAR2(4000) was read raw beyond RAW's 2000 bytes")
	}
	if _, err := rawColumn(map[string]string{"T.ID": "GBK"}, sets, "T", id); err == nil {
		t.Error("a NUMBER named by TABLE.COLUMN was accepted")
	}
	if c, _ := rawColumn(cfg, sets, "OTHER", name); c.raw != nil {
		t.Error("applied to another table")
	}
	c, _ := rawColumn(cfg, sets, "CUSTOMERS", name)
	if got := c.selectExpr("t"); got != `UTL_RAW.CAST_TO_RAW(t."NAME")` {
		t.Errorf("read as %s", got)
	}
}

// TestConvertRowRaw: a raw column's bytes arrive as UTF-8 text; bytes the
// character set does not define fail the row, naming the column.
func TestConvertRowRaw(t *testing.T) {
	gbk, _ := LookupCharset("GBK")
	sp := Spec{Owner: "O", Table: "T", Key: []Col{{Name: "ID", Type: num(10, 0)}},
		Columns: []Col{{Name: "ID", Type: num(10, 0)}, {Name: "NAME", Type: Type{Name: "VARCHAR2", Length: 20}, raw: gbk}}}
	cv := converters{maps: []Mapping{Map(sp.Columns[0].Type, ""), Map(sp.Columns[1].Type, "")}, empty: []bool{false, false}}
	out := make([][]byte, 2)
	if err := convertRow(&sp, cv, []any{"1", []byte{0xD6, 0xD0, 0xCE, 0xC4}}, out, time.UTC, 0); err != nil || string(out[1]) != "中文" {
		t.Fatalf("got %q, %v", out[1], err)
	}
	if err := convertRow(&sp, cv, []any{"2", nil}, out, time.UTC, 0); err != nil || out[1] != nil {
		t.Fatalf("NULL: got %q, %v", out[1], err)
	}
	err := convertRow(&sp, cv, []any{"3", []byte{0xD6, 0x7F}}, out, time.UTC, 0)
	if err == nil || !strings.Contains(err.Error(), "column NAME") || !strings.Contains(err.Error(), "ID=3") {
		t.Fatalf("undecodable: %v", err)
	}
}
