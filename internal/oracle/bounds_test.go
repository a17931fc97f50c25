package oracle

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestConvertRefusesMalformedUTF8: text as the client delivers it reaches the
// load stream unchanged when it is well-formed UTF-8 and is refused, with the
// offset and bytes, when utf8mb4 could not store it unchanged.
func TestConvertRefusesMalformedUTF8(t *testing.T) {
	text := Map(Type{Name: "VARCHAR2", Length: 100}, "")
	cases := []struct {
		name   string
		in     any
		offset int // -1: valid
	}{
		{"ascii", "plain", -1},
		{"two-byte", "caf\u00e9", -1},
		{"four-byte emoji", "ok \U0001F600", -1},
		{"replacement character is data", "\uFFFD", -1},
		{"max code point", "\U0010FFFF", -1},
		{"stray continuation", "ab\x80cd", 2},
		{"truncated sequence", "x\xe2\x82", 1},
		{"bad second byte", "\xc3\x28", 0},
		{"encoded high surrogate (CESU-8, unpaired NCHAR surrogate)", "a\xed\xa0\x80b", 1},
		{"encoded low surrogate", "\xed\xbf\xbf", 0},
		{"beyond U+10FFFF", "\xf4\x90\x80\x80", 0},
		{"overlong NUL", "\xc0\x80", 0},
		{"latin-1 byte", []byte("na\xefve"), 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Convert(text, c.in, nil)
			if c.offset < 0 {
				if err != nil {
					t.Fatalf("valid text refused: %v", err)
				}
				want, _ := textBytes(c.in)
				if string(got) != string(want) {
					t.Fatalf("got %q, want %q unchanged", got, want)
				}
				return
			}
			var bad *InvalidTextError
			if !errors.As(err, &bad) {
				t.Fatalf("got %q, %v; want an InvalidTextError", got, err)
			}
			if bad.Offset != c.offset {
				t.Fatalf("offset %d, want %d (%v)", bad.Offset, c.offset, err)
			}
			if !strings.Contains(err.Error(), "utf8mb4") {
				t.Fatalf("message does not say why: %v", err)
			}
		})
	}
}

func TestRowKey(t *testing.T) {
	s := viaSpec()
	s.Columns = append([]Col{{Name: "MERCHANT_ID", Type: num(12, 0)}}, s.Columns...)
	vals := []any{"42", []byte{0x0a, 0x0b}, time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC), nil, nil, nil, nil}
	got := rowKey(&s, vals)
	if got != "(MERCHANT_ID=42, AUTHORIZED_AT=2024-01-02 03:04:05.000000006, TXN_ID=0A0B)" {
		t.Fatalf("rowKey = %s", got)
	}
	if got := rowKey(&Spec{}, nil); got != "(key not selected)" {
		t.Fatalf("no key: %s", got)
	}
}

// TestExtractBoundsLOBs: with a LOB bound, extraction never fetches a LOB
// over it and appends its length, so the reader can fail the batch naming the
// row instead of reading the value into memory.
func TestExtractBoundsLOBs(t *testing.T) {
	s := fixtureSpec()
	s.Columns = append(s.Columns, Col{Name: "LOGO", Type: Type{Name: "BLOB"}}, Col{Name: "NOTES", Type: Type{Name: "NCLOB"}})
	s.LOBBound = 1 << 20
	q, err := ExtractQuery(s, []string{"42"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.lobCols(); len(got) != 3 {
		t.Fatalf("lobCols = %v, want PROFILE, LOGO, NOTES", got)
	}
	golden(t, "extract_lob_bound.sql", formatQuery(q)+"\n")
}

func TestUTF8Tally(t *testing.T) {
	key := []Col{{Name: "ID", Type: num(10, 0)}}
	text := []Col{{Name: "NAME", Type: Type{Name: "NVARCHAR2", Length: 10}}, {Name: "NOTES", Type: Type{Name: "CLOB"}}}
	u := newUTF8Tally("T", key, text)
	for _, row := range [][]any{
		{"1", "fine", "fine"},
		{"2", "bad\xed\xa0\x80", nil},
		{"3", "x\xff", "\xc3\x28"},
	} {
		if err := u.add(key, row); err != nil {
			t.Fatal(err)
		}
	}
	fs := u.findings(false)
	if len(fs) != 2 || fs[0].Column != "NAME" || fs[0].Rows != 2 || fs[1].Column != "NOTES" || fs[1].Rows != 1 {
		t.Fatalf("findings %+v", fs)
	}
	if fs[0].Severity != Blocking || fs[0].Example != "key (ID=2), byte 3: ED A0 80" {
		t.Fatalf("first NAME finding %+v", fs[0])
	}
}

func TestNullAsEmptyTargets(t *testing.T) {
	s := &Source{opts: Options{NullAsEmpty: map[string]bool{"merchants.email": true, "MERCHANTS.MERCHANT_ID": true}}}
	got := s.nullAsEmptyTargets("MERCHANTS", preflightCols(), preflightTargets())
	if got["EMAIL"].NotNull {
		t.Error("EMAIL is listed (in lower case): its NULLs become '' and NOT NULL takes them")
	}
	if !got["MERCHANT_ID"].NotNull {
		t.Error("MERCHANT_ID is a number: '' does not help it, the NOT NULL check stays")
	}
	if !preflightTargets()["EMAIL"].NotNull {
		t.Error("the caller's map was changed")
	}
}
