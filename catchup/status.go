package catchup

import (
	"context"
	"fmt"

	"github.com/cutover/cutover/internal/catalog"
)

// LagReader reads the capture's lag per table (Lag, bound to a source).
type LagReader func(context.Context) ([]TableLag, error)

// StatusLag is how the status command reads the capture's lag: nil when
// capture cannot run on this source (capturable false) or never started for
// this ledger (no sync position), else Lag over what open opens now. A source
// that cannot be opened is said by every read, not returned: status reads the
// ledger and must not fail for the source. The caller calls done when the
// status is written.
func StatusLag(ctx context.Context, led Ledger, capturable bool, open func(context.Context) (Source, []*catalog.Table, func(), error)) (lag LagReader, done func(), err error) {
	pos, err := led.SyncPositions(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("read the sync positions: %w", err)
	}
	if len(pos) == 0 || !capturable {
		return nil, func() {}, nil
	}
	src, tables, closeSrc, openErr := open(ctx)
	if openErr != nil {
		return func(context.Context) ([]TableLag, error) {
			return nil, fmt.Errorf("open the source to read the capture: %w", openErr)
		}, func() {}, nil
	}
	return func(ctx context.Context) ([]TableLag, error) { return Lag(ctx, src, led, tables) }, closeSrc, nil
}
