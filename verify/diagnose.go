package verify

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/cutover/cutover/internal/catalog"
)

// KeyReader reads the rows of a table whose cols hold one of vals (text as
// the adapter binds it, hex for binary columns), whatever tenant they belong
// to when t is shared (catchup.Source's Rows). Verify uses it to say what a
// row missing from a tenant's scope is: orphaned, or under another tenant.
type KeyReader interface {
	Rows(ctx context.Context, t *catalog.Table, tenants []string, cols []catalog.Column, vals [][]string, fn func(row [][]byte) error) error
}

// Row difference kinds found by looking a row up outside its scope.
const (
	// OrphanedInTarget: the target has the row, but it belongs to no tenant
	// there (its parent row is gone, or its tenant is NULL), so no tenant's
	// scope reads it.
	OrphanedInTarget = "orphaned in target"
	// OrphanedInSource: the source row lost its tenant after the copy (its
	// parent row was deleted); the target still holds it under its tenant.
	OrphanedInSource = "orphaned in source"
	// OtherTenantInTarget: the target holds the row under another tenant.
	OtherTenantInTarget = "under another tenant in target"
	// OtherTenantInSource: the source holds the row under another tenant now.
	OtherTenantInSource = "under another tenant in source"
)

// unscoped is t read whatever tenant its rows belong to.
func unscoped(t *catalog.Table) *catalog.Table {
	v := *t
	v.Via, v.Shared, v.Ranged = nil, true, false
	return &v
}

// bindText is a value as a KeyReader binds it.
func bindText(k catalog.Kind, v []byte) string {
	if k == catalog.KindBinary {
		return hex.EncodeToString(v)
	}
	return string(v)
}

// tenantText is a tenant value as the counts and the plan name it.
func tenantText(k catalog.Kind, v []byte) string {
	if k == catalog.KindBinary {
		return fmt.Sprintf("%X", v)
	}
	return string(v)
}

func columnAt(t *catalog.Table, name string) int {
	return slices.IndexFunc(t.Columns, func(c catalog.Column) bool { return c.Name == name })
}

// placedColumns are the columns drill-down keeps of every differing row,
// whatever its value budget: the key, the tenant column and the parent
// reference, which say where the row belongs.
func placedColumns(t *catalog.Table, keyAt []int) []int {
	at := slices.Clone(keyAt)
	name := t.TenantColumn
	if t.Via != nil {
		name = t.Via.On
	}
	if i := columnAt(t, name); i >= 0 && !t.Shared {
		at = append(at, i)
	}
	return at
}

func (c *checker) keys(target bool) KeyReader {
	if target {
		return c.opt.TargetKeys
	}
	return c.opt.SourceKeys
}

// lookupChunk bounds the keys looked up in one statement.
const lookupChunk = 500

// lookupMany reads the rows of t with the keys of rows on one side, whatever
// their tenant, by key (keyOf); nil when that side cannot be asked. Over
// maxValueRows rows, only the columns at keep are held.
func (c *checker) lookupMany(ctx context.Context, t *catalog.Table, target bool, keyAt, keep []int, keyOf func([][]byte) []byte, rows [][][]byte) (map[string]kept, error) {
	kr := c.keys(target)
	if kr == nil || len(rows) == 0 {
		return nil, nil
	}
	view := t
	if target {
		view = TargetView(t)
	}
	read := unscoped(view)
	cols := make([]catalog.Column, len(keyAt))
	for n, i := range keyAt {
		cols[n] = t.Columns[i]
	}
	found := map[string]kept{}
	for start := 0; start < len(rows); start += lookupChunk {
		chunk := rows[start:min(start+lookupChunk, len(rows))]
		vals := make([][]string, len(chunk))
		for r, row := range chunk {
			vals[r] = make([]string, len(keyAt))
			for n, i := range keyAt {
				vals[r][n] = bindText(t.Columns[i].Kind, row[i])
			}
		}
		err := kr.Rows(ctx, read, nil, cols, vals, func(r [][]byte) error {
			full := len(found) < maxValueRows
			v := make([][]byte, len(r))
			for i, x := range r {
				if x != nil && (full || slices.Contains(keep, i)) {
					v[i] = append([]byte{}, x...)
				}
			}
			found[string(keyOf(v))] = kept{values: v, full: full}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("look up %d keys of %s in the %s: %w", len(chunk), view.Name, side(target), err)
		}
	}
	return found, nil
}

// parentOf is what a side says of one parent reference: the tenant of the
// parent row, or why it has none.
type parentOf struct{ tenant, none string }

// parents looks up the parent rows of a via table t referenced by refs (the
// values of t.Via.On) on one side; nil when that side cannot be asked.
func (c *checker) parents(ctx context.Context, t *catalog.Table, target bool, refs map[string][]byte) (map[string]parentOf, error) {
	kr := c.keys(target)
	if kr == nil || t.Via == nil || len(refs) == 0 {
		return nil, nil
	}
	on := columnAt(t, t.Via.On)
	parent := t.Via.Parent
	if target {
		parent = t.Via.Target
	}
	refKind := t.Columns[on].Kind
	pt := &catalog.Table{Name: parent, Target: parent, Shared: true, Columns: []catalog.Column{
		{Name: t.Via.ParentOn, Kind: refKind}, {Name: t.TenantColumn, Kind: t.TenantKind}}}
	keyCol := []catalog.Column{{Name: t.Via.ParentOn, Kind: refKind}}
	out := make(map[string]parentOf, len(refs))
	all := make([][]byte, 0, len(refs))
	for _, v := range refs {
		all = append(all, v)
	}
	of := func(r [][]byte) parentOf {
		if r[1] == nil {
			return parentOf{none: fmt.Sprintf("its parent row %s %s=%s has a NULL %s", parent, t.Via.ParentOn, Display(refKind, r[0]), t.TenantColumn)}
		}
		return parentOf{tenant: tenantText(t.TenantKind, r[1])}
	}
	for start := 0; start < len(all); start += lookupChunk {
		chunk := all[start:min(start+lookupChunk, len(all))]
		vals := make([][]string, len(chunk))
		for i, v := range chunk {
			vals[i] = []string{bindText(refKind, v)}
		}
		err := kr.Rows(ctx, pt, nil, keyCol, vals, func(r [][]byte) error {
			out[string(r[0])] = of(r)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("look up %d parent rows in %s in the %s: %w", len(chunk), parent, side(target), err)
		}
	}
	// A reference whose parent came back spelled otherwise (the join
	// compares by collation, padding or type) is asked for alone: only a
	// parent that is not there at all makes a row an orphan.
	for ref, v := range refs {
		if _, ok := out[ref]; ok {
			continue
		}
		p := parentOf{none: fmt.Sprintf("its parent row %s %s=%s is not in the %s", parent, t.Via.ParentOn, Display(refKind, v), side(target))}
		err := kr.Rows(ctx, pt, nil, keyCol, [][]string{{bindText(refKind, v)}}, func(r [][]byte) error {
			p = of(r)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("look up parent row %s %s=%s in the %s: %w", parent, t.Via.ParentOn, Display(refKind, v), side(target), err)
		}
		out[ref] = p
	}
	return out, nil
}

// owner says which tenant a row of t belongs to on one side: its tenant, or
// "" and why it belongs to none; known is false when that side cannot tell
// (a via table's parents not looked up there).
func owner(t *catalog.Table, parents map[string]parentOf, row [][]byte) (tenant, none string, known bool) {
	if t.Shared || row == nil {
		return "", "", false
	}
	if t.Via == nil {
		i := columnAt(t, t.TenantColumn)
		if i < 0 {
			return "", "", false
		}
		if row[i] == nil {
			return "", fmt.Sprintf("its %s is NULL", t.TenantColumn), true
		}
		return tenantText(t.TenantKind, row[i]), "", true
	}
	on := columnAt(t, t.Via.On)
	if on < 0 {
		return "", "", false
	}
	if row[on] == nil {
		return "", fmt.Sprintf("its %s is NULL", t.Via.On), true
	}
	p, ok := parents[string(row[on])]
	if !ok {
		return "", "", false
	}
	return p.tenant, p.none, true
}

// placement is what diagnose found of one differing row.
type placement struct {
	what string
	note string
	// other is the row found outside the scope, on the side the scope
	// missed it; nil: not there.
	other *kept
	// tenants the row belongs to on either side (a ranged batch names none).
	tenants []string
	placed  bool
}

// diagnose says what each differing row (by key) of a tenant table is. A
// row that one side's scope does not read may still be there, outside it:
// orphaned (its parent row deleted, its tenant NULL) or under another
// tenant. It also places the rows of a batch that names no tenant (ranged)
// on their tenants, so a difference makes only those tenants not ready.
// Rows are looked up in bulk: a few statements per batch, whatever the
// number of differing rows.
func (c *checker) diagnose(ctx context.Context, j Job, keyAt, keep []int, keyOf func([][]byte) []byte, differ map[string]bool, rows [2]map[string]kept) (map[string]placement, error) {
	t := j.Table
	if t.Shared {
		return nil, nil
	}
	needOwner := len(j.Batch.Tenants) != 1
	// The rows each side's scope missed, looked up on that side.
	var missing, extra [][][]byte
	for k := range differ {
		sr, inSrc := rows[0][k]
		tr, inTgt := rows[1][k]
		switch {
		case inSrc && !inTgt:
			missing = append(missing, sr.values)
		case inTgt && !inSrc:
			extra = append(extra, tr.values)
		}
	}
	inTgt, err := c.lookupMany(ctx, t, true, keyAt, keep, keyOf, missing)
	if err != nil {
		return nil, err
	}
	inSrc, err := c.lookupMany(ctx, t, false, keyAt, keep, keyOf, extra)
	if err != nil {
		return nil, err
	}
	// The parents whose tenants are asked for, per side.
	var par [2]map[string]parentOf
	if t.Via != nil {
		on := columnAt(t, t.Via.On)
		refs := [2]map[string][]byte{{}, {}}
		add := func(s int, row [][]byte) {
			if row != nil && on >= 0 && row[on] != nil {
				refs[s][string(row[on])] = row[on]
			}
		}
		for _, r := range inSrc {
			add(0, r.values)
		}
		for _, r := range inTgt {
			add(1, r.values)
		}
		if needOwner {
			for k := range differ {
				add(0, rows[0][k].values)
				add(1, rows[1][k].values)
			}
		}
		for s, target := range []bool{false, true} {
			if par[s], err = c.parents(ctx, t, target, refs[s]); err != nil {
				return nil, err
			}
		}
	}
	out := make(map[string]placement, len(differ))
	for k := range differ {
		sr, okS := rows[0][k]
		tr, okT := rows[1][k]
		p := placement{what: Changed, placed: !needOwner}
		addOwner := func(s int, row [][]byte) (string, string, bool) {
			tenant, none, known := owner(t, par[s], row)
			if tenant != "" && !slices.Contains(p.tenants, tenant) {
				p.tenants = append(p.tenants, tenant)
			}
			return tenant, none, known
		}
		switch {
		case okS && okT:
			if needOwner {
				a, _, _ := addOwner(0, sr.values)
				b, _, _ := addOwner(1, tr.values)
				p.placed = a != "" || b != ""
			}
		case okS || okT:
			s, scoped, what := 0, sr.values, MissingInTgt // the side whose scope reads the row
			if okT {
				s, scoped, what = 1, tr.values, ExtraInTarget
			}
			p.what = what
			if needOwner {
				tenant, _, _ := addOwner(s, scoped)
				p.placed = tenant != ""
			}
			other, found := inTgt[k]
			if s == 1 {
				other, found = inSrc[k]
			}
			if !found {
				break
			}
			p.other = &other
			o := 1 - s
			otherTenant, none, _ := addOwner(o, other.values)
			sideName := side(o == 1)
			switch {
			case none != "":
				p.what = OrphanedInTarget
				if o == 0 {
					p.what = OrphanedInSource
				}
				p.note = fmt.Sprintf("the %s has this row, but %s: it is outside every tenant there", sideName, none)
				if o == 0 {
					p.note += " (deleted after the copy?); the target still has it"
				}
			case otherTenant != "":
				p.what = OtherTenantInTarget
				if o == 0 {
					p.what = OtherTenantInSource
				}
				p.note = fmt.Sprintf("the %s has this row under tenant %s", sideName, otherTenant)
			}
		}
		out[k] = p
	}
	return out, nil
}
