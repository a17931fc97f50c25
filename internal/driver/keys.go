package driver

import (
	"context"

	"github.com/cutover/cutover/internal/catalog"
)

// KeyRows reads rows by key whatever their tenant (verify.KeyReader).
type KeyRows interface {
	Rows(ctx context.Context, t *catalog.Table, tenants []string, cols []catalog.Column, vals [][]string, fn func(row [][]byte) error) error
}

// keyMaker is a MySQL side: its capture reads rows by key (Rows).
type keyMaker interface {
	Capture(schema string, tables []*catalog.Table) *Capture
}

// KeyReaders are the row lookups verify uses to say what a row missing from
// a tenant's scope is, on each side that can look rows up by key (MySQL);
// nil for the other.
func KeyReaders(src Source, tgt Target) (KeyRows, KeyRows) {
	var s, t KeyRows
	if c, ok := CaptureOf(src, "", nil); ok {
		s = c
	}
	if m, ok := tgt.(keyMaker); ok {
		t = m.Capture("", nil)
	}
	return s, t
}
