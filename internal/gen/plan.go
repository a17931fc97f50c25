package gen

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Shape of the dataset.
const (
	largestShare  = 0.06 // of all rows, held by the largest agent (agent row included)
	merchantShare = 0.05 // of each agent's rows
	tinyMaxRows   = 9    // a tiny agent: one merchant and 1..8 transactions
)

// plan is how many rows every agent, merchant and transaction stream gets, decided
// before a single row is written so that the row counts are exact.
type plan struct {
	agents    []agentPlan    // in agent_id order
	merchants []merchantPlan // in merchant_id order
	txns      int64
	largest   int // index into agents
}

type agentPlan struct {
	id        int64
	rows      int64 // merchants + transactions, without the agent row
	merchants int64
}

type merchantPlan struct {
	id    int64
	agent int64 // agent_id
	txns  int64
}

// makePlan sizes every agent. Slots are ranks: slot 0 is the largest agent. Most
// agents share the rows by Zipf weights (slot+1)^-s with s solved so that slot 0
// holds largestShare of all rows; a tenth are tiny and a few are empty. Agent ids
// are then dealt to slots at random, so size says nothing about id.
func makePlan(ctx context.Context, rng *rand.Rand, rows int64, agents, currencies int) (*plan, error) {
	tenantRows := rows - int64(agents) - int64(currencies)
	if tenantRows < 0 {
		return nil, fmt.Errorf("%d rows cannot hold %d agents and %d currencies", rows, agents, currencies)
	}
	nZero := 0
	if agents >= 2 {
		nZero = max(1, agents/200)
	}
	nTiny := agents / 10
	if nZero+nTiny >= agents {
		nTiny = max(0, agents-nZero-1)
	}
	nBody := agents - nZero - nTiny

	slotRows := make([]int64, agents)
	tinyBudget := tenantRows / 10
	var tinyUsed int64
	for i := nBody; i < nBody+nTiny; i++ {
		n := int64(2 + rng.IntN(tinyMaxRows-1))
		if tinyUsed+n > tinyBudget {
			n = 0
		}
		slotRows[i] = n
		tinyUsed += n
	}
	body := tenantRows - tinyUsed
	if nBody > 0 {
		target := math.Round(largestShare*float64(rows)) - 1
		s, err := solveZipf(ctx, nBody, target/float64(max(body, 1)))
		if err != nil {
			return nil, err
		}
		w := make([]float64, nBody)
		for i := range w {
			w[i] = math.Pow(float64(i+1), -s)
		}
		copy(slotRows, apportion(body, w))
	}

	// Agent ids: increasing with uneven gaps and a few large jumps, then dealt
	// to slots by a permutation that keeps the largest agent off the first id.
	ids := make([]int64, agents)
	next := int64(100 + rng.IntN(900))
	for i := range ids {
		ids[i] = next
		next += 1 + rng.Int64N(40)
		if rng.IntN(100) == 0 {
			next += 10_000 + rng.Int64N(1_000_000)
		}
	}
	perm := rng.Perm(agents)
	if agents > 1 && perm[0] == 0 {
		j := 1 + rng.IntN(agents-1)
		perm[0], perm[j] = perm[j], perm[0]
	}
	p := &plan{agents: make([]agentPlan, agents)}
	for slot, pos := range perm {
		n := slotRows[slot]
		var m int64
		if n > 0 {
			m = min(n, max(1, int64(math.Round(float64(n)*merchantShare))))
		}
		p.agents[pos] = agentPlan{id: ids[pos], rows: n, merchants: m}
		if slot == 0 {
			p.largest = pos
		}
	}

	// Merchants: each agent's transactions spread unevenly (log-normal weights)
	// over its merchants; then all merchants are shuffled so that an agent's
	// merchants are scattered over the merchant id range.
	for _, a := range p.agents {
		if a.merchants == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		w := make([]float64, a.merchants)
		for i := range w {
			w[i] = math.Exp(1.5 * rng.NormFloat64())
		}
		for _, t := range apportion(a.rows-a.merchants, w) {
			p.merchants = append(p.merchants, merchantPlan{agent: a.id, txns: t})
			p.txns += t
		}
	}
	rng.Shuffle(len(p.merchants), func(i, j int) {
		p.merchants[i], p.merchants[j] = p.merchants[j], p.merchants[i]
	})
	mid := int64(10_000 + rng.IntN(90_000))
	for i := range p.merchants {
		p.merchants[i].id = mid
		mid += 1 + rng.Int64N(25)
		if rng.IntN(1000) == 0 {
			mid += 1_000_000 + rng.Int64N(1_000_000_000)
		}
	}
	return p, nil
}

// solveZipf finds s such that the first of n Zipf weights (i+1)^-s holds share of
// their sum. The share grows with s, so bisection finds it; shares outside what n
// weights can reach are clamped.
func solveZipf(ctx context.Context, n int, share float64) (float64, error) {
	if n <= 1 || share <= 1/float64(n) {
		return 0, nil
	}
	first := func(s float64) float64 {
		var h float64
		for i := range n {
			h += math.Pow(float64(i+1), -s)
		}
		return 1 / h
	}
	lo, hi := 0.0, 1.0
	for first(hi) < share {
		if hi >= 64 {
			return hi, nil
		}
		lo, hi = hi, hi*2
	}
	for range 50 {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		mid := (lo + hi) / 2
		if first(mid) < share {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2, nil
}

// apportion splits total into integer parts proportional to w that sum exactly
// to total (largest remainder method, ties to the lower index).
func apportion(total int64, w []float64) []int64 {
	out := make([]int64, len(w))
	if len(w) == 0 || total <= 0 {
		return out
	}
	var sum float64
	for _, x := range w {
		sum += x
	}
	type rem struct {
		i    int
		frac float64
	}
	rems := make([]rem, len(w))
	var given int64
	for i, x := range w {
		exact := x / sum * float64(total)
		f := math.Floor(exact)
		out[i] = int64(f)
		given += out[i]
		rems[i] = rem{i, exact - f}
	}
	sort.Slice(rems, func(a, b int) bool {
		if rems[a].frac != rems[b].frac {
			return rems[a].frac > rems[b].frac
		}
		return rems[a].i < rems[b].i
	})
	for k := 0; given < total; k = (k + 1) % len(rems) {
		out[rems[k].i]++
		given++
	}
	for k := len(rems) - 1; given > total; k = (k + len(rems) - 1) % len(rems) {
		if out[rems[k].i] > 0 {
			out[rems[k].i]--
			given--
		}
	}
	return out
}
