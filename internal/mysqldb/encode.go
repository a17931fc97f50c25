package mysqldb

import (
	"bufio"
	"context"
	"fmt"

	"github.com/cutover/cutover/migrate"
)

// encoder writes rows in LOAD DATA's default text format: fields separated by
// tab, rows by newline, NULL as \N, and \ tab LF CR NUL and Ctrl-Z escaped.
// It allocates nothing per value.
type encoder struct{}

// needsEscape marks the bytes that must be escaped.
func needsEscape(c byte) bool {
	return c == '\\' || c == '\t' || c == '\n' || c == '\r' || c == 0 || c == 0x1a
}

func escapeOf(c byte) byte {
	switch c {
	case '\t':
		return 't'
	case '\n':
		return 'n'
	case '\r':
		return 'r'
	case 0:
		return '0'
	case 0x1a:
		return 'Z'
	}
	return c // backslash
}

func (encoder) writeRow(w *bufio.Writer, row [][]byte) error {
	for i, v := range row {
		if i > 0 {
			w.WriteByte('\t')
		}
		if v == nil {
			w.WriteString(`\N`)
			continue
		}
		writeEscaped(w, v)
	}
	return w.WriteByte('\n')
}

// writeEscaped writes v escaped. Every escape is one byte's, so a value may
// be written in pieces split anywhere (even inside a UTF-8 character): the
// pieces' escapes are the value's. It returns the writer's (sticky) error.
func writeEscaped(w *bufio.Writer, v []byte) error {
	start := 0
	for j := 0; j < len(v); j++ {
		if c := v[j]; needsEscape(c) {
			w.Write(v[start:j])
			w.WriteByte('\\')
			w.WriteByte(escapeOf(c))
			start = j + 1
		}
	}
	_, err := w.Write(v[start:])
	return err
}

// writeStreamedRow is writeRow for a row with streamed values: each is
// escaped piece by piece into w as the source delivers it, so no more than a
// piece and w's buffer are held.
func (e encoder) writeStreamedRow(ctx context.Context, w *bufio.Writer, row [][]byte, big []migrate.LOB) error {
	if len(big) == 0 {
		return e.writeRow(w, row)
	}
	k := 0
	for i, v := range row {
		if i > 0 {
			w.WriteByte('\t')
		}
		if k < len(big) && big[k].Column == i {
			if err := big[k].Copy(ctx, func(p []byte) error { return writeEscaped(w, p) }); err != nil {
				return err
			}
			k++
			continue
		}
		if v == nil {
			w.WriteString(`\N`)
			continue
		}
		writeEscaped(w, v)
	}
	if k < len(big) {
		return fmt.Errorf("streamed value of column %d is out of column order or range (%d columns)", big[k].Column, len(row))
	}
	return w.WriteByte('\n')
}
