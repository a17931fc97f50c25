package oracle

import (
	"context"
	"fmt"
	"strings"

	"github.com/cutover/cutover/internal/catalog"
)

// SchemaDDL prints MySQL CREATE TABLE statements for tables from the live
// dictionary (`cutover schema --config`), through the same mapping and
// emitter as ConvertDDL. It carries columns, NOT NULL, defaults, the primary
// key and NOT NULL unique keys; foreign keys, checks and other indexes are
// named in a finding, for DBMS_METADATA output and --oracle-ddl to cover.
func (s *Source) SchemaDDL(ctx context.Context, tables []string, opts DDLOptions) (string, []Finding, error) {
	var defs []*ddlTable
	for _, name := range tables {
		m, err := s.meta(ctx, name)
		if err != nil {
			return "", nil, err
		}
		defaults, err := s.defaults(ctx, m.info.Name)
		if err != nil {
			return "", nil, err
		}
		defs = append(defs, withFacts(tableFromInfo(s.owner, m.info, m.types, defaults), m.facts))
	}
	ddl, findings := emitTables(defs, opts)
	return ddl, findings, nil
}

// defaults reads ALL_TAB_COLUMNS.DATA_DEFAULT, a LONG holding the DEFAULT
// expression's text.
func (s *Source) defaults(ctx context.Context, table string) (map[string]string, error) {
	out := map[string]string{}
	rows, err := s.db.QueryContext(ctx,
		`SELECT column_name, data_default FROM all_tab_columns WHERE owner = :1 AND table_name = :2 AND data_default IS NOT NULL`,
		s.owner, table)
	if err != nil {
		return nil, fmt.Errorf("read column defaults of %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var col, def string
		if err := rows.Scan(&col, &def); err != nil {
			return nil, fmt.Errorf("read column defaults of %s: %w", table, err)
		}
		out[col] = strings.TrimSpace(def)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read column defaults of %s: %w", table, err)
	}
	return out, nil
}

// tableFromInfo builds the emitter's table from dictionary facts.
func tableFromInfo(owner string, info *catalog.Info, types map[string]Type, defaults map[string]string) *ddlTable {
	t := &ddlTable{Owner: owner, Name: info.Name}
	for _, c := range info.Columns {
		col := &ddlColumn{Name: c.Name, Type: types[c.Name], NotNull: !c.Nullable}
		if d := defaults[c.Name]; d != "" {
			if toks, err := lex(d); err == nil {
				col.Default = toks
			} else {
				col.notes = append(col.notes, fmt.Sprintf("DEFAULT %s not read: %v", d, err))
			}
		}
		t.Cols = append(t.Cols, col)
	}
	keyCols := func(names []string) []keyCol {
		out := make([]keyCol, len(names))
		for i, n := range names {
			out[i] = keyCol{Name: n}
		}
		return out
	}
	if len(info.PrimaryKey) > 0 {
		t.Keys = append(t.Keys, &ddlKey{Kind: "PRIMARY", Cols: keyCols(info.PrimaryKey)})
	}
	for _, u := range info.UniqueKeys {
		t.Keys = append(t.Keys, &ddlKey{Kind: "UNIQUE", Cols: keyCols(u)})
	}
	return t
}

// withFacts adds what the dictionary knows beyond types, as --oracle-ddl
// reads it from DDL: identity columns become AUTO_INCREMENT, virtual columns
// are reported and not created, invisible columns are created (visible) and
// said, NOVALIDATE keys are said.
func withFacts(t *ddlTable, f colFacts) *ddlTable {
	for _, col := range t.Cols {
		if f.identity[col.Name] {
			col.Identity = true
		}
		if f.invisible[col.Name] {
			col.Invisible = true
		}
	}
	for _, v := range f.virtual {
		toks, err := lex(v.expr)
		if err != nil || len(toks) == 0 {
			toks = []token{{kind: tkWord, text: "?"}}
		}
		t.Cols = append(t.Cols, &ddlColumn{Name: v.name, Virtual: toks})
	}
	t.novalidate = f.novalidate
	return t
}

// emitTables prints tables built from the dictionary.
func emitTables(defs []*ddlTable, opts DDLOptions) (string, []Finding) {
	c := &ddlConverter{opts: opts, byName: map[string]*ddlTable{}}
	for _, t := range defs {
		c.tables = append(c.tables, t)
		c.byName[t.Name] = t
		for _, k := range t.novalidate {
			t.notes = append(t.notes, c.find(Warning, t.Name, "", "constraint", "key %s is ENABLE NOVALIDATE in Oracle: existing rows may violate it, so it is neither created nor used to cut batches", k))
		}
	}
	c.notes = append(c.notes, c.find(Info, "", "", "unsupported",
		"from the live dictionary: foreign keys, CHECK constraints and non-unique indexes are not carried; convert DBMS_METADATA.GET_DDL output with --oracle-ddl for them"))
	return c.emit(), c.findings
}
