package catalog

import (
	"fmt"
	"strings"
)

// AmbiguousError says a name matches several names when case is ignored and
// none exactly: Oracle's dictionary is upper case, MySQL targets usually lower
// case, and a quoted Oracle name may differ from another only in case.
type AmbiguousError struct {
	Name    string
	Matches []string
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%s is ambiguous: it matches %s when case is ignored; name one exactly", e.Name, strings.Join(e.Matches, ", "))
}

// MatchName resolves name against candidates: an exact match wins; otherwise
// the one candidate equal to it ignoring case. No match wraps ErrNotFound;
// several case-insensitive matches are an *AmbiguousError.
func MatchName(name string, candidates []string) (string, error) {
	var folded []string
	for _, c := range candidates {
		if c == name {
			return c, nil
		}
		if strings.EqualFold(c, name) {
			folded = append(folded, c)
		}
	}
	switch len(folded) {
	case 0:
		return "", fmt.Errorf("%s: %w", name, ErrNotFound)
	case 1:
		return folded[0], nil
	}
	return "", &AmbiguousError{Name: name, Matches: folded}
}

// ColumnNames lists the table's column names in order.
func (i *Info) ColumnNames() []string {
	out := make([]string, len(i.Columns))
	for k, c := range i.Columns {
		out[k] = c.Name
	}
	return out
}

// FindColumn resolves a configured column name as MatchName does.
func (i *Info) FindColumn(name string) (Column, error) {
	n, err := MatchName(name, i.ColumnNames())
	if err != nil {
		return Column{}, err
	}
	c, _ := i.Column(n)
	return c, nil
}

// LeadsIndex reports whether some index leads with col, ignoring case.
func (i *Info) LeadsIndex(col string) bool {
	if i.Indexed[col] {
		return true
	}
	for c, ok := range i.Indexed {
		if ok && strings.EqualFold(c, col) {
			return true
		}
	}
	return false
}
