// Package report renders the end-of-run report: the first page of a
// post-mortem. It is one self-contained HTML file (inline SVG and CSS, no
// script, no external asset) built from the ledger's record of the run, the
// plan's estimate and, when given, a verification result.
package report

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/cutover/cutover/checkpoint"
	"github.com/cutover/cutover/planner"
)

// Estimate is what the plan promised.
type Estimate struct {
	Model       planner.Model
	Workers     int
	Makespan    float64 // seconds
	Calibration string  // "" when uncalibrated
}

// Verification is a verify result, when the caller has one.
type Verification struct {
	Mode        string // "row counts" or "content (--checksum)"; "" when unknown
	Equal       bool
	Differences int
	NotReady    int      // tenants not ready for cutover (content mode)
	Detail      []string // first differences, one line each
}

// Data is everything a report shows.
type Data struct {
	RunID     int64
	PlanFP    string
	PlannedAt time.Time
	Spans     []checkpoint.Span
	Events    []checkpoint.Event // the run's audit history, oldest first
	// Sync is the change capture that followed this run, one row per
	// table; nil when capture was not on.
	Sync        []checkpoint.SyncPosition
	Estimate    *Estimate     // nil when the plan stored none
	Verify      *Verification // nil when not given
	GeneratedAt time.Time
	// Canary is the run's canary (run --canary), nil when it had none.
	Canary *checkpoint.Canary
}

// minGap is the shortest time with no batch in flight that the report calls
// a gap (drawn shaded, and left out of the comparison with the estimate): a
// pause, a stop before a resume, or no process running. Shorter ones are
// the ordinary hand-over between one batch and the next.
func minGap(total float64) float64 { return math.Max(5, 0.02*total) }

// gaps returns the spans of at least minGap, in seconds from first, in
// which no batch was in flight, and the peak number of batches in flight at
// once: the workers the run really had.
func gaps(spans []checkpoint.Span, first time.Time, total float64) ([]planner.Gap, int) {
	type edge struct {
		at float64
		d  int
	}
	var edges []edge
	for _, s := range spans {
		if s.Claimed.IsZero() || s.Finished.IsZero() {
			continue
		}
		edges = append(edges, edge{s.Claimed.Sub(first).Seconds(), +1}, edge{s.Finished.Sub(first).Seconds(), -1})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if c := cmp.Compare(a.at, b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.d, b.d) // an end before a start at the same instant
	})
	var out []planner.Gap
	inFlight, peak := 0, 0
	idleFrom := 0.0
	for _, e := range edges {
		if inFlight == 0 && e.d > 0 && e.at-idleFrom >= minGap(total) {
			out = append(out, planner.Gap{Start: idleFrom, End: e.at, Label: "no batch in flight"})
		}
		inFlight += e.d
		peak = max(peak, inFlight)
		if inFlight == 0 {
			idleFrom = e.at
		}
	}
	return out, peak
}

// Write renders d as HTML.
func Write(w io.Writer, d Data) error {
	v, err := build(d)
	if err != nil {
		return err
	}
	return page.Execute(w, v)
}

// view is d digested for the template.
type view struct {
	Data
	Counts                 map[string]int
	States                 []stateCount
	Rows                   string
	Start, End             string
	Actual                 string
	EstimateText, ErrorPct string
	Gantt, Throughput      template.HTML
	Planned                template.HTML // the estimated schedule, when there is an estimate
	Tables                 []tableRow
	Total                  tableRow
	Slowest                []tenantRow
	Failures               []checkpoint.Span
	Events                 []eventRow
	Sync                   []syncRow
	SyncRuns               []eventRow // the syncs that ended; the last "caught up" one is the freeze
	SyncTotal              string
	Lanes                  int
	// Active is the actual time less the gaps; Idle says how long the gaps
	// were, "" when there were none.
	Active, Idle string
	// AsRun is the estimate re-made for the workers that ran, when they
	// differ from the plan's.
	AsRun string
	// CanaryTook is how long the canary took, from its start to the end of
	// its check ("" before a check ended).
	CanaryTook string
}

type syncRow struct {
	Table, Changes, Applies, Started, Last string
}

type eventRow struct {
	At, Kind, Batch, Attempt, Host, Detail string
}

// MaxEvents bounds the history a report lists.
const MaxEvents = 10_000

type stateCount struct {
	State string
	N     int
}

type tableRow struct {
	Table                    string
	First, Last              string // the table's first claim and last batch end
	Batches                  int
	Rows                     string
	Estimated, Actual, Error string
	FailedBatches            int64
	estSec, actSec           float64
	rowsN                    int64
	first, last              time.Time
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

type tenantRow struct {
	Tenant  string
	Seconds string
	Batches int
	Rows    string
	sec     float64
}

func build(d Data) (*view, error) {
	v := &view{Data: d, Counts: map[string]int{}}
	var rows int64
	var first, last time.Time
	for _, s := range d.Spans {
		v.Counts[s.State.String()]++
		rows += s.Rows
		if s.Claimed.IsZero() {
			continue
		}
		if first.IsZero() || s.Claimed.Before(first) {
			first = s.Claimed
		}
		if s.Finished.After(last) {
			last = s.Finished
		}
	}
	for _, st := range []checkpoint.State{checkpoint.Done, checkpoint.Failed, checkpoint.Claimed, checkpoint.Pending} {
		if n := v.Counts[st.String()]; n > 0 {
			v.States = append(v.States, stateCount{st.String(), n})
		}
	}
	v.Rows = planner.Thousands(rows)
	actual := 0.0
	if !first.IsZero() && last.After(first) {
		actual = last.Sub(first).Seconds()
		v.Start, v.End = first.UTC().Format(time.RFC3339), last.UTC().Format(time.RFC3339)
	}
	v.Actual = seconds(actual)
	holes, peak := gaps(d.Spans, first, actual)
	active := actual
	for _, g := range holes {
		active -= g.End - g.Start
	}
	v.Active = seconds(active)
	if len(holes) > 0 {
		v.Idle = fmt.Sprintf("%s in %d gaps with no batch in flight (paused, stopped or no process running), shaded in the schedule", seconds(actual-active), len(holes))
	}
	model := planner.DefaultModel()
	if d.Estimate != nil {
		model = d.Estimate.Model
	}
	if e := d.Estimate; e != nil {
		v.EstimateText = fmt.Sprintf("%s with %d workers", seconds(e.Makespan), e.Workers)
		// Compare like with like: the estimate for the workers that ran,
		// against the time they were running.
		est := e.Makespan
		if peak > 0 && peak != e.Workers {
			est = planner.Simulate(plannedBatches(d.Spans), e.Model, peak).Makespan
			v.AsRun = fmt.Sprintf("%s with %d workers, as the run had at its peak", seconds(est), peak)
		}
		if active > 0 {
			v.ErrorPct = fmt.Sprintf("%+.1f%%", 100*(est-active)/active)
		}
	}
	gantt, lanes, err := ganttSVG(d, first, model, holes)
	if err != nil {
		return nil, err
	}
	v.Gantt, v.Lanes = gantt, lanes
	if d.Estimate != nil {
		if v.Planned, err = plannedSVG(d, active, len(holes) > 0); err != nil {
			return nil, err
		}
	}
	v.Throughput = throughputSVG(d.Spans, first, last)
	v.Tables, v.Total = perTable(d.Spans, model, d.Estimate != nil)
	v.Slowest = slowestTenants(d.Spans, 10)
	for _, s := range d.Spans {
		if s.State == checkpoint.Failed {
			v.Failures = append(v.Failures, s)
		}
	}
	v.Events = eventRows(d.Events)
	if c := d.Canary; c != nil && !c.CheckedAt.IsZero() {
		v.CanaryTook = seconds(c.CheckedAt.Sub(c.StartedAt).Seconds())
	}
	v.Sync, v.SyncTotal = syncRows(d.Sync)
	for _, e := range v.Events {
		if e.Kind == string(checkpoint.EventSync) {
			v.SyncRuns = append(v.SyncRuns, e)
		}
	}
	return v, nil
}

// ganttSVG draws the actual schedule: one lane per (process, worker), each
// batch from its last claim to its end, the estimate as a line.
func ganttSVG(d Data, start time.Time, m planner.Model, holes []planner.Gap) (template.HTML, int, error) {
	type lane struct {
		owner  string
		worker int
	}
	index := map[lane]int{}
	var names []string
	var keys []lane
	for _, s := range d.Spans {
		if s.Claimed.IsZero() || s.Finished.IsZero() {
			continue
		}
		k := lane{s.Owner, s.Worker}
		if _, ok := index[k]; !ok {
			index[k] = -1
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b lane) int {
		if c := cmp.Compare(a.owner, b.owner); c != 0 {
			return c
		}
		return cmp.Compare(a.worker, b.worker)
	})
	for i, k := range keys {
		index[k] = i
		names = append(names, fmt.Sprintf("%s/%d", shortOwner(k.owner), k.worker))
	}
	var batches []planner.Batch
	sched := planner.Schedule{Workers: max(len(keys), 1)}
	for _, s := range d.Spans {
		b := planner.Batch{ID: s.ID, Table: s.Table, Tenants: s.Tenants, Rows: s.EstRows, Bytes: s.EstBytes}
		if s.Ranged {
			b.Lo = []string{""} // the chart's tooltip only asks whether there is a range
		}
		batches = append(batches, b)
		if s.Claimed.IsZero() || s.Finished.IsZero() {
			continue
		}
		sl := planner.Slot{Batch: s.ID, Worker: index[lane{s.Owner, s.Worker}] + 1,
			Start: s.Claimed.Sub(start).Seconds(), End: s.Finished.Sub(start).Seconds()}
		sched.Slots = append(sched.Slots, sl)
		sched.Makespan = math.Max(sched.Makespan, sl.End)
	}
	o := planner.GanttOptions{Title: "actual schedule", Lanes: names, Gaps: holes}
	if d.Estimate != nil {
		o.Deadline, o.DeadlineLabel = d.Estimate.Makespan, "estimate "+seconds(d.Estimate.Makespan)
	}
	var buf bytes.Buffer
	if err := planner.WriteGantt(&buf, batches, m, sched, o); err != nil {
		return "", 0, err
	}
	return template.HTML(buf.String()), len(keys), nil // our own escaped SVG
}

// plannedSVG draws the schedule the plan estimated, the batches in plan
// order on the estimate's workers, with the actual working time (the makespan
// less its gaps) as a line.
func plannedSVG(d Data, actual float64, paused bool) (template.HTML, error) {
	p := plannedBatches(d.Spans)
	sched := planner.Simulate(p, d.Estimate.Model, d.Estimate.Workers)
	o := planner.GanttOptions{Title: "estimated schedule"}
	if actual > 0 {
		o.Deadline, o.DeadlineLabel = actual, "actual "+seconds(actual)
		if paused {
			o.DeadlineLabel = "actual working time " + seconds(actual)
		}
	}
	var buf bytes.Buffer
	if err := planner.WriteGantt(&buf, p.Batches, d.Estimate.Model, sched, o); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil // our own escaped SVG
}

// plannedBatches is the plan as the ledger holds it, in plan order.
func plannedBatches(spans []checkpoint.Span) *planner.Plan {
	p := &planner.Plan{}
	for _, s := range spans {
		b := planner.Batch{ID: s.ID, Table: s.Table, Tenants: s.Tenants, Rows: s.EstRows, Bytes: s.EstBytes}
		if s.Ranged {
			b.Lo = []string{""} // the chart's tooltip only asks whether there is a range
		}
		p.Batches = append(p.Batches, b)
	}
	return p
}

// eventRows are the history in time order, for the template: a batch event
// names its table and key range, a control its operator.
func eventRows(events []checkpoint.Event) []eventRow {
	es := slices.Clone(events)
	slices.SortStableFunc(es, func(a, b checkpoint.Event) int { return a.At.Compare(b.At) })
	out := make([]eventRow, 0, len(es))
	for _, e := range es {
		r := eventRow{At: e.At.UTC().Format("2006-01-02 15:04:05.000"), Kind: string(e.Kind), Host: e.Host, Detail: e.Detail}
		if e.Who != "" {
			r.Host = e.Who
		}
		if e.Batch > 0 {
			r.Batch = fmt.Sprintf("#%d %s", e.Batch, e.Table)
			if len(e.Tenants) > 0 {
				r.Batch += " tenant " + strings.Join(e.Tenants[:min(len(e.Tenants), 3)], ",")
				if len(e.Tenants) > 3 {
					r.Batch += fmt.Sprintf(" (+%d)", len(e.Tenants)-3)
				}
			}
			if len(e.Lo) > 0 || len(e.Hi) > 0 {
				r.Batch += fmt.Sprintf(" key [%s, %s)", strings.Join(e.Lo, ","), strings.Join(e.Hi, ","))
			}
		}
		if e.Attempt > 0 {
			r.Attempt = fmt.Sprint(e.Attempt)
		}
		out = append(out, r)
	}
	return out
}

// syncRows are the catch-up's tables and its total, "" without capture.
func syncRows(ps []checkpoint.SyncPosition) ([]syncRow, string) {
	var out []syncRow
	var changes, applies int64
	for _, p := range ps {
		r := syncRow{Table: p.Table, Changes: planner.Thousands(p.Changes), Applies: planner.Thousands(p.Applies),
			Started: p.StartedAt.UTC().Format("2006-01-02 15:04:05"), Last: "-"}
		if !p.AppliedAt.IsZero() {
			r.Last = p.AppliedAt.UTC().Format("2006-01-02 15:04:05")
		}
		changes += p.Changes
		applies += p.Applies
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, ""
	}
	return out, fmt.Sprintf("%s changes applied in %s transactions over %d tables", planner.Thousands(changes), planner.Thousands(applies), len(out))
}

// shortOwner keeps the host and pid of an owner "host:pid:nonce".
func shortOwner(o string) string {
	parts := strings.Split(o, ":")
	if len(parts) >= 3 {
		return parts[0] + ":" + parts[1]
	}
	return o
}

// throughputSVG plots rows per second over time in 60 buckets, each batch's
// rows spread evenly over its time from claim to end (a batch streams its
// rows while it runs; counting them at its end would show spikes).
func throughputSVG(spans []checkpoint.Span, first, last time.Time) template.HTML {
	const w, h, left, top, bottom = 1000.0, 180.0, 70.0, 20.0, 25.0
	total := last.Sub(first).Seconds()
	if total <= 0 {
		return template.HTML(`<p class="empty">no batch finished yet</p>`)
	}
	n := 60
	width := total / float64(n)
	buckets := rates(spans, first, width, n)
	peak := 0.0
	for _, r := range buckets {
		peak = math.Max(peak, r)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="throughput" width="%.0f" height="%.0f" font-family="sans-serif" font-size="11">`, left+w+20, top+h+bottom+10)
	barW := w / float64(n)
	for i, v := range buckets {
		bh := 0.0
		if peak > 0 {
			bh = h * v / peak
		}
		fmt.Fprintf(&b, `<rect class="bucket" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#2ca02c"><title>%s to %s: %s rows/s</title></rect>`,
			left+barW*float64(i), top+h-bh, math.Max(barW-1, 0.5), bh, seconds(width*float64(i)), seconds(width*float64(i+1)), planner.Thousands(int64(v)))
	}
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#333"/>`, left, top+h, left+w, top+h)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f">peak %s rows/s</text>`, left, top-6, planner.Thousands(int64(peak)))
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="end">0</text>`, left-6, top+h)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f">0s</text><text x="%.0f" y="%.0f" text-anchor="end">%s</text></svg>`,
		left, top+h+bottom-8, left+w, top+h+bottom-8, seconds(total))
	return template.HTML(b.String()) // numbers and our own labels only
}

// rates returns rows per second in n buckets of width seconds from first,
// each done batch's rows spread evenly over its time from claim to end.
func rates(spans []checkpoint.Span, first time.Time, width float64, n int) []float64 {
	buckets := make([]float64, n)
	for _, s := range spans {
		if s.State != checkpoint.Done || s.Finished.IsZero() || s.Claimed.IsZero() {
			continue
		}
		a, b := s.Claimed.Sub(first).Seconds(), s.Finished.Sub(first).Seconds()
		if b <= a {
			buckets[min(max(int(a/width), 0), n-1)] += float64(s.Rows)
			continue
		}
		for i := max(int(a/width), 0); i < n && float64(i)*width < b; i++ {
			lo, hi := math.Max(a, float64(i)*width), math.Min(b, float64(i+1)*width)
			if hi > lo {
				buckets[i] += float64(s.Rows) * (hi - lo) / (b - a)
			}
		}
	}
	for i := range buckets {
		buckets[i] /= width
	}
	return buckets
}

// perTable sums estimated and actual worker-seconds per table.
func perTable(spans []checkpoint.Span, m planner.Model, estimated bool) ([]tableRow, tableRow) {
	by := map[string]*tableRow{}
	var order []string
	total := tableRow{Table: "total"}
	for _, s := range spans {
		r := by[s.Table]
		if r == nil {
			r = &tableRow{Table: s.Table}
			by[s.Table] = r
			order = append(order, s.Table)
		}
		est := m.For(s.Table).Seconds(s.EstRows, s.EstBytes)
		act := 0.0
		if !s.Claimed.IsZero() && !s.Finished.IsZero() {
			act = s.Finished.Sub(s.Claimed).Seconds()
			r.first, r.last = earliest(r.first, s.Claimed), latest(r.last, s.Finished)
		}
		for _, x := range []*tableRow{r, &total} {
			x.Batches++
			x.rowsN += s.Rows
			x.estSec += est
			x.actSec += act
			if s.State == checkpoint.Failed {
				x.FailedBatches++
			}
		}
	}
	finish := func(r *tableRow) {
		r.Rows = planner.Thousands(r.rowsN)
		r.First, r.Last = "-", "-"
		if !r.first.IsZero() {
			r.First, r.Last = r.first.UTC().Format("15:04:05"), r.last.UTC().Format("15:04:05")
		}
		r.Actual = seconds(r.actSec)
		r.Estimated, r.Error = "-", "-"
		if estimated {
			r.Estimated = seconds(r.estSec)
			if r.actSec > 0 {
				r.Error = fmt.Sprintf("%+.1f%%", 100*(r.estSec-r.actSec)/r.actSec)
			}
		}
	}
	var out []tableRow
	for _, t := range order {
		finish(by[t])
		out = append(out, *by[t])
	}
	finish(&total)
	return out, total
}

// slowestTenants ranks tenants by the worker-seconds their batches took; a
// packed batch's time is shared evenly among its tenants.
func slowestTenants(spans []checkpoint.Span, n int) []tenantRow {
	by := map[string]*tenantRow{}
	for _, s := range spans {
		if s.Claimed.IsZero() || s.Finished.IsZero() || len(s.Tenants) == 0 {
			continue
		}
		sec := s.Finished.Sub(s.Claimed).Seconds() / float64(len(s.Tenants))
		for _, t := range s.Tenants {
			r := by[t]
			if r == nil {
				r = &tenantRow{Tenant: t}
				by[t] = r
			}
			r.sec += sec
			r.Batches++
		}
	}
	out := make([]tenantRow, 0, len(by))
	for _, r := range by {
		r.Seconds = seconds(r.sec)
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b tenantRow) int {
		if c := cmp.Compare(b.sec, a.sec); c != 0 {
			return c
		}
		return planner.CompareTenants(a.Tenant, b.Tenant)
	})
	return out[:min(n, len(out))]
}

func seconds(s float64) string {
	d := time.Duration(s * float64(time.Second))
	switch {
	case d >= time.Hour:
		return d.Round(time.Minute).String()
	case d >= time.Minute:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}

var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cutover run {{.RunID}} report</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; } th, td { padding: 0.25em 0.8em; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.total td { font-weight: bold; border-top: 2px solid #999; }
.ok { color: #2a7d2a; } .bad { color: #c00; font-weight: bold; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; } dt { font-weight: bold; }
pre { white-space: pre-wrap; margin: 0; }
</style>
</head>
<body>
<h1 id="title">cutover run {{.RunID}}</h1>
<dl id="summary">
<dt>plan</dt><dd>{{.PlanFP}}, planned {{.PlannedAt.UTC.Format "2006-01-02 15:04:05 MST"}}</dd>
<dt>batches</dt><dd>{{range $i, $s := .States}}{{if $i}}, {{end}}{{$s.N}} {{$s.State}}{{end}}</dd>
<dt>rows copied</dt><dd>{{.Rows}}</dd>
<dt>actual</dt><dd id="actual">{{.Actual}}{{if .Start}} (first claim {{.Start}}, last batch end {{.End}}){{end}}</dd>
{{if .Idle}}<dt>working</dt><dd id="active">{{.Active}}; {{.Idle}}</dd>
{{end}}<dt>estimate</dt><dd id="estimate">{{if .Estimate}}{{.EstimateText}}{{if .Estimate.Calibration}}, {{.Estimate.Calibration}}{{else}}, uncalibrated (default cost model){{end}}{{if .AsRun}}; for the run as it ran: {{.AsRun}}{{end}}{{if .ErrorPct}}; error {{.ErrorPct}} of the {{if .Idle}}working time{{else}}actual{{end}}{{end}}{{else}}none stored with the plan{{end}}</dd>
<dt>verification</dt><dd id="verification">{{with .Verify}}{{if .Equal}}<span class="ok">equal on both sides</span>{{else}}<span class="bad">{{.Differences}} differences{{if .NotReady}}, {{.NotReady}} tenants not ready{{end}}</span>{{end}}{{if .Mode}} ({{.Mode}}){{end}}{{else}}not recorded: run <code>cutover verify --json &gt; verify.json</code> and <code>cutover report --verify verify.json</code>{{end}}</dd>
</dl>
{{with .Canary}}<h2>Canary</h2>
<p id="canary">{{len .Tenants}} tenants copied first, in {{len .Batches}} batches, and checked against the source before the rest: <span class="{{if eq .State "passed"}}ok{{else if eq .State "failed"}}bad{{end}}">{{.State}}</span>; started {{.StartedAt.UTC.Format "2006-01-02 15:04:05 MST"}}{{if $.CanaryTook}}, checked after {{$.CanaryTook}}{{end}}.</p>
<ul id="canary-tenants">{{range .Why}}<li>{{.}}</li>{{end}}</ul>
{{if .Detail}}<pre id="canary-detail">{{.Detail}}</pre>{{end}}
{{end}}{{with .Verify}}{{if .Detail}}<ul id="differences">{{range .Detail}}<li>{{.}}</li>{{end}}</ul>{{end}}{{end}}

<h2>Actual schedule ({{.Lanes}} workers)</h2>
<div id="gantt">{{.Gantt}}</div>

{{if .Planned}}<h2>Estimated schedule</h2>
<div id="planned">{{.Planned}}</div>
{{end}}
<h2>Throughput over time</h2>
<div id="throughput">{{.Throughput}}</div>

<h2>Estimate against actual, per table</h2>
<p>Worker-seconds: the sum of every batch's time, from its claim to its end.</p>
<table id="tables">
<tr><th>table</th><th>batches</th><th>rows</th><th>started (UTC)</th><th>finished (UTC)</th><th>estimated</th><th>actual</th><th>error</th><th>failed</th></tr>
{{range .Tables}}<tr><td>{{.Table}}</td><td>{{.Batches}}</td><td>{{.Rows}}</td><td>{{.First}}</td><td>{{.Last}}</td><td>{{.Estimated}}</td><td>{{.Actual}}</td><td>{{.Error}}</td><td>{{.FailedBatches}}</td></tr>
{{end}}<tr class="total"><td>{{.Total.Table}}</td><td>{{.Total.Batches}}</td><td>{{.Total.Rows}}</td><td>{{.Total.First}}</td><td>{{.Total.Last}}</td><td>{{.Total.Estimated}}</td><td>{{.Total.Actual}}</td><td>{{.Total.Error}}</td><td>{{.Total.FailedBatches}}</td></tr>
</table>

<h2>Slowest tenants</h2>
<table id="slowest">
<tr><th>tenant</th><th>worker-seconds</th><th>batches</th></tr>
{{range .Slowest}}<tr><td>{{.Tenant}}</td><td>{{.Seconds}}</td><td>{{.Batches}}</td></tr>
{{end}}</table>

<h2>Failures</h2>
{{if .Failures}}<table id="failures">
<tr><th>batch</th><th>table</th><th>attempts</th><th>error</th></tr>
{{range .Failures}}<tr><td>#{{.ID}}</td><td>{{.Table}}</td><td>{{.Attempts}}</td><td style="text-align:left"><pre>{{.Error}}</pre></td></tr>
{{end}}</table>{{else}}<p id="failures" class="ok">none{{if .Events}} left failed (the history below lists every failure, also those retried){{end}}</p>{{end}}

{{if .Sync}}<h2>Catch-up (changes captured during the copy, applied after it)</h2>
<p id="sync-total">{{.SyncTotal}}</p>
<table id="sync">
<tr><th>table</th><th>changes applied</th><th>transactions</th><th>capture started (UTC)</th><th>last applied (UTC)</th></tr>
{{range .Sync}}<tr><td>{{.Table}}</td><td>{{.Changes}}</td><td>{{.Applies}}</td><td>{{.Started}}</td><td>{{.Last}}</td></tr>
{{end}}</table>
{{if .SyncRuns}}<p>Syncs that ended (the last <code>sync --until caught-up</code>, run once writes stopped, is the freeze):</p>
<ul id="sync-runs">{{range .SyncRuns}}<li>{{.At}}: {{.Detail}}</li>{{end}}</ul>{{end}}
{{end}}
<h2>History</h2>
{{if .Events}}<table id="history">
<tr><th>time (UTC)</th><th>what</th><th>batch</th><th>attempt</th><th>host or operator</th><th>detail</th></tr>
{{range .Events}}<tr class="event {{.Kind}}"><td>{{.At}}</td><td>{{.Kind}}</td><td>{{.Batch}}</td><td>{{.Attempt}}</td><td>{{.Host}}</td><td style="text-align:left"><pre>{{.Detail}}</pre></td></tr>
{{end}}</table>{{if ge (len .Events) 10000}}<p>the first 10,000 events</p>{{end}}{{else}}<p id="history">no history recorded for this run</p>{{end}}

<p><small>generated {{.GeneratedAt.UTC.Format "2006-01-02 15:04:05 MST"}} by cutover report</small></p>
</body>
</html>
`))
