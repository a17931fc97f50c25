package gen

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// Time layout of the data. Transaction ids are snowflakes: milliseconds since
// snowflakeEpoch shifted left by 24 bits, then the microsecond within the
// millisecond (10 bits) and 14 random bits. Transactions run from txnStart to the
// moment the ids cross 2^63; the last few lie just beyond it.
const (
	snowflakeShift = 24
	randBits       = 14
	agentsFrom     = "2005-01-01"
	merchantsFrom  = "2009-01-01"
	txnFrom        = "2012-01-01"
	snowflakeEpoch = "2008-01-01"
	msPerDay       = 86_400_000
)

// batchRows is the number of rows per INSERT statement.
const batchRows = 1000

// batch is one multi-row INSERT: rows rows of table t, flattened into args.
type batch struct {
	t    tableID
	rows int
	args []any
}

// producer makes every row, in one goroutine and from one random stream, so
// that the data depend on the seed only and not on how the writers interleave.
type producer struct {
	rng   *rand.Rand
	every int // a row is hostile with probability 1/every; 0: never
	out   chan<- batch

	cur    batch
	cols   int
	rowBuf []byte
}

func unixMicro(day string) int64 {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		panic(err) // constants above
	}
	return t.UnixMicro()
}

// hostile says whether the next row of a table is hostile, for a table whose
// rows are hostile one in every.
func (p *producer) hostile(every int) bool {
	return every > 0 && p.rng.IntN(every) == 0
}

func (p *producer) start(t tableID) {
	_, _, n := t.columns()
	p.cur = batch{t: t, args: make([]any, 0, batchRows*n)}
	p.cols = n
}

// add appends one row and sends the batch when it is full.
func (p *producer) add(ctx context.Context, vals ...any) error {
	p.cur.args = append(p.cur.args, vals...)
	p.cur.rows++
	if p.cur.rows == batchRows {
		return p.flush(ctx)
	}
	return nil
}

func (p *producer) flush(ctx context.Context) error {
	if p.cur.rows == 0 {
		return nil
	}
	b := p.cur
	p.cur = batch{t: b.t, args: make([]any, 0, batchRows*p.cols)}
	select {
	case p.out <- b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// timeWalk hands out n increasing times in [from, to) with heavy-tailed gaps:
// mostly short, now and then a long quiet stretch. Each gap is at most half of
// what is left, so the walk never leaves its range.
type timeWalk struct {
	cur, end int64
	left     int64
}

func (w *timeWalk) next(rng *rand.Rand) int64 {
	span := w.end - w.cur
	mean := float64(span) / float64(w.left+1)
	// Lomax (Pareto II) with alpha 1.5, scaled to mean 1.
	x := (math.Pow(1-rng.Float64(), -1/1.5) - 1) * 0.5
	x = min(x, float64(w.left+1)/2)
	w.cur += int64(mean * x)
	if w.left > 0 {
		w.left--
	}
	return w.cur
}

// appendDatetime formats microseconds since the Unix epoch as DATETIME(6) text.
// Strings, not time.Time, go to the driver so that its loc setting cannot shift them.
func appendDatetime(b []byte, us int64) []byte {
	t := time.UnixMicro(us).UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b = appendPad(b, int64(y), 4)
	b = append(b, '-')
	b = appendPad(b, int64(mo), 2)
	b = append(b, '-')
	b = appendPad(b, int64(d), 2)
	b = append(b, ' ')
	b = appendPad(b, int64(h), 2)
	b = append(b, ':')
	b = appendPad(b, int64(mi), 2)
	b = append(b, ':')
	b = appendPad(b, int64(s), 2)
	b = append(b, '.')
	return appendPad(b, int64(t.Nanosecond()/1000), 6)
}

func appendPad(b []byte, v int64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// appendFixed formats v / 10^scale as decimal text.
func appendFixed(b []byte, v int64, scale int) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	pow := int64(1)
	for range scale {
		pow *= 10
	}
	b = strconv.AppendInt(b, v/pow, 10)
	b = append(b, '.')
	return appendPad(b, v%pow, scale)
}

func (p *producer) str(f func([]byte) []byte) string {
	p.rowBuf = f(p.rowBuf[:0])
	return string(p.rowBuf)
}

func (p *producer) randomBytes(n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := p.rng.Uint64()
		for j := i; j < n && j < i+8; j++ {
			b[j] = byte(v)
			v >>= 8
		}
	}
	return b
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func (p *producer) currencies(ctx context.Context, cs []currency) error {
	p.start(tblCurrencies)
	for _, c := range cs {
		if err := p.add(ctx, c.code, c.name, c.minor); err != nil {
			return err
		}
	}
	return p.flush(ctx)
}

func (p *producer) agents(ctx context.Context, as []agentPlan, every int) error {
	p.start(tblAgents)
	name := textRotor(0, textCol{maxChars: 100})
	region := textRotor(5, textCol{maxChars: 2, nullable: true, fixed: true})
	created := datetimeRotor(0)
	first, second, _ := nameWords()
	words, regs := agentWords(), regions()
	walk := timeWalk{cur: unixMicro(agentsFrom), end: unixMicro(merchantsFrom), left: int64(len(as))}
	for _, a := range as {
		at := walk.next(p.rng)
		var n, r, c any
		if p.hostile(every) {
			n, r, c = name.take(), region.take(), created.take()
		} else {
			n = p.str(func(b []byte) []byte {
				b = append(b, pick(p.rng, first)...)
				b = append(b, ' ')
				b = append(b, pick(p.rng, second)...)
				b = append(b, ' ')
				return append(b, pick(p.rng, words)...)
			})
			if p.rng.IntN(20) != 0 {
				r = pick(p.rng, regs)
			}
			c = p.str(func(b []byte) []byte { return appendDatetime(b, at) })
		}
		if err := p.add(ctx, a.id, n, r, c); err != nil {
			return err
		}
	}
	return p.flush(ctx)
}

func (p *producer) merchants(ctx context.Context, ms []merchantPlan) error {
	p.start(tblMerchants)
	name := textRotor(3, textCol{maxChars: 255, nullable: true})
	mcc := newRotor(0, []any{int64(0), int64(65535)})
	balance := decimalRotor(0, 20, 4)
	created := datetimeRotor(3)
	logo := blobRotor(0, 65535)
	first, second, kinds := nameWords()
	codes := mccs()
	walk := timeWalk{cur: unixMicro(merchantsFrom), end: unixMicro(txnFrom), left: int64(len(ms))}
	for _, m := range ms {
		at := walk.next(p.rng)
		var n, code, bal, c, l any
		if p.hostile(p.every) {
			n, code, bal, c, l = name.take(), mcc.take(), balance.take(), created.take(), logo.take()
		} else {
			if p.rng.IntN(50) != 0 {
				n = p.str(func(b []byte) []byte {
					b = append(b, pick(p.rng, first)...)
					b = append(b, ' ')
					b = append(b, pick(p.rng, second)...)
					b = append(b, ' ')
					return append(b, pick(p.rng, kinds)...)
				})
			}
			code = pick(p.rng, codes)
			units := min(math.Exp(9+2.5*p.rng.NormFloat64()), 99_999_999_999)
			v := int64(units)*10_000 + p.rng.Int64N(10_000)
			if p.rng.IntN(10) == 0 {
				v = -v / 100
			}
			bal = p.str(func(b []byte) []byte { return appendFixed(b, v, 4) })
			c = p.str(func(b []byte) []byte { return appendDatetime(b, at) })
			if p.rng.IntN(10) == 0 {
				png := append([]byte("\x89PNG\r\n\x1a\n"), p.randomBytes(24+p.rng.IntN(400))...)
				l = png
			}
		}
		if err := p.add(ctx, m.id, m.agent, n, code, bal, c, l); err != nil {
			return err
		}
	}
	return p.flush(ctx)
}

// fenwick is a binary indexed tree over the merchants' remaining transaction
// counts: it draws the merchant of the next transaction in proportion to what
// each has left, so transactions interleave across merchants in time.
type fenwick struct {
	tree []int64
	mask int
}

func newFenwick(counts []int64) *fenwick {
	f := &fenwick{tree: make([]int64, len(counts)+1)}
	for i, c := range counts {
		f.tree[i+1] += c
		if j := (i + 1) + ((i + 1) & -(i + 1)); j <= len(counts) {
			f.tree[j] += f.tree[i+1]
		}
	}
	f.mask = 1
	for f.mask*2 <= len(counts) {
		f.mask *= 2
	}
	return f
}

// take returns the index whose cumulative range holds r and decrements it.
func (f *fenwick) take(r int64) int {
	pos := 0
	for step := f.mask; step > 0; step /= 2 {
		if n := pos + step; n < len(f.tree) && f.tree[n] <= r {
			pos = n
			r -= f.tree[n]
		}
	}
	for i := pos + 1; i < len(f.tree); i += i & -i {
		f.tree[i]--
	}
	return pos
}

func (p *producer) transactions(ctx context.Context, ms []merchantPlan, total int64, cs []currency) error {
	p.start(tblTransactions)
	note := textRotor(7, textCol{maxChars: 255, nullable: true})
	status := textRotor(11, textCol{maxChars: 16})
	amount := decimalRotor(2, 18, 2)
	created := datetimeRotor(5)
	payload := blobRotor(2, 512)
	var hostileCodes, codes []any
	var cum []int
	sum := 0
	for _, c := range cs {
		hostileCodes = append(hostileCodes, c.code)
		if c.weight > 0 {
			sum += c.weight
			codes = append(codes, c.code)
			cum = append(cum, sum)
		}
	}
	currency := newRotor(0, hostileCodes)
	sts := statuses()
	noteText := notes()

	counts := make([]int64, len(ms))
	for i, m := range ms {
		counts[i] = m.txns
	}
	pickMerchant := newFenwick(counts)

	// A few transactions lie beyond 2^63; the others walk from txnFrom to there.
	epoch := unixMicro(snowflakeEpoch)
	cross := epoch + (int64(1)<<(63-snowflakeShift))*1000
	beyond := min(total, 3+total/50_000)
	walk := timeWalk{cur: unixMicro(txnFrom), end: cross, left: total - beyond}
	var prev uint64
	for i := int64(0); i < total; i++ {
		if i == total-beyond {
			walk = timeWalk{cur: cross, end: cross + msPerDay*1000, left: beyond}
		}
		at := walk.next(p.rng)
		since := at - epoch
		id := uint64(since/1000)<<snowflakeShift | uint64(since%1000)<<randBits | uint64(p.rng.IntN(1<<randBits))
		if id <= prev {
			id = prev + 1 + uint64(p.rng.IntN(1<<10))
		}
		prev = id
		merchant := ms[pickMerchant.take(p.rng.Int64N(total-i))].id

		var amt, cur, st, nt, c, pl any
		if p.hostile(p.every) {
			amt, cur, st, nt, c, pl = amount.take(), currency.take(), status.take(), note.take(), created.take(), payload.take()
		} else {
			s := sts[len(sts)-1]
			for k, r := 0, p.rng.IntN(1000); k < len(sts); k++ {
				if r < sts[k].permille {
					s = sts[k]
					break
				}
				r -= sts[k].permille
			}
			st = s.name
			cents := int64(min(math.Exp(7.5+1.3*p.rng.NormFloat64()), 1e11)) + 1
			if s.negative {
				cents = -cents
			}
			amt = p.str(func(b []byte) []byte { return appendFixed(b, cents, 2) })
			r := p.rng.IntN(sum)
			k := 0
			for cum[k] <= r {
				k++
			}
			cur = codes[k]
			if p.rng.IntN(10) < 3 {
				nt = p.str(func(b []byte) []byte {
					b = append(b, pick(p.rng, noteText)...)
					return strconv.AppendInt(b, 1000+p.rng.Int64N(9_000_000), 10)
				})
			}
			c = p.str(func(b []byte) []byte { return appendDatetime(b, at) })
			if p.rng.IntN(5) == 0 {
				pl = p.randomBytes(8 + p.rng.IntN(120))
			}
		}
		if err := p.add(ctx, id, merchant, amt, cur, st, nt, c, pl); err != nil {
			return err
		}
	}
	return p.flush(ctx)
}
