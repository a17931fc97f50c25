package alert

import "fmt"

// SendFunc sends an event of one process and run: its kind (Start,
// Failure, ...), message and details.
type SendFunc func(kind, msg string, details map[string]any)

// For returns what sends events about the process and run that ev names
// (its RunID, Host, PID and Version are kept; the rest is each event's).
func (n *Notifier) For(ev Event) SendFunc {
	return func(kind, msg string, details map[string]any) {
		e := ev
		e.Event, e.Message, e.Details = kind, msg, details
		n.Send(e)
	}
}

// Verified is the Verify event of a row count verification: every count
// equal, or how many (tenant, table) counts differ. Its results are a
// SendFunc's arguments.
func Verified(equal bool, differences int) (kind, msg string, details map[string]any) {
	msg = "verify: every (tenant, table) row count is equal on both sides"
	if !equal {
		msg = fmt.Sprintf("verify: %d (tenant, table) counts differ", differences)
	}
	return Verify, msg, map[string]any{"equal": equal, "differences": differences}
}
