package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/internal/browsertest"
)

func TestReportAfterARun(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOpts{rows: 20_000, workers: 2, batchRows: 1_500})
	createTargetTables(t, f)
	// One broken row, so the report has a failure to show: a name too long
	// for the target column.
	_, err := f.srcDB.Exec("ALTER TABLE agents MODIFY name VARCHAR(300) NOT NULL")
	require.NoError(t, err)
	_, err = f.srcDB.Exec("UPDATE agents SET name = REPEAT('x', 200) ORDER BY agent_id LIMIT 1")
	require.NoError(t, err)

	code, _, errs := cutover(t, "plan", "--config", f.config)
	require.Equal(t, 0, code, errs)
	code, _, errs = cutover(t, "run", "--config", f.config)
	require.Equal(t, exitFailed, code, errs)
	dir := t.TempDir()
	verifyJSON := filepath.Join(dir, "verify.json")
	code, out, errs := cutover(t, "verify", "--config", f.config, "--json")
	require.Equal(t, exitFailed, code, errs)
	require.NoError(t, os.WriteFile(verifyJSON, []byte(out), 0o644))

	html := filepath.Join(dir, "report.html")
	code, out, errs = cutover(t, "report", "--config", f.config, "--out", html, "--verify", verifyJSON)
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "written to "+html)
	raw, err := os.ReadFile(html)
	require.NoError(t, err)
	page := string(raw)

	// Counted in the ledger here, not by the report's code.
	var ended, failed, tables int
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*), COALESCE(SUM(state = 3), 0), COUNT(DISTINCT tbl) FROM `"+f.ledger+
		"`.batches_v1 WHERE finished_at IS NOT NULL AND state IN (2, 3)").Scan(&ended, &failed, &tables))
	require.Equal(t, 1, failed)
	actualChart := regexp.MustCompile(`(?s)<div id="gantt">.*?</div>`).FindString(page)
	require.Equal(t, ended, strings.Count(actualChart, `<rect class="batch `), "one bar per batch that ended")
	var all int
	require.NoError(t, f.tgtDB.QueryRow("SELECT COUNT(*) FROM `"+f.ledger+"`.batches_v1").Scan(&all))
	plannedChart := regexp.MustCompile(`(?s)<div id="planned">.*?</div>`).FindString(page)
	require.Equal(t, all, strings.Count(plannedChart, `<rect class="batch `), "the estimated schedule has every batch")
	require.Regexp(t, `<tr><td>#\d+</td><td>agents</td><td>\d+</td><td style="text-align:left"><pre>[^<]*name`, page, "the failure with its error")
	require.Contains(t, page, `class="bad">`, "verification found differences")
	require.Contains(t, page, "uncalibrated (default cost model)")
	require.Regexp(t, `id="estimate">[^<]*with 2 workers[^<]*error [+-]\d+\.\d%`, page)
	tableRows := regexp.MustCompile(`(?s)<table id="tables">.*?</table>`).FindString(page)
	require.Equal(t, tables+2, strings.Count(tableRows, "<tr"), "a header, a row per table and the total")
	require.NotContains(t, page, "<script", "self-contained, no script")
	require.NotRegexp(t, `(src|href)="(https?:)?//`, page, "no external asset")

	dom := browsertest.DOM(t, html)
	require.Contains(t, dom, `<svg xmlns="http://www.w3.org/2000/svg" class="gantt"`)
	require.Contains(t, dom, `class="throughput"`)
	require.Contains(t, dom, `<table id="failures">`)
	require.Contains(t, page, "(row counts)")
	require.Regexp(t, `<tr class="event failed"><td>[^<]+</td><td>failed</td><td>#\d+ agents[^<]*</td>`, page, "the history keeps the failure")

	// The content check's JSON attaches too.
	code, out, errs = cutover(t, "verify", "--config", f.config, "--checksum", "--json")
	require.Equal(t, exitFailed, code, errs)
	require.NoError(t, os.WriteFile(verifyJSON, []byte(out), 0o644))
	code, _, errs = cutover(t, "report", "--config", f.config, "--out", html, "--verify", verifyJSON)
	require.Equal(t, 0, code, errs)
	raw, err = os.ReadFile(html)
	require.NoError(t, err)
	require.Regexp(t, `class="bad">\d+ differences, \d+ tenants not ready</span> \(content \(--checksum\)\)`, string(raw))

	// The run's own batch times calibrate the next plan.
	code, out, errs = cutover(t, "rehearse", "--config", f.config, "--from-run", "1")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, fmt.Sprintf("fitted on the %d done batches of run 1", ended-failed))
	code, out, errs = cutover(t, "plan", "--config", f.config, "--replan")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "calibrated by rehearsal")
	code, _, errs = cutover(t, "rehearse", "--config", f.config, "--from-run", "99")
	require.Equal(t, exitUsage, code, errs)

	code, _, errs = cutover(t, "report", "--config", f.config)
	require.Equal(t, exitUsage, code, errs)
	code, _, errs = cutover(t, "report", "--config", f.config, "--out", html, "--verify", f.config)
	require.Equal(t, exitUsage, code, errs)
}
