package oracle

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
)

// source.raw_charset: many legacy databases hold GBK, Big5 or Latin-1 bytes
// in a database declared US7ASCII or WE8ISO8859P1. The client converts from
// the declared character set, so such text arrives as '?' or mojibake, with
// no error. A column named in source.raw_charset is read as its stored bytes
// (UTL_RAW.CAST_TO_RAW, which converts nothing) and decoded in Go with the
// named character set, so it arrives as the utf8mb4 text it always meant.

// rawMaxBytes is the longest column CAST_TO_RAW reads in SQL: a RAW holds
// 2000 bytes (without MAX_STRING_SIZE = EXTENDED).
const rawMaxBytes = 2000

// RawCharset is a decoder for the character set a column's bytes are in.
type RawCharset struct {
	Name string
	enc  encoding.Encoding
}

// LookupCharset finds a character set by its WHATWG/IANA name or alias
// (GBK, GB18030, Big5, Shift_JIS, EUC-KR, ISO-8859-1, windows-1252, ...).
func LookupCharset(name string) (*RawCharset, error) {
	enc, err := htmlindex.Get(name)
	if err != nil {
		return nil, fmt.Errorf("source.raw_charset %q is not a character set this build knows (GBK, GB18030, Big5, Shift_JIS, EUC-KR, ISO-8859-1, windows-1252, ...)", name)
	}
	return &RawCharset{Name: name, enc: enc}, nil
}

// Decode turns b, in the character set, into UTF-8. A byte sequence the
// character set does not define is an error, never a replacement character.
func (r *RawCharset) Decode(b []byte) ([]byte, error) {
	if r == nil {
		return b, nil
	}
	out, err := r.enc.NewDecoder().Bytes(b)
	if err != nil {
		return nil, fmt.Errorf("bytes % X are not %s: %w", b[:min(len(b), 8)], r.Name, err)
	}
	// The decoders write U+FFFD for what they cannot map. It was in the data
	// only if the data holds the character set's own encoding of U+FFFD
	// (GB18030 has one; GBK, Big5 and the single-byte sets have none).
	if hasReplacement(out) {
		own, err := r.enc.NewEncoder().Bytes([]byte(string(utf8.RuneError)))
		if err != nil || !bytes.Contains(b, own) {
			return nil, fmt.Errorf("bytes % X... are not valid %s: the value cannot be decoded", b[:min(len(b), 8)], r.Name)
		}
	}
	return out, nil
}

// RawCharsetFor is the character set configured for table.column: by
// "TABLE.COLUMN", then "TABLE", then "*" (case ignored); "" when none.
func RawCharsetFor(cfg map[string]string, table, column string) string {
	for _, k := range []string{table + "." + column, table, "*"} {
		for key, v := range cfg {
			if strings.EqualFold(key, k) {
				return v
			}
		}
	}
	return ""
}

// rawColumn applies the configured character set to column c of table:
// a TABLE.COLUMN entry must name a column that can be read raw; a TABLE or
// "*" entry applies to the table's VARCHAR2 and CHAR columns.
func rawColumn(cfg map[string]string, sets map[string]*RawCharset, table string, c Col) (Col, error) {
	name := RawCharsetFor(cfg, table, c.Name)
	if name == "" {
		return c, nil
	}
	exact := false
	for key := range cfg {
		exact = exact || strings.EqualFold(key, table+"."+c.Name)
	}
	switch c.Type.Name {
	case "VARCHAR2", "CHAR", "VARCHAR":
	default:
		if exact {
			return c, fmt.Errorf("source.raw_charset applies to VARCHAR2 and CHAR columns; %s.%s is %s", table, c.Name, c.Type)
		}
		return c, nil
	}
	if c.Type.Length > rawMaxBytes || c.Type.CharSemantics && c.Type.Length*4 > rawMaxBytes {
		return c, fmt.Errorf("source.raw_charset reads at most %d bytes (UTL_RAW.CAST_TO_RAW); %s.%s is %s: leave it out of raw_charset", rawMaxBytes, table, c.Name, c.Type)
	}
	c.raw = sets[name]
	if c.raw == nil {
		return c, fmt.Errorf("source.raw_charset %q was not looked up", name)
	}
	return c, nil
}

// hasReplacement reports whether b holds U+FFFD (bytes.ContainsRune would
// also match malformed bytes, which checkUTF8 reports on their own).
func hasReplacement(b []byte) bool {
	return bytes.Contains(b, []byte("\uFFFD"))
}
