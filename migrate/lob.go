package migrate

import (
	"context"
	"fmt"

	"github.com/cutover/cutover/internal/catalog"
)

// LOB is a value larger than the source's bound (source.lob_max_bytes): the
// reader never holds it whole but streams it, in pieces of at most the bound,
// to whoever consumes the row. Memory per worker is then bounded by the bound,
// not by the largest value.
type LOB struct {
	// Column is the value's index in the row; the row holds an empty,
	// non-nil placeholder there.
	Column int
	// Size is the value's length in bytes when the source knows it before
	// reading it (for messages and early refusals), else -1.
	Size int64
	// Key names the row for messages: "(id=42)".
	Key string
	// Copy streams the value to fn in order. fn must not keep a piece after
	// it returns. Copy may be called once, and only while the row's callback
	// runs.
	Copy func(ctx context.Context, fn func(piece []byte) error) error
}

// Emit takes one row and its streamed values (nil when it has none), in
// increasing column order. Like Reader.Rows' fn, it must not keep row.
type Emit func(row [][]byte, big []LOB) error

// Streamer is a Reader that streams values over its bound instead of failing
// or holding them: StreamRows is Rows, except that a row with such values
// reaches fn with them listed in big. Rows that stream come after the
// others (a reader fetches them once the batch's main read is drained), so
// a batch with streamed rows is not wholly in key order.
type Streamer interface {
	StreamRows(ctx context.Context, scope catalog.Scope, fn Emit) (int64, error)
}

// StreamRows reads scope through rd, streaming values over rd's bound when
// rd is a Streamer.
func StreamRows(ctx context.Context, rd Reader, scope catalog.Scope, fn Emit) (int64, error) {
	if s, ok := rd.(Streamer); ok {
		return s.StreamRows(ctx, scope, fn)
	}
	return rd.Rows(ctx, scope, func(row [][]byte) error { return fn(row, nil) })
}

// HeldOnly adapts fn, which takes rows whose values are all held, to a
// Streamer: a row with a streamed value is an error naming it. A Streamer's
// Rows uses it, so a caller that cannot stream fails loudly instead of
// holding an unbounded value.
func HeldOnly(table string, columns []catalog.Column, fn func(row [][]byte) error) Emit {
	return func(row [][]byte, big []LOB) error {
		if len(big) > 0 {
			return &TooLargeError{Table: table, Column: columns[big[0].Column].Name, Key: big[0].Key, Size: big[0].Size}
		}
		return fn(row)
	}
}

// TooLargeError is a value over the bound where it cannot be streamed.
type TooLargeError struct {
	Table, Column, Key string
	Size               int64 // bytes; -1 when unknown
	// Why says what cannot stream it; "" for a reader's caller.
	Why string
}

func (e *TooLargeError) Error() string {
	size := "over source.lob_max_bytes"
	if e.Size >= 0 {
		size = fmt.Sprintf("%d bytes, over source.lob_max_bytes", e.Size)
	}
	why := e.Why
	if why == "" {
		why = "this read does not stream values"
	}
	return fmt.Sprintf("table %s, column %s, key %s: the value is %s and %s", e.Table, e.Column, e.Key, size, why)
}
