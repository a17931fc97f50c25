package oracle

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cutover/cutover/internal/preflight"
)

// Severity and Finding are the preflight package's: the DDL conversion and
// the data scans report in the same terms as the MySQL source's preflight.
type (
	Severity = preflight.Severity
	Finding  = preflight.Finding
)

// Severities.
const (
	Info     = preflight.Info
	Warning  = preflight.Warning
	Blocking = preflight.Blocking
)

// DDLOptions tune ConvertDDL.
type DDLOptions struct {
	// Zone names the zone TIMESTAMP WITH TIME ZONE values are stored in
	// (default UTC); it only appears in comments.
	Zone string
	// SkipForeignKeys leaves foreign keys out (as comments), for loading
	// tenants in any order.
	SkipForeignKeys bool
	// LowerNames folds Oracle's names to lower case (`--names lower`), as
	// MySQL schemas conventionally are; the run matches names ignoring case.
	LowerNames bool
}

// MySQL limits the generated DDL respects.
const (
	maxIdentLen    = 64
	maxKeyBytes    = 3072 // InnoDB, DYNAMIC rows
	maxRowBytes    = 65535
	maxColComment  = 1024
	maxTablComment = 2048
)

type ddlColumn struct {
	Name     string
	Type     Type
	Map      Mapping
	NotNull  bool
	Default  []token
	DefOnNul bool
	Identity bool
	Virtual  []token // the expression of a virtual column
	Comment  string
	bareKey  bool // a bare NUMBER in a key: BIGINT (markBareKeys)
	// Invisible: INVISIBLE in Oracle; created as an ordinary column.
	Invisible bool
	notes     []string // SQL comments printed above the column
}

type keyCol struct {
	Name string
	Desc bool
	Expr []token // a function-based index expression instead of a column
}

type ddlKey struct {
	Name     string
	Kind     string // PRIMARY, UNIQUE, INDEX
	Cols     []keyCol
	Disabled bool
}

type ddlFK struct {
	Name     string
	Cols     []string
	RefTable string
	RefCols  []string
	OnDelete string
	Disabled bool
	// NoValidate: ENABLE NOVALIDATE, existing rows may not match the
	// referenced key, so the referencing column keeps its own type.
	NoValidate bool
}

type ddlCheck struct {
	Name     string
	Expr     []token
	Disabled bool
}

type ddlTable struct {
	Owner, Name string
	Cols        []*ddlColumn
	Keys        []*ddlKey
	FKs         []*ddlFK
	Checks      []*ddlCheck
	Comment     string
	notes       []string
	novalidate  []string // NOVALIDATE keys the dictionary left out
}

func (t *ddlTable) col(name string) *ddlColumn {
	for _, c := range t.Cols {
		if c.Name == name {
			return c
		}
	}
	return nil
}

type ddlConverter struct {
	opts     DDLOptions
	tables   []*ddlTable
	byName   map[string]*ddlTable
	findings []Finding
	notes    []string // file-level comments for unsupported statements
}

func (c *ddlConverter) find(sev Severity, table, column, check, format string, args ...any) string {
	msg := fmt.Sprintf(format, args...)
	c.findings = append(c.findings, Finding{Severity: sev, Table: table, Column: column, Check: check, Message: msg})
	return msg
}

// ConvertDDL reads Oracle DDL as DBMS_METADATA.GET_DDL writes it and returns
// MySQL CREATE TABLE statements (InnoDB, utf8mb4) that load as they are into
// MySQL 8 and MariaDB 10.6+. Every lossy or judgement-call mapping carries a
// SQL comment and a finding; constructs that are not converted are listed as
// findings and comments, never dropped silently. Storage, tablespace, segment
// and LOB storage clauses are ignored: they describe Oracle's files, not data.
func ConvertDDL(r io.Reader, opts DDLOptions) (ddl string, findings []Finding, err error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return "", nil, fmt.Errorf("read oracle ddl: %w", err)
	}
	if !utf8.Valid(raw) {
		return "", nil, fmt.Errorf("read oracle ddl: the file is not UTF-8")
	}
	toks, err := lex(dropSQLPlus(string(raw)))
	if err != nil {
		return "", nil, fmt.Errorf("parse oracle ddl: %w", err)
	}
	c := &ddlConverter{opts: opts, byName: map[string]*ddlTable{}}
	failed := 0
	for _, st := range split(toks) {
		before := len(c.tables)
		err := c.statement(st)
		var dup *duplicateTableError
		if errors.As(err, &dup) {
			return "", nil, fmt.Errorf("parse oracle ddl: line %d: %w", st[0].line, err)
		}
		if err != nil {
			// One statement we cannot read is a finding for it; the rest of
			// the file converts. A table it began is not created.
			for _, t := range c.tables[before:] {
				delete(c.byName, t.Name)
			}
			c.tables = c.tables[:before]
			failed++
			c.notes = append(c.notes, c.find(Warning, "", "", "unsupported", "line %d: not converted: %s (%v)", st[0].line, joinSQL(st[:min(len(st), 6)]), err))
		}
	}
	if len(c.tables) == 0 {
		if failed > 0 {
			return "", c.findings, fmt.Errorf("parse oracle ddl: no CREATE TABLE could be converted (%d statements could not be read; the first: %s)", failed, c.findings[0].Message)
		}
		return "", c.findings, errors.New("parse oracle ddl: the file has no CREATE TABLE statement (is it the DDL, as DBMS_METADATA.GET_DDL or a create script writes it?)")
	}
	return c.emit(), c.findings, nil
}

// duplicateTableError is a table created twice in one file: the file is not
// one schema's DDL, and nothing is converted.
type duplicateTableError struct{ name string }

func (e *duplicateTableError) Error() string {
	return "table " + e.name + " is created twice"
}

// parser walks one statement.
type parser struct {
	ts []token
	i  int
}

func (p *parser) peek() token {
	if p.i < len(p.ts) {
		return p.ts[p.i]
	}
	return token{kind: tkPunct, text: "<end>"}
}
func (p *parser) done() bool { return p.i >= len(p.ts) }
func (p *parser) next() token {
	t := p.peek()
	p.i++
	return t
}
func (p *parser) accept(words ...string) bool {
	for k, w := range words {
		if p.i+k >= len(p.ts) || !p.ts[p.i+k].word(w) {
			return false
		}
	}
	p.i += len(words)
	return true
}
func (p *parser) acceptPunct(s string) bool {
	if p.peek().is(tkPunct, s) {
		p.i++
		return true
	}
	return false
}
func (p *parser) expectPunct(s string) error {
	if !p.acceptPunct(s) {
		return fmt.Errorf("expected %q near %q", s, p.peek().sql())
	}
	return nil
}

// ident reads an identifier, quoted or not.
func (p *parser) ident() (string, error) {
	t := p.next()
	if t.kind != tkQuoted && t.kind != tkWord {
		return "", fmt.Errorf("expected a name near %q", t.sql())
	}
	return t.name(), nil
}

// qualified reads [owner.]name.
func (p *parser) qualified() (owner, name string, err error) {
	name, err = p.ident()
	if err != nil {
		return "", "", err
	}
	if p.acceptPunct(".") {
		owner = name
		name, err = p.ident()
	}
	return owner, name, err
}

// group returns the tokens inside the parenthesized group starting at the
// current '(' and moves past its ')'.
func (p *parser) group() ([]token, error) {
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	start, depth := p.i, 1
	for ; p.i < len(p.ts); p.i++ {
		switch {
		case p.ts[p.i].is(tkPunct, "("):
			depth++
		case p.ts[p.i].is(tkPunct, ")"):
			depth--
			if depth == 0 {
				p.i++
				return p.ts[start : p.i-1], nil
			}
		}
	}
	return nil, fmt.Errorf("unbalanced parentheses")
}

// splitCommas splits tokens at top-level commas.
func splitCommas(ts []token) [][]token {
	var out [][]token
	depth, start := 0, 0
	for i, t := range ts {
		switch {
		case t.is(tkPunct, "("):
			depth++
		case t.is(tkPunct, ")"):
			depth--
		case t.is(tkPunct, ",") && depth == 0:
			out = append(out, ts[start:i])
			start = i + 1
		}
	}
	if start < len(ts) {
		out = append(out, ts[start:])
	}
	return out
}

func (c *ddlConverter) statement(st statement) error {
	p := &parser{ts: st}
	switch {
	case p.accept("CREATE", "TABLE"):
		return c.createTable(p, "")
	case p.accept("CREATE", "GLOBAL", "TEMPORARY", "TABLE"), p.accept("CREATE", "PRIVATE", "TEMPORARY", "TABLE"):
		return c.createTable(p, "temporary")
	case p.accept("CREATE", "INDEX"):
		return c.createIndex(p, "INDEX")
	case p.accept("CREATE", "UNIQUE", "INDEX"):
		return c.createIndex(p, "UNIQUE")
	case p.accept("CREATE", "BITMAP", "INDEX"):
		return c.createIndex(p, "INDEX")
	case p.accept("ALTER", "TABLE"):
		return c.alterTable(p)
	case p.accept("COMMENT", "ON"):
		return c.comment(p)
	}
	head := joinSQL(st[:min(len(st), 6)])
	msg := c.find(Warning, "", "", "unsupported", "not converted: %s ...", head)
	c.notes = append(c.notes, msg)
	return nil
}

func (c *ddlConverter) table(owner, name string) *ddlTable {
	return c.byName[name]
}

func (c *ddlConverter) createTable(p *parser, kind string) error {
	owner, name, err := p.qualified()
	if err != nil {
		return err
	}
	if _, dup := c.byName[name]; dup {
		return &duplicateTableError{name: name}
	}
	t := &ddlTable{Owner: owner, Name: name}
	c.byName[name] = t
	c.tables = append(c.tables, t)
	if kind != "" {
		t.notes = append(t.notes, c.find(Warning, name, "", "unsupported", "Oracle %s table created as an ordinary table", kind))
	}
	if p.accept("OF") {
		return fmt.Errorf("object tables (CREATE TABLE %s OF type) are not supported", name)
	}
	items, err := p.group()
	if err != nil {
		return fmt.Errorf("table %s: %w", name, err)
	}
	for _, item := range splitCommas(items) {
		if len(item) == 0 {
			continue
		}
		if err := c.tableItem(t, item); err != nil {
			return fmt.Errorf("table %s: %w", name, err)
		}
	}
	c.tableProperties(t, p.ts[p.i:])
	return nil
}

// storageWords are the words of physical table properties, which describe
// Oracle's storage and are dropped without a finding.
func storageWord(w string) bool {
	switch w {
	case "SEGMENT", "CREATION", "IMMEDIATE", "DEFERRED", "PCTFREE", "PCTUSED", "INITRANS", "MAXTRANS",
		"NOCOMPRESS", "COMPRESS", "BASIC", "ADVANCED", "FOR", "OLTP", "QUERY", "ARCHIVE", "LOW", "HIGH",
		"LOGGING", "NOLOGGING", "STORAGE", "INITIAL", "NEXT", "MINEXTENTS", "MAXEXTENTS", "PCTINCREASE",
		"FREELISTS", "FREELIST", "GROUPS", "BUFFER_POOL", "FLASH_CACHE", "CELL_FLASH_CACHE", "DEFAULT",
		"KEEP", "RECYCLE", "TABLESPACE", "LOB", "STORE", "AS", "SECUREFILE", "BASICFILE", "ENABLE", "DISABLE",
		"IN", "ROW", "CHUNK", "RETENTION", "AUTO", "MIN", "MAX", "NONE", "CACHE", "NOCACHE", "READS",
		"NOCOMPRESS_LOB", "DEDUPLICATE", "KEEP_DUPLICATES", "PARALLEL", "NOPARALLEL", "MONITORING",
		"NOMONITORING", "ROWDEPENDENCIES", "NOROWDEPENDENCIES", "MOVEMENT", "ORGANIZATION", "HEAP", "INDEX",
		"XMLTYPE", "COLUMN", "BINARY", "XML", "ALLOW", "DISALLOW", "NONSCHEMA", "ANYSCHEMA", "MAXSIZE",
		"UNLIMITED", "K", "M", "G", "ENCRYPT", "DECRYPT", "NOSORT", "INMEMORY", "NO", "PRIORITY", "MEMCOMPRESS",
		"DUPLICATE", "USING", "PCTVERSION", "FREEPOOLS", "ON", "COMMIT", "PRESERVE", "DELETE", "ROWS",
		"SUPPLEMENTAL", "LOG", "DATA", "ALL", "COLUMNS", "JSON", "OVERFLOW", "PCTTHRESHOLD", "INCLUDING",
		"MAPPING", "TABLE", "NESTED", "RETURN", "LOCATOR", "VALUE", "SYS", "STORAGE_PARAMS", "OPTIMAL",
		"ILM", "ROW_ARCHIVAL", "SHARING", "METADATA":
		return true
	}
	return false
}

func (c *ddlConverter) tableProperties(t *ddlTable, rest []token) {
	for i := 0; i < len(rest); i++ {
		tk := rest[i]
		if tk.word("PARTITION") || tk.word("SUBPARTITION") {
			t.notes = append(t.notes, c.find(Warning, t.Name, "", "unsupported", "partitioning is not carried to MySQL; the table is created unpartitioned"))
			return
		}
		if tk.word("CLUSTER") {
			t.notes = append(t.notes, c.find(Info, t.Name, "", "unsupported", "Oracle table cluster membership is dropped"))
			return
		}
		if tk.word("EXTERNAL") {
			t.notes = append(t.notes, c.find(Warning, t.Name, "", "unsupported", "external table: its data lives outside Oracle and is not copied"))
			return
		}
		if tk.kind == tkWord && !storageWord(tk.text) {
			t.notes = append(t.notes, c.find(Info, t.Name, "", "unsupported", "table clause ignored from %s", joinSQL(rest[i:min(len(rest), i+6)])))
			return
		}
	}
}

func (c *ddlConverter) tableItem(t *ddlTable, item []token) error {
	p := &parser{ts: item}
	first := p.peek()
	if first.word("CONSTRAINT") || first.word("PRIMARY") || first.word("UNIQUE") || first.word("CHECK") || first.word("FOREIGN") {
		return c.constraint(t, p, nil)
	}
	if first.word("SUPPLEMENTAL") || first.word("PERIOD") {
		t.notes = append(t.notes, c.find(Info, t.Name, "", "unsupported", "ignored: %s", joinSQL(item)))
		return nil
	}
	return c.column(t, p)
}

// parseType reads an Oracle data type.
func parseType(p *parser) (Type, error) {
	t := Type{Frac: 6, Lead: 2}
	first := p.next()
	if first.kind != tkWord && first.kind != tkQuoted {
		return t, fmt.Errorf("expected a data type near %q", first.sql())
	}
	name := strings.ToUpper(first.text)
	if p.acceptPunct(".") {
		// A schema-qualified type such as "SYS"."XMLTYPE" or MDSYS.SDO_GEOMETRY.
		n, err := p.ident()
		if err != nil {
			return t, err
		}
		if name == "SYS" || name == "PUBLIC" {
			name = strings.ToUpper(n)
		} else {
			name = name + "." + n
		}
	}
	nums := func() ([]string, error) {
		if !p.peek().is(tkPunct, "(") {
			return nil, nil
		}
		g, err := p.group()
		if err != nil {
			return nil, err
		}
		// Numbers, '*' and words (BYTE, CHAR) separated by commas; a '-'
		// joins the number after it (NUMBER(5,-2)).
		var out []string
		for k := 0; k < len(g); k++ {
			switch {
			case g[k].is(tkPunct, "-") && k+1 < len(g):
				out = append(out, "-"+g[k+1].text)
				k++
			case g[k].is(tkPunct, ","):
			default:
				out = append(out, g[k].text)
			}
		}
		return out, nil
	}
	switch name {
	case "LONG":
		if p.accept("RAW") {
			name = "LONG RAW"
		}
	case "DOUBLE":
		if p.accept("PRECISION") {
			name = "DOUBLE PRECISION"
		}
	case "TIMESTAMP":
		n, err := nums()
		if err != nil {
			return t, err
		}
		if len(n) > 0 {
			t.Frac, _ = strconv.Atoi(n[0])
		}
		switch {
		case p.accept("WITH", "LOCAL", "TIME", "ZONE"):
			name = "TIMESTAMP WITH LOCAL TIME ZONE"
		case p.accept("WITH", "TIME", "ZONE"):
			name = "TIMESTAMP WITH TIME ZONE"
		}
		t.Name = name
		return t, nil
	case "INTERVAL":
		switch {
		case p.accept("YEAR"):
			n, err := nums()
			if err != nil {
				return t, err
			}
			if len(n) > 0 {
				t.Lead, _ = strconv.Atoi(n[0])
			}
			if !p.accept("TO", "MONTH") {
				return t, fmt.Errorf("expected TO MONTH")
			}
			t.Name = "INTERVAL YEAR TO MONTH"
		case p.accept("DAY"):
			n, err := nums()
			if err != nil {
				return t, err
			}
			if len(n) > 0 {
				t.Lead, _ = strconv.Atoi(n[0])
			}
			if !p.accept("TO", "SECOND") {
				return t, fmt.Errorf("expected TO SECOND")
			}
			if n, err = nums(); err != nil {
				return t, err
			}
			if len(n) > 0 {
				t.Frac, _ = strconv.Atoi(n[0])
			}
			t.Name = "INTERVAL DAY TO SECOND"
		default:
			return t, fmt.Errorf("unknown INTERVAL type")
		}
		return t, nil
	}
	t.Name = name
	n, err := nums()
	if err != nil {
		return t, err
	}
	switch name {
	case "NUMBER", "DECIMAL", "NUMERIC", "FLOAT":
		if len(n) > 0 && n[0] != "*" {
			t.Precision, _ = strconv.Atoi(n[0])
			t.HasPrecision = true
		}
		if len(n) > 1 {
			t.Scale, _ = strconv.Atoi(n[1])
			t.HasScale = true
		} else if t.HasPrecision && name != "FLOAT" {
			t.HasScale = true // NUMBER(p) is NUMBER(p,0)
		}
		if name == "DECIMAL" || name == "NUMERIC" {
			t.Name = "NUMBER"
			if !t.HasPrecision {
				t.Precision, t.HasPrecision, t.HasScale = 38, true, true
			}
		}
	case "VARCHAR2", "VARCHAR", "CHAR", "NVARCHAR2", "NCHAR", "RAW", "UROWID", "CHARACTER":
		if len(n) > 0 {
			t.Length, _ = strconv.Atoi(n[0])
		} else if name == "CHAR" || name == "NCHAR" {
			t.Length = 1
		}
		t.CharSemantics = strings.HasPrefix(name, "N") || (len(n) > 1 && n[1] == "CHAR")
	}
	return t, nil
}

// columnStop ends a DEFAULT expression.
func columnStop(t token) bool {
	if t.kind != tkWord {
		return false
	}
	switch t.text {
	case "NOT", "NULL", "CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "REFERENCES", "ENABLE", "DISABLE",
		"ENCRYPT", "VISIBLE", "INVISIBLE", "COLLATE", "GENERATED", "SORT":
		return true
	}
	return false
}

func (c *ddlConverter) column(t *ddlTable, p *parser) error {
	name, err := p.ident()
	if err != nil {
		return err
	}
	col := &ddlColumn{Name: name}
	if p.accept("AS") || p.accept("GENERATED", "ALWAYS", "AS") {
		// A virtual column without a type.
		g, err := p.group()
		if err != nil {
			return err
		}
		col.Virtual = g
	} else {
		typ, err := parseType(p)
		if err != nil {
			return fmt.Errorf("column %s: %w", name, err)
		}
		col.Type = typ
	}
	for !p.done() {
		switch {
		case p.accept("INVISIBLE"):
			col.Invisible = true
		case p.accept("SORT"), p.accept("VISIBLE"), p.accept("ENABLE"), p.accept("VIRTUAL"):
		case p.accept("COLLATE"):
			p.next()
		case p.accept("ENCRYPT"):
			col.notes = append(col.notes, c.find(Info, t.Name, name, "unsupported", "Oracle TDE column encryption is not carried"))
			for !p.done() && !columnStop(p.peek()) {
				p.next()
			}
		case p.accept("DEFAULT"):
			if p.accept("ON", "NULL") {
				col.DefOnNul = true
			}
			start := p.i
			if p.peek().word("NULL") {
				p.next()
			}
			for !p.done() && !columnStop(p.peek()) {
				if p.peek().is(tkPunct, "(") {
					if _, err := p.group(); err != nil {
						return err
					}
					continue
				}
				p.next()
			}
			col.Default = p.ts[start:p.i]
		case p.peek().word("GENERATED"):
			p.next()
			p.accept("ALWAYS")
			p.accept("BY", "DEFAULT")
			p.accept("ON", "NULL")
			if !p.accept("AS") {
				return fmt.Errorf("column %s: expected AS after GENERATED", name)
			}
			if p.accept("IDENTITY") {
				col.Identity = true
				if p.peek().is(tkPunct, "(") {
					if _, err := p.group(); err != nil {
						return err
					}
				}
				for !p.done() && !columnStop(p.peek()) {
					p.next()
				}
				continue
			}
			g, err := p.group()
			if err != nil {
				return err
			}
			col.Virtual = g
		case p.accept("NOT", "NULL"):
			col.NotNull = true
		case p.accept("NULL"):
		case p.peek().word("CONSTRAINT"), p.peek().word("PRIMARY"), p.peek().word("UNIQUE"), p.peek().word("CHECK"), p.peek().word("REFERENCES"):
			if err := c.constraint(t, p, col); err != nil {
				return err
			}
		default:
			col.notes = append(col.notes, c.find(Info, t.Name, name, "unsupported", "column clause ignored: %s", joinSQL(p.ts[p.i:])))
			p.i = len(p.ts)
		}
	}
	t.Cols = append(t.Cols, col)
	return nil
}

// constraintState reads ENABLE/DISABLE [VALIDATE|NOVALIDATE] [RELY] and
// USING INDEX ... and reports whether the constraint is disabled.
func constraintState(p *parser) (disabled, novalidate bool) {
	for !p.done() {
		switch {
		case p.accept("DISABLE"):
			disabled = true
		case p.accept("NOVALIDATE"):
			novalidate = true
		case p.accept("ENABLE"), p.accept("VALIDATE"), p.accept("RELY"), p.accept("NORELY"),
			p.accept("DEFERRABLE"), p.accept("NOT", "DEFERRABLE"), p.accept("INITIALLY", "IMMEDIATE"),
			p.accept("INITIALLY", "DEFERRED"):
		case p.accept("USING", "INDEX"):
			// USING INDEX [owner.name | (CREATE INDEX ...) | storage clauses]
			for !p.done() && !p.peek().word("ENABLE") && !p.peek().word("DISABLE") {
				if p.peek().is(tkPunct, "(") {
					_, _ = p.group()
					continue
				}
				p.next()
			}
		case p.peek().is(tkPunct, "("):
			_, _ = p.group()
		default:
			return disabled, novalidate
		}
	}
	return disabled, novalidate
}

func identList(ts []token) ([]keyCol, error) {
	var out []keyCol
	for _, item := range splitCommas(ts) {
		if len(item) == 0 {
			return nil, fmt.Errorf("empty column in a column list")
		}
		k := keyCol{}
		if (item[0].kind == tkQuoted || item[0].kind == tkWord) && (len(item) == 1 || (len(item) == 2 && (item[1].word("ASC") || item[1].word("DESC")))) {
			k.Name = item[0].name()
			k.Desc = len(item) == 2 && item[1].word("DESC")
		} else {
			k.Expr = item
		}
		out = append(out, k)
	}
	return out, nil
}

func names(ks []keyCol) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.Name
	}
	return out
}

// constraint reads a table constraint, or an inline one when col is not nil.
func (c *ddlConverter) constraint(t *ddlTable, p *parser, col *ddlColumn) error {
	name := ""
	if p.accept("CONSTRAINT") {
		n, err := p.ident()
		if err != nil {
			return err
		}
		name = n
	}
	inline := func() []keyCol {
		if col == nil {
			return nil
		}
		return []keyCol{{Name: col.Name}}
	}
	switch {
	case p.accept("NOT", "NULL"):
		if col != nil {
			disabled, _ := constraintState(p)
			col.NotNull = !disabled
			if disabled {
				col.notes = append(col.notes, c.find(Warning, t.Name, col.Name, "constraint", "NOT NULL constraint is disabled in Oracle; the column is nullable here"))
			}
		}
		return nil
	case p.accept("NULL"):
		return nil
	case p.accept("PRIMARY", "KEY"), p.accept("UNIQUE"):
		kind := "UNIQUE"
		if p.ts[p.i-1].word("KEY") {
			kind = "PRIMARY"
		}
		cols := inline()
		if col == nil {
			g, err := p.group()
			if err != nil {
				return err
			}
			if cols, err = identList(g); err != nil {
				return err
			}
		}
		disabled, novalidate := constraintState(p)
		k := &ddlKey{Name: name, Kind: kind, Cols: cols, Disabled: disabled}
		if novalidate && !disabled {
			c.find(Warning, t.Name, "", "constraint", "%s key %s is ENABLE NOVALIDATE in Oracle: existing rows may violate it and fail the load", strings.ToLower(kind), name)
		}
		t.Keys = append(t.Keys, k)
		return nil
	case p.accept("CHECK"):
		g, err := p.group()
		if err != nil {
			return err
		}
		disabled, _ := constraintState(p)
		t.Checks = append(t.Checks, &ddlCheck{Name: name, Expr: g, Disabled: disabled})
		return nil
	case p.accept("FOREIGN", "KEY"), p.peek().word("REFERENCES"):
		var cols []string
		if col != nil {
			cols = []string{col.Name}
		} else {
			g, err := p.group()
			if err != nil {
				return err
			}
			kc, err := identList(g)
			if err != nil {
				return err
			}
			cols = names(kc)
		}
		if !p.accept("REFERENCES") {
			return fmt.Errorf("expected REFERENCES")
		}
		_, ref, err := p.qualified()
		if err != nil {
			return err
		}
		fk := &ddlFK{Name: name, Cols: cols, RefTable: ref}
		if p.peek().is(tkPunct, "(") {
			g, err := p.group()
			if err != nil {
				return err
			}
			kc, err := identList(g)
			if err != nil {
				return err
			}
			fk.RefCols = names(kc)
		}
		switch {
		case p.accept("ON", "DELETE", "CASCADE"):
			fk.OnDelete = "CASCADE"
		case p.accept("ON", "DELETE", "SET", "NULL"):
			fk.OnDelete = "SET NULL"
		}
		fk.Disabled, fk.NoValidate = constraintState(p)
		t.FKs = append(t.FKs, fk)
		return nil
	}
	return fmt.Errorf("unknown constraint near %q", p.peek().sql())
}

func (c *ddlConverter) alterTable(p *parser) error {
	_, name, err := p.qualified()
	if err != nil {
		return err
	}
	t := c.table("", name)
	if t == nil {
		c.notes = append(c.notes, c.find(Warning, name, "", "unsupported", "ALTER TABLE of a table not created in this file: %s", joinSQL(p.ts)))
		return nil
	}
	switch {
	case p.accept("ADD"):
		if p.peek().is(tkPunct, "(") {
			g, err := p.group()
			if err != nil {
				return err
			}
			for _, item := range splitCommas(g) {
				if err := c.tableItem(t, item); err != nil {
					return err
				}
			}
			return nil
		}
		if err := c.constraint(t, p, nil); err != nil {
			return fmt.Errorf("alter table %s: %w", name, err)
		}
		return nil
	case p.accept("MODIFY"):
		var items [][]token
		if p.peek().is(tkPunct, "(") {
			g, err := p.group()
			if err != nil {
				return err
			}
			items = splitCommas(g)
		} else {
			items = [][]token{p.ts[p.i:]}
		}
		for _, item := range items {
			ip := &parser{ts: item}
			cn, err := ip.ident()
			if err != nil {
				return err
			}
			col := t.col(cn)
			if col == nil {
				return fmt.Errorf("alter table %s modify: no column %s", name, cn)
			}
			for !ip.done() {
				switch {
				case ip.peek().word("NOT"), ip.peek().word("NULL"), ip.peek().word("CONSTRAINT"), ip.peek().word("PRIMARY"),
					ip.peek().word("UNIQUE"), ip.peek().word("CHECK"), ip.peek().word("REFERENCES"):
					if err := c.constraint(t, ip, col); err != nil {
						return err
					}
					if ip.peek().word("ENABLE") || ip.peek().word("DISABLE") {
						constraintState(ip)
					}
				case ip.accept("DEFAULT"):
					start := ip.i
					for !ip.done() && !columnStop(ip.peek()) {
						ip.next()
					}
					col.Default = ip.ts[start:ip.i]
				default:
					col.notes = append(col.notes, c.find(Info, name, cn, "unsupported", "ALTER TABLE MODIFY clause ignored: %s", joinSQL(ip.ts[ip.i:])))
					ip.i = len(ip.ts)
				}
			}
		}
		return nil
	}
	t.notes = append(t.notes, c.find(Warning, name, "", "unsupported", "ALTER TABLE not converted: %s", joinSQL(p.ts)))
	return nil
}

func (c *ddlConverter) createIndex(p *parser, kind string) error {
	_, name, err := p.qualified()
	if err != nil {
		return err
	}
	if !p.accept("ON") {
		return fmt.Errorf("index %s: expected ON", name)
	}
	_, tname, err := p.qualified()
	if err != nil {
		return err
	}
	t := c.table("", tname)
	if t == nil {
		c.notes = append(c.notes, c.find(Warning, tname, "", "index", "index %s is on a table not created in this file; not converted", name))
		return nil
	}
	g, err := p.group()
	if err != nil {
		return fmt.Errorf("index %s: %w", name, err)
	}
	cols, err := identList(g)
	if err != nil {
		return fmt.Errorf("index %s: %w", name, err)
	}
	for !p.done() {
		if p.accept("INDEXTYPE", "IS") {
			t.notes = append(t.notes, c.find(Warning, tname, "", "index", "domain index %s (INDEXTYPE) not converted", name))
			return nil
		}
		p.next()
	}
	t.Keys = append(t.Keys, &ddlKey{Name: name, Kind: kind, Cols: cols})
	return nil
}

func (c *ddlConverter) comment(p *parser) error {
	switch {
	case p.accept("TABLE"):
		_, name, err := p.qualified()
		if err != nil {
			return err
		}
		if !p.accept("IS") || p.peek().kind != tkString {
			return fmt.Errorf("comment on table %s: expected IS 'text'", name)
		}
		if t := c.table("", name); t != nil {
			t.Comment = p.next().text
		}
		return nil
	case p.accept("COLUMN"):
		a, err := p.ident()
		if err != nil {
			return err
		}
		parts := []string{a}
		for p.acceptPunct(".") {
			n, err := p.ident()
			if err != nil {
				return err
			}
			parts = append(parts, n)
		}
		if len(parts) < 2 || !p.accept("IS") || p.peek().kind != tkString {
			return fmt.Errorf("comment on column: expected [owner.]table.column IS 'text'")
		}
		t := c.table("", parts[len(parts)-2])
		if t == nil {
			return nil
		}
		if col := t.col(parts[len(parts)-1]); col != nil {
			col.Comment = p.next().text
		}
		return nil
	}
	c.notes = append(c.notes, c.find(Info, "", "", "unsupported", "comment not converted: %s", joinSQL(p.ts)))
	return nil
}
