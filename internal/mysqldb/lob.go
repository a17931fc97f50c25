package mysqldb

import (
	"context"
	"database/sql"
	"fmt"
	"unicode/utf8"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/migrate"
)

// packetSlack is what an INSERT statement needs besides one value.
const packetSlack = 64 << 10

// holdStreamed is the INSERT fallback's answer to a row with streamed values:
// an INSERT cannot stream, so each value is read into memory and the row is
// inserted alone. A value the target's max_allowed_packet cannot carry fails
// the batch naming it; memory is then bounded by max_allowed_packet (at most
// 1 GiB) instead of source.lob_max_bytes. LOAD DATA LOCAL streams instead.
func (w *writer) holdStreamed(ctx context.Context, tx *sql.Tx, t *catalog.Table, row [][]byte, big []migrate.LOB) ([][]byte, error) {
	if w.maxPacket == 0 {
		if err := tx.QueryRowContext(ctx, "SELECT @@max_allowed_packet").Scan(&w.maxPacket); err != nil {
			return nil, fmt.Errorf("read the target's max_allowed_packet: %w", err)
		}
	}
	limit := w.maxPacket - packetSlack
	tooLarge := func(l migrate.LOB, size int64) error {
		return &migrate.TooLargeError{Table: t.Target, Column: t.Columns[l.Column].Name, Key: l.Key, Size: size,
			Why: fmt.Sprintf("the target refuses LOAD DATA LOCAL, which streams it, and the INSERT fallback must send it whole, over the target's max_allowed_packet (%d bytes); set local_infile=1 on the target", w.maxPacket)}
	}
	held := append([][]byte(nil), row...)
	for _, l := range big {
		if l.Size > limit {
			return nil, tooLarge(l, l.Size)
		}
		var v []byte
		if l.Size > 0 {
			v = make([]byte, 0, l.Size)
		}
		err := l.Copy(ctx, func(p []byte) error {
			if int64(len(v)+len(p)) > limit {
				return tooLarge(l, -1)
			}
			v = append(v, p...)
			return nil
		})
		if err != nil {
			return nil, err
		}
		if v == nil {
			v = []byte{}
		}
		held[l.Column] = v
	}
	return held, nil
}

func isStreamed(big []migrate.LOB, i int) bool {
	for _, l := range big {
		if l.Column == i {
			return true
		}
	}
	return false
}

// checkedStreams wraps each streamed value's Copy so that a dry read checks
// it against its target column as the pieces pass, holding none of it.
func checkedStreams(t *catalog.Table, tc []targetColumn, big []migrate.LOB) []migrate.LOB {
	out := make([]migrate.LOB, len(big))
	for k, l := range big {
		out[k] = l
		out[k].Copy = func(ctx context.Context, fn func(p []byte) error) error {
			pc := pieceCheck{col: tc[l.Column]}
			err := l.Copy(ctx, func(p []byte) error {
				pc.add(p)
				return fn(p)
			})
			if err != nil {
				return err
			}
			if msg := pc.end(); msg != "" {
				return &DataError{Table: t.Target, Msg: fmt.Sprintf("key %s, column %s (%s), a streamed value: %s", l.Key, pc.col.name, pc.col.columnType, msg)}
			}
			return nil
		}
	}
	return out
}

// pieceCheck is targetColumn.check for a value that arrives in pieces: it
// counts bytes and characters and validates UTF-8 across piece boundaries
// (a character may be split between two pieces), keeping at most 3 bytes.
type pieceCheck struct {
	col          targetColumn
	bytes, chars int64
	carry        [utf8.UTFMax]byte // an incomplete character at a piece's end
	nc           int
	invalid      bool
}

func (pc *pieceCheck) text() bool {
	switch pc.col.dataType {
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set", "json":
		return true
	}
	return false
}

func (pc *pieceCheck) add(p []byte) {
	pc.bytes += int64(len(p))
	if !pc.text() || pc.invalid {
		return
	}
	for _, b := range p {
		if b&0xC0 != 0x80 {
			pc.chars++
		}
	}
	// Complete the character the last piece ended inside.
	for pc.nc > 0 && len(p) > 0 {
		pc.carry[pc.nc] = p[0]
		pc.nc++
		p = p[1:]
		if utf8.FullRune(pc.carry[:pc.nc]) {
			if r, size := utf8.DecodeRune(pc.carry[:pc.nc]); r == utf8.RuneError && size <= 1 {
				pc.invalid = true
				return
			}
			pc.nc = 0
		}
	}
	if pc.nc > 0 {
		return // p was all inside the carried character
	}
	// Keep an incomplete character at the end for the next piece.
	cut := len(p)
	for back := 1; back < utf8.UTFMax && back <= len(p); back++ {
		if b := p[len(p)-back]; b&0xC0 != 0x80 {
			if !utf8.FullRune(p[len(p)-back:]) {
				cut = len(p) - back
			}
			break
		}
	}
	if !utf8.Valid(p[:cut]) {
		pc.invalid = true
		return
	}
	pc.nc = copy(pc.carry[:], p[cut:])
}

// end returns why the target would refuse the whole value, or "".
func (pc *pieceCheck) end() string {
	if pc.text() {
		if pc.invalid || pc.nc > 0 {
			return "text that is not valid UTF-8"
		}
		if (pc.col.dataType == "char" || pc.col.dataType == "varchar") && pc.col.maxChars > 0 {
			if pc.chars > pc.col.maxChars {
				return fmt.Sprintf("%d characters, the column holds %d", pc.chars, pc.col.maxChars)
			}
			return ""
		}
	}
	if pc.col.maxOctets > 0 && pc.bytes > pc.col.maxOctets {
		return fmt.Sprintf("%d bytes, the column holds %d", pc.bytes, pc.col.maxOctets)
	}
	return ""
}
