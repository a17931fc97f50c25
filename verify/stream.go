package verify

import (
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/cutover/cutover/internal/canon"
	"github.com/cutover/cutover/migrate"
)

// rowDigest hashes a row read through migrate.StreamRows: its streamed
// values (over source.lob_max_bytes) are hashed piece by piece as they are
// read, never held, to the digest the engine computed as it copied them.
func rowDigest(ctx context.Context, h *canon.Hasher, row [][]byte, big []migrate.LOB) (canon.Digest, error) {
	if len(big) == 0 {
		return h.Row(row), nil
	}
	h.StartRow(row)
	for _, l := range big {
		if err := h.BeginValue(l.Column); err != nil {
			return canon.Digest{}, fmt.Errorf("key %s: %w", l.Key, err)
		}
		if err := l.Copy(ctx, func(p []byte) error { h.Write(p); return nil }); err != nil {
			return canon.Digest{}, err
		}
		h.EndValue()
	}
	return h.EndRow()
}

// describeStreamed stands for a streamed value in a row difference: its size
// and the start of its SHA-256, enough to tell two values apart on a report
// without holding either.
func describeStreamed(ctx context.Context, l migrate.LOB) (string, error) {
	sum := sha256.New()
	var n int64
	if err := l.Copy(ctx, func(p []byte) error { n += int64(len(p)); sum.Write(p); return nil }); err != nil {
		return "", err
	}
	return streamedText(n, sum.Sum(nil)), nil
}

// describeHeld is describeStreamed for a value held whole.
func describeHeld(v []byte) string {
	sum := sha256.Sum256(v)
	return streamedText(int64(len(v)), sum[:])
}

func streamedText(n int64, sum []byte) string {
	return fmt.Sprintf("(%d bytes, streamed; SHA-256 %x…)", n, sum[:8])
}
