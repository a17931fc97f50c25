package canon

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cutover/cutover/internal/catalog"
)

// Rows with streamed values. A value larger than the source's bound
// (source.lob_max_bytes) is never held whole: it arrives in pieces while the
// row is written. Such a row is hashed incrementally, in column order, into
// the same byte sequence Row hashes at once, so the digest does not depend on
// whether, or in which pieces, a value was streamed:
//
//	h.StartRow(row)      // row holds every value but the streamed ones
//	h.BeginValue(i)      // hashes the columns before i from row
//	h.Write(piece) ...   // the pieces of column i's value, in order
//	h.EndValue()
//	d, err := h.EndRow() // hashes the columns after the last streamed one
//
// Only columns whose canonical form is their bytes can be streamed: text
// other than CHAR, binary and LOBs, which are the only ones that grow large.

// StartRow begins a row whose values of some columns are streamed; row holds
// the other values (what it holds at a streamed column is ignored).
func (h *Hasher) StartRow(row [][]byte) {
	if h.sha == nil {
		h.sha = sha256.New()
	}
	h.sha.Reset()
	h.row, h.next, h.open, h.n = row, 0, -1, 0
}

// BeginValue hashes the held values before column i and opens column i's
// streamed value for Write. Streamed columns must come in increasing order.
func (h *Hasher) BeginValue(i int) error {
	if h.row == nil {
		return errors.New("canon: BeginValue without StartRow")
	}
	if h.open >= 0 {
		return fmt.Errorf("canon: column %d streamed while column %d is still open", i, h.open)
	}
	if i < h.next || i >= len(h.row) {
		return fmt.Errorf("canon: column %d streamed out of order (next is %d of %d)", i, h.next, len(h.row))
	}
	if c := h.col(i); !c.streamable() {
		return fmt.Errorf("canon: a %s value cannot be streamed: its canonical form is not its bytes", c.Kind)
	}
	h.hashHeld(i)
	h.open, h.n = i, 0
	return nil
}

// Write hashes the next piece of the open streamed value.
func (h *Hasher) Write(p []byte) (int, error) {
	if h.open < 0 {
		return 0, errors.New("canon: Write without BeginValue")
	}
	h.n += uint64(len(p))
	return h.sha.Write(p)
}

// EndValue closes the open streamed value with its frame (see AppendValue).
func (h *Hasher) EndValue() {
	if h.open < 0 {
		return
	}
	h.buf = binary.LittleEndian.AppendUint64(h.buf[:0], h.n)
	h.buf = append(h.buf, tagValue)
	h.sha.Write(h.buf)
	h.next, h.open = h.open+1, -1
}

// EndRow hashes the held values after the last streamed one and returns the
// row's digest, equal to Row's for the same values.
func (h *Hasher) EndRow() (Digest, error) {
	if h.row == nil {
		return Digest{}, errors.New("canon: EndRow without StartRow")
	}
	if h.open >= 0 {
		return Digest{}, fmt.Errorf("canon: the row ended while column %d was still streaming", h.open)
	}
	h.hashHeld(len(h.row))
	h.row = nil
	sum := h.sha.Sum(h.sum[:0])
	return Digest{A: binary.LittleEndian.Uint64(sum[0:8]), B: binary.LittleEndian.Uint64(sum[8:16])}, nil
}

// hashHeld hashes the held values of columns next..end-1.
func (h *Hasher) hashHeld(end int) {
	h.buf = h.buf[:0]
	for i := h.next; i < end; i++ {
		h.buf = AppendValue(h.buf, h.col(i), h.row[i])
	}
	h.sha.Write(h.buf)
	h.next = end
}

func (h *Hasher) col(i int) Col {
	if i < len(h.cols) {
		return h.cols[i]
	}
	return Col{}
}

// streamable reports whether c's canonical form is its bytes, so a value can
// be hashed piece by piece.
func (c Col) streamable() bool {
	switch c.Kind {
	case catalog.KindBinary, catalog.KindOther:
		return true
	case catalog.KindString:
		return !c.Pad
	}
	return false
}
