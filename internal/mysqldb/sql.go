// Package mysqldb is the MySQL/MariaDB adapter: a source (introspection, sizing,
// key quantiles, streaming extraction) and the target (batch transactions that
// delete a batch's scope and stream rows in with LOAD DATA LOCAL).
package mysqldb

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqltype"
)

// qualified quotes schema.table.
func qualified(schema, table string) string {
	return mysqltype.Quote(schema) + "." + mysqltype.Quote(table)
}

// bindValue turns a key or tenant value, as text written by Boundaries or found
// by Sizes, into a driver value of the column's kind, so that big integers are
// compared as integers and never through a double.
func bindValue(k catalog.Kind, text string) (any, error) {
	switch k {
	case catalog.KindInt:
		v, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("value %q is not an integer", text)
		}
		return v, nil
	case catalog.KindUint:
		v, err := strconv.ParseUint(text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("value %q is not an unsigned integer", text)
		}
		return v, nil
	case catalog.KindBinary:
		v, err := hex.DecodeString(text)
		if err != nil {
			return nil, fmt.Errorf("value %q is not hex", text)
		}
		return v, nil
	default:
		return text, nil
	}
}

// placeholder is the SQL for one bound value of kind k.
func placeholder(k catalog.Kind) string {
	if k == catalog.KindDecimal {
		return "CAST(? AS DECIMAL(65,30))"
	}
	return "?"
}

// keyExpr is how a key column is selected so its text round-trips through bindValue.
func keyExpr(alias string, c catalog.Column) string {
	col := alias + mysqltype.Quote(c.Name)
	if c.Kind == catalog.KindBinary {
		return "HEX(" + col + ")"
	}
	return col
}

// where collects a WHERE clause and its arguments.
type where struct {
	parts []string
	args  []any
}

func (w *where) add(sql string, args ...any) {
	w.parts = append(w.parts, sql)
	w.args = append(w.args, args...)
}

func (w *where) String() string {
	if len(w.parts) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.parts, " AND ")
}

// filter adds the table's configured row filter, parenthesized, so that
// every source read of it sees only the rows it keeps.
func (w *where) filter(t *catalog.Table) {
	if t.Where != "" {
		w.add("(" + t.Where + ")")
	}
}

// filterSQL is the WHERE clause of the table's row filter alone ("" for none).
func filterSQL(t *catalog.Table) string {
	var w where
	w.filter(t)
	return w.String()
}

// tenantIn adds `col IN (...)` for the tenant ids.
func (w *where) tenantIn(col string, k catalog.Kind, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		v, err := bindValue(k, id)
		if err != nil {
			return fmt.Errorf("tenant id: %w", err)
		}
		args[i] = v
		ph[i] = placeholder(k)
	}
	if len(ids) == 1 {
		w.add(col+" = "+ph[0], args...)
		return nil
	}
	w.add(col+" IN ("+strings.Join(ph, ",")+")", args...)
	return nil
}

// tenantOf restricts to the tenants, or without tenants to the rows that
// belong to some tenant: a row with a NULL tenant is in no batch.
func (w *where) tenantOf(col string, k catalog.Kind, ids []string) error {
	if len(ids) == 0 {
		w.add(col + " IS NOT NULL")
		return nil
	}
	return w.tenantIn(col, k, ids)
}

// keyRangeSQL is the WHERE clause of a scope's key range alone, on unaliased
// columns: how a ranged table's batch is cleared in the target, whatever
// tenant its old rows had.
func keyRangeSQL(s catalog.Scope) (string, []any, error) {
	var w where
	if err := w.keyBound("", s.Table.Key, s.Lo, true); err != nil {
		return "", nil, err
	}
	if err := w.keyBound("", s.Table.Key, s.Hi, false); err != nil {
		return "", nil, err
	}
	return w.String(), w.args, nil
}

// keyBound adds the lexicographic comparison of the key tuple with a bound:
// lower (key >= b) or upper (key < b).
func (w *where) keyBound(alias string, key []catalog.Column, b []string, lower bool) error {
	if b == nil {
		return nil
	}
	if len(b) != len(key) {
		return fmt.Errorf("key bound %v has %d values for a key of %d columns", b, len(b), len(key))
	}
	vals := make([]any, len(b))
	for i, c := range key {
		v, err := bindValue(c.Kind, b[i])
		if err != nil {
			return fmt.Errorf("key column %s: %w", c.Name, err)
		}
		vals[i] = v
	}
	// (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ... OR (k1 = v1 AND ... AND kn >= vn)
	strict, last := ">", ">="
	if !lower {
		strict, last = "<", "<"
	}
	var ors []string
	var args []any
	for i := range key {
		var ands []string
		for j := 0; j < i; j++ {
			ands = append(ands, alias+mysqltype.Quote(key[j].Name)+" = "+placeholder(key[j].Kind))
			args = append(args, vals[j])
		}
		op := strict
		if i == len(key)-1 {
			op = last
		}
		ands = append(ands, alias+mysqltype.Quote(key[i].Name)+" "+op+" "+placeholder(key[i].Kind))
		args = append(args, vals[i])
		ors = append(ors, strings.Join(ands, " AND "))
	}
	if len(ors) == 1 {
		w.add(ors[0], args...)
	} else {
		w.add("("+strings.Join(ors, " OR ")+")", args...)
	}
	return nil
}

// scopeSQL builds the FROM and WHERE of a scope over schema: `FROM t AS c
// [JOIN parent AS p ON ...] WHERE ...`. Columns of t are prefixed with `c.`.
// useTarget selects the target's table names.
func scopeSQL(schema string, s catalog.Scope, useTarget bool) (string, []any, error) {
	t := s.Table
	name := t.Name
	if useTarget {
		name = t.Target
	}
	from := " FROM " + qualified(schema, name) + " AS c"
	var w where
	if !useTarget {
		w.filter(t)
	}
	switch {
	case t.Shared:
		if len(s.Tenants) > 0 {
			return "", nil, fmt.Errorf("shared table %s cannot be scoped to tenants", t.Name)
		}
	case t.Via != nil:
		parent := t.Via.Parent
		if useTarget {
			parent = t.Via.Target
		}
		from += " JOIN " + qualified(schema, parent) + " AS p ON c." + mysqltype.Quote(t.Via.On) + " = p." + mysqltype.Quote(t.Via.ParentOn)
		if err := w.tenantOf("p."+mysqltype.Quote(t.TenantColumn), t.TenantKind, s.Tenants); err != nil {
			return "", nil, err
		}
	default:
		if err := w.tenantOf("c."+mysqltype.Quote(t.TenantColumn), t.TenantKind, s.Tenants); err != nil {
			return "", nil, err
		}
	}
	if err := w.keyBound("c.", t.Key, s.Lo, true); err != nil {
		return "", nil, err
	}
	if err := w.keyBound("c.", t.Key, s.Hi, false); err != nil {
		return "", nil, err
	}
	return from + w.String(), w.args, nil
}

// selectList is the quoted column list with a prefix.
func selectList(prefix string, cols []catalog.Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = prefix + mysqltype.Quote(c.Name)
	}
	return strings.Join(parts, ", ")
}
