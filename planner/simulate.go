package planner

import (
	"cmp"
	"container/heap"
	"math"
	"slices"
	"time"
)

// Slot is one batch on one worker of a schedule, in seconds from the start.
type Slot struct {
	Batch  int     `json:"batch"` // batch ID
	Worker int     `json:"worker"`
	Start  float64 `json:"start_s"`
	End    float64 `json:"end_s"`
}

// Schedule is a simulated run: every batch on the worker that claimed it.
type Schedule struct {
	Workers    int     `json:"workers"`
	Makespan   float64 `json:"makespan_s"`
	LowerBound float64 `json:"lower_bound_s"` // max(total / workers, largest batch)
	Total      float64 `json:"total_s"`       // the sum of all batches' estimates
	Largest    float64 `json:"largest_batch_s"`
	Critical   Slot    `json:"critical"` // the batch that finishes last
	Slots      []Slot  `json:"-"`        // in claim order
}

// Ratio is the makespan over its lower bound (1 when there is nothing to do).
func (s Schedule) Ratio() float64 {
	if s.LowerBound <= 0 {
		return 1
	}
	return s.Makespan / s.LowerBound
}

// Simulate runs p's batches through workers the way the engine claims them:
// in ID order, each batch to the first worker to become free (list
// scheduling; since Build orders batches largest first, this is LPT). Costs
// come from m, scaled to the worker count by its measured contention.
// workers < 1 counts as 1.
func Simulate(p *Plan, m Model, workers int) Schedule {
	var costs []float64
	var ids []int
	if p != nil {
		scale := m.Scale(max(workers, 1))
		costs = make([]float64, len(p.Batches))
		ids = make([]int, len(p.Batches))
		for i, b := range p.Batches {
			costs[i], ids[i] = m.BatchSeconds(b)*scale, b.ID
		}
	}
	s := simulate(costs, workers)
	for i := range s.Slots {
		s.Slots[i].Batch = ids[s.Slots[i].Batch]
	}
	s.Critical.Batch = batchID(ids, s.Critical.Batch)
	return s
}

func batchID(ids []int, i int) int {
	if i < 0 || i >= len(ids) {
		return 0
	}
	return ids[i]
}

// simulate list-schedules tasks of the given costs, in order, on workers; a
// Slot's Batch is the task's index. Ties between free workers go to the lowest
// worker number, so the result is deterministic.
func simulate(costs []float64, workers int) Schedule {
	workers = max(workers, 1)
	s := Schedule{Workers: workers, Slots: make([]Slot, len(costs)), Critical: Slot{Batch: -1}}
	free := make(freeHeap, workers)
	for w := range free {
		free[w] = worker{id: w}
	}
	heap.Init(&free)
	for i, c := range costs {
		w := free[0]
		slot := Slot{Batch: i, Worker: w.id + 1, Start: w.at, End: w.at + c}
		s.Slots[i] = slot
		free[0].at = slot.End
		heap.Fix(&free, 0)
		s.Total += c
		s.Largest = math.Max(s.Largest, c)
		if slot.End > s.Makespan || s.Critical.Batch < 0 {
			s.Makespan, s.Critical = slot.End, slot
		}
	}
	s.LowerBound = math.Max(s.Total/float64(workers), s.Largest)
	return s
}

type worker struct {
	id int
	at float64 // when it becomes free
}

// freeHeap orders workers by when they become free, then by number.
type freeHeap []worker

func (h freeHeap) Len() int { return len(h) }
func (h freeHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].id < h[j].id
}
func (h freeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *freeHeap) Push(x any)   { *h = append(*h, x.(worker)) }
func (h *freeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// TenantCost is one tenant's estimated share of the work.
type TenantCost struct {
	Tenant  string  `json:"tenant"`
	Seconds float64 `json:"seconds"` // rows and bytes over all its tables, without per-batch costs
	Share   float64 `json:"share"`   // of all rows and bytes, shared tables included
}

// LargestTenant finds the tenant whose rows and bytes cost the most under m:
// what the old one-tenant-at-a-time loop waited for at the end. Fixed per-batch
// costs are left out, since they depend on the cut, not on the tenant.
func LargestTenant(sizes []Size, m Model) TenantCost {
	per := map[string]float64{}
	var all float64
	for _, s := range sizes {
		c := m.For(s.Table)
		v := c.Seconds(s.Rows, s.Bytes) - c.Fixed
		all += v
		if s.Tenant != "" {
			per[s.Tenant] += v
		}
	}
	var best TenantCost
	for t, v := range per {
		if best.Tenant == "" || v > best.Seconds || v == best.Seconds && CompareTenants(t, best.Tenant) < 0 {
			best = TenantCost{Tenant: t, Seconds: v}
		}
	}
	if all > 0 {
		best.Share = best.Seconds / all
	}
	return best
}

// NaiveSchedule simulates the schedule the old tool ran at best: one task per
// tenant (all its tables), the largest first, on workers; shared tables are
// one task each. It is the comparison the planner must beat.
func NaiveSchedule(sizes []Size, m Model, workers int) Schedule {
	per := map[string]float64{}
	var costs []float64
	for _, s := range sizes {
		c := m.For(s.Table).Seconds(s.Rows, s.Bytes)
		if s.Tenant == "" {
			costs = append(costs, c)
			continue
		}
		per[s.Tenant] += c
	}
	for _, c := range per {
		costs = append(costs, c)
	}
	sortDesc(costs)
	return simulate(costs, workers)
}

func sortDesc(xs []float64) {
	slices.SortFunc(xs, func(a, b float64) int { return cmp.Compare(b, a) })
}

// Fit is the answer to "how many workers finish within the window".
type Fit struct {
	Window   float64  `json:"window_s"`
	Fits     bool     `json:"fits"`
	Workers  int      `json:"workers"`  // the fewest that fit, or the most tried when none does
	Schedule Schedule `json:"schedule"` // with Workers
	Over     float64  `json:"over_s"`   // how much the best schedule exceeds the window when none fits
}

// FitWindow finds the fewest workers, up to maxWorkers, whose simulated
// schedule of p finishes within window seconds. Fewer than total/window
// workers cannot fit, so the search starts there; a window shorter than the
// largest batch cannot be met by any count (the slowest a batch runs alone
// is no more than with company, so both bounds hold under contention too).
// Each count is simulated (list scheduling can, rarely, get slower with one
// worker more, and contention can make more workers slower, so no bisection).
func FitWindow(p *Plan, m Model, window float64, maxWorkers int) Fit {
	maxWorkers = max(maxWorkers, 1)
	one := Simulate(p, m, 1)
	f := Fit{Window: window}
	start := 1
	if window > 0 {
		start = int(math.Max(1, math.Ceil(one.Total/window-1e-9)))
	}
	if start > maxWorkers || one.Largest > window {
		best := Simulate(p, m, maxWorkers)
		f.Workers, f.Schedule, f.Over = maxWorkers, best, best.Makespan-window
		return f
	}
	var best Schedule
	for n := start; n <= maxWorkers; n++ {
		s := Simulate(p, m, n)
		if s.Makespan <= window {
			f.Fits, f.Workers, f.Schedule = true, n, s
			return f
		}
		if n == start || s.Makespan < best.Makespan {
			best = s
		}
		if p != nil && n >= len(p.Batches) {
			break // more workers than batches change nothing
		}
	}
	f.Workers, f.Schedule, f.Over = best.Workers, best, best.Makespan-window
	return f
}

// Seconds converts an estimate to a duration, rounded to the second above one
// minute, for people.
func Seconds(s float64) time.Duration {
	d := time.Duration(s * float64(time.Second))
	if d >= time.Minute {
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}
