package cli

import (
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// WriteJSON writes v to w as indented JSON, the form of every --json.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// List is a repeatable flag: every value is appended to *Values; an empty or
// blank one is an error "empty " + What.
type List struct {
	Values *[]string
	What   string // what a value is, for the error: "tenant id"
}

func (l List) String() string { return "" }

// Set appends v.
func (l List) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("empty " + l.What)
	}
	*l.Values = append(*l.Values, v)
	return nil
}
