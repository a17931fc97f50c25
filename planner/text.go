package planner

import (
	"fmt"
	"io"
	"strings"
)

// WriteText prints the plan as `cutover plan` does: the summary, the
// largest batches, the deferred indexes, the ranged tables and the warnings.
func (d *Doc) WriteText(w io.Writer) {
	fmt.Fprintf(w, "plan %s (run %d)\n%s\n", d.Fingerprint, d.RunID, d.Summary.Text())
	n := min(len(d.Batches), 5)
	if n > 0 {
		fmt.Fprintf(w, "largest batches:\n")
		for _, b := range d.Batches[:n] {
			fmt.Fprintf(w, "  #%-5d %-16s %10s rows  %s\n", b.ID, b.Table, Thousands(b.Rows), b.Describe())
		}
	}
	WriteDeferral(w, d.Deferred)
	for _, c := range d.Ranged {
		fmt.Fprintf(w, "%s: batching range (chosen: %s); set batching: tenant to keep tenant batches\n", c.Table, c.Why)
	}
	for _, warn := range d.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
}

// WritePlan prints the plan (WriteText) and, when it has one, its estimate
// for processes of perProcess workers (run.workers): all `cutover plan`
// prints without --json.
func (d *Doc) WritePlan(w io.Writer, perProcess int) {
	d.WriteText(w)
	if d.Estimate != nil {
		fmt.Fprintln(w, d.Estimate.Text(perProcess))
	}
}

// WriteDeferral prints the deferred indexes, one line per table that defers.
func WriteDeferral(w io.Writer, ds []Deferred) {
	for _, d := range ds {
		if len(d.Indexes) > 0 {
			fmt.Fprintf(w, "deferred indexes of %s (loaded without, built in one ALTER TABLE once its batches are done): %s\n",
				d.Target, strings.Join(d.Indexes, ", "))
		}
	}
}
