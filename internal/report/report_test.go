package report

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/internal/browsertest"
	"github.com/cutover/cutover/planner"
)

func spans() (time.Time, []checkpoint.Span) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	return t0, []checkpoint.Span{
		{ID: 1, Table: "tx", Tenants: []string{"7"}, Ranged: true, EstRows: 1000, State: checkpoint.Done, Rows: 1000, Owner: "h:1:a", Worker: 1, Claimed: at(0), Finished: at(10)},
		{ID: 2, Table: "tx", Tenants: []string{"7"}, Ranged: true, EstRows: 1000, State: checkpoint.Done, Rows: 1000, Owner: "h:1:a", Worker: 2, Claimed: at(0), Finished: at(5)},
		{ID: 3, Table: "m", Tenants: []string{"1", "2"}, EstRows: 200, State: checkpoint.Done, Rows: 200, Owner: "h:1:a", Worker: 2, Claimed: at(5), Finished: at(9)},
		{ID: 4, Table: "m", Tenants: []string{"3"}, EstRows: 50, State: checkpoint.Failed, Attempts: 3, Owner: "h:1:a", Worker: 2, Claimed: at(9), Finished: at(9.5), Error: "load into m: <bad> & worse"},
		{ID: 5, Table: "m", Tenants: []string{"4"}, EstRows: 50, State: checkpoint.Pending},
	}
}

func TestBuild(t *testing.T) {
	_, ss := spans()
	m := planner.Model{Default: planner.Cost{PerRow: 0.01}}
	v, err := build(Data{Spans: ss, Estimate: &Estimate{Model: m, Workers: 2, Makespan: 12}})
	require.NoError(t, err)
	require.Equal(t, "10s", v.Actual)
	require.Equal(t, "+20.0%", v.ErrorPct)
	require.Equal(t, 2, v.Lanes)
	require.Equal(t, []stateCount{{"done", 3}, {"failed", 1}, {"pending", 1}}, v.States)

	require.Len(t, v.Tables, 2)
	tx := v.Tables[0]
	require.Equal(t, "tx", tx.Table)
	require.InDelta(t, 20.0, tx.estSec, 1e-9) // 2 x 1000 rows x 0.01 s
	require.InDelta(t, 15.0, tx.actSec, 1e-9) // 10 s + 5 s
	require.Equal(t, "+33.3%", tx.Error)
	require.Equal(t, int64(1), v.Tables[1].FailedBatches)
	require.Equal(t, 5, v.Total.Batches)

	// Tenant 7: 15 s; tenants 1 and 2 share a 4 s batch; 3 failed after 0.5 s.
	require.Equal(t, "7", v.Slowest[0].Tenant)
	require.Equal(t, "15s", v.Slowest[0].Seconds)
	require.Equal(t, []string{"1", "2", "3"}, []string{v.Slowest[1].Tenant, v.Slowest[2].Tenant, v.Slowest[3].Tenant})
	require.Len(t, v.Failures, 1)
	require.Equal(t, 5, strings.Count(string(v.Planned), `<rect class="batch `), "every batch in the estimated schedule")
	require.Contains(t, string(v.Planned), "actual 10s")
}

func TestThroughputKeepsEveryRow(t *testing.T) {
	t0, ss := spans()
	// 2,200 rows done over 10 s: the buckets' rates times their width add
	// up to them, and the first second runs two batches at 100 + 200 rows/s.
	rs := rates(ss, t0, 0.5, 20)
	var rows float64
	for _, r := range rs {
		rows += r * 0.5
	}
	require.InDelta(t, 2200.0, rows, 1e-6)
	require.InDelta(t, 300.0, rs[0], 1e-9)
	require.InDelta(t, 100.0+50, rs[12], 1e-9) // 6-6.5 s: batch 1 and batch 3 (200 rows over 4 s)
	svg := string(throughputSVG(ss, t0, t0.Add(10*time.Second)))
	require.Equal(t, 60, strings.Count(svg, `class="bucket"`))
	require.Contains(t, svg, "peak ")
	require.Equal(t, `<p class="empty">no batch finished yet</p>`, string(throughputSVG(nil, t0, t0)))
}

func TestWriteEscapes(t *testing.T) {
	_, ss := spans()
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, Data{RunID: 3, Spans: ss, Verify: &Verification{Equal: false, Differences: 2, Detail: []string{`{"table":"<m>"}`}}}))
	page := buf.String()
	require.Contains(t, page, "load into m: &lt;bad&gt; &amp; worse")
	require.Contains(t, page, "{&#34;table&#34;:&#34;&lt;m&gt;&#34;}")
	require.Contains(t, page, "none stored with the plan")
	require.Contains(t, page, `class="bad">2 differences`)
	require.NotContains(t, page, "<script")
}

// pausedRun is 2 workers copying 40 one-second batches, with 60 s between
// the 20th and the 21st in which nothing was in flight (a pause).
func pausedRun() []checkpoint.Span {
	t0 := time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)
	var ss []checkpoint.Span
	for i := range 40 {
		start := float64(i / 2)
		if i >= 20 {
			start += 60
		}
		at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
		ss = append(ss, checkpoint.Span{ID: i + 1, Table: "tx", Tenants: []string{"7"}, EstRows: 100, State: checkpoint.Done, Rows: 100,
			Owner: "h:1:a", Worker: i%2 + 1, Claimed: at(start), Finished: at(start + 1)})
	}
	return ss
}

func TestPausedTimeIsShownAndLeftOutOfTheComparison(t *testing.T) {
	m := planner.Model{Default: planner.Cost{PerRow: 0.01}} // 1 s a batch
	// The plan estimated 4 workers; 2 ran, with a 60 s pause.
	v, err := build(Data{Spans: pausedRun(), Estimate: &Estimate{Model: m, Workers: 4, Makespan: 10}})
	require.NoError(t, err)
	require.Equal(t, "1m20s", v.Actual)
	require.Equal(t, "20s", v.Active, "the pause is not working time")
	require.Contains(t, v.Idle, "1m0s in 1 gaps with no batch in flight")
	require.Equal(t, "20s with 2 workers, as the run had at its peak", v.AsRun)
	require.Equal(t, "+0.0%", v.ErrorPct, "the estimate for 2 workers against the 20 s they worked")
	require.Equal(t, 1, strings.Count(string(v.Gantt), `class="gap"`))
	require.Equal(t, "01:00:00", v.Tables[0].First)
	require.Equal(t, "01:01:20", v.Tables[0].Last)

	// In a browser: the pause is drawn across the lanes, every batch is a
	// visible bar, the estimate as run is said.
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, Data{Spans: pausedRun(), Estimate: &Estimate{Model: m, Workers: 4, Makespan: 10}}))
	file := filepath.Join(t.TempDir(), "report.html")
	require.NoError(t, os.WriteFile(file, buf.Bytes(), 0o644))
	dom := browsertest.DOM(t, file)
	require.Contains(t, dom, `class="gap"`)
	require.Contains(t, dom, "no batch in flight")
	bars := regexp.MustCompile(`<rect class="batch [a-z]+" data-batch="\d+" x="[0-9.]+" y="[0-9.]+" width="([0-9.]+)"`).FindAllStringSubmatch(dom, -1)
	require.Len(t, bars, 40+40, "every batch in both schedules")
	for _, b := range bars {
		w, err := strconv.ParseFloat(b[1], 64)
		require.NoError(t, err)
		require.GreaterOrEqual(t, w, 3.0, "a visible bar")
	}
	require.Contains(t, dom, "for the run as it ran: 20s with 2 workers")
}

func TestHistoryKeepsFailuresThatWereRetried(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)
	ev := []checkpoint.Event{
		{At: t0.Add(2 * time.Second), Kind: checkpoint.EventRetry, Batch: 3, Table: "m", Tenants: []string{"3"}, Attempt: 2, Host: "db-7"},
		{At: t0.Add(time.Second), Kind: checkpoint.EventAttemptFailed, Batch: 3, Table: "m", Tenants: []string{"3"}, Attempt: 1, Host: "db-7", Detail: "deadlock <found>"},
		{At: t0.Add(3 * time.Second), Kind: checkpoint.EventControl, Host: "db-7", Who: "dba@ops-1", Detail: "pause: load on the primary"},
	}
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, Data{Spans: pausedRun(), Events: ev}))
	page := buf.String()
	require.Contains(t, page, "none left failed (the history below lists every failure, also those retried)")
	i, j, k := strings.Index(page, `class="event attempt-failed"`), strings.Index(page, `class="event retry"`), strings.Index(page, `class="event control"`)
	require.True(t, i > 0 && i < j && j < k, "the history is in time order")
	require.Contains(t, page, "deadlock &lt;found&gt;")
	require.Contains(t, page, "pause: load on the primary")
	require.Contains(t, page, "<td>dba@ops-1</td>", "a control names its operator")
	require.Contains(t, page, "<td>#3 m tenant 3</td>")
}
