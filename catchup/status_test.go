package catchup_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/cutover/cutover/catchup"
	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/catalog"
)

// lagLedger holds sync positions and a finished bulk copy.
type lagLedger struct {
	catchup.Ledger
	pos map[string]checkpoint.SyncPosition
	err error
}

func (l lagLedger) SyncPositions(context.Context) (map[string]checkpoint.SyncPosition, error) {
	return l.pos, l.err
}

func (l lagLedger) Bulk(context.Context) (*checkpoint.BulkProgress, error) {
	return &checkpoint.BulkProgress{RunID: 1}, nil
}

// pendingSource has n changes pending after every position, the oldest 2s old.
type pendingSource struct {
	catchup.Source
	n int64
}

func (s pendingSource) Pending(context.Context, *catalog.Table, uint64) (int64, time.Duration, error) {
	return s.n, 2 * time.Second, nil
}

func TestStatusLag(t *testing.T) {
	ctx := context.Background()
	tables := []*catalog.Table{{Name: "merchants"}}
	on := lagLedger{pos: map[string]checkpoint.SyncPosition{"merchants": {Seq: 9, Changes: 4}}}
	opens, closes := 0, 0
	open := func(context.Context) (catchup.Source, []*catalog.Table, func(), error) {
		opens++
		return pendingSource{n: 3}, tables, func() { closes++ }, nil
	}

	t.Run("capture never started", func(t *testing.T) {
		lag, done, err := catchup.StatusLag(ctx, lagLedger{}, true, open)
		if err != nil || lag != nil || opens != 0 {
			t.Fatalf("got lag %v, %v, %d opens; want none, no error, the source not opened", lag != nil, err, opens)
		}
		done()
	})
	t.Run("source without capture", func(t *testing.T) {
		lag, _, err := catchup.StatusLag(ctx, on, false, open)
		if err != nil || lag != nil || opens != 0 {
			t.Fatalf("got lag %v, %v, %d opens; want none, no error, the source not opened", lag != nil, err, opens)
		}
	})
	t.Run("ledger unreadable", func(t *testing.T) {
		_, _, err := catchup.StatusLag(ctx, lagLedger{err: errors.New("gone")}, true, open)
		if err == nil || err.Error() != "read the sync positions: gone" {
			t.Fatalf("got %v, want the ledger's error", err)
		}
	})
	t.Run("on", func(t *testing.T) {
		lag, done, err := catchup.StatusLag(ctx, on, true, open)
		if err != nil || lag == nil {
			t.Fatalf("got lag %v, %v; want a reader", lag != nil, err)
		}
		got, err := lag(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []catchup.TableLag{{Table: "merchants", Seq: 9, Pending: 3, Oldest: 2 * time.Second, Applied: 4}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("lag %+v, want %+v", got, want)
		}
		done()
		if opens != 1 || closes != 1 {
			t.Fatalf("%d opens, %d closes; want 1 and 1", opens, closes)
		}
	})
	t.Run("source unreachable", func(t *testing.T) {
		lag, done, err := catchup.StatusLag(ctx, on, true, func(context.Context) (catchup.Source, []*catalog.Table, func(), error) {
			return nil, nil, nil, errors.New("connection refused")
		})
		if err != nil || lag == nil {
			t.Fatalf("got lag %v, %v; want a reader that says the source is down", lag != nil, err)
		}
		done()
		if _, err := lag(ctx); err == nil || err.Error() != "open the source to read the capture: connection refused" {
			t.Fatalf("read: got %v", err)
		}
	})
}
