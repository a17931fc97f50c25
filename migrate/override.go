package migrate

import (
	"maps"
	"slices"
	"strings"

	"github.com/cutover/cutover/internal/catalog"
)

// overrides checks the `override:` columns of tc against the source table
// and returns them under the source's spelling of each name.
func overrides(tc TableSpec, info *catalog.Info) (map[string]string, error) {
	if len(tc.Override) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(tc.Override))
	for name, typ := range tc.Override {
		c, err := findColumn(info, name, "override column %s", tc.Name)
		if err != nil {
			return nil, err
		}
		out[c.Name] = strings.TrimSpace(typ)
	}
	return out, nil
}

// overrideTypes puts t's override types in place of the types of its
// columns in ddl, a CREATE TABLE as the source adapter writes it (one
// column a line: two spaces, the quoted name, its type, its attributes). The
// old type goes with the attributes that belong to it (UNSIGNED, ZEROFILL,
// CHARACTER SET, COLLATE); NOT NULL, DEFAULT and COMMENT stay.
func overrideTypes(ddl string, t *catalog.Table) (string, error) {
	if len(t.Override) == 0 {
		return ddl, nil
	}
	lines := strings.Split(ddl, "\n")
	for _, col := range slices.Sorted(maps.Keys(t.Override)) {
		found := false
		for i, l := range lines {
			rest, ok := columnLine(l, col)
			if !ok {
				continue
			}
			lines[i] = l[:len(l)-len(rest)] + t.Override[col] + dropType(rest)
			found = true
			break
		}
		if !found {
			return "", configErr("tables: %s: override column %s is not a column of the CREATE TABLE of %s; remove it from override", t.Name, col, t.Target)
		}
	}
	return strings.Join(lines, "\n"), nil
}

// columnLine reports whether l defines column col (the name compared as
// MySQL compares column names, ignoring case) and returns what follows the
// name and its space: the type and attributes.
func columnLine(l, col string) (string, bool) {
	body := strings.TrimLeft(l, " ")
	if len(body) == len(l) || !strings.HasPrefix(body, "`") {
		return "", false
	}
	quoted := "`" + strings.ReplaceAll(col, "`", "``") + "` "
	if len(body) < len(quoted) || !strings.EqualFold(body[:len(quoted)], quoted) {
		return "", false
	}
	return body[len(quoted):], true
}

// dropType removes the leading type of a column definition, with the
// attributes that belong to the type, and returns the rest with its
// separating space.
func dropType(rest string) string {
	depth, quote := 0, byte(0)
	i := 0
	for ; i < len(rest); i++ {
		ch := rest[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == '(':
			depth++
		case ch == ')':
			depth--
		case depth == 0 && (ch == ' ' || ch == ','):
			return dropAttributes(rest[i:])
		}
	}
	return ""
}

// dropAttributes removes the type's own attributes from the front of rest.
func dropAttributes(rest string) string {
	for {
		words := strings.Fields(rest)
		if len(words) == 0 {
			return rest
		}
		n := 0
		switch strings.ToUpper(strings.TrimSuffix(words[0], ",")) {
		case "UNSIGNED", "SIGNED", "ZEROFILL":
			n = 1
		case "CHARSET", "COLLATE":
			n = 2
		case "CHARACTER":
			if len(words) > 1 && strings.EqualFold(words[1], "SET") {
				n = 3
			}
		}
		if n == 0 || n > len(words) {
			return rest
		}
		// Cut the first n words, keeping a trailing comma of the last one.
		trimmed := strings.TrimLeft(rest, " ")
		for range n {
			trimmed = strings.TrimLeft(trimmed, " ")
			end := strings.IndexByte(trimmed, ' ')
			if end < 0 {
				end = len(trimmed)
			}
			word := trimmed[:end]
			trimmed = trimmed[end:]
			if strings.HasSuffix(word, ",") {
				return "," + trimmed
			}
		}
		rest = trimmed
	}
}
