package migrate

import (
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/verify/canon"
)

// batchSum hashes the rows of one batch attempt as they stream to the target,
// so the ledger records what was copied (verify/canon) with the batch's done
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
func (s *batchSum) wrap(emit func(row [][]byte) error) func(row [][]byte) error {
	if s == nil {
		return emit
	}
	s.sum = canon.Sum{}
	return func(row [][]byte) error {
		s.sum.Add(s.h.Row(row))
		return emit(row)
	}
}

// hex is the checksum to store, "" when checksums are off.
func (s *batchSum) hex() string {
	if s == nil {
		return ""
	}
	return s.sum.Hex()
}
