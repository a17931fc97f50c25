package planner

import (
	"fmt"
	"strconv"
	"strings"
)

// Summary is what a person checks before the night: how much there is, how
// much of it the largest tenant holds, and the best makespan any schedule of
// this plan could reach with the given workers.
type Summary struct {
	Tenants            int     `json:"tenants"`
	Tables             int     `json:"tables"`
	Batches            int     `json:"batches"`
	Rows               int64   `json:"rows"`
	Bytes              int64   `json:"bytes"`
	LargestTenant      string  `json:"largest_tenant"`
	LargestTenantRows  int64   `json:"largest_tenant_rows"`
	LargestTenantShare float64 `json:"largest_tenant_share"`
	LargestBatchRows   int64   `json:"largest_batch_rows"`
	LowerBoundRows     int64   `json:"lower_bound_rows"`
	Workers            int     `json:"workers"`
}

// Summarize describes p, built from sizes, for a pool of workers.
//
// Rows, bytes, batches and the largest batch come from the plan (its
// estimates); tenants and tables count the distinct ids found in the plan or
// the sizes, so a tenant with no rows still counts. The largest tenant is the
// one with the most rows summed over all tables (ties go to the smaller id), and
// its share is of all measured rows, shared tables included. LowerBoundRows is
// max(ceil(Rows/workers), LargestBatchRows): no schedule can finish sooner, in
// rows copied by the busiest worker. workers < 1 counts as 1.
func Summarize(p *Plan, sizes []Size, workers int) Summary {
	workers = max(workers, 1)
	s := Summary{Workers: workers}
	tenants := map[string]bool{}
	tables := map[string]bool{}
	if p != nil {
		s.Batches = len(p.Batches)
		for _, b := range p.Batches {
			s.Rows = satAdd(s.Rows, b.Rows)
			s.Bytes = satAdd(s.Bytes, b.Bytes)
			s.LargestBatchRows = max(s.LargestBatchRows, b.Rows)
			tables[b.Table] = true
			for _, t := range b.Tenants {
				if t != "" {
					tenants[t] = true
				}
			}
		}
	}
	perTenant := map[string]int64{}
	var all int64
	for _, z := range sizes {
		tables[z.Table] = true
		all = satAdd(all, z.Rows)
		if z.Tenant != "" {
			tenants[z.Tenant] = true
			perTenant[z.Tenant] = satAdd(perTenant[z.Tenant], z.Rows)
		}
	}
	s.Tenants, s.Tables = len(tenants), len(tables)
	for t, rows := range perTenant {
		if s.LargestTenant == "" || rows > s.LargestTenantRows ||
			rows == s.LargestTenantRows && CompareTenants(t, s.LargestTenant) < 0 {
			s.LargestTenant, s.LargestTenantRows = t, rows
		}
	}
	if all > 0 {
		s.LargestTenantShare = float64(s.LargestTenantRows) / float64(all)
	}
	perWorker := s.Rows / int64(workers)
	if s.Rows%int64(workers) != 0 {
		perWorker++
	}
	s.LowerBoundRows = max(perWorker, s.LargestBatchRows)
	return s
}

// Text renders s for a terminal, one fact a line, without a trailing newline.
func (s Summary) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tenants %s, tables %s, batches %s, rows %s (%s)\n",
		Thousands(int64(s.Tenants)), Thousands(int64(s.Tables)), Thousands(int64(s.Batches)),
		Thousands(s.Rows), humanBytes(s.Bytes))
	if s.LargestTenant != "" {
		fmt.Fprintf(&b, "largest tenant %s: %s rows (%.1f%% of all rows)\n",
			s.LargestTenant, Thousands(s.LargestTenantRows), 100*s.LargestTenantShare)
	} else {
		b.WriteString("no tenant rows\n")
	}
	noun := "workers"
	if s.Workers == 1 {
		noun = "worker"
	}
	fmt.Fprintf(&b, "makespan lower bound with %d %s: %s rows per worker (largest batch %s rows)",
		s.Workers, noun, Thousands(s.LowerBoundRows), Thousands(s.LargestBatchRows))
	return b.String()
}

// Thousands formats n with a comma every three digits: 1234567 -> "1,234,567".
func Thousands(n int64) string {
	digits := strconv.FormatInt(n, 10)
	sign := ""
	if digits[0] == '-' {
		sign, digits = "-", digits[1:]
	}
	var b strings.Builder
	b.WriteString(sign)
	for i := 0; i < len(digits); i++ {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(digits[i])
	}
	return b.String()
}

// humanBytes formats n in decimal units, as disk and network tools do:
// 169000000 -> "169 MB", 1500 -> "1.5 kB".
func humanBytes(n int64) string {
	if n < 1000 {
		return strconv.FormatInt(n, 10) + " B"
	}
	v := float64(n)
	unit := ""
	for _, u := range []string{"kB", "MB", "GB", "TB", "PB", "EB"} {
		v /= 1000
		unit = u
		if v < 999.5 {
			break
		}
	}
	if v < 9.95 {
		return fmt.Sprintf("%.1f %s", v, unit)
	}
	return fmt.Sprintf("%.0f %s", v, unit)
}
