package planner

import (
	"fmt"
	"strings"
)

// SourceTable is a source table's columns as the plan saw them, each as
// "name type NULL|NOT NULL" in the table's order: a run refuses to go on with
// a plan whose source changed since (its batches' ranges and the target's
// columns were decided on that shape).
type SourceTable struct {
	Table   string   `json:"table"`
	Columns []string `json:"columns"`
}

// Column is the stored form of one source column.
func Column(name, typ string, nullable bool) string {
	null := "NOT NULL"
	if nullable {
		null = "NULL"
	}
	return name + " " + strings.ToLower(typ) + " " + null
}

// SourceChanges lists, one line per change, how the source tables now differ
// from the planned ones: a table or column added or removed, a column whose
// type or nullability changed, columns reordered. An empty planned list (a
// plan stored before plans recorded the source) has nothing to compare.
func SourceChanges(planned, now []SourceTable) []string {
	if len(planned) == 0 {
		return nil
	}
	byName := map[string][]string{}
	for _, t := range now {
		byName[t.Table] = t.Columns
	}
	var out []string
	for _, p := range planned {
		cur, ok := byName[p.Table]
		if !ok {
			out = append(out, fmt.Sprintf("table %s is no longer copied", p.Table))
			continue
		}
		out = append(out, columnChanges(p.Table, p.Columns, cur)...)
	}
	return out
}

func columnChanges(table string, was, is []string) []string {
	name := func(c string) string { n, _, _ := strings.Cut(c, " "); return strings.ToLower(n) }
	old := map[string]string{}
	for _, c := range was {
		old[name(c)] = c
	}
	cur := map[string]string{}
	for _, c := range is {
		cur[name(c)] = c
	}
	var out []string
	for _, c := range was {
		n := name(c)
		now, ok := cur[n]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("source table %s: column %s was removed", table, c))
		case now != c:
			out = append(out, fmt.Sprintf("source table %s: column %s changed to %s", table, c, now))
		}
	}
	for _, c := range is {
		if _, ok := old[name(c)]; !ok {
			out = append(out, fmt.Sprintf("source table %s: column %s was added", table, c))
		}
	}
	if len(out) == 0 && strings.Join(was, ",") != strings.Join(is, ",") {
		out = append(out, fmt.Sprintf("source table %s: its columns were reordered", table))
	}
	return out
}
