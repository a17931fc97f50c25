package planner

import (
	"cmp"
	"math"
	"slices"
)

// Measured is one batch a rehearsal ran, with the time it took.
type Measured struct {
	Table   string  `json:"table"`
	Rows    int64   `json:"rows"`
	Bytes   int64   `json:"bytes"`
	Seconds float64 `json:"seconds"`
}

// Calibrate fits a model from measured batches: least squares of
// seconds = fixed + per_row*rows + per_byte*bytes with every term clamped at
// zero (an exact non-negative fit: each subset of the three terms is solved
// and the best one whose terms are all non-negative wins).
//
// The default is fitted on all batches, where tables of different row widths
// separate the row and byte terms. A table with at least three batches of
// different sizes gets its own fit; a table with fewer keeps the default's
// fixed cost and scales its row and byte terms by one least-squares factor,
// which one or two batches do determine. A table without batches uses the
// default.
func Calibrate(ms []Measured) Model {
	m := Model{Default: fitCost(ms), Tables: map[string]Cost{}, Calibrated: true}
	byTable := map[string][]Measured{}
	for _, x := range ms {
		byTable[x.Table] = append(byTable[x.Table], x)
	}
	for t, xs := range byTable {
		if spread(xs) {
			if c := fitCost(xs); c.PerRow > 0 || c.PerByte > 0 {
				m.Tables[t] = c
				continue
			}
		}
		m.Tables[t] = scaled(m.Default, xs)
	}
	return m
}

// spread reports enough distinct batch sizes to fit three terms.
func spread(xs []Measured) bool {
	if len(xs) < 3 {
		return false
	}
	lo, hi := xs[0].Rows, xs[0].Rows
	for _, x := range xs {
		lo, hi = min(lo, x.Rows), max(hi, x.Rows)
	}
	return hi >= lo*3/2+1
}

// scaled keeps d's fixed cost and fits one factor k on its variable part.
func scaled(d Cost, xs []Measured) Cost {
	var num, den float64
	for _, x := range xs {
		v := d.PerRow*float64(x.Rows) + d.PerByte*float64(x.Bytes)
		num += (x.Seconds - d.Fixed) * v
		den += v * v
	}
	if den == 0 {
		return d
	}
	k := math.Max(num/den, 0)
	if k == 0 {
		k = 1e-3 // a table cannot be free; keep it tiny rather than zero
	}
	return Cost{Fixed: d.Fixed, PerRow: d.PerRow * k, PerByte: d.PerByte * k}
}

// fitCost is the non-negative least-squares fit of the three terms.
func fitCost(xs []Measured) Cost {
	if len(xs) == 0 {
		return DefaultModel().Default
	}
	// Columns scaled to comparable magnitudes keep the normal equations
	// well conditioned: rows and bytes differ by orders of magnitude.
	var sr, sb float64
	for _, x := range xs {
		sr = math.Max(sr, float64(x.Rows))
		sb = math.Max(sb, float64(x.Bytes))
	}
	sr, sb = math.Max(sr, 1), math.Max(sb, 1)
	col := func(x Measured) [3]float64 { return [3]float64{1, float64(x.Rows) / sr, float64(x.Bytes) / sb} }

	best, bestErr := Cost{}, math.Inf(1)
	for mask := 1; mask < 8; mask++ {
		var idx []int
		for j := range 3 {
			if mask&(1<<j) != 0 {
				idx = append(idx, j)
			}
		}
		if len(idx) > len(xs) {
			continue
		}
		coef, ok := solve(xs, col, idx)
		if !ok {
			continue
		}
		var full [3]float64
		neg := false
		for k, j := range idx {
			if coef[k] < 0 {
				neg = true
			}
			full[j] = coef[k]
		}
		if neg || full[1] == 0 && full[2] == 0 {
			continue
		}
		var sse float64
		for _, x := range xs {
			c := col(x)
			d := full[0]*c[0] + full[1]*c[1] + full[2]*c[2] - x.Seconds
			sse += d * d
		}
		// Prefer fewer terms unless more fit clearly better.
		sse *= 1 + 1e-9*float64(len(idx))
		if sse < bestErr {
			bestErr = sse
			best = Cost{Fixed: full[0], PerRow: full[1] / sr, PerByte: full[2] / sb}
		}
	}
	if math.IsInf(bestErr, 1) {
		// Nothing non-negative fits (times that shrink with size): fall back
		// to a pure per-row rate through the origin.
		var rows, sec float64
		for _, x := range xs {
			rows += float64(x.Rows)
			sec += x.Seconds
		}
		return Cost{PerRow: math.Max(sec, 1e-9) / math.Max(rows, 1)}
	}
	return best
}

// solve solves the normal equations of the least-squares fit on the columns
// idx by Gaussian elimination with partial pivoting; ok is false when they
// are singular.
func solve(xs []Measured, col func(Measured) [3]float64, idx []int) ([]float64, bool) {
	n := len(idx)
	a := make([][]float64, n)
	for i := range a {
		a[i] = make([]float64, n+1)
	}
	for _, x := range xs {
		c := col(x)
		for i := range n {
			for j := range n {
				a[i][j] += c[idx[i]] * c[idx[j]]
			}
			a[i][n] += c[idx[i]] * x.Seconds
		}
	}
	for p := range n {
		piv := p
		for r := p + 1; r < n; r++ {
			if math.Abs(a[r][p]) > math.Abs(a[piv][p]) {
				piv = r
			}
		}
		if math.Abs(a[piv][p]) < 1e-12 {
			return nil, false
		}
		a[p], a[piv] = a[piv], a[p]
		for r := range n {
			if r == p {
				continue
			}
			f := a[r][p] / a[p][p]
			for c := p; c <= n; c++ {
				a[r][c] -= f * a[p][c]
			}
		}
	}
	out := make([]float64, n)
	for i := range n {
		out[i] = a[i][n] / a[i][i]
	}
	return out, true
}

// Sample picks the batches a rehearsal runs: about fraction of the plan's
// estimated cost, stratified by table (each table gets its share of the
// budget, taken at evenly spaced sizes from its smallest to its largest
// batch), and always the largest and smallest batch of every table and the
// largest batch of each of the top tenants (by estimated cost of their
// single-tenant batches), since a model measured on small batches only is
// what made the night last days. When that leaves fewer than minBatches,
// more distinct batches are added, evenly spread over the plan: a rehearsal
// times its batches while every worker is busy, and running the same batch
// twice at once would time a lock wait (both copies insert the same keys).
// The result is in plan order.
func Sample(p *Plan, m Model, fraction float64, topTenants, minBatches int) []Batch {
	if p == nil || len(p.Batches) == 0 {
		return nil
	}
	cost := func(b Batch) float64 { return m.BatchSeconds(b) }
	byTable := map[string][]Batch{}
	var order []string
	tenantCost := map[string]float64{}
	for _, b := range p.Batches {
		if _, ok := byTable[b.Table]; !ok {
			order = append(order, b.Table)
		}
		byTable[b.Table] = append(byTable[b.Table], b)
		if len(b.Tenants) == 1 {
			tenantCost[b.Tenants[0]] += cost(b)
		}
	}
	picked := map[int]bool{}
	// The top tenants' largest batches.
	tenants := make([]string, 0, len(tenantCost))
	for t := range tenantCost {
		tenants = append(tenants, t)
	}
	slices.SortFunc(tenants, func(a, b string) int {
		if c := cmp.Compare(tenantCost[b], tenantCost[a]); c != 0 {
			return c
		}
		return CompareTenants(a, b)
	})
	for _, t := range tenants[:min(topTenants, len(tenants))] {
		var best *Batch
		for i, b := range p.Batches {
			if len(b.Tenants) == 1 && b.Tenants[0] == t && (best == nil || cost(b) > cost(*best)) {
				best = &p.Batches[i]
			}
		}
		if best != nil {
			picked[best.ID] = true
		}
	}
	for _, t := range order {
		bs := byTable[t]
		slices.SortFunc(bs, func(a, b Batch) int {
			if c := cmp.Compare(cost(a), cost(b)); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
		picked[bs[0].ID], picked[bs[len(bs)-1].ID] = true, true
		var tableCost, have float64
		for _, b := range bs {
			tableCost += cost(b)
			if picked[b.ID] {
				have += cost(b)
			}
		}
		budget := fraction * tableCost
		// Evenly spaced sizes: halve the stride until the budget is met.
		for stride := len(bs) / 2; stride >= 1 && have < budget; stride /= 2 {
			for i := stride; i < len(bs) && have < budget; i += stride {
				if !picked[bs[i].ID] {
					picked[bs[i].ID] = true
					have += cost(bs[i])
				}
			}
		}
	}
	fill(p.Batches, picked, minBatches)
	var out []Batch
	for _, b := range p.Batches {
		if picked[b.ID] {
			out = append(out, b)
		}
	}
	return out
}

// fill adds batches not yet picked, evenly spaced over bs, until want are
// picked or none is left.
func fill(bs []Batch, picked map[int]bool, want int) {
	var rest []int
	for i, b := range bs {
		if !picked[b.ID] {
			rest = append(rest, i)
		}
	}
	need := min(want-len(picked), len(rest))
	for k := range max(need, 0) {
		// The k-th of need evenly spaced positions among the rest.
		picked[bs[rest[k*len(rest)/need]].ID] = true
	}
}
