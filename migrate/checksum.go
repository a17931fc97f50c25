package migrate

import (
	"context"
	"fmt"

	"github.com/cutover/cutover/internal/canon"
	"github.com/cutover/cutover/internal/catalog"
)

// batchSum hashes the rows of one batch attempt as they stream to the target,
// so the ledger records what was copied (internal/canon) with the batch's done
// mark. A nil batchSum (checksums off) passes rows through untouched.
type batchSum struct {
	h   *canon.Hasher
	sum canon.Sum
}

func (e *Engine) newBatchSum(t *catalog.Table) *batchSum {
	if e.opt.NoChecksums {
		return nil
	}
	return &batchSum{h: canon.NewHasher(t.Columns)}
}

// wrap returns emit preceded by hashing the row. It starts the sum afresh:
// a writer may call its producer again (the INSERT fallback after a refused
// LOAD DATA that had already read rows), and only the last pass is loaded.
func (s *batchSum) wrap(emit Emit) Emit {
	if s == nil {
		return emit
	}
	s.sum = canon.Sum{}
	return func(row [][]byte, big []LOB) error {
		if len(big) == 0 {
			s.sum.Add(s.h.Row(row))
			return emit(row, nil)
		}
		return s.streamed(row, big, emit)
	}
}

// streamed hashes a row with streamed values as the writer consumes them:
// each value's pieces go to the hasher on their way to the writer, so the
// value is read once and never held.
func (s *batchSum) streamed(row [][]byte, big []LOB, emit Emit) error {
	s.h.StartRow(row)
	tee := make([]LOB, len(big))
	copied := make([]bool, len(big))
	for k, l := range big {
		tee[k] = l
		tee[k].Copy = func(ctx context.Context, fn func(piece []byte) error) error {
			if err := s.h.BeginValue(l.Column); err != nil {
				return fmt.Errorf("column %d, key %s: %w", l.Column, l.Key, err)
			}
			copied[k] = true
			err := l.Copy(ctx, func(p []byte) error {
				s.h.Write(p)
				return fn(p)
			})
			s.h.EndValue()
			return err
		}
	}
	if err := emit(row, tee); err != nil {
		return err
	}
	for k, ok := range copied {
		if !ok {
			return fmt.Errorf("key %s: the streamed value of column %d was not consumed", big[k].Key, big[k].Column)
		}
	}
	d, err := s.h.EndRow()
	if err != nil {
		return err
	}
	s.sum.Add(d)
	return nil
}

// hex is the checksum to store, "" when checksums are off.
func (s *batchSum) hex() string {
	if s == nil {
		return ""
	}
	return s.sum.Hex()
}
