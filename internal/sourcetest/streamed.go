package sourcetest

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"testing"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/migrate"
)

// testStreamRows reads the fixture through Fixture.Bounded: the hostile
// tenant's 256-byte blobs are over a small bound, so they must come streamed
// in pieces of at most the bound, and every row, streamed or not, must equal
// the fixture. Held-only reads (Rows) must refuse a streamed value by name.
func (s *suite) testStreamRows(t *testing.T) {
	if s.f.Bounded == nil {
		t.Skip("sourcetest: the adapter's test gives no bounded source")
	}
	ctx := context.Background()
	rd, err := s.f.Bounded.Open(ctx)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rd.Close()
	st, ok := rd.(migrate.Streamer)
	if !ok {
		t.Fatalf("the reader (%T) does not stream values over its bound", rd)
	}
	for _, c := range []struct {
		name     string
		tenants  []string
		streamed bool
	}{
		{"hostile tenant", []string{"2"}, true},
		{"packed tenants", []string{"3", "2"}, true},
		{"big tenant", []string{"1"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := map[string][][]byte{}
			streamed := 0
			n, err := st.StreamRows(ctx, catalog.Scope{Table: s.table, Tenants: c.tenants}, func(row [][]byte, big []migrate.LOB) error {
				cp := make([][]byte, len(row))
				for i, v := range row {
					if v != nil {
						cp[i] = append([]byte{}, v...)
					}
				}
				for _, l := range big {
					streamed++
					v := []byte{}
					pieces := 0
					if err := l.Copy(ctx, func(p []byte) error {
						if int64(len(p)) > s.f.BoundBytes {
							t.Errorf("key %s: a piece of %d bytes, over the bound of %d", l.Key, len(p), s.f.BoundBytes)
						}
						pieces++
						v = append(v, p...)
						return nil
					}); err != nil {
						return err
					}
					if int64(len(v)) > s.f.BoundBytes && pieces < 2 {
						t.Errorf("key %s: %d bytes in %d piece", l.Key, len(v), pieces)
					}
					cp[l.Column] = v
				}
				got[string(cp[0])] = cp
				return nil
			})
			if err != nil {
				t.Fatalf("StreamRows: %v", err)
			}
			if (streamed > 0) != c.streamed {
				t.Fatalf("%d values streamed", streamed)
			}
			var want []Row
			for _, r := range s.rows {
				for _, tn := range c.tenants {
					if tn == itoa(r.Tenant) {
						want = append(want, r)
					}
				}
			}
			sort.Slice(want, func(i, j int) bool { return want[i].ID < want[j].ID })
			if n != int64(len(want)) || len(got) != len(want) {
				t.Fatalf("StreamRows returned %d, %d distinct rows; want %d", n, len(got), len(want))
			}
			for _, w := range want {
				row, ok := got[itoa(w.ID)]
				if !ok {
					t.Fatalf("row %d missing", w.ID)
				}
				if err := s.compare(row, w); err != nil {
					t.Errorf("row %d: %v", w.ID, err)
				}
			}
		})
	}
	t.Run("held read refuses", func(t *testing.T) {
		_, err := rd.Rows(ctx, catalog.Scope{Table: s.table, Tenants: []string{"2"}}, func([][]byte) error { return nil })
		var tl *migrate.TooLargeError
		if !errors.As(err, &tl) {
			t.Fatalf("Rows over a streamed value: %v, want a TooLargeError", err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
