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

// lookup reads the row of t with the key of row on one side, whatever its
// tenant; nil when that side has none, or cannot be asked.
func (c *checker) lookup(ctx context.Context, t *catalog.Table, target bool, keyAt []int, row [][]byte) ([][]byte, error) {
	kr := c.keys(target)
	if kr == nil {
		return nil, nil
	}
	view := t
	if target {
		view = TargetView(t)
	}
	cols := make([]catalog.Column, len(keyAt))
	val := make([]string, len(keyAt))
	for n, i := range keyAt {
		cols[n] = t.Columns[i]
		val[n] = bindText(t.Columns[i].Kind, row[i])
	}
	var found [][]byte
	err := kr.Rows(ctx, unscoped(view), nil, cols, [][]string{val}, func(r [][]byte) error {
		found = make([][]byte, len(r))
		for i, v := range r {
			if v != nil {
				found[i] = append([]byte{}, v...)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("look up key %v of %s in the %s: %w", val, view.Name, side(target), err)
	}
	return found, nil
}

// owner says which tenant a row of t belongs to on one side: its tenant, or
// "" and why it belongs to none. known is false when that side cannot be
// asked (no KeyReader for a via table).
func (c *checker) owner(ctx context.Context, t *catalog.Table, target bool, row [][]byte) (tenant, none string, known bool, err error) {
	if t.Shared {
		return "", "", false, nil
	}
	if t.Via == nil {
		i := columnAt(t, t.TenantColumn)
		if i < 0 {
			return "", "", false, nil
		}
		if row[i] == nil {
			return "", fmt.Sprintf("its %s is NULL", t.TenantColumn), true, nil
		}
		return tenantText(t.TenantKind, row[i]), "", true, nil
	}
	on := columnAt(t, t.Via.On)
	kr := c.keys(target)
	if on < 0 || kr == nil {
		return "", "", false, nil
	}
	if row[on] == nil {
		return "", fmt.Sprintf("its %s is NULL", t.Via.On), true, nil
	}
	parent := t.Via.Parent
	if target {
		parent = t.Via.Target
	}
	ref := Display(t.Columns[on].Kind, row[on])
	pt := &catalog.Table{Name: parent, Target: parent, Shared: true,
		Columns: []catalog.Column{{Name: t.TenantColumn, Kind: t.TenantKind}}}
	var found bool
	var value []byte
	err = kr.Rows(ctx, pt, nil, []catalog.Column{{Name: t.Via.ParentOn, Kind: t.Columns[on].Kind}},
		[][]string{{bindText(t.Columns[on].Kind, row[on])}}, func(r [][]byte) error {
			found = true
			if r[0] != nil {
				value = append([]byte{}, r[0]...)
			}
			return nil
		})
	switch {
	case err != nil:
		return "", "", false, fmt.Errorf("look up parent %s %s=%s in the %s: %w", parent, t.Via.ParentOn, ref, side(target), err)
	case !found:
		return "", fmt.Sprintf("its parent row %s %s=%s is not in the %s", parent, t.Via.ParentOn, ref, side(target)), true, nil
	case value == nil:
		return "", fmt.Sprintf("its parent row %s %s=%s has a NULL %s", parent, t.Via.ParentOn, ref, t.TenantColumn), true, nil
	}
	return tenantText(t.TenantKind, value), "", true, nil
}

// placement is what diagnose found of one differing row.
type placement struct {
	what string
	note string
	// other is the row found outside the scope, on the side the scope
	// missed it.
	other [][]byte
	// tenants the row belongs to on either side (a ranged batch names none).
	tenants []string
	placed  bool
}

// diagnose says what a differing row of a tenant table is. A row that one
// side's scope does not read may still be there, outside it: orphaned (its
// parent row deleted, its tenant NULL) or under another tenant. It also
// places the row on its tenants, so a ranged batch's difference makes only
// those tenants not ready.
func (c *checker) diagnose(ctx context.Context, j Job, keyAt []int, what string, src, tgt [][]byte) (placement, error) {
	p := placement{what: what}
	t := j.Table
	if t.Shared {
		return p, nil
	}
	addOwner := func(target bool, row [][]byte) (string, string, error) {
		tenant, none, known, err := c.owner(ctx, t, target, row)
		if err != nil || !known {
			return "", "", err
		}
		if tenant != "" && !slices.Contains(p.tenants, tenant) {
			p.tenants = append(p.tenants, tenant)
		}
		return tenant, none, nil
	}
	p.placed = true
	switch what {
	case MissingInTgt, ExtraInTarget:
		inScope, target := src, false // the side that reads the row
		if what == ExtraInTarget {
			inScope, target = tgt, true
		}
		tenant, _, err := addOwner(target, inScope)
		if err != nil {
			return p, err
		}
		if tenant == "" && len(j.Batch.Tenants) != 1 {
			p.placed = false
		}
		other, err := c.lookup(ctx, t, !target, keyAt, inScope)
		if err != nil || other == nil {
			return p, err
		}
		p.other = other
		otherTenant, none, err := addOwner(!target, other)
		if err != nil {
			return p, err
		}
		sideName := side(!target)
		switch {
		case none != "":
			// The row is found on the side whose scope missed it.
			p.what = OrphanedInTarget
			if target {
				p.what = OrphanedInSource
			}
			p.note = fmt.Sprintf("the %s has this row, but %s: it is outside every tenant there", sideName, none)
			if target {
				p.note += " (deleted after the copy?); the target still has it"
			}
		case otherTenant != "":
			p.what = OtherTenantInTarget
			if target {
				p.what = OtherTenantInSource
			}
			p.note = fmt.Sprintf("the %s has this row under tenant %s", sideName, otherTenant)
		}
		return p, nil
	default: // changed: both sides read it
		a, _, err := addOwner(false, src)
		if err != nil {
			return p, err
		}
		b, _, err := addOwner(true, tgt)
		if err != nil {
			return p, err
		}
		if a == "" && b == "" && len(j.Batch.Tenants) != 1 {
			p.placed = false
		}
		return p, nil
	}
}
