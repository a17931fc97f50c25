package oracle

import (
	"fmt"
	"strings"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/mysqltype"
	"github.com/cutover/cutover/internal/preflight"
)

// mysqlString quotes a MySQL string literal for any sql_mode.
func mysqlString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `''`, "\n", `\n`, "\r", `\r`, "\x00", `\0`, "\x1a", `\Z`)
	return "'" + r.Replace(s) + "'"
}

// sqlComment makes text safe for a -- comment line.
func sqlComment(s string) string {
	return strings.NewReplacer("\n", " ", "\r", " ").Replace(s)
}

func truncRunes(s string, n int) (string, bool) {
	r := []rune(s)
	if len(r) <= n {
		return s, false
	}
	return string(r[:n]), true
}

// ident is the MySQL name of an Oracle identifier, with a finding when it
// had to be shortened.
func (c *ddlConverter) ident(table, what, name string) string {
	out := c.mysqlName(name)
	if _, cut := truncRunes(name, maxIdentLen); cut {
		c.find(Warning, table, "", "name", "%s name %s is longer than MySQL's 64 characters; shortened to %s", what, name, out)
	}
	return out
}

// mysqlName is the MySQL name of an Oracle identifier: folded to lower case
// under --names lower, cut to MySQL's 64 characters.
func (c *ddlConverter) mysqlName(name string) string {
	if c.opts.LowerNames {
		name = strings.ToLower(name)
	}
	short, _ := truncRunes(name, maxIdentLen)
	return short
}

// quoted quotes the MySQL names of Oracle identifiers, comma-separated.
func (c *ddlConverter) quoted(ns []string) string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = mysqltype.Quote(c.mysqlName(n))
	}
	return strings.Join(out, ", ")
}

// colBytes estimates a column's worst-case contribution to MySQL's 65,535-byte
// row limit; TEXT and BLOB count as their in-row pointer.
func colBytes(m Mapping) int {
	switch {
	case m.Text, m.Blob:
		return 12
	case strings.HasPrefix(m.MySQL, "VARCHAR"):
		per := 4
		if strings.Contains(m.MySQL, "ascii") {
			per = 1
		}
		return m.Chars*per + 2
	case strings.HasPrefix(m.MySQL, "CHAR"):
		return m.Chars * 4
	case strings.HasPrefix(m.MySQL, "VARBINARY"):
		var n int
		fmt.Sscanf(m.MySQL, "VARBINARY(%d)", &n)
		return n + 2
	case strings.HasPrefix(m.MySQL, "DECIMAL"):
		var p, s int
		fmt.Sscanf(m.MySQL, "DECIMAL(%d,%d)", &p, &s)
		return (p+8)/9*4 + 1
	}
	return 8
}

// keyBytes is a column's length in an index, or -1 for TEXT/BLOB, which need
// a prefix.
func keyBytes(m Mapping) int {
	switch {
	case m.Text, m.Blob:
		return -1
	case strings.HasPrefix(m.MySQL, "VARCHAR"), strings.HasPrefix(m.MySQL, "CHAR"):
		if strings.Contains(m.MySQL, "ascii") {
			return m.Chars
		}
		return m.Chars * 4
	}
	return colBytes(m)
}

func (c *ddlConverter) mapColumns(t *ddlTable) {
	for _, col := range t.Cols {
		if col.Virtual != nil {
			continue
		}
		if col.Invisible {
			msg := c.find(Info, t.Name, col.Name, "invisible", "INVISIBLE in Oracle: created as an ordinary (visible) column, and copied")
			col.notes = append(col.notes, msg)
		}
		col.Map = Map(col.Type, c.opts.Zone)
		if col.bareKey {
			col.Map = bareKeyMapping()
		}
		if col.Identity && col.Map.Kind == catalog.KindDecimal {
			col.Map.MySQL, col.Map.Kind = "BIGINT", catalog.KindInt
			col.Map.Loss = Judgement
			col.Map.Comment = fmt.Sprintf("identity %s mapped to BIGINT AUTO_INCREMENT", col.Type)
		}
		if col.Map.Loss != Exact {
			sev := Info
			if col.Map.Loss == Lossy {
				sev = Warning
			}
			if col.Map.Unsupported() {
				sev = Blocking
			}
			c.find(sev, t.Name, col.Name, "type", "%s -> %s: %s", col.Type, orNone(col.Map.MySQL), col.Map.Comment)
			col.notes = append(col.notes, fmt.Sprintf("%s -> %s: %s", col.Type, orNone(col.Map.MySQL), col.Map.Comment))
		}
	}
	// Fit MySQL's row limit: the longest VARCHARs not in a key become TEXT.
	keyed := map[string]bool{}
	for _, k := range t.Keys {
		for _, kc := range k.Cols {
			keyed[kc.Name] = true
		}
	}
	total := 0
	for _, col := range t.Cols {
		if col.Virtual == nil && !col.Map.Unsupported() {
			total += colBytes(col.Map)
		}
	}
	for total > maxRowBytes-1000 {
		var longest *ddlColumn
		for _, col := range t.Cols {
			if col.Virtual == nil && strings.HasPrefix(col.Map.MySQL, "VARCHAR") && !keyed[col.Name] &&
				(longest == nil || colBytes(col.Map) > colBytes(longest.Map) ||
					(colBytes(col.Map) == colBytes(longest.Map) && longest.Default != nil && col.Default == nil)) {
				// Longest first; among equals, one without a DEFAULT, which TEXT cannot keep.
				longest = col
			}
		}
		if longest == nil {
			t.notes = append(t.notes, c.find(Blocking, t.Name, "", "row-size", "the row is longer than MySQL's 65,535 bytes even with every long VARCHAR as TEXT"))
			break
		}
		total -= colBytes(longest.Map) - 12
		msg := fmt.Sprintf("%s -> TEXT instead of %s: the table's VARCHARs exceed MySQL's 65,535-byte row limit", longest.Type, longest.Map.MySQL)
		longest.Map.MySQL, longest.Map.Text, longest.Map.Chars = "TEXT", true, 0
		if longest.Map.Loss == Exact {
			longest.Map.Loss = Judgement
		}
		longest.notes = append(longest.notes, msg)
		c.find(Info, t.Name, longest.Name, "row-size", "%s", msg)
	}
}

func orNone(s string) string {
	if s == "" {
		return "(not copied)"
	}
	return s
}

// defaultSQL translates an Oracle DEFAULT expression for col, or explains why
// it cannot.
func (c *ddlConverter) defaultSQL(t *ddlTable, col *ddlColumn) string {
	d := col.Default
	if len(d) == 0 {
		return ""
	}
	expr := joinSQL(d)
	drop := func(sev Severity, why string) string {
		col.notes = append(col.notes, c.find(sev, t.Name, col.Name, "default", "DEFAULT %s dropped: %s", expr, why))
		return ""
	}
	if len(d) == 1 && d[0].word("NULL") {
		return ""
	}
	if col.DefOnNul {
		col.notes = append(col.notes, c.find(Info, t.Name, col.Name, "default", "DEFAULT ON NULL: MySQL applies the default only when the column is omitted, not when NULL is written"))
	}
	m := col.Map
	if m.Text || m.Blob {
		return drop(Warning, "MySQL takes no literal DEFAULT on TEXT, BLOB or JSON columns")
	}
	neg := ""
	if len(d) == 2 && d[0].is(tkPunct, "-") && d[1].kind == tkNumber {
		neg, d = "-", d[1:]
	}
	switch {
	case len(d) == 1 && d[0].kind == tkNumber:
		v, err := NormalizeDecimal(neg + d[0].text)
		if err != nil {
			return drop(Warning, "not a number MySQL reads")
		}
		switch m.Kind {
		case catalog.KindString:
			return "DEFAULT " + mysqlString(v)
		case catalog.KindTime, catalog.KindBinary:
			return drop(Warning, "a number is no default for "+m.MySQL)
		}
		return "DEFAULT " + v
	case len(d) == 1 && d[0].kind == tkString:
		s := d[0].text
		if s == "" {
			col.notes = append(col.notes, c.find(Info, t.Name, col.Name, "default", "DEFAULT '' is NULL in Oracle; no default in MySQL"))
			return ""
		}
		switch m.Kind {
		case catalog.KindString:
			return "DEFAULT " + mysqlString(s)
		case catalog.KindInt, catalog.KindDecimal, catalog.KindFloat:
			v, err := NormalizeDecimal(s)
			if err != nil {
				return drop(Warning, "not a number")
			}
			return "DEFAULT " + v
		}
		return drop(Warning, "string literal for a "+m.MySQL+" column needs a conversion MySQL does not share")
	case len(d) == 2 && (d[0].word("DATE") || d[0].word("TIMESTAMP")) && d[1].kind == tkString && m.Kind == catalog.KindTime:
		v := d[1].text
		if d[0].word("DATE") {
			v += " 00:00:00"
		}
		return "DEFAULT " + mysqlString(v)
	case isNow(d):
		if m.Kind != catalog.KindTime {
			return drop(Warning, "the current time is no default for "+m.MySQL)
		}
		col.notes = append(col.notes, c.find(Info, t.Name, col.Name, "default", "DEFAULT %s -> CURRENT_TIMESTAMP: MySQL uses the session time zone, Oracle SYSDATE the database server's clock", expr))
		if m.FSP > 0 && m.Conv != ConvDate {
			return fmt.Sprintf("DEFAULT CURRENT_TIMESTAMP(%d)", m.FSP)
		}
		return "DEFAULT CURRENT_TIMESTAMP"
	case len(d) >= 3 && d[len(d)-2].is(tkPunct, ".") && d[len(d)-1].text == "NEXTVAL":
		return drop(Warning, "sequence defaults have no MySQL form; consider AUTO_INCREMENT")
	}
	return drop(Warning, "no MySQL translation")
}

func isNow(d []token) bool {
	if len(d) == 0 || d[0].kind != tkWord {
		return false
	}
	switch d[0].text {
	case "SYSDATE", "SYSTIMESTAMP", "CURRENT_TIMESTAMP", "CURRENT_DATE", "LOCALTIMESTAMP":
	default:
		return false
	}
	if len(d) == 1 {
		return true
	}
	return len(d) == 4 && d[1].is(tkPunct, "(") && d[2].kind == tkNumber && d[3].is(tkPunct, ")")
}

// created reports whether col is a column the DDL creates.
func created(col *ddlColumn) bool {
	return col != nil && col.Virtual == nil && !col.Map.Unsupported()
}

// checkSQL translates a CHECK condition made of columns the DDL creates,
// literals, comparisons and logical operators; anything else is reported and
// left out.
func (c *ddlConverter) checkSQL(t *ddlTable, expr []token) (string, bool) {
	var b strings.Builder
	for i, tk := range expr {
		if i > 0 && !tk.is(tkPunct, ")") && !tk.is(tkPunct, ",") && !expr[i-1].is(tkPunct, "(") {
			b.WriteByte(' ')
		}
		switch tk.kind {
		case tkQuoted:
			if !created(t.col(tk.text)) {
				return "", false
			}
			b.WriteString(mysqltype.Quote(c.mysqlName(tk.text)))
		case tkWord:
			switch tk.text {
			case "AND", "OR", "NOT", "IN", "IS", "NULL", "BETWEEN", "LIKE":
				b.WriteString(tk.text)
			default:
				if !created(t.col(tk.text)) {
					return "", false
				}
				b.WriteString(mysqltype.Quote(c.mysqlName(tk.text)))
			}
		case tkString:
			b.WriteString(mysqlString(tk.text))
		case tkNumber:
			b.WriteString(tk.text)
		case tkPunct:
			switch tk.text {
			case "(", ")", ",", "=", "<", ">", "<=", ">=", "<>", "!=", "+", "-", "*", "/":
				b.WriteString(tk.text)
			case "^=":
				b.WriteString("<>")
			default:
				return "", false
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

// keyParts renders an index's columns with prefix lengths where MySQL's index
// limits need them; shortened reports whether any prefix was needed.
func (c *ddlConverter) keyParts(t *ddlTable, k *ddlKey) (parts []string, shortened bool, err string) {
	fixed, variable := 0, 0
	for _, kc := range k.Cols {
		col := t.col(kc.Name)
		if kc.Expr != nil {
			return nil, false, "function-based index on " + joinSQL(kc.Expr)
		}
		if col == nil {
			return nil, false, "no column " + kc.Name
		}
		if col.Virtual != nil || col.Map.Unsupported() {
			return nil, false, "column " + kc.Name + " is not created"
		}
		if n := keyBytes(col.Map); n >= 0 && n <= 767 {
			fixed += n
		} else {
			variable++
		}
	}
	budget := 0
	if variable > 0 {
		budget = (maxKeyBytes - fixed) / variable
	}
	for _, kc := range k.Cols {
		col := t.col(kc.Name)
		part := mysqltype.Quote(c.mysqlName(kc.Name))
		if n := keyBytes(col.Map); n < 0 || n > 767 {
			per := 4
			if col.Map.Blob || strings.HasPrefix(col.Map.MySQL, "VARBINARY") || strings.Contains(col.Map.MySQL, "ascii") {
				per = 1
			}
			if n < 0 || n > budget {
				part += fmt.Sprintf("(%d)", budget/per)
				shortened = true
			}
		}
		if kc.Desc {
			part += " DESC"
		}
		parts = append(parts, part)
	}
	return parts, shortened, ""
}

func (c *ddlConverter) emit() string {
	var b strings.Builder
	zone := c.opts.Zone
	if zone == "" {
		zone = "UTC"
	}
	b.WriteString("-- Generated by cutover schema --oracle-ddl from Oracle DDL.\n")
	b.WriteString("-- Judgement calls for every table:\n")
	b.WriteString("--   * owners (schemas) are dropped: tables are created in the current database;\n")
	b.WriteString("--   * utf8mb4_bin compares like Oracle's binary collation (case-sensitive), but pads trailing spaces;\n")
	b.WriteString("--   * Oracle stores '' as NULL: NOT NULL string columns may need '' written instead (preflight checks);\n")
	fmt.Fprintf(&b, "--   * TIMESTAMP WITH [LOCAL] TIME ZONE values are stored in %s without their offset.\n", zone)
	for _, n := range c.notes {
		fmt.Fprintf(&b, "-- %s\n", sqlComment(n))
	}
	c.markBareKeys()
	for _, t := range c.tables {
		c.mapColumns(t)
	}
	c.followKeys()
	c.nameClashes()
	var fks []string
	for _, t := range c.tables {
		b.WriteString("\n")
		fks = append(fks, c.emitTable(&b, t)...)
	}
	if len(fks) > 0 {
		b.WriteString("\n-- Foreign keys, added after every table exists.\n")
		for _, fk := range fks {
			b.WriteString(fk)
		}
	}
	return b.String()
}

func (c *ddlConverter) emitTable(b *strings.Builder, t *ddlTable) (fks []string) {
	tname := c.ident(t.Name, "table", t.Name)
	src := `"` + t.Name + `"`
	if t.Owner != "" {
		src = `"` + t.Owner + `".` + src
	}
	fmt.Fprintf(b, "-- Oracle table %s\n", src)
	for _, n := range t.notes {
		fmt.Fprintf(b, "-- %s\n", sqlComment(n))
	}
	var lines []string // each with its comment lines before it
	autoInc := map[string]bool{}
	for _, col := range t.Cols {
		if col.Identity {
			autoInc[col.Name] = true
			col.NotNull = true // Oracle identity columns are NOT NULL
		}
	}
	// Primary key columns are NOT NULL in Oracle; MySQL 8 rejects an explicit
	// NULL on them.
	for _, k := range t.Keys {
		if k.Kind == "PRIMARY" && !k.Disabled {
			for _, kc := range k.Cols {
				if col := t.col(kc.Name); col != nil {
					col.NotNull = true
				}
			}
		}
	}
	// Keys first: they decide AUTO_INCREMENT and are needed by mapColumns.
	var keyLines []string
	var pkDone bool
	seen := map[string]bool{}
	leading := map[string]bool{}
	// The primary key first: a unique index Oracle declared before it (as
	// CREATE UNIQUE INDEX, then ALTER TABLE ADD PRIMARY KEY) is the same
	// index and is not created twice.
	keys := make([]*ddlKey, 0, len(t.Keys))
	for _, k := range t.Keys {
		if k.Kind == "PRIMARY" && !k.Disabled {
			keys = append(keys, k)
		}
	}
	for _, k := range t.Keys {
		if k.Kind != "PRIMARY" || k.Disabled {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		what := map[string]string{"PRIMARY": "primary key", "UNIQUE": "unique key", "INDEX": "index"}[k.Kind]
		label := what
		if k.Name != "" {
			label += " " + k.Name
		}
		if k.Disabled {
			keyLines = append(keyLines, "  -- "+sqlComment(c.find(Warning, t.Name, "", "constraint", "%s is disabled in Oracle; not created", label)))
			continue
		}
		sig := strings.Join(names(k.Cols), ",")
		if k.Kind != "PRIMARY" && (seen["P:"+sig] || seen["U:"+sig] || (k.Kind == "INDEX" && seen["I:"+sig])) {
			continue // the index Oracle built for a constraint
		}
		parts, short, bad := c.keyParts(t, k)
		if bad != "" {
			keyLines = append(keyLines, "  -- "+sqlComment(c.find(Warning, t.Name, "", "index", "%s not converted: %s", label, bad)))
			continue
		}
		kind := k.Kind
		if short && kind != "INDEX" {
			msg := c.find(Blocking, t.Name, "", "index", "%s is longer than MySQL's 3072-byte key limit; created as a non-unique prefix index, so uniqueness is not enforced", label)
			keyLines = append(keyLines, "  -- "+sqlComment(msg))
			if kind == "PRIMARY" {
				kind = "UNIQUE_AS_INDEX"
			} else {
				kind = "INDEX"
			}
		} else if short {
			keyLines = append(keyLines, "  -- "+sqlComment(c.find(Info, t.Name, "", "index", "%s uses column prefixes to fit MySQL's 3072-byte key limit", label)))
		}
		name := ""
		if k.Name != "" {
			name = mysqltype.Quote(c.ident(t.Name, "index", k.Name)) + " "
		}
		switch kind {
		case "PRIMARY":
			if pkDone {
				continue
			}
			pkDone = true
			keyLines = append(keyLines, "  PRIMARY KEY ("+strings.Join(parts, ", ")+")")
			seen["P:"+sig] = true
		case "UNIQUE":
			keyLines = append(keyLines, "  UNIQUE KEY "+name+"("+strings.Join(parts, ", ")+")")
			seen["U:"+sig] = true
		default:
			keyLines = append(keyLines, "  KEY "+name+"("+strings.Join(parts, ", ")+")")
			seen["I:"+sig] = true
		}
		leading[k.Cols[0].Name] = true
	}
	for _, col := range t.Cols {
		cname := c.ident(t.Name, "column", col.Name)
		if col.Virtual != nil {
			msg := c.find(Warning, t.Name, col.Name, "unsupported", "virtual column %s AS (%s) not created; add it as a generated column by hand if needed", col.Name, joinSQL(col.Virtual))
			lines = append(lines, "  -- "+sqlComment(msg))
			continue
		}
		if col.Map.Unsupported() {
			for _, n := range col.notes {
				lines = append(lines, "  -- "+sqlComment(n))
			}
			lines = append(lines, "  -- column "+mysqltype.Quote(c.mysqlName(col.Name))+" not created")
			continue
		}
		def := c.defaultSQL(t, col)
		var sb strings.Builder
		sb.WriteString("  " + mysqltype.Quote(cname) + " " + col.Map.MySQL)
		if col.NotNull {
			sb.WriteString(" NOT NULL")
		} else {
			sb.WriteString(" NULL")
		}
		if autoInc[col.Name] {
			if leading[col.Name] && col.Map.Kind == catalog.KindInt {
				sb.WriteString(" AUTO_INCREMENT")
				if def != "" {
					def = ""
				}
				col.notes = append(col.notes, c.find(Info, t.Name, col.Name, "identity", "identity column -> AUTO_INCREMENT; GENERATED ALWAYS is not enforced by MySQL"))
			} else {
				col.notes = append(col.notes, c.find(Warning, t.Name, col.Name, "identity", "identity column not made AUTO_INCREMENT: it leads no key or is not an integer"))
			}
		}
		if def != "" {
			sb.WriteString(" " + def)
		}
		if col.Comment != "" {
			cm, cut := truncRunes(col.Comment, maxColComment)
			if cut {
				col.notes = append(col.notes, c.find(Info, t.Name, col.Name, "comment", "column comment shortened to 1024 characters"))
			}
			sb.WriteString(" COMMENT " + mysqlString(cm))
		}
		for _, n := range col.notes {
			lines = append(lines, "  -- "+sqlComment(n))
		}
		lines = append(lines, sb.String())
	}
	lines = append(lines, keyLines...)
	for _, ck := range t.Checks {
		label := "check"
		if ck.Name != "" {
			label += " " + ck.Name
		}
		if ck.Disabled {
			lines = append(lines, "  -- "+sqlComment(c.find(Warning, t.Name, "", "constraint", "%s is disabled in Oracle; not created", label)))
			continue
		}
		expr, ok := c.checkSQL(t, ck.Expr)
		if !ok {
			lines = append(lines, "  -- "+sqlComment(c.find(Warning, t.Name, "", "constraint", "%s (%s) not translated; review by hand", label, joinSQL(ck.Expr))))
			continue
		}
		name := ""
		if ck.Name != "" {
			name = "CONSTRAINT " + mysqltype.Quote(c.ident(t.Name, "constraint", ck.Name)) + " "
		}
		lines = append(lines, "  "+name+"CHECK ("+expr+")")
	}
	for _, fk := range t.FKs {
		if s := c.fkSQL(t, tname, fk); s != "" {
			fks = append(fks, s)
		}
	}
	fmt.Fprintf(b, "CREATE TABLE %s (\n", mysqltype.Quote(tname))
	// Commas go after every definition but the last, skipping comment lines.
	last := -1
	for i, l := range lines {
		if !strings.HasPrefix(l, "  --") {
			last = i
		}
	}
	for i, l := range lines {
		if strings.HasPrefix(l, "  --") || i == last {
			b.WriteString(l + "\n")
			continue
		}
		b.WriteString(l + ",\n")
	}
	b.WriteString(") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin")
	if t.Comment != "" {
		cm, cut := truncRunes(t.Comment, maxTablComment)
		if cut {
			c.find(Info, t.Name, "", "comment", "table comment shortened to 2048 characters")
		}
		b.WriteString(" COMMENT=" + mysqlString(cm))
	}
	b.WriteString(";\n")
	return fks
}

func (c *ddlConverter) fkSQL(t *ddlTable, tname string, fk *ddlFK) string {
	label := "foreign key"
	if fk.Name != "" {
		label += " " + fk.Name
	}
	skip := func(sev Severity, why string) string {
		c.find(sev, t.Name, "", "constraint", "%s not created: %s", label, why)
		return ""
	}
	if fk.Disabled {
		return skip(Warning, "it is disabled in Oracle")
	}
	if c.opts.SkipForeignKeys {
		return skip(Info, "foreign keys skipped by option")
	}
	ref, refCols, ok := c.fkTarget(fk)
	if ref == nil {
		return skip(Warning, "referenced table "+fk.RefTable+" is not in this file")
	}
	if !ok {
		return skip(Warning, "its columns do not match the referenced key")
	}
	for i, cn := range fk.Cols {
		a, r := t.col(cn), ref.col(refCols[i])
		if !created(a) || !created(r) {
			return skip(Warning, "a column is missing")
		}
		if a.Map.MySQL != r.Map.MySQL {
			return skip(Warning, fmt.Sprintf("%s is %s but %s.%s is %s; MySQL needs equal types", cn, a.Map.MySQL, fk.RefTable, refCols[i], r.Map.MySQL))
		}
	}
	name := ""
	if fk.Name != "" {
		name = "CONSTRAINT " + mysqltype.Quote(c.ident(t.Name, "constraint", fk.Name)) + " "
	}
	s := fmt.Sprintf("ALTER TABLE %s ADD %sFOREIGN KEY (%s) REFERENCES %s (%s)", mysqltype.Quote(tname), name, c.quoted(fk.Cols), mysqltype.Quote(c.mysqlName(ref.Name)), c.quoted(refCols))
	if fk.OnDelete == "SET NULL" {
		for _, cn := range fk.Cols {
			if t.col(cn).NotNull {
				c.find(Warning, t.Name, cn, "constraint", "%s: ON DELETE SET NULL on a NOT NULL column cannot work; created without it (deletes of referenced rows are refused)", label)
				fk.OnDelete = ""
				break
			}
		}
	}
	if fk.OnDelete != "" {
		s += " ON DELETE " + fk.OnDelete
	}
	return s + ";\n"
}

// sortFindings orders findings by severity (worst first), table and column.
func sortFindings(fs []Finding) { preflight.Sort(fs) }
