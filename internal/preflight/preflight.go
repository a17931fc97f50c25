// Package preflight holds what both source adapters report before a run: a
// finding per thing the copy would lose, refuse or do slowly, with a
// severity that decides the command's exit code. The adapters measure; this
// package only orders, renders and summarises.
package preflight

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Severity orders findings: a blocking finding stops the run (exit 2).
type Severity int

// Severities.
const (
	Info     Severity = iota // a judgement call worth reading
	Warning                  // data or behaviour changes; decide before the run
	Blocking                 // the run would fail or lose data
)

func (s Severity) String() string {
	if s < Info || s > Blocking {
		return "severity(" + strconv.Itoa(int(s)) + ")"
	}
	return [...]string{"info", "warning", "blocking"}[s]
}

// MarshalText writes the severity by name, for --json.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity written by MarshalText.
func (s *Severity) UnmarshalText(b []byte) error {
	for v := Info; v <= Blocking; v++ {
		if v.String() == string(b) {
			*s = v
			return nil
		}
	}
	return fmt.Errorf("unknown severity %q", b)
}

// Finding is one thing a DDL conversion or a preflight scan wants a human to
// see. The CLI prints findings as a table, or as JSON.
type Finding struct {
	Severity Severity `json:"severity"`
	Table    string   `json:"table,omitempty"`
	Column   string   `json:"column,omitempty"`
	// Check names what was looked at: "type", "default", "constraint",
	// "index", "unsupported", or a preflight check such as "number-digits".
	Check   string `json:"check"`
	Message string `json:"message"`
	// Rows is how many rows a preflight scan found (0 for DDL findings);
	// Example is one offending value rendered as text, when there is one.
	Rows    int64  `json:"rows,omitempty"`
	Example string `json:"example,omitempty"`
}

// Sort orders findings by severity (worst first), table and column; findings
// that tie keep their order.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Severity != fs[j].Severity {
			return fs[i].Severity > fs[j].Severity
		}
		if fs[i].Table != fs[j].Table {
			return fs[i].Table < fs[j].Table
		}
		return fs[i].Column < fs[j].Column
	})
}

// Worst returns the most severe finding (the first of equals) and whether
// there is any.
func Worst(fs []Finding) (Finding, bool) {
	if len(fs) == 0 {
		return Finding{}, false
	}
	w := fs[0]
	for _, f := range fs[1:] {
		if f.Severity > w.Severity {
			w = f
		}
	}
	return w, true
}

// Count returns how many findings have severity s.
func Count(fs []Finding, s Severity) int {
	n := 0
	for _, f := range fs {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// Where names a finding's place: table.column, table, or "config".
func (f Finding) Where() string {
	switch {
	case f.Table != "" && f.Column != "":
		return f.Table + "." + f.Column
	case f.Table != "":
		return f.Table
	}
	return "config"
}

// Format renders findings as an aligned table for the terminal. Examples are
// shortened to 32 characters and kept on one line.
func Format(fs []Finding) string {
	head := []string{"SEVERITY", "TABLE", "COLUMN", "CHECK", "ROWS", "EXAMPLE", "MESSAGE"}
	rows := [][]string{head}
	for _, f := range fs {
		r := ""
		if f.Rows > 0 {
			r = strconv.FormatInt(f.Rows, 10)
		}
		ex := shorten(oneLine(f.Example), 32)
		rows = append(rows, []string{f.Severity.String(), f.Table, f.Column, f.Check, r, ex, oneLine(f.Message)})
	}
	width := make([]int, len(head))
	for _, r := range rows {
		for i, c := range r[:len(r)-1] {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r[:len(r)-1] {
			b.WriteString(c + strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)+2))
		}
		b.WriteString(r[len(r)-1] + "\n")
	}
	return b.String()
}

// Summary is the one line a failing preflight ends with: how many blocking
// findings, and the worst one by name.
func Summary(fs []Finding) string {
	w, ok := Worst(fs)
	if !ok {
		return "preflight: no findings"
	}
	counts := fmt.Sprintf("%d blocking, %d warnings", Count(fs, Blocking), Count(fs, Warning))
	where := w.Where() + " " + w.Check
	if w.Table == "" {
		where = w.Check
	}
	return fmt.Sprintf("preflight: %s; worst: %s: %s", counts, where, oneLine(w.Message))
}

func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace(s)
}

// shorten cuts s to n runes with an ellipsis; invalid UTF-8 is shown as
// escapes so the terminal never receives broken sequences.
func shorten(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(strconv.Quote(s), "?")
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Report is a preflight's findings, sorted, with their counts: the --json
// form of `cutover preflight`.
type Report struct {
	Blocking int       `json:"blocking"`
	Warnings int       `json:"warnings"`
	Findings []Finding `json:"findings"`
}

// NewReport sorts fs and counts them; Findings is never nil.
func NewReport(fs []Finding) Report {
	Sort(fs)
	r := Report{Blocking: Count(fs, Blocking), Warnings: Count(fs, Warning), Findings: fs}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	return r
}

// Text is the findings as Format writes them, then, without a blocking one,
// the line that says so for a config of tables tables.
func (r Report) Text(tables int) string {
	var b strings.Builder
	if len(r.Findings) > 0 {
		b.WriteString(Format(r.Findings))
	}
	if r.Blocking == 0 {
		fmt.Fprintf(&b, "preflight: no blocking findings (%d warnings) in %d tables\n", r.Warnings, tables)
	}
	return b.String()
}
