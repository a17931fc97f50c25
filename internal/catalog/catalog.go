// Package catalog holds the resolved description of what a run copies: tables
// checked against both databases, their columns and keys, and the scope of one
// batch. Adapters, the engine and verification all speak in these terms.
package catalog

import "fmt"

// Kind is how a column's values compare and bind; adapters map native types to it.
type Kind int

// Kinds, coarse on purpose: enough to bind key values and to choose conversions.
const (
	KindOther   Kind = iota
	KindInt          // signed integer
	KindUint         // unsigned integer
	KindDecimal      // exact decimal
	KindFloat        // binary floating point
	KindString       // character data
	KindBinary       // byte strings and LOBs
	KindTime         // DATE, DATETIME, TIMESTAMP
)

func (k Kind) String() string {
	return [...]string{"other", "int", "uint", "decimal", "float", "string", "binary", "time"}[k]
}

// Column is one column of a table as the source describes it.
type Column struct {
	Name     string
	Type     string // the native type as the database spells it, for messages and DDL
	Kind     Kind
	Nullable bool
}

// Info is what an adapter reports about one table.
type Info struct {
	Name    string
	Columns []Column
	// PrimaryKey lists the primary key's columns; empty when there is none.
	PrimaryKey []string
	// UniqueKeys lists unique keys whose columns are all NOT NULL.
	UniqueKeys [][]string
	// Indexed lists the columns that lead some index, for preflight advice.
	Indexed map[string]bool
	// Rows and Bytes are the dictionary's estimates, zero when unknown.
	Rows, Bytes int64
	// Engine is the storage engine where the database has several, else "".
	Engine string
	// Triggers names the table's triggers, each as "NAME (BEFORE INSERT)":
	// a target trigger may change the rows a batch loads.
	Triggers []string
}

// Column returns the column named name.
func (i *Info) Column(name string) (Column, bool) {
	for _, c := range i.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// IsUniqueKey reports whether cols are exactly the primary key or a NOT NULL
// unique key, in any order.
func (i *Info) IsUniqueKey(cols []string) bool {
	same := func(a []string) bool {
		if len(a) != len(cols) {
			return false
		}
		set := map[string]bool{}
		for _, c := range a {
			set[c] = true
		}
		for _, c := range cols {
			if !set[c] {
				return false
			}
		}
		return true
	}
	if len(i.PrimaryKey) > 0 && same(i.PrimaryKey) {
		return true
	}
	for _, u := range i.UniqueKeys {
		if same(u) {
			return true
		}
	}
	return false
}

// Via says how a table without the tenant column reaches its tenant: through a
// parent table that has it.
type Via struct {
	Parent   string // source parent table
	Target   string // target parent table
	On       string // this table's column referencing the parent
	ParentOn string // the parent's referenced column
}

// Table is one configured table resolved against the source and target.
type Table struct {
	Name   string // source table
	Target string // target table
	// Columns are copied in this order; they exist on both sides.
	Columns []Column
	// Key is the unique key that orders rows and bounds key-range batches.
	Key []Column
	// TenantColumn is the tenant column of this table, or of the Via parent.
	TenantColumn string
	// TenantKind is the kind of the tenant column, used to bind tenant ids.
	TenantKind Kind
	Via        *Via
	// Shared tables are reference data that belong to no tenant.
	Shared bool
	// Ranged tenant tables are batched by key ranges of the whole table, not
	// by tenant: a scope without tenants then means every row that belongs to
	// some tenant, read in key order.
	Ranged bool
	// Where is the configured row filter, an SQL condition on the source
	// table's own columns ("" for none): every source read ANDs it. The
	// target is never filtered: it holds only the filtered rows.
	Where string
	// Override maps a column (its source name) to the MySQL type the target
	// column is created with instead of the converted one; it shapes only
	// the generated CREATE TABLE.
	Override map[string]string
}

// KeyNames returns the key's column names.
func (t *Table) KeyNames() []string {
	out := make([]string, len(t.Key))
	for i, c := range t.Key {
		out[i] = c.Name
	}
	return out
}

// Scope selects the rows of one batch: the tenants (none for a shared table) and
// an optional key range [Lo, Hi). Key values are text as the source adapter wrote
// them when it measured boundaries.
type Scope struct {
	Table   *Table
	Tenants []string
	Lo, Hi  []string
}

// String describes the scope for messages; it never holds row data.
func (s Scope) String() string {
	who := "all rows"
	switch {
	case len(s.Tenants) == 1:
		who = "tenant " + s.Tenants[0]
	case len(s.Tenants) > 1:
		who = fmt.Sprintf("%d tenants", len(s.Tenants))
	}
	if s.Lo != nil || s.Hi != nil {
		return fmt.Sprintf("%s of %s, key %v..%v", who, s.Table.Name, s.Lo, s.Hi)
	}
	return fmt.Sprintf("%s of %s", who, s.Table.Name)
}

// ErrNotFound is wrapped by adapters when a table or column does not exist.
var ErrNotFound = errNotFound{}

type errNotFound struct{}

func (errNotFound) Error() string { return "not found" }
