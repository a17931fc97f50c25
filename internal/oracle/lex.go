package oracle

import (
	"fmt"
	"strings"
	"unicode"
)

type tokKind int

const (
	tkWord      tokKind = iota // unquoted identifier or keyword, upper-cased
	tkQuoted                   // "quoted identifier", without quotes
	tkString                   // 'string literal', unescaped
	tkNumber                   // numeric literal
	tkPunct                    // ( ) , . ; operators
	tkSlashLine                // a lone / on its own line: SQL*Plus terminator
)

type token struct {
	kind tokKind
	text string
	line int
}

func (t token) is(kind tokKind, text string) bool { return t.kind == kind && t.text == text }

// word reports whether t is the unquoted keyword w.
func (t token) word(w string) bool { return t.kind == tkWord && t.text == w }

// name is the identifier t denotes: quoted as written, unquoted upper-cased.
func (t token) name() string { return t.text }

// sql renders the token back as Oracle text, for messages.
func (t token) sql() string {
	switch t.kind {
	case tkQuoted:
		return `"` + t.text + `"`
	case tkString:
		return "'" + strings.ReplaceAll(t.text, "'", "''") + "'"
	}
	return t.text
}

func joinSQL(ts []token) string {
	var b strings.Builder
	for i, t := range ts {
		if i > 0 && !(t.is(tkPunct, ")") || t.is(tkPunct, ",") || t.is(tkPunct, ".") || ts[i-1].is(tkPunct, "(") || ts[i-1].is(tkPunct, ".")) {
			b.WriteByte(' ')
		}
		b.WriteString(t.sql())
	}
	return b.String()
}

// dropSQLPlus blanks the SQL*Plus command lines of a script (REM, PROMPT,
// SET, SPOOL, @file, DEFINE, WHENEVER, ...; a lone '.') where a statement
// may start, so that Oracle's own install scripts parse. Inside a statement
// (after a line that does not end one) a line is SQL whatever its first word:
// "SET NULL" can continue an ON DELETE clause. The lines stay, empty, so line
// numbers in messages are the file's.
func dropSQLPlus(src string) string {
	lines := strings.Split(src, "\n")
	between := true // at the start of the file or after a terminated statement
	inComment := false
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if inComment {
			if strings.Contains(t, "*/") {
				inComment = false
			}
			continue
		}
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		if strings.HasPrefix(t, "/*") && !strings.Contains(t[2:], "*/") {
			inComment = true
			continue
		}
		if between && sqlPlusLine(t) {
			lines[i] = ""
			continue
		}
		between = t == "/" || strings.HasSuffix(stripLineComment(t), ";")
	}
	return strings.Join(lines, "\n")
}

// stripLineComment drops a trailing -- comment from a line outside quotes.
func stripLineComment(t string) string {
	inStr := false
	for i := 0; i < len(t); i++ {
		switch {
		case t[i] == '\'':
			inStr = !inStr
		case !inStr && t[i] == '-' && i+1 < len(t) && t[i+1] == '-':
			return strings.TrimSpace(t[:i])
		}
	}
	return t
}

// sqlPlusLine reports whether a trimmed line is a SQL*Plus command rather
// than SQL.
func sqlPlusLine(t string) bool {
	if t == "." || strings.HasPrefix(t, "@") {
		return true
	}
	word := strings.ToUpper(strings.FieldsFunc(t, func(r rune) bool { return unicode.IsSpace(r) || r == ';' })[0])
	switch word {
	case "REM", "REMARK", "PROMPT", "PRO", "SET", "SPOOL", "DEFINE", "DEF", "UNDEFINE", "WHENEVER",
		"CONNECT", "CONN", "EXIT", "QUIT", "SHOW", "PAUSE", "ACCEPT", "HOST", "CLEAR", "COLUMN", "TTITLE",
		"BTITLE", "BREAK", "COMPUTE", "VARIABLE", "VAR", "PRINT", "EXECUTE", "EXEC", "DESCRIBE", "DESC",
		"START", "TIMING", "STORE", "REPHEADER", "REPFOOTER":
		return true
	}
	return false
}

// lex splits Oracle DDL text into tokens, dropping comments.
func lex(src string) ([]token, error) {
	var out []token
	line := 1
	rs := []rune(src)
	lineStart := true // only blanks seen since the last newline
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r == '\n':
			line++
			lineStart = true
			i++
			continue
		case unicode.IsSpace(r):
			i++
			continue
		case r == '-' && i+1 < len(rs) && rs[i+1] == '-':
			for i < len(rs) && rs[i] != '\n' {
				i++
			}
			continue
		case r == '/' && i+1 < len(rs) && rs[i+1] == '*':
			start := line
			i += 2
			for i+1 < len(rs) && !(rs[i] == '*' && rs[i+1] == '/') {
				if rs[i] == '\n' {
					line++
				}
				i++
			}
			if i+1 >= len(rs) {
				return nil, fmt.Errorf("line %d: unterminated /* comment", start)
			}
			i += 2
			continue
		}
		wasLineStart := lineStart
		lineStart = false
		switch {
		case r == '/' && wasLineStart && restOfLineBlank(rs, i+1):
			out = append(out, token{tkSlashLine, "/", line})
			i++
		case r == '"':
			j := i + 1
			var b strings.Builder
			for ; j < len(rs); j++ {
				if rs[j] == '"' {
					if j+1 < len(rs) && rs[j+1] == '"' {
						b.WriteRune('"')
						j++
						continue
					}
					break
				}
				b.WriteRune(rs[j])
			}
			if j >= len(rs) {
				return nil, fmt.Errorf("line %d: unterminated quoted identifier", line)
			}
			out = append(out, token{tkQuoted, b.String(), line})
			line += strings.Count(b.String(), "\n")
			i = j + 1
		case r == '\'' || ((r == 'N' || r == 'n') && i+1 < len(rs) && rs[i+1] == '\''):
			if r != '\'' {
				i++
			}
			j := i + 1
			var b strings.Builder
			for ; j < len(rs); j++ {
				if rs[j] == '\'' {
					if j+1 < len(rs) && rs[j+1] == '\'' {
						b.WriteRune('\'')
						j++
						continue
					}
					break
				}
				b.WriteRune(rs[j])
			}
			if j >= len(rs) {
				return nil, fmt.Errorf("line %d: unterminated string literal", line)
			}
			out = append(out, token{tkString, b.String(), line})
			line += strings.Count(b.String(), "\n")
			i = j + 1
		case unicode.IsDigit(r) || (r == '.' && i+1 < len(rs) && unicode.IsDigit(rs[i+1])):
			j := i
			for j < len(rs) && (unicode.IsDigit(rs[j]) || rs[j] == '.') {
				j++
			}
			if j < len(rs) && (rs[j] == 'E' || rs[j] == 'e') && j+1 < len(rs) && (unicode.IsDigit(rs[j+1]) || ((rs[j+1] == '+' || rs[j+1] == '-') && j+2 < len(rs) && unicode.IsDigit(rs[j+2]))) {
				j += 2
				for j < len(rs) && unicode.IsDigit(rs[j]) {
					j++
				}
			}
			out = append(out, token{tkNumber, string(rs[i:j]), line})
			i = j
		case unicode.IsLetter(r) || r == '_':
			j := i
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == '_' || rs[j] == '$' || rs[j] == '#') {
				j++
			}
			out = append(out, token{tkWord, strings.ToUpper(string(rs[i:j])), line})
			i = j
		default:
			two := ""
			if i+1 < len(rs) {
				two = string(rs[i : i+2])
			}
			switch two {
			case "<=", ">=", "<>", "!=", "^=", "||", "=>":
				out = append(out, token{tkPunct, two, line})
				i += 2
				continue
			}
			out = append(out, token{tkPunct, string(r), line})
			i++
		}
	}
	return out, nil
}

func restOfLineBlank(rs []rune, i int) bool {
	for ; i < len(rs) && rs[i] != '\n'; i++ {
		if !unicode.IsSpace(rs[i]) {
			return false
		}
	}
	return true
}

// statement is the tokens of one statement without its terminator.
type statement []token

// split cuts tokens into statements at ';' and lone '/' lines. PL/SQL units
// (triggers, procedures, packages, types) run to the next lone '/'.
func split(ts []token) []statement {
	var out []statement
	for i := 0; i < len(ts); {
		plsql := isPLSQL(ts[i:])
		j := i
		for ; j < len(ts); j++ {
			if ts[j].kind == tkSlashLine || (!plsql && ts[j].is(tkPunct, ";")) {
				break
			}
		}
		if j > i {
			out = append(out, statement(ts[i:j]))
		}
		i = j + 1
	}
	return out
}

func isPLSQL(ts []token) bool {
	i := 0
	next := func() string {
		if i < len(ts) && ts[i].kind == tkWord {
			i++
			return ts[i-1].text
		}
		i++
		return ""
	}
	if next() != "CREATE" {
		return ts[0].word("BEGIN") || ts[0].word("DECLARE")
	}
	w := next()
	if w == "OR" {
		next() // REPLACE
		w = next()
	}
	if w == "EDITIONABLE" || w == "NONEDITIONABLE" {
		w = next()
	}
	switch w {
	case "TRIGGER", "PROCEDURE", "FUNCTION", "PACKAGE", "TYPE", "LIBRARY":
		return true
	}
	return false
}
