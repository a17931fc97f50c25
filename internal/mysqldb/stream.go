package mysqldb

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqltype"
	"github.com/cutover/cutover/migrate"
)

// Streaming values over the bound (DB.MaxLOBBytes, source.lob_max_bytes).
//
// The main read of a batch selects each LOB column that can exceed the bound
// as IF(LENGTH(c) > bound, NULL, c), with LENGTH(c) appended, so no value
// over the bound crosses the wire in it. A row with such a value is deferred:
// only its key is kept (at most one per row of the batch). Once the main
// read is drained, each deferred row is read again by key, and each of its
// large values is fetched in pieces, SUBSTRING(c, offset, n) by key, on the
// same connection, while the row is written. The whole batch is read in one
// consistent snapshot, so the deferred values are those of the main read.
//
// The server reads the whole value for each piece, so a value of S bytes
// costs about S/bound statements reading S bytes each: the bound trades
// memory for source work.

// lobCap is the largest value of a column type (catalog.Column.Type) in
// bytes when it is a TEXT, BLOB or JSON type; 0 for the others, whose values
// the row size limit bounds.
func lobCap(columnType string) int64 {
	t := strings.ToLower(strings.TrimSpace(columnType))
	if t == "json" {
		return mysqltype.ByteCap("longtext") // MySQL's JSON holds what LONGTEXT holds
	}
	return mysqltype.ByteCap(t)
}

// bounded is the plan of one batch read: the LOB columns whose values may
// exceed the bound, by column index.
type bounded struct {
	bound int64
	cols  []int
	keyAt []int // positions of the key columns in the row
	// utf8 marks the text columns stored in a UTF-8 character set, whose
	// bytes reach the client unconverted (see lob).
	utf8 map[int]bool
}

func (d *DB) boundedCols(t *catalog.Table) (*bounded, error) {
	if d.MaxLOBBytes <= 0 {
		return nil, nil
	}
	b := &bounded{bound: d.MaxLOBBytes}
	for i, c := range t.Columns {
		if lobCap(c.Type) > d.MaxLOBBytes {
			b.cols = append(b.cols, i)
		}
	}
	if len(b.cols) == 0 {
		return nil, nil
	}
	for _, k := range t.Key {
		at := -1
		for i, c := range t.Columns {
			if c.Name == k.Name {
				at = i
			}
		}
		if at < 0 {
			return nil, fmt.Errorf("table %s: key column %s is not copied, so a value over source.lob_max_bytes could not be fetched by key", t.Name, k.Name)
		}
		b.keyAt = append(b.keyAt, at)
	}
	if len(b.keyAt) == 0 {
		return nil, fmt.Errorf("table %s has no key to fetch values over source.lob_max_bytes by", t.Name)
	}
	return b, nil
}

// isText reports whether c holds text, which the server may convert.
func isText(c catalog.Column) bool { return c.Kind != catalog.KindBinary }

// selectList is the main read's select list: the bounded columns replaced by
// a NULL when over the bound, and their lengths appended.
func (b *bounded) selectList(cols []catalog.Column) string {
	parts := make([]string, len(cols), len(cols)+len(b.cols))
	for i, c := range cols {
		parts[i] = "c." + mysqltype.Quote(c.Name)
	}
	bound := strconv.FormatInt(b.bound, 10)
	for _, i := range b.cols {
		col := parts[i]
		parts[i] = "IF(LENGTH(" + col + ") > " + bound + ", NULL, " + col + ")"
		parts = append(parts, "LENGTH("+col+")")
	}
	return strings.Join(parts, ", ")
}

// over reports whether a main-read row has a value over the bound, from its
// appended lengths.
func (b *bounded) over(lengths []sql.RawBytes) (bool, error) {
	for _, l := range lengths {
		if l == nil {
			continue
		}
		n, ok := parseLength(l)
		if !ok {
			return false, fmt.Errorf("LOB length %q is not a number", l)
		}
		if n > b.bound {
			return true, nil
		}
	}
	return false, nil
}

// deferredKey is a deferred row's key: driver values for the lookup and
// text for messages.
type deferredKey struct {
	args []any
	text string
}

func (b *bounded) keyOf(t *catalog.Table, row []sql.RawBytes) deferredKey {
	var k deferredKey
	parts := make([]string, len(b.keyAt))
	for n, i := range b.keyAt {
		c := t.Columns[i]
		if c.Kind == catalog.KindBinary {
			k.args = append(k.args, append([]byte{}, row[i]...))
			parts[n] = c.Name + "=0x" + hex.EncodeToString(row[i])
		} else {
			k.args = append(k.args, string(row[i]))
			parts[n] = c.Name + "=" + string(row[i])
		}
	}
	k.text = "(" + strings.Join(parts, ", ") + ")"
	return k
}

// keyWhere is the WHERE clause selecting one row by its key.
func (b *bounded) keyWhere(t *catalog.Table) string {
	parts := make([]string, len(b.keyAt))
	for n, i := range b.keyAt {
		c := t.Columns[i]
		parts[n] = "c." + mysqltype.Quote(c.Name) + " = " + placeholder(c.Kind)
	}
	return " WHERE " + strings.Join(parts, " AND ")
}

// StreamRows reads scope like Rows and streams values over the bound.
func (r *reader) StreamRows(ctx context.Context, s catalog.Scope, fn migrate.Emit) (int64, error) {
	if r.conn == nil {
		c, err := r.db.db.Conn(ctx)
		if err != nil {
			return 0, fmt.Errorf("source connection: %w", err)
		}
		r.conn = c
	}
	n, err := r.streamRows(ctx, s, fn)
	if err != nil && IsConnectionError(err) && r.conn != nil {
		r.conn.Close()
		r.conn = nil
	}
	return n, err
}

func (r *reader) streamRows(ctx context.Context, s catalog.Scope, fn migrate.Emit) (int64, error) {
	b, err := r.db.boundedCols(s.Table)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", s, err)
	}
	if b == nil {
		n, _, err := r.rows(ctx, s, nil, func(row [][]byte) error { return fn(row, nil) })
		return n, err
	}
	if err := r.charsets(ctx, s.Table, b); err != nil {
		return 0, fmt.Errorf("read %s: %w", s, err)
	}
	if err := r.snapshot(ctx); err != nil {
		return 0, fmt.Errorf("read %s: %w", s, err)
	}
	n, err := r.boundedRows(ctx, s, b, fn)
	if err != nil {
		// ctx may be cancelled already; a failed rollback drops the connection.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, rerr := r.conn.ExecContext(rctx, "ROLLBACK"); rerr != nil {
			r.conn.Close()
			r.conn = nil
		}
		return n, err
	}
	if _, err := r.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return n, fmt.Errorf("read %s: end snapshot: %w", s, err)
	}
	return n, nil
}

// charsets marks b's text columns stored in UTF-8, from information_schema
// once per table and reader.
func (r *reader) charsets(ctx context.Context, t *catalog.Table, b *bounded) error {
	cs, ok := r.charsetsOf[t.Name]
	if !ok {
		rows, err := r.conn.QueryContext(ctx, "SELECT COLUMN_NAME, COALESCE(CHARACTER_SET_NAME, '') FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?", r.db.Schema, t.Name)
		if err != nil {
			return fmt.Errorf("character sets of %s: %w", t.Name, err)
		}
		defer rows.Close()
		cs = map[string]string{}
		for rows.Next() {
			var name, set string
			if err := rows.Scan(&name, &set); err != nil {
				return fmt.Errorf("character sets of %s: %w", t.Name, err)
			}
			cs[name] = set
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("character sets of %s: %w", t.Name, err)
		}
		if r.charsetsOf == nil {
			r.charsetsOf = map[string]map[string]string{}
		}
		r.charsetsOf[t.Name] = cs
	}
	b.utf8 = map[int]bool{}
	for _, i := range b.cols {
		switch cs[t.Columns[i].Name] {
		case "utf8mb4", "utf8mb3", "utf8", "ascii":
			b.utf8[i] = true
		}
	}
	return nil
}

// snapshot starts the read-only transaction a batch with deferred values is
// read in: the deferred reads see the rows as the main read did.
func (r *reader) snapshot(ctx context.Context) error {
	if _, err := r.conn.ExecContext(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"); err != nil {
		return fmt.Errorf("snapshot isolation: %w", err)
	}
	if _, err := r.conn.ExecContext(ctx, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"); err != nil {
		return fmt.Errorf("start snapshot: %w", err)
	}
	return nil
}

// boundedRows is the main read, deferring rows with values over the bound,
// then the deferred rows with those values streamed.
func (r *reader) boundedRows(ctx context.Context, s catalog.Scope, b *bounded, fn migrate.Emit) (int64, error) {
	t := s.Table
	n, deferred, err := r.rows(ctx, s, b, func(row [][]byte) error { return fn(row, nil) })
	if err != nil {
		return n, err
	}
	for _, k := range deferred {
		if err := r.streamRow(ctx, t, b, k, fn); err != nil {
			return n, fmt.Errorf("read %s: %w", s, err)
		}
		n++
	}
	return n, nil
}

// streamRow reads one deferred row by key and hands it to fn with its values
// over the bound streamed.
func (r *reader) streamRow(ctx context.Context, t *catalog.Table, b *bounded, k deferredKey, fn migrate.Emit) error {
	sel := b.selectList(t.Columns)
	for _, i := range b.cols {
		sel += ", CHAR_LENGTH(c." + mysqltype.Quote(t.Columns[i].Name) + ")"
	}
	q := "SELECT " + sel + " FROM " + qualified(r.db.Schema, t.Name) + " AS c" + b.keyWhere(t)
	rows, err := r.conn.QueryContext(ctx, q, k.args...)
	if err != nil {
		return fmt.Errorf("key %s: %w", k.text, err)
	}
	ncol := len(t.Columns)
	raw := make([]sql.RawBytes, ncol+2*len(b.cols))
	dest := make([]any, len(raw))
	for i := range raw {
		dest[i] = &raw[i]
	}
	found := rows.Next()
	if found {
		err = rows.Scan(dest...)
	}
	row := make([][]byte, ncol)
	if found && err == nil {
		for i, v := range raw[:ncol] {
			if v != nil {
				row[i] = append([]byte{}, v...) // owned: RawBytes die with the result
			}
		}
	}
	var lens, chars []int64
	if found && err == nil {
		lens, err = parseLengths(raw[ncol : ncol+len(b.cols)])
	}
	if found && err == nil {
		chars, err = parseLengths(raw[ncol+len(b.cols):])
	}
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = rows.Err()
	}
	if err != nil {
		return fmt.Errorf("key %s: %w", k.text, err)
	}
	if !found {
		return fmt.Errorf("key %s: the row is gone from the snapshot it was read in", k.text)
	}
	var big []migrate.LOB
	for j, i := range b.cols {
		if lens[j] <= b.bound {
			continue
		}
		big = append(big, r.lob(t, b, k, i, lens[j], chars[j]))
		row[i] = []byte{}
	}
	return fn(row, big)
}

// parseLength reads a LENGTH() result without allocating (once per row).
func parseLength(b []byte) (int64, bool) {
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, len(b) > 0
}

func parseLengths(raw []sql.RawBytes) ([]int64, error) {
	out := make([]int64, len(raw))
	for j, v := range raw {
		out[j] = -1
		if v == nil {
			continue
		}
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("LOB length %q: %w", v, err)
		}
		out[j] = n
	}
	return out, nil
}

// lob describes column i's value of the deferred row k, of size bytes and
// chars characters. Binary, and text whose bytes are already UTF-8 (the
// server sends them unconverted), is fetched in pieces of bound bytes, which
// may cut a character: the pieces are only ever joined again, by the load,
// the checksum and the dry read, each of which works on bytes. Other text is
// converted by the server, so it is fetched in pieces of bound/4 characters
// (at most 4 bytes each in utf8mb4). No piece is larger than the bound.
func (r *reader) lob(t *catalog.Table, b *bounded, k deferredKey, i int, size, chars int64) migrate.LOB {
	c := t.Columns[i]
	col := "c." + mysqltype.Quote(c.Name)
	step, total := b.bound, size
	switch {
	case !isText(c):
	case b.utf8[i]:
		col = "CAST(" + col + " AS BINARY)"
	default:
		step, total = max(b.bound/4, 1), chars
	}
	q := "SELECT SUBSTRING(" + col + ", ?, ?) FROM " + qualified(r.db.Schema, t.Name) + " AS c" + b.keyWhere(t)
	used := false
	return migrate.LOB{Column: i, Size: size, Key: k.text, Copy: func(ctx context.Context, fn func(p []byte) error) error {
		if used {
			return fmt.Errorf("key %s, column %s: the value was streamed twice", k.text, c.Name)
		}
		used = true
		for off := int64(1); off <= total; off += step {
			args := append([]any{off, step}, k.args...)
			if err := r.piece(ctx, q, args, fn); err != nil {
				return fmt.Errorf("key %s, column %s, from %d: %w", k.text, c.Name, off, err)
			}
		}
		return nil
	}}
}

// piece runs one SUBSTRING read and hands its result to fn.
func (r *reader) piece(ctx context.Context, q string, args []any, fn func(p []byte) error) error {
	rows, err := r.conn.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return errors.New("the row is gone from the snapshot it was read in")
	}
	var p sql.RawBytes
	if err := rows.Scan(&p); err != nil {
		return err
	}
	if len(p) == 0 {
		return errors.New("the value ended early")
	}
	if err := fn(p); err != nil {
		return err
	}
	return rows.Close()
}

var _ migrate.Streamer = (*reader)(nil)
