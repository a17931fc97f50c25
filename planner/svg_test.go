package planner

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/internal/browsertest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// svgNode is a generic XML element, to check the chart's structure.
type svgNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []svgNode  `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n svgNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// walk calls fn for n and every element below it.
func (n svgNode) walk(fn func(svgNode)) {
	fn(n)
	for _, c := range n.Nodes {
		c.walk(fn)
	}
}

func ganttFixture() ([]Batch, Model, Schedule) {
	batches := []Batch{
		{ID: 1, Table: "tx", Tenants: []string{"7"}, Hi: []string{"500"}, Rows: 500},
		{ID: 2, Table: "tx", Tenants: []string{"7"}, Lo: []string{"500"}, Rows: 400},
		{ID: 3, Table: "tx", Tenants: []string{"1", "2", "3"}, Rows: 300},
		{ID: 4, Table: "tx", Tenants: []string{"9"}, Rows: 10},
		{ID: 5, Table: "currencies", Tenants: []string{}, Rows: 100},
		{ID: 6, Table: "tx", Tenants: []string{"10"}, Rows: 1},
	}
	m := Model{Default: Cost{PerRow: 0.01}}
	return batches, m, Simulate(&Plan{Batches: batches}, m, 2)
}

func TestWriteGanttStructure(t *testing.T) {
	batches, m, s := ganttFixture()
	var buf bytes.Buffer
	require.NoError(t, WriteGantt(&buf, batches, m, s, GanttOptions{Title: "plan <x> & y", Deadline: 20, DeadlineLabel: "deadline 05:00"}))

	var root svgNode
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &root), "well-formed XML")
	require.Equal(t, "svg", root.XMLName.Local)
	require.Equal(t, "http://www.w3.org/2000/svg", root.XMLName.Space)
	lanes, bars := 0, map[string]string{}
	var deadline, titles []string
	root.walk(func(n svgNode) {
		cls := n.attr("class")
		switch {
		case cls == "lane":
			lanes++
		case strings.HasPrefix(cls, "batch "):
			bars[n.attr("data-batch")] = strings.TrimPrefix(cls, "batch ")
			for _, c := range n.Nodes {
				titles = append(titles, c.Text)
			}
		case cls == "deadline":
			for _, c := range n.Nodes {
				if c.XMLName.Local == "text" {
					deadline = append(deadline, c.Text)
				}
			}
		}
	})
	require.Equal(t, 2, lanes, "one lane per worker")
	require.Equal(t, map[string]string{"1": "giant", "2": "giant", "3": "packed", "4": "large", "5": "shared", "6": "small"}, bars)
	require.Equal(t, []string{"deadline 05:00"}, deadline)
	require.Contains(t, titles, "batch #1 tx, tenant 7 (key range), 500 rows: 0s to 5.0s")
	require.Contains(t, buf.String(), "plan &lt;x&gt; &amp; y", "text is escaped")

	golden := filepath.Join("testdata", "gantt.svg")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(golden, buf.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run with -update to create the golden file")
	require.Equal(t, string(want), buf.String(), "the chart changed: review the diff, then go test -run Gantt -update")

	dom := browsertest.DOM(t, golden)
	require.Contains(t, dom, `class="batch giant"`, "the browser built the bars")
	require.Contains(t, dom, `class="deadline"`)
}

func TestGanttFarDeadlineKeepsTheWorkVisible(t *testing.T) {
	batches, m, s := ganttFixture()
	// The work takes seconds; the deadline is 22 hours away. The axis ends
	// shortly after the work and the deadline is said in words, off the axis.
	var buf bytes.Buffer
	require.NoError(t, WriteGantt(&buf, batches, m, s, GanttOptions{Title: "far", Deadline: 22 * 3600, DeadlineLabel: "deadline 05:00"}))
	svg := buf.String()
	require.Contains(t, svg, `class="deadline off-axis"`)
	require.Contains(t, svg, "deadline 05:00 (22h00m after the start) is beyond this axis: the work ends at ")
	var root svgNode
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &root))
	widest := 0.0
	root.walk(func(n svgNode) {
		if strings.HasPrefix(n.attr("class"), "batch ") {
			w, err := strconv.ParseFloat(n.attr("width"), 64)
			require.NoError(t, err)
			require.GreaterOrEqual(t, w, minBarWidth, "no hairline bar")
			widest = max(widest, w)
		}
	})
	require.Greater(t, widest, 500.0, "the longest batch spans most of the 1000 px plot")
	file := filepath.Join(t.TempDir(), "far.svg")
	require.NoError(t, os.WriteFile(file, buf.Bytes(), 0o644))
	dom := browsertest.DOM(t, file)
	require.Contains(t, dom, `class="deadline off-axis"`, "the browser draws the deadline's arrow")
	require.Equal(t, 6, strings.Count(dom, `<rect class="batch `), "every bar rendered")

	span, off := axisSpan(10, 25)
	require.Equal(t, 25.0, span, "a deadline within 3x the work is on the axis")
	require.False(t, off)
	span, off = axisSpan(10, 31)
	require.InDelta(t, 11.5, span, 1e-9)
	require.True(t, off)
}

func TestGanttGapsAreShaded(t *testing.T) {
	batches, m, s := ganttFixture()
	var buf bytes.Buffer
	require.NoError(t, WriteGantt(&buf, batches, m, s, GanttOptions{Title: "gaps", Gaps: []Gap{{Start: 1, End: 4, Label: "nothing in flight"}}}))
	svg := buf.String()
	require.Equal(t, 1, strings.Count(svg, `class="gap"`))
	require.Contains(t, svg, "<title>nothing in flight: 1.0s to 4.0s</title>")
}
