package main

import (
	"context"
	"errors"
	"io"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/internal/driver"
	"github.com/cutover/cutover/verify"
)

// keyMaker is a MySQL side: its capture reads rows by key (Rows), which
// verify uses whatever their tenant.
type keyMaker interface {
	Capture(schema string, tables []*catalog.Table) *driver.Capture
}

// keyReaders are the row lookups verify uses to say what a row missing from
// a tenant's scope is, on each side that can look rows up by key (MySQL);
// nil for the other.
func keyReaders(ep endpoints) (src, tgt verify.KeyReader) {
	if c, ok := driver.CaptureOf(ep.src, "", nil); ok {
		src = c
	}
	if m, ok := ep.tgt.(keyMaker); ok {
		tgt = m.Capture("", nil)
	}
	return src, tgt
}

// nothingCopied is verify before the copy: one line that says so, exit 2.
func nothingCopied(err error, cfgPath string) error {
	var nc *verify.NothingCopiedError
	if errors.As(err, &nc) {
		return usagef("%v: copy first with: cutover run --config %s", nc, cfgPath)
	}
	return err
}

// checkCopied refuses a verification before any batch of the active run is
// done, before the target's tables are looked at (they may not exist yet),
// and says how much of the run is copied when it is not finished. Without a
// ledger the target may have been filled by other means: the counts say
// what it holds.
func checkCopied(ctx context.Context, cfg *config.Config, cfgPath string, w io.Writer) error {
	tgt, l, found, err := existingLedger(ctx, cfg)
	if err != nil {
		return err
	}
	defer tgt.Close()
	if !found {
		return nil
	}
	return nothingCopied(verify.NoteCopied(ctx, l, w), cfgPath)
}
