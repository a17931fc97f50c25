package verify

import (
	"context"
	"testing"

	"github.com/cutover/cutover/internal/canon"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/migrate"
)

func lob(col int, v []byte, piece int) migrate.LOB {
	return migrate.LOB{Column: col, Size: int64(len(v)), Key: "(id=1)", Copy: func(ctx context.Context, fn func([]byte) error) error {
		for off := 0; off < len(v); off += piece {
			if err := fn(v[off:min(off+piece, len(v))]); err != nil {
				return err
			}
		}
		return nil
	}}
}

// TestRowDigestStreamed: verify's digest of a row whose LOB is streamed is
// the digest of the row held whole, the one the engine stores.
func TestRowDigestStreamed(t *testing.T) {
	h := canon.NewHasher([]catalog.Column{{Kind: catalog.KindInt, Type: "bigint"}, {Kind: catalog.KindString, Type: "longtext"}})
	v := []byte("ü€😀\t\n\\ long text")
	want := h.Row([][]byte{[]byte("1"), v})
	got, err := rowDigest(context.Background(), h, [][]byte{[]byte("1"), {}}, []migrate.LOB{lob(1, v, 3)})
	if err != nil || got != want {
		t.Fatalf("streamed digest %v (%v), want %v", got, err, want)
	}
}

// TestStreamedValuesCompared: drill-down compares a streamed value by its
// size and hash, with another streamed value or with one held whole.
func TestStreamedValuesCompared(t *testing.T) {
	ctx := context.Background()
	h := canon.NewHasher([]catalog.Column{{Kind: catalog.KindBinary, Type: "longblob"}})
	a, b := []byte("same value"), []byte("other value")
	da, err := describeStreamed(ctx, lob(0, a, 4))
	if err != nil {
		t.Fatal(err)
	}
	db, _ := describeStreamed(ctx, lob(0, b, 4))
	streamed := func(d string) kept { return kept{values: [][]byte{{}}, full: true, streamed: map[int]string{0: d}} }
	held := func(v []byte) kept { return kept{values: [][]byte{v}, full: true} }
	for _, c := range []struct {
		name string
		x, y kept
		same bool
	}{
		{"both streamed, equal", streamed(da), streamed(da), true},
		{"both streamed, different", streamed(da), streamed(db), false},
		{"streamed and held, equal", streamed(da), held(a), true},
		{"held and streamed, different", held(b), streamed(da), false},
		{"streamed and NULL", streamed(da), kept{values: [][]byte{nil}, full: true}, false},
	} {
		if got := c.x.same(h, 0, c.y); got != c.same {
			t.Errorf("%s: same = %v", c.name, got)
		}
	}
	if want := "(10 bytes, streamed; SHA-256"; da[:len(want)] != want {
		t.Errorf("description %q", da)
	}
}
