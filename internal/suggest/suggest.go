// Package suggest finds the "did you mean" for a mistyped name: a command, a
// flag or a config key.
package suggest

// Closest returns the first of candidates closest to name by edit distance,
// when it is close enough to be a typo (at most 2 edits, fewer than name has
// runes), or "". The comparison is exact: a caller that ignores case folds
// name itself (candidates it lists in lower case).
func Closest(name string, candidates []string) string {
	best, bestD := "", 3
	n := len([]rune(name))
	for _, c := range candidates {
		if d := Distance(name, c); d < bestD && d < n {
			best, bestD = c, d
		}
	}
	return best
}

// Distance is the Levenshtein distance between a and b, in runes.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
