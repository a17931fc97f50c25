package migrate

import (
	"fmt"
	"os"

	"github.com/cutover/cutover/checkpoint"
)

// markDeadHere marks as not live the processes of this host whose pid is
// gone (killed with -9, crashed): their heartbeat is not yet older than the
// lease, but they will never beat again. Processes of other hosts are judged
// by their heartbeat alone.
func markDeadHere(members []checkpoint.Member) {
	host, err := os.Hostname()
	if err != nil {
		return
	}
	for i := range members {
		m := &members[i]
		if m.Live && m.Host == host && !pidAlive(m.PID) {
			m.Live = false
		}
	}
}

// settle keeps the rate and the ETA only while the run copies: a paused,
// stopped or idle run has no speed, and an ETA from the minute before the
// pause would be a promise nobody keeps. A running run whose target
// statements wait on a lock is said to be blocked.
func (doc *RunStatus) settle() {
	if doc.State != "running" {
		doc.RowsPerSecond, doc.ETASeconds = 0, 0
		return
	}
	if len(doc.LockWaits) > 0 && len(doc.InFlight) > 0 {
		w := doc.LockWaits[0]
		doc.State, doc.ETASeconds = "blocked", 0
		doc.BlockedBy = fmt.Sprintf("%d statements in the target wait on a lock, the longest for %ds (thread %d, %s)", len(doc.LockWaits), w.Seconds, w.Thread, w.State)
	}
}
