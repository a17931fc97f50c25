package oracle

import (
	"fmt"
	"strings"

	"github.com/cutover/cutover/internal/catalog"
)

// Key types in the generated DDL. MySQL creates a foreign key only between
// columns of equal types, and Oracle schemas routinely declare them
// differently: an identity INTEGER referenced by a plain INTEGER (which map
// to BIGINT and DECIMAL(38,0)), or a bare NUMBER id, which would become
// DECIMAL(65,30). Every table is mapped first; then the referencing columns
// follow the referenced ones, so a key to a table defined later is resolved
// like any other.

// isBareNumber reports a NUMBER without precision or scale.
func isBareNumber(t Type) bool {
	return t.Name == "NUMBER" && !t.HasPrecision && !t.HasScale
}

// markBareKeys flags the bare NUMBER columns of enabled primary and unique
// keys and of both sides of enabled foreign keys: mapColumns makes them
// BIGINT, with a finding, instead of DECIMAL(65,30).
func (c *ddlConverter) markBareKeys() {
	mark := func(t *ddlTable, name string) {
		if col := t.col(name); col != nil && col.Virtual == nil && isBareNumber(col.Type) {
			col.bareKey = true
		}
	}
	for _, t := range c.tables {
		for _, k := range t.Keys {
			if k.Disabled || k.Kind == "INDEX" {
				continue
			}
			for _, kc := range k.Cols {
				mark(t, kc.Name)
			}
		}
		for _, fk := range t.FKs {
			if fk.Disabled {
				continue
			}
			ref, refCols, ok := c.fkTarget(fk)
			if !ok {
				continue
			}
			for i, cn := range fk.Cols {
				mark(t, cn)
				mark(ref, refCols[i])
			}
		}
	}
}

// bareKeyMapping is the mapping of a bare NUMBER key column.
func bareKeyMapping() Mapping {
	return Mapping{MySQL: "BIGINT", Kind: catalog.KindInt, Conv: ConvDecimal, Loss: Lossy,
		Comment: "bare NUMBER used as a key: mapped to BIGINT, assuming whole numbers within BIGINT's range (preflight checks the values against the target)"}
}

// fkTarget resolves a foreign key's referenced table and columns (its
// primary key when the constraint names none).
func (c *ddlConverter) fkTarget(fk *ddlFK) (ref *ddlTable, refCols []string, ok bool) {
	ref = c.byName[fk.RefTable]
	if ref == nil {
		return nil, nil, false
	}
	refCols = fk.RefCols
	if len(refCols) == 0 {
		for _, k := range ref.Keys {
			if k.Kind == "PRIMARY" && !k.Disabled {
				refCols = names(k.Cols)
			}
		}
	}
	return ref, refCols, len(refCols) == len(fk.Cols)
}

// followable reports whether a referencing column mapped as a may take the
// referenced column's type r without changing a value it can hold: every
// value of an enforced foreign key is a value of the referenced key, so the
// referenced type holds it, as long as both are read the same way (numbers
// as numbers, short text as text).
func followable(a, r Mapping) bool {
	switch {
	case a.Conv == ConvDecimal && r.Conv == ConvDecimal:
		return a.Kind != catalog.KindFloat && r.Kind != catalog.KindFloat
	case a.Conv == ConvText && r.Conv == ConvText:
		return !a.Text && !r.Text
	}
	return a.Conv == r.Conv && a.Conv == ConvBytes && !a.Blob && !r.Blob
}

// followKeys gives the referencing columns of every enabled, validated
// foreign key the referenced columns' types, until nothing changes (a chain
// of keys passes a type down).
func (c *ddlConverter) followKeys() {
	noted := map[*ddlColumn]bool{}
	for round := 0; round <= len(c.tables); round++ {
		changed := false
		for _, t := range c.tables {
			for _, fk := range t.FKs {
				if fk.Disabled || fk.NoValidate {
					continue
				}
				ref, refCols, ok := c.fkTarget(fk)
				if !ok {
					continue
				}
				for i, cn := range fk.Cols {
					a, r := t.col(cn), ref.col(refCols[i])
					if !created(a) || !created(r) || a == r || a.Map.MySQL == r.Map.MySQL || !followable(a.Map, r.Map) {
						continue
					}
					was := a.Map.MySQL
					a.Map.MySQL, a.Map.Kind, a.Map.Chars = r.Map.MySQL, r.Map.Kind, r.Map.Chars
					changed = true
					if !noted[a] {
						noted[a] = true
						msg := fmt.Sprintf("%s -> %s instead of %s: it references %s.%s, and MySQL keys need equal types", a.Type, a.Map.MySQL, was, ref.Name, refCols[i])
						a.notes = append(a.notes, msg)
						c.find(Info, t.Name, a.Name, "type", "%s", msg)
					}
				}
			}
		}
		if !changed {
			return
		}
	}
}

// nameClashes reports names that --names lower folds together.
func (c *ddlConverter) nameClashes() {
	if !c.opts.LowerNames {
		return
	}
	tables := map[string]string{}
	for _, t := range c.tables {
		low := strings.ToLower(t.Name)
		if other, dup := tables[low]; dup {
			c.find(Blocking, t.Name, "", "name", "tables %s and %s are both %s in lower case; rename one or leave out --names lower", other, t.Name, low)
		}
		tables[low] = t.Name
		cols := map[string]string{}
		for _, col := range t.Cols {
			low := strings.ToLower(col.Name)
			if other, dup := cols[low]; dup {
				c.find(Blocking, t.Name, col.Name, "name", "columns %s and %s are both %s in lower case; rename one or leave out --names lower", other, col.Name, low)
			}
			cols[low] = col.Name
		}
	}
}
