package planner

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// GanttOptions label a Gantt chart.
type GanttOptions struct {
	Title string
	// Deadline, in seconds from the start, draws a vertical line; 0 draws none.
	Deadline      float64
	DeadlineLabel string
	// Lanes names the lanes (one per worker) when they are not just numbers,
	// such as "host:pid/3" for an actual run; index i names worker i+1.
	Lanes []string
	// Gaps are spans, in seconds from the start, drawn shaded across every
	// lane: an actual run's time with no batch in flight (paused, stopped,
	// or no process running).
	Gaps []Gap
}

// Gap is a shaded span of a Gantt chart.
type Gap struct {
	Start, End float64
	Label      string
}

// minBarWidth keeps a short batch visible: on a long axis its true width
// would be a hairline a reader cannot see or point at.
const minBarWidth = 3.0

// axisSpan is how many seconds the time axis shows. A deadline far beyond
// the work (1.5 s of work before a deadline 22 h away) would shrink every bar
// to nothing: then the axis ends a little after the work and the deadline is
// drawn off the axis, with its distance in words.
func axisSpan(makespan, deadline float64) (span float64, deadlineOff bool) {
	work := math.Max(makespan, 1e-9)
	if deadline <= 3*work {
		return math.Max(work, deadline), false
	}
	return work * 1.15, true
}

// Size classes of a batch's tenant, as colours in the chart and the legend.
var sizeClasses = []struct{ class, colour, label string }{
	{"giant", "#d62728", "tenant ≥ 2% of the work"},
	{"large", "#ff7f0e", "tenant ≥ 0.2%"},
	{"small", "#1f77b4", "smaller tenant"},
	{"packed", "#9ecae1", "packed small tenants"},
	{"shared", "#7f7f7f", "all rows: shared or ranged table"},
}

// tenantClasses sorts every batch into a size class by its tenant's share of
// the plan's estimated cost.
func tenantClasses(batches []Batch, m Model) map[int]string {
	per := map[string]float64{}
	var total float64
	for _, b := range batches {
		c := m.BatchSeconds(b)
		total += c
		for _, t := range b.Tenants {
			per[t] += c / float64(len(b.Tenants))
		}
	}
	out := make(map[int]string, len(batches))
	for _, b := range batches {
		switch {
		case len(b.Tenants) == 0:
			out[b.ID] = "shared"
		case len(b.Tenants) > 1:
			out[b.ID] = "packed"
		case total > 0 && per[b.Tenants[0]] >= 0.02*total:
			out[b.ID] = "giant"
		case total > 0 && per[b.Tenants[0]] >= 0.002*total:
			out[b.ID] = "large"
		default:
			out[b.ID] = "small"
		}
	}
	return out
}

// WriteGantt draws s as an SVG Gantt chart: one lane per worker, one bar per
// batch from its start to its end, coloured by its tenant's size class (from
// batches and m), with a time axis, a legend and the deadline as a red line.
// Every bar has a title (a tooltip) naming the batch. The output is a
// self-contained SVG document that can also be inlined in HTML.
func WriteGantt(w io.Writer, batches []Batch, m Model, s Schedule, o GanttOptions) error {
	const (
		left, right, top = 110.0, 20.0, 40.0
		plotW            = 1000.0
		legendH          = 40.0
		axisH            = 30.0
	)
	lanes := max(s.Workers, len(o.Lanes), 1)
	laneH := math.Max(2, math.Min(18, 600/float64(lanes)))
	span, deadlineOff := axisSpan(s.Makespan, o.Deadline)
	x := func(sec float64) float64 { return left + plotW*math.Min(sec, span)/span }
	height := top + laneH*float64(lanes) + axisH + legendH
	width := left + plotW + right
	byID := make(map[int]Batch, len(batches))
	for _, b := range batches {
		byID[b.ID] = b
	}
	classes := tenantClasses(batches, m)

	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" class="gantt" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="11">`+"\n",
		width, height, width, height)
	fmt.Fprintf(bw, `<title>%s</title>`+"\n", html.EscapeString(o.Title))
	fmt.Fprintf(bw, `<text class="title" x="%.0f" y="20" font-size="14">%s</text>`+"\n", left, html.EscapeString(o.Title))
	for i := range lanes {
		name := fmt.Sprintf("worker %d", i+1)
		if i < len(o.Lanes) {
			name = o.Lanes[i]
		}
		y := top + laneH*float64(i)
		fmt.Fprintf(bw, `<g class="lane" data-worker="%d">`, i+1)
		if laneH >= 9 {
			fmt.Fprintf(bw, `<text x="%.0f" y="%.1f" text-anchor="end">%s</text>`, left-6, y+laneH*0.75, html.EscapeString(name))
		}
		fmt.Fprintf(bw, `<rect class="lane-bg" x="%.0f" y="%.1f" width="%.0f" height="%.1f" fill="%s"/>`+"</g>\n",
			left, y, plotW, laneH, []string{"#f4f4f4", "#ffffff"}[i%2])
	}
	for _, g := range o.Gaps {
		fmt.Fprintf(bw, `<rect class="gap" x="%.2f" y="%.0f" width="%.2f" height="%.1f" fill="#bbbbbb" fill-opacity="0.45" stroke="#888" stroke-dasharray="3 2"><title>%s</title></rect>`+"\n",
			x(g.Start), top, math.Max(x(g.End)-x(g.Start), 1), laneH*float64(lanes), html.EscapeString(fmt.Sprintf("%s: %s to %s", g.Label, shortDuration(g.Start), shortDuration(g.End))))
		if w := x(g.End) - x(g.Start); w >= 40 {
			fmt.Fprintf(bw, `<text class="gap-label" x="%.2f" y="%.0f" text-anchor="middle" fill="#444">%s</text>`+"\n",
				(x(g.Start)+x(g.End))/2, top-4, html.EscapeString(g.Label))
		}
	}
	for _, sl := range s.Slots {
		b := byID[sl.Batch]
		class := classes[sl.Batch]
		if class == "" {
			class = "small"
		}
		y := top + laneH*float64(sl.Worker-1)
		fmt.Fprintf(bw, `<rect class="batch %s" data-batch="%d" x="%.2f" y="%.1f" width="%.2f" height="%.1f" fill="%s"><title>%s</title></rect>`+"\n",
			class, sl.Batch, x(sl.Start), y+1, math.Max(x(sl.End)-x(sl.Start), minBarWidth), math.Max(laneH-2, 1), colourOf(class),
			html.EscapeString(describe(b, sl)))
	}
	axisY := top + laneH*float64(lanes)
	fmt.Fprintf(bw, `<g class="axis"><line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#333"/>`, left, axisY, left+plotW, axisY)
	for i := 0; i <= 5; i++ {
		sec := span * float64(i) / 5
		fmt.Fprintf(bw, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x(sec), axisY+15, shortDuration(sec))
	}
	bw.WriteString("</g>\n")
	switch {
	case o.Deadline > 0 && deadlineOff:
		// Off the axis: an arrow at its right end says where the deadline is.
		ax := left + plotW
		fmt.Fprintf(bw, `<g class="deadline off-axis"><path d="M%.1f %.0f l10 6 l-10 6 z" fill="#c00"/><text x="%.1f" y="%.0f" fill="#c00" text-anchor="end">%s</text></g>`+"\n",
			ax+2, top-22, ax, top-10, html.EscapeString(fmt.Sprintf("%s (%s after the start) is beyond this axis: the work ends at %s", o.DeadlineLabel, shortDuration(o.Deadline), shortDuration(s.Makespan))))
	case o.Deadline > 0:
		fmt.Fprintf(bw, `<g class="deadline"><line x1="%.2f" y1="%.0f" x2="%.2f" y2="%.1f" stroke="#c00" stroke-width="2" stroke-dasharray="6 3"/><text x="%.2f" y="%.0f" fill="#c00" text-anchor="end">%s</text></g>`+"\n",
			x(o.Deadline), top-8, x(o.Deadline), axisY, x(o.Deadline)-4, top-10, html.EscapeString(o.DeadlineLabel))
	}
	ly := axisY + axisH
	fmt.Fprintf(bw, `<g class="legend">`)
	lx := left
	for _, c := range sizeClasses {
		fmt.Fprintf(bw, `<rect x="%.0f" y="%.0f" width="12" height="12" fill="%s"/><text x="%.0f" y="%.0f">%s</text>`,
			lx, ly, c.colour, lx+16, ly+10, html.EscapeString(c.label))
		lx += 190
	}
	bw.WriteString("</g>\n</svg>\n")
	return bw.Flush()
}

func colourOf(class string) string {
	for _, c := range sizeClasses {
		if c.class == class {
			return c.colour
		}
	}
	return "#1f77b4"
}

// describe is a bar's tooltip.
func describe(b Batch, sl Slot) string {
	who := "all rows" // a shared or ranged table
	switch {
	case len(b.Tenants) == 0 && (b.Lo != nil || b.Hi != nil):
		who = "all rows, key range"
	case len(b.Tenants) == 1:
		who = "tenant " + b.Tenants[0]
		if b.Lo != nil || b.Hi != nil {
			who += " (key range)"
		}
	case len(b.Tenants) > 1:
		who = fmt.Sprintf("%d tenants packed", len(b.Tenants))
	}
	return fmt.Sprintf("batch #%d %s, %s, %d rows: %s to %s", sl.Batch, b.Table, who, b.Rows,
		shortDuration(sl.Start), shortDuration(sl.End))
}

// shortDuration formats seconds for an axis: 0s, 950ms, 12s, 3m20s, 2h05m.
func shortDuration(sec float64) string {
	d := Seconds(sec)
	switch {
	case sec <= 0:
		return "0s"
	case sec < 1:
		return fmt.Sprintf("%.0fms", sec*1000)
	case sec < 60:
		return fmt.Sprintf("%.1fs", sec)
	case sec < 3600:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return strings.TrimSpace(fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60))
}
