package catalog

// IndexKind says what a deferred index is; deferring each kind has its own cost.
type IndexKind int

// Index kinds.
const (
	IndexPlain   IndexKind = iota // a non-unique secondary index
	IndexUnique                   // a unique secondary index: a duplicate fails the rebuild, late
	IndexForeign                  // a foreign key constraint
)

func (k IndexKind) String() string {
	switch k {
	case IndexUnique:
		return "unique"
	case IndexForeign:
		return "foreign key"
	}
	return "index"
}

// Index is one secondary index or foreign key of a target table, as the
// target's own DDL spells it, so that dropping and adding it back gives the
// same table definition.
type Index struct {
	Name string    `json:"name"`
	Kind IndexKind `json:"kind"`
	// Columns are the indexed (or referencing) columns in order.
	Columns []string `json:"columns"`
	// Def is the definition exactly as SHOW CREATE TABLE prints it, e.g.
	// "KEY `k` (`a`(10),`b` DESC) COMMENT 'x'"; `ALTER TABLE ... ADD` takes it.
	Def string `json:"def"`
}

// DeferOptions say which indexes of a table may be dropped for the load and
// built at the end.
type DeferOptions struct {
	// Unique allows unique secondary keys (a duplicate then fails the rebuild
	// instead of the batch that brought it).
	Unique bool
	// Foreign allows foreign key constraints.
	Foreign bool
	// Keep are columns of an index that must stay (the run's key): an index
	// on exactly these columns is never deferred.
	Keep []string
}
