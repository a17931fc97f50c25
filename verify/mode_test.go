package verify

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cutover/cutover/checkpoint"
)

func TestModeCheck(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name     string
		m        Mode
		counts   bool
		want     string // the error, "" for none
		checksum bool   // Checksum after Check
	}{
		{name: "counts alone", counts: true},
		{name: "checksum", m: Mode{Checksum: true}, checksum: true},
		{name: "a sample implies checksum", m: Mode{Sample: 5}, checksum: true},
		{name: "a repair implies checksum", m: Mode{Repair: true, DryRun: true}, checksum: true},
		{name: "counts and checksum", m: Mode{Checksum: true}, counts: true, want: "--counts cannot be combined with --checksum, --sample or --repair", checksum: true},
		{name: "counts and sample", m: Mode{Sample: 1}, counts: true, want: "--counts cannot be combined with --checksum, --sample or --repair", checksum: true},
		{name: "dry run alone", m: Mode{DryRun: true}, want: "--dry-run needs --repair"},
		{name: "source alone", m: Mode{Source: true}, want: "--source needs --checksum (or --sample)"},
		{name: "diff file alone", m: Mode{DiffFile: filepath.Join(dir, "d.jsonl")}, want: "--diff-file needs --checksum (or --sample)"},
		{name: "negative workers", m: Mode{Workers: -1}, want: "--workers must be between 1 and 64"},
		{name: "too many workers", m: Mode{Workers: 65}, want: "--workers must be between 1 and 64"},
		{name: "most workers", m: Mode{Workers: 64}},
		{name: "negative keys", m: Mode{Keys: -1}, want: "--keys must not be negative"},
		{name: "diff file in a missing directory", m: Mode{Checksum: true, DiffFile: "/no/such/dir/d.jsonl"}, want: "--diff-file /no/such/dir/d.jsonl: its directory does not exist", checksum: true},
		{name: "diff file", m: Mode{Checksum: true, DiffFile: filepath.Join(dir, "d.jsonl")}, checksum: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.m
			err := m.Check(tc.counts, 64)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tc.want != "" && (err == nil || err.Error() != tc.want):
				t.Fatalf("got %v, want %s", err, tc.want)
			}
			if m.Checksum != tc.checksum {
				t.Fatalf("Checksum %v after Check, want %v", m.Checksum, tc.checksum)
			}
		})
	}
}

func TestWriteDiffFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "diff.jsonl")
	differ := []BatchResult{
		{Batch: 3, Table: "orders", Rows: []RowDiff{{Table: "orders", Tenant: "7", Batch: 3, Key: []string{"12"}, What: "missing in target"}}},
		{Batch: 4, Table: "items", Note: "no key"},
	}
	if err := WriteDiffFile(path, differ); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"table":"orders","tenant":"7","batch":3,"key":["12"],"what":"missing in target","columns":null}` + "\n" +
		`{"batch":4,"note":"no key","table":"items","what":"batch differs"}` + "\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	err = WriteDiffFile(filepath.Join(t.TempDir(), "no", "diff.jsonl"), differ)
	var de *DiffFileError
	if !errors.As(err, &de) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a file in a missing directory: got %v, want a *DiffFileError of a missing file", err)
	}
}

// runLedger is a ledger with an active run (nil: none) and its batches.
type runLedger struct {
	run     *checkpoint.Run
	batches []*checkpoint.Batch
}

func (l runLedger) ActiveRun(context.Context) (*checkpoint.Run, error) { return l.run, nil }
func (l runLedger) Batches(context.Context, int64) ([]*checkpoint.Batch, error) {
	return l.batches, nil
}
func (l runLedger) Checksums(context.Context, int64) (map[int]string, error) { return nil, nil }

func TestNoteCopied(t *testing.T) {
	run := &checkpoint.Run{ID: 5}
	done := func(id int) *checkpoint.Batch { return &checkpoint.Batch{ID: id, State: checkpoint.Done} }
	pending := func(id int) *checkpoint.Batch { return &checkpoint.Batch{ID: id, State: checkpoint.Pending} }
	cases := []struct {
		name    string
		l       runLedger
		note    string
		nothing bool // a *NothingCopiedError
	}{
		{name: "no active run", l: runLedger{}},
		{name: "all done", l: runLedger{run: run, batches: []*checkpoint.Batch{done(1), done(2)}}},
		{name: "some done", l: runLedger{run: run, batches: []*checkpoint.Batch{done(1), pending(2), pending(3)}},
			note: "note: run 5 has 1 of 3 batches done: the rows of the others are not copied yet, and differ until they are\n"},
		{name: "none done", l: runLedger{run: run, batches: []*checkpoint.Batch{pending(1)}}, nothing: true},
		{name: "an empty plan", l: runLedger{run: run}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var w bytes.Buffer
			err := NoteCopied(context.Background(), tc.l, &w)
			var nc *NothingCopiedError
			if tc.nothing != errors.As(err, &nc) || (!tc.nothing && err != nil) {
				t.Fatalf("got %v, want a NothingCopiedError: %v", err, tc.nothing)
			}
			if tc.nothing && err.Error() != "nothing copied yet: run 5 has 0 of 1 batches done" {
				t.Fatalf("got %q", err)
			}
			if w.String() != tc.note {
				t.Fatalf("note %q, want %q", w.String(), tc.note)
			}
		})
	}
}
