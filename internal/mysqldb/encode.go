package mysqldb

import "bufio"

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
		start := 0
		for j := 0; j < len(v); j++ {
			if c := v[j]; needsEscape(c) {
				w.Write(v[start:j])
				w.WriteByte('\\')
				w.WriteByte(escapeOf(c))
				start = j + 1
			}
		}
		w.Write(v[start:])
	}
	return w.WriteByte('\n')
}
