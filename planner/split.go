package planner

import (
	"cmp"
	"slices"
)

// Splits lists the (table, tenant) pairs too large for one batch, so the caller
// knows which key boundaries to measure before calling Build: it asks the
// database for the keys at every Step-th row of each and passes them to Build
// under the split's SplitKey.
//
// Pieces is the fewest batches of at most o.BatchRows rows, and Step spreads the
// rows evenly over them, so no piece is a sliver. Splits is lenient where Build
// is strict: sizes of unknown tables and negative sizes are skipped, and
// o.BatchRows < 1 yields nil; Build reports them as errors.
func Splits(tables []TableSpec, sizes []Size, o Options) []Split {
	if o.BatchRows < 1 {
		return nil
	}
	order := make(map[string]int, len(tables))
	for i, t := range tables {
		if _, dup := order[t.Name]; !dup {
			order[t.Name] = i
		}
	}
	return splitsOf(order, sizes, rowCaps(tables, sizes, o))
}

// splitsOf is Splits for sizes already known to name tables in order, with
// each table's batch rows in caps.
func splitsOf(order map[string]int, sizes []Size, caps map[string]int64) []Split {
	var out []Split
	for _, s := range sizes {
		if _, ok := order[s.Table]; !ok || s.Rows <= caps[s.Table] {
			continue
		}
		pieces, step := cut(s.Rows, caps[s.Table])
		out = append(out, Split{SplitKey: SplitKey{Table: s.Table, Tenant: s.Tenant}, Rows: s.Rows, Pieces: pieces, Step: step})
	}
	slices.SortFunc(out, func(a, b Split) int {
		if c := cmp.Compare(order[a.Table], order[b.Table]); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Rows, a.Rows); c != 0 {
			return c
		}
		return CompareTenants(a.Tenant, b.Tenant)
	})
	return out
}

// cut returns the fewest pieces of at most batchRows rows that hold rows, and the
// even step between them (rows > batchRows >= 1). Because pieces is minimal,
// step*(pieces-1) < rows: the last piece is never empty, and step <= batchRows.
func cut(rows, batchRows int64) (pieces int, step int64) {
	p := (rows-1)/batchRows + 1
	return int(p), (rows-1)/p + 1
}

// CompareTenants orders tenant ids the way people expect: ids made only of ASCII
// digits compare as numbers ("9" before "10") and come before all other ids,
// which compare as strings. Equal numbers with different spellings ("7", "007")
// fall back to string order, so the order is total.
func CompareTenants(a, b string) int {
	ai, bi := isDigits(a), isDigits(b)
	switch {
	case ai && bi:
		ta, tb := trimZeros(a), trimZeros(b)
		if c := cmp.Compare(len(ta), len(tb)); c != 0 {
			return c
		}
		if c := cmp.Compare(ta, tb); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	case ai:
		return -1
	case bi:
		return 1
	}
	return cmp.Compare(a, b)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}
