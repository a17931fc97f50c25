package catchup

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// What the capture command prints: the command line calls these with what
// Capture returned, so the text lives beside the logic it reports.

// WriteStart says on w what capture start did for n tables whose changes are
// kept in schema.
func WriteStart(w io.Writer, r StartResult, n int, schema string) {
	switch {
	case r.Already:
		fmt.Fprintf(w, "capture %s is already on for %d tables\n", r.ID, n)
	case r.Recorded:
		fmt.Fprintf(w, "capture %s (installed by hand) recorded for %d tables: changes from now on are kept in %s\n", r.ID, n, schema)
	default:
		fmt.Fprintf(w, "capture %s on for %d tables: changes from now on are kept in %s; copy with cutover run, then cutover sync\n", r.ID, n, schema)
	}
}

// WriteStatus writes what capture status found: off, or on with each table's
// lag, as text or (asJSON) as one JSON document. Off is one line either way.
func WriteStatus(w io.Writer, out CaptureOutcome, asJSON bool) error {
	if out.ID == "" {
		_, err := fmt.Fprintln(w, "capture: off")
		return err
	}
	if asJSON {
		return json.NewEncoder(w).Encode(map[string]any{"capture": out.ID, "tables": out.Lag})
	}
	fmt.Fprintf(w, "capture %s: on\n", out.ID)
	for _, l := range out.Lag {
		fmt.Fprintf(w, "  %-24s position %-10d pending %-8d oldest %-8s applied %d %s\n", l.Table, l.Seq, l.Pending,
			l.Oldest.Round(time.Millisecond), l.Applied, l.Held)
	}
	return nil
}

// Scripter is a source's capture written as SQL for a DBA to run instead of
// cutover (capture start --print): the statements of start, which record
// capture id, or of stop, as text for the source's command-line client with
// the grants they need as comments.
type Scripter interface {
	CaptureScript(ctx context.Context, id string, start bool) (string, error)
}

// WriteScript writes on w the SQL of capture start (under a new capture id)
// or stop that s gives.
func WriteScript(ctx context.Context, w io.Writer, s Scripter, start bool) error {
	var id string
	if start {
		var err error
		if id, err = NewCaptureID(); err != nil {
			return fmt.Errorf("make a capture id: %w", err)
		}
	}
	text, err := s.CaptureScript(ctx, id, start)
	if err != nil {
		return fmt.Errorf("write the capture SQL: %w", err)
	}
	_, err = io.WriteString(w, text)
	return err
}
