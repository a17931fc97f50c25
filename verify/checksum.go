package verify

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strconv"

	"golang.org/x/sync/errgroup"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/canon"
	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/migrate"
)

// Opener opens a per-worker reader of one database (migrate.Source's Open):
// the source, or the target through the MySQL reader on the target schema.
type Opener interface {
	Open(ctx context.Context) (migrate.Reader, error)
}

// Job is one done batch to check against its stored checksum.
type Job struct {
	Batch *checkpoint.Batch
	Table *catalog.Table
	// Stored is the checksum the engine recorded as it copied the batch;
	// nil when the run did not compute one (the source is read instead).
	Stored *canon.Sum
}

// BatchResult is the outcome of checking one batch.
type BatchResult struct {
	Batch   int      `json:"batch"`
	Table   string   `json:"table"`
	Tenants []string `json:"tenants"`
	Equal   bool     `json:"equal"`
	// Stored, Target and Source are "ROWS/HASH"; Source only when read.
	Stored string `json:"stored,omitempty"`
	Target string `json:"target"`
	Source string `json:"source,omitempty"`
	// TargetRows is the number of target rows the checksum covered.
	TargetRows int64 `json:"target_rows"`
	// TenantsDiffer are the tenants whose rows differ (drill-down); empty
	// when the difference could not be placed on a tenant.
	TenantsDiffer []string `json:"tenants_differ,omitempty"`
	// Rows are the differing rows found by drill-down, in key order.
	Rows []RowDiff `json:"rows,omitempty"`
	// Note explains a difference drill-down could not place on rows.
	Note string `json:"note,omitempty"`
}

// RowDiff is one row that differs between the source and the target. Values
// are escaped for display (Display): safe to print on a terminal.
type RowDiff struct {
	Table   string    `json:"table"`
	Tenant  string    `json:"tenant,omitempty"`
	Batch   int       `json:"batch"`
	Key     []string  `json:"key"`
	What    string    `json:"what"` // "changed", "missing in target", "extra in target", "orphaned in target", ...
	Columns []ColDiff `json:"columns"`
	// Note says where a row missing from one side's scope was found.
	Note string `json:"note,omitempty"`

	// tenants are the tenants the row belongs to on either side; placed is
	// false when they could not all be told (a ranged batch names none).
	tenants []string
	placed  bool
}

// ColDiff is one column of a differing row, source and target side by side.
type ColDiff struct {
	Column string `json:"column"`
	Source string `json:"source"`
	Target string `json:"target"`
}

// Row difference kinds.
const (
	Changed        = "changed"
	MissingInTgt   = "missing in target"
	ExtraInTarget  = "extra in target"
	notReadNoValue = "(no row)"
)

// ChecksumOptions configure Checksums.
type ChecksumOptions struct {
	// Workers bounds the batches checked at once (each holds one reader per side).
	Workers int
	// Source re-reads every batch from the source as well, which also catches
	// source changes made after the batch was copied.
	Source bool
	// DrillDown finds the differing rows of every batch that differs.
	DrillDown bool
	// SourceKeys and TargetKeys look rows up outside their scope, to say
	// what a row missing from one side is and which tenants the rows of a
	// ranged batch belong to; nil: not asked.
	SourceKeys, TargetKeys KeyReader
}

// Checksums recomputes the checksum of each job's batch from the target (and
// the source when asked or when no checksum was stored) with a bounded pool,
// compares, and drills down into the batches that differ. Results are in job
// order.
func Checksums(ctx context.Context, src, tgt Opener, jobs []Job, opt ChecksumOptions) ([]BatchResult, error) {
	out := make([]BatchResult, len(jobs))
	next := make(chan int)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(next)
		for i := range jobs {
			select {
			case next <- i:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	for w := 0; w < max(opt.Workers, 1); w++ {
		g.Go(func() error {
			ck := &checker{src: src, tgt: tgt, opt: opt, hashers: map[string]*canon.Hasher{}}
			defer ck.close()
			for i := range next {
				r, err := ck.check(gctx, jobs[i])
				if err != nil {
					return err
				}
				out[i] = r
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// checker is one worker's readers and hashers.
type checker struct {
	src, tgt   Opener
	opt        ChecksumOptions
	srcR, tgtR migrate.Reader
	hashers    map[string]*canon.Hasher
}

func (c *checker) close() {
	if c.srcR != nil {
		c.srcR.Close()
	}
	if c.tgtR != nil {
		c.tgtR.Close()
	}
}

func (c *checker) reader(ctx context.Context, target bool) (migrate.Reader, error) {
	p, o, side := &c.srcR, c.src, "source"
	if target {
		p, o, side = &c.tgtR, c.tgt, "target"
	}
	if *p == nil {
		r, err := o.Open(ctx)
		if err != nil {
			return nil, fmt.Errorf("open %s reader: %w", side, err)
		}
		*p = r
	}
	return *p, nil
}

func (c *checker) hasher(t *catalog.Table) *canon.Hasher {
	h, ok := c.hashers[t.Name]
	if !ok {
		h = canon.NewHasher(t.Columns)
		c.hashers[t.Name] = h
	}
	return h
}

// TargetView is t as seen in the target database: its target name and its
// parent's target name, so a reader on the target schema selects the same scope.
func TargetView(t *catalog.Table) *catalog.Table {
	v := *t
	v.Name = t.Target
	v.Where = "" // the target holds only the filtered rows
	if t.Via != nil {
		via := *t.Via
		via.Parent = t.Via.Target
		v.Via = &via
	}
	return &v
}

// sum hashes one side's rows of the batch.
func (c *checker) sum(ctx context.Context, j Job, target bool) (canon.Sum, error) {
	r, err := c.reader(ctx, target)
	if err != nil {
		return canon.Sum{}, err
	}
	scope := scopeOf(j, target)
	h := c.hasher(j.Table)
	var s canon.Sum
	if _, err := migrate.StreamRows(ctx, r, scope, func(row [][]byte, big []migrate.LOB) error {
		d, err := rowDigest(ctx, h, row, big)
		if err != nil {
			return err
		}
		s.Add(d)
		return nil
	}); err != nil {
		return canon.Sum{}, fmt.Errorf("checksum batch %d (%s): %w", j.Batch.ID, side(target), err)
	}
	return s, nil
}

func side(target bool) string {
	if target {
		return "target"
	}
	return "source"
}

func scopeOf(j Job, target bool) catalog.Scope {
	t := j.Table
	if target {
		t = TargetView(t)
	}
	return catalog.Scope{Table: t, Tenants: j.Batch.Tenants, Lo: j.Batch.Lo, Hi: j.Batch.Hi}
}

func (c *checker) check(ctx context.Context, j Job) (BatchResult, error) {
	r := BatchResult{Batch: j.Batch.ID, Table: j.Table.Name, Tenants: j.Batch.Tenants}
	if r.Tenants == nil {
		r.Tenants = []string{}
	}
	tsum, err := c.sum(ctx, j, true)
	if err != nil {
		return r, err
	}
	r.Target = tsum.String()
	r.TargetRows = tsum.Rows
	r.Equal = true
	if j.Stored != nil {
		r.Stored = j.Stored.String()
		r.Equal = *j.Stored == tsum
	}
	if c.opt.Source || j.Stored == nil {
		ssum, err := c.sum(ctx, j, false)
		if err != nil {
			return r, err
		}
		r.Source = ssum.String()
		r.Equal = r.Equal && ssum == tsum
	}
	if r.Equal || !c.opt.DrillDown {
		return r, nil
	}
	parts, err := c.split(ctx, j)
	if err != nil {
		return r, err
	}
	for _, p := range parts {
		rows, err := c.drill(ctx, p)
		if err != nil {
			return r, err
		}
		r.Rows = append(r.Rows, rows...)
		if len(rows) > 0 {
			r.TenantsDiffer = append(r.TenantsDiffer, p.Batch.Tenants...)
		}
	}
	if len(j.Batch.Tenants) == 0 && !j.Table.Shared {
		r.TenantsDiffer = placedTenants(r.Rows)
	}
	if len(r.Rows) == 0 {
		r.Note = "the source and the target rows agree now, but the target differs from the checksum stored when the batch was copied: the source changed since, or the stored checksum is stale"
	}
	return r, nil
}

// split narrows a differing batch that packs several tenants to the tenants
// whose rows differ, comparing per-tenant checksums of both sides, so that
// readiness and drill-down name the right tenants. A batch of one tenant, or
// of a shared table, is its own part.
func (c *checker) split(ctx context.Context, j Job) ([]Job, error) {
	if len(j.Batch.Tenants) < 2 {
		return []Job{j}, nil
	}
	var parts []Job
	for _, tenant := range j.Batch.Tenants {
		b := *j.Batch
		b.Tenants = []string{tenant}
		p := Job{Batch: &b, Table: j.Table}
		ssum, err := c.sum(ctx, p, false)
		if err != nil {
			return nil, err
		}
		tsum, err := c.sum(ctx, p, true)
		if err != nil {
			return nil, err
		}
		if ssum != tsum {
			parts = append(parts, p)
		}
	}
	return parts, nil
}

// maxValueRows bounds the differing rows per batch and side whose values are
// kept for the side-by-side report; beyond it only keys are reported.
const maxValueRows = 1000

// kept is one differing row's values; full is false when only the key
// columns were kept (over maxValueRows). streamed describes the values that
// were streamed (over source.lob_max_bytes) instead of holding them.
type kept struct {
	values   [][]byte
	full     bool
	streamed map[int]string
}

// drill finds the rows of a batch whose canonical content differs, matched by
// key. A first pass per side keeps only key -> digest (a batch is bounded by
// the plan's batch_rows, so this is bounded too) and finds every differing
// key in one read per side, where bisecting the key range would read it again
// at each level; a second pass keeps the values of the differing rows.
func (c *checker) drill(ctx context.Context, j Job) ([]RowDiff, error) {
	h := c.hasher(j.Table)
	keyAt := keyPositions(j.Table)
	keepAt := placedColumns(j.Table, keyAt)
	keyCols := make([]canon.Col, len(keyAt))
	for n, i := range keyAt {
		keyCols[n] = canon.Columns(j.Table.Columns[i : i+1])[0]
	}
	var key []byte
	keyOf := func(row [][]byte) []byte {
		key = key[:0]
		for n, i := range keyAt {
			key = canon.AppendValue(key, keyCols[n], row[i])
		}
		return key
	}
	scan := func(target bool, fn func(row [][]byte, big []migrate.LOB) error) error {
		r, err := c.reader(ctx, target)
		if err != nil {
			return err
		}
		if _, err := migrate.StreamRows(ctx, r, scopeOf(j, target), fn); err != nil {
			return fmt.Errorf("drill into batch %d (%s): %w", j.Batch.ID, side(target), err)
		}
		return nil
	}
	digests := [2]map[string]canon.Digest{{}, {}}
	for s, target := range []bool{false, true} {
		if err := scan(target, func(row [][]byte, big []migrate.LOB) error {
			d, err := rowDigest(ctx, h, row, big)
			digests[s][string(keyOf(row))] = d
			return err
		}); err != nil {
			return nil, err
		}
	}
	differ := map[string]bool{}
	for k, d := range digests[0] {
		if t, ok := digests[1][k]; !ok || t != d {
			differ[k] = true
		}
	}
	for k := range digests[1] {
		if _, ok := digests[0][k]; !ok {
			differ[k] = true
		}
	}
	if len(differ) == 0 {
		return nil, nil
	}
	rows := [2]map[string]kept{{}, {}}
	for s, target := range []bool{false, true} {
		err := scan(target, func(row [][]byte, big []migrate.LOB) error {
			k := keyOf(row)
			if !differ[string(k)] {
				return nil
			}
			full := len(rows[s]) < maxValueRows
			vals := make([][]byte, len(row))
			for i, v := range row {
				if v != nil && (full || slices.Contains(keepAt, i)) {
					vals[i] = append([]byte{}, v...)
				}
			}
			kr := kept{values: vals, full: full}
			if full && len(big) > 0 {
				kr.streamed = map[int]string{}
				for _, l := range big {
					desc, err := describeStreamed(ctx, l)
					if err != nil {
						return err
					}
					kr.streamed[l.Column] = desc
				}
			}
			rows[s][string(k)] = kr
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	placed, err := c.diagnose(ctx, j, keyAt, keepAt, keyOf, differ, rows)
	if err != nil {
		return nil, err
	}
	out := make([]RowDiff, 0, len(differ))
	for k := range differ {
		sr, inSrc := rows[0][k]
		tr, inTgt := rows[1][k]
		if !inSrc && !inTgt {
			continue // gone between the passes
		}
		present, what := sr, Changed
		switch {
		case !inTgt:
			what = MissingInTgt
		case !inSrc:
			what, present = ExtraInTarget, tr
		}
		rd := RowDiff{Table: j.Table.Name, Batch: j.Batch.ID, What: what}
		if len(j.Batch.Tenants) == 1 {
			rd.Tenant = j.Batch.Tenants[0]
			rd.tenants, rd.placed = j.Batch.Tenants, true
		}
		for _, i := range keyAt {
			rd.Key = append(rd.Key, Display(j.Table.Columns[i].Kind, present.values[i]))
		}
		if pl, ok := placed[k]; ok {
			rd.What, rd.Note = pl.what, pl.note
			switch {
			case pl.other != nil && !inTgt:
				tr, inTgt = *pl.other, true
			case pl.other != nil && !inSrc:
				sr, inSrc = *pl.other, true
			}
			if len(j.Batch.Tenants) != 1 {
				rd.tenants, rd.placed = pl.tenants, pl.placed
				if len(pl.tenants) > 0 {
					rd.Tenant = pl.tenants[0]
				}
			}
		}
		if (inSrc && !sr.full) || (inTgt && !tr.full) {
			out = append(out, rd) // over the value budget: the key only
			continue
		}
		for i, col := range j.Table.Columns {
			sv, tv := notReadNoValue, notReadNoValue
			if inSrc {
				sv = sr.display(col.Kind, i)
			}
			if inTgt {
				tv = tr.display(col.Kind, i)
			}
			if inSrc && inTgt && sr.same(h, i, tr) {
				continue
			}
			rd.Columns = append(rd.Columns, ColDiff{Column: col.Name, Source: sv, Target: tv})
		}
		out = append(out, rd)
	}
	sortRows(j.Table, out)
	return out, nil
}

func keyPositions(t *catalog.Table) []int {
	var at []int
	for _, k := range t.Key {
		for i, c := range t.Columns {
			if c.Name == k.Name {
				at = append(at, i)
			}
		}
	}
	return at
}

// sortRows orders differences by key, numerically where the key is numeric.
func sortRows(t *catalog.Table, rows []RowDiff) {
	sort.Slice(rows, func(a, b int) bool {
		ka, kb := rows[a].Key, rows[b].Key
		for i := range ka {
			if ka[i] == kb[i] {
				continue
			}
			if i < len(t.Key) && (t.Key[i].Kind == catalog.KindInt || t.Key[i].Kind == catalog.KindUint) {
				x, errx := strconv.ParseFloat(ka[i], 64)
				y, erry := strconv.ParseFloat(kb[i], 64)
				if errx == nil && erry == nil && x != y {
					return x < y
				}
			}
			return ka[i] < kb[i]
		}
		return false
	})
}

// Display renders a value for a terminal or a report: NULL, binary as hex,
// text quoted with every control, format (bidi) and invalid byte escaped, so
// a hostile value cannot move the cursor, reorder a line or end one.
func Display(k catalog.Kind, v []byte) string {
	if v == nil {
		return "NULL"
	}
	if k == catalog.KindBinary {
		return "0x" + hex.EncodeToString(v)
	}
	switch k {
	case catalog.KindInt, catalog.KindUint, catalog.KindDecimal, catalog.KindFloat:
		if plain(v) {
			return string(v)
		}
	}
	return strconv.Quote(string(v))
}

func plain(v []byte) bool {
	for _, b := range v {
		if !(b >= '0' && b <= '9' || b == '.' || b == '-' || b == '+' || b == 'e' || b == 'E') {
			return false
		}
	}
	return len(v) > 0
}

// display renders value i, or its description when it was streamed.
func (k kept) display(kind catalog.Kind, i int) string {
	if d, ok := k.streamed[i]; ok {
		return d
	}
	return Display(kind, k.values[i])
}

// same reports whether value i is the same in k and o; a streamed value is
// compared by its description (size and hash).
func (k kept) same(h *canon.Hasher, i int, o kept) bool {
	d, ok := k.streamed[i]
	e, ok2 := o.streamed[i]
	switch {
	case ok && ok2:
		return d == e
	case ok:
		return o.values[i] != nil && d == describeHeld(o.values[i])
	case ok2:
		return k.values[i] != nil && e == describeHeld(k.values[i])
	}
	return sameValue(h, i, k.values[i], o.values[i])
}

// sameValue reports whether two values of column i are canonically equal.
func sameValue(h *canon.Hasher, i int, a, b []byte) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	return bytes.Equal(h.Value(i, a), h.Value(i, b))
}

// placedTenants are the tenants the rows belong to, in natural order, or nil
// when a row could not be placed: then every tenant stays suspect.
func placedTenants(rows []RowDiff) []string {
	var out []string
	for _, r := range rows {
		if !r.placed {
			return nil
		}
		for _, t := range r.tenants {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	SortGroups(out)
	return out
}
