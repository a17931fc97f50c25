package oracle

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/godror/godror"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/migrate"
)

// Streaming LOBs over the bound (source.lob_max_bytes).
//
// Extraction selects a LOB over its held limit (heldLimit: the bound in
// bytes for BLOB, a quarter of it in characters for character LOBs) as NULL
// beside its DBMS_LOB.GETLENGTH and the row's key (boundLOBs). Such a row is
// deferred: only its key is kept. Once the batch's main read is drained, each
// deferred row is read again by key (LOBRowQuery) and each large value is
// fetched in pieces with DBMS_LOB.SUBSTR, all pieces of one value in one
// statement (LOBPieceQuery) whose fetch array is sized to the bound. Every
// read is AS OF the plan's SCN when the snapshot is on, so the deferred
// values are those of the main read.

// Piece sizes of DBMS_LOB.SUBSTR in SQL: it returns a VARCHAR2/NVARCHAR2 of
// at most 4000 bytes (1000 characters of up to 4 bytes) or a RAW of at most
// 2000 bytes.
const (
	clobPieceChars = 1000
	blobPieceBytes = 2000
)

// pieceAmount is how much of column c one piece holds, in GETLENGTH's unit,
// never more than the bound allows.
func (c Col) pieceAmount(bound int64) int64 {
	if c.lobUnit() == "bytes" {
		return min(blobPieceBytes, c.heldLimit(bound))
	}
	return min(clobPieceChars, c.heldLimit(bound))
}

// lookupSpec is s for reads of one row by key: the table alone, AS OF the
// snapshot; the key is unique, so no tenant or parent join is needed.
func (s Spec) lookupSpec() Spec {
	s.Via, s.Tenant, s.SamplePercent = nil, nil, 0
	return s
}

func (s *Spec) keyWhere(b *binder, key []string) (string, error) {
	k := s.key()
	if len(key) != len(k) {
		return "", fmt.Errorf("key has %d values for a %d-column key", len(key), len(k))
	}
	conds := make([]string, len(k))
	for i, c := range k {
		e, err := bindKey(b, c.Type, key[i])
		if err != nil {
			return "", err
		}
		conds[i] = c.ref("t") + " = " + e
	}
	return "\nWHERE " + strings.Join(conds, " AND "), nil
}

// LOBRowQuery reads one deferred row by key, with the same select list as
// ExtractQuery (its LOBs over the held limit NULL, their lengths appended).
func LOBRowQuery(s Spec, key []string) (Query, error) {
	s = s.lookupSpec()
	if err := s.validate(); err != nil {
		return Query{}, err
	}
	b := &binder{}
	sel := s.boundedSelect()
	from := s.from(b, true, false)
	w, err := s.keyWhere(b, key)
	if err != nil {
		return Query{}, err
	}
	return Query{SQL: "SELECT " + strings.Join(sel, ", ") + "\nFROM " + from + w, Args: b.args}, nil
}

// LOBPieceQuery reads column col of one row by key in pieces of amount
// (characters or bytes), one row per piece in order, length being the
// value's DBMS_LOB.GETLENGTH. An XMLTYPE or JSON value is serialized per piece.
func LOBPieceQuery(s Spec, col int, key []string, length, amount int64) (Query, error) {
	s = s.lookupSpec()
	if err := s.validate(); err != nil {
		return Query{}, err
	}
	if col < 0 || col >= len(s.Columns) || !s.Columns[col].isLOB() {
		return Query{}, fmt.Errorf("column %d is not a LOB", col)
	}
	if amount < 1 {
		return Query{}, fmt.Errorf("piece amount %d", amount)
	}
	b := &binder{}
	from := s.from(b, true, false)
	pieces := (length + amount - 1) / amount
	expr := s.Columns[col].selectExpr("t")
	sel := "DBMS_LOB.SUBSTR(" + expr + ", " + b.bind(amount) + ", (n.i - 1) * " + b.bind(amount) + " + 1)"
	from += "\nCROSS JOIN (SELECT LEVEL AS i FROM DUAL CONNECT BY LEVEL <= " + b.bind(pieces) + ") n"
	w, err := s.keyWhere(b, key)
	if err != nil {
		return Query{}, err
	}
	return Query{SQL: "SELECT " + sel + "\nFROM " + from + w + "\nORDER BY n.i", Args: b.args}, nil
}

// keyText renders a key value as the ledger's boundaries do, which
// bindExpr reads back.
func keyText(k Col, v any) (string, error) {
	if k.IsRowid() {
		return textValue(v)
	}
	return EncodeKey(k.Type, v)
}

// StreamRows reads scope in key order and hands fn the LOAD DATA text of each
// value; rows with a LOB over its held limit come last, that value streamed.
func (r *Reader) StreamRows(ctx context.Context, scope catalog.Scope, fn migrate.Emit) (int64, error) {
	s := r.src
	sp, m, err := s.spec(ctx, scope.Table)
	if err != nil {
		return 0, err
	}
	q, err := ExtractQuery(sp, scope.Tenants, scope.Lo, scope.Hi)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", scope, err)
	}
	cv := converters{maps: make([]Mapping, len(sp.Columns)), empty: make([]bool, len(sp.Columns))}
	for i, c := range sp.Columns {
		cv.maps[i] = Map(c.Type, s.opts.Zone.String())
		if cv.maps[i].Unsupported() {
			return 0, fmt.Errorf("read %s: column %s: %s", scope, c.Name, cv.maps[i].Comment)
		}
		cv.empty[i] = s.nullAsEmpty(m.info.Name, c.Name)
	}
	out := make([][]byte, len(sp.Columns))
	lobs := sp.lobCols()
	var deferred [][]string
	var n int64
	rows := fetchRows(sp.Columns, s.opts.MaxLOBBytes, s.opts.FetchArraySize)
	err = r.query(ctx, q, min(rows, s.opts.PrefetchCount), rows, func(vals []any) error {
		key, over, err := overBound(&sp, lobs, vals)
		if err != nil {
			return err
		}
		if over {
			deferred = append(deferred, key)
			return nil
		}
		if err := r.convert(&sp, cv, vals, out); err != nil {
			return err
		}
		n++
		return fn(out, nil)
	})
	if err != nil {
		return n, fmt.Errorf("read %s: %w", scope, err)
	}
	for _, key := range deferred {
		if err := r.streamRow(ctx, &sp, cv, key, out, fn); err != nil {
			return n, fmt.Errorf("read %s: %w", scope, err)
		}
		n++
	}
	return n, nil
}

// lobFetchBudget bounds the bytes one fetch of a query selecting LOBs may
// hold: godror fetches a LOB as LONG, a whole value per row of the fetch
// array, so the array times the values held per row is the memory a fetch
// can take.
const lobFetchBudget = 256 << 20

// fetchRows is the fetch array (and prefetch) size for reading cols: the
// configured size, or for a query selecting LOBs, LONG or LONG RAW as few
// rows as keep their held values within lobFetchBudget (at least 1).
func fetchRows(cols []Col, bound int64, configured int) int {
	per := int64(0)
	for _, c := range cols {
		switch {
		case c.isLOB(), c.isGeometry():
			per += max(bound, 1)
		case c.Type.Name == "LONG", c.Type.Name == "LONG RAW":
			per += max(bound, 1) // checked against the bound after the fetch
		}
	}
	if per == 0 {
		return configured
	}
	return int(min(max(lobFetchBudget/per, 1), int64(configured)))
}

// converters are a batch's per-column conversions.
type converters struct {
	maps  []Mapping
	empty []bool // null_as_empty
}

// decode turns a column read raw (Col.raw) into UTF-8 text.
func decodeRaw(c Col, v any) (any, error) {
	if c.raw == nil || v == nil {
		return v, nil
	}
	b, ok := v.([]byte)
	if !ok {
		return nil, fmt.Errorf("raw column: unexpected %T", v)
	}
	out, err := c.raw.Decode(b)
	if err != nil {
		return nil, err
	}
	return string(out), nil
}

// query runs q on the reader's connection with NUMBER as text.
func (r *Reader) query(ctx context.Context, q Query, prefetch, fetch int, fn func([]any) error) error {
	args := append(append([]any{}, q.Args...), godror.NumberAsString(),
		godror.PrefetchCount(prefetch), godror.FetchArraySize(fetch))
	rows, err := r.conn.QueryContext(ctx, q.SQL, args...)
	if err != nil {
		return classify(err, r.src.scn)
	}
	defer rows.Close()
	return scanAll(rows, r.src.scn, fn)
}

// overBound reads a row's appended LOB lengths and key: over reports a LOB
// over its held limit, key is the row's key text.
func overBound(sp *Spec, lobs []int, vals []any) (key []string, over bool, err error) {
	if sp.LOBBound <= 0 || len(lobs) == 0 {
		return nil, false, nil
	}
	for j, i := range lobs {
		l, err := lobLength(vals[len(sp.Columns)+j])
		if err != nil {
			return nil, false, fmt.Errorf("column %s, key %s: %w", sp.Columns[i].Name, rowKey(sp, vals), err)
		}
		over = over || l > sp.Columns[i].heldLimit(sp.LOBBound)
	}
	if !over {
		return nil, false, nil
	}
	at := len(sp.Columns) + len(lobs)
	for k, c := range sp.key() {
		t, err := keyText(c, vals[at+k])
		if err != nil {
			return nil, false, fmt.Errorf("key %s of a row with a LOB over source.lob_max_bytes: %w", c.Name, err)
		}
		key = append(key, t)
	}
	return key, true, nil
}

// convert fills out with the LOAD DATA text of a row's held values. Errors
// name the column and the row's key: the batch fails, and the DBA needs to
// find the value.
func (r *Reader) convert(sp *Spec, cv converters, vals []any, out [][]byte) error {
	return convertRow(sp, cv, vals, out, r.src.opts.Zone, r.src.opts.MaxLOBBytes)
}

// convertRow is Reader.convert for a row as the extraction query selects it
// (ExtractQuery, LOBRowQuery): the columns, then a length per LOB, then the
// key, then the SRID per geometry column. A LOB whose length is NULL is
// NULL, whatever godror handed over.
func convertRow(sp *Spec, cv converters, vals []any, out [][]byte, zone *time.Location, bound int64) error {
	sp.lobNulls(sp.lobCols(), vals)
	geoms := sp.geometryCols()
	srids := len(vals) - len(geoms)
	for i, v := range vals[:len(sp.Columns)] {
		v, err := decodeRaw(sp.Columns[i], v)
		if err != nil {
			return fmt.Errorf("column %s, key %s: %w", sp.Columns[i].Name, rowKey(sp, vals), err)
		}
		var b []byte
		if cv.maps[i].Conv == ConvGeometry {
			b, err = convertGeometry(v, vals[srids])
			srids++
		} else {
			b, err = Convert(cv.maps[i], v, zone)
		}
		if err != nil {
			return fmt.Errorf("column %s, key %s: %w", sp.Columns[i].Name, rowKey(sp, vals), err)
		}
		if b == nil && cv.empty[i] {
			b = []byte{}
		}
		// LONG and LONG RAW cannot be measured before they are fetched.
		if bound > 0 && int64(len(b)) > bound {
			return fmt.Errorf("column %s, key %s: a %s value of %d bytes exceeds source.lob_max_bytes (%d bytes) and cannot be streamed; raise the bound or leave the column out",
				sp.Columns[i].Name, rowKey(sp, vals), sp.Columns[i].Type.Name, len(b), bound)
		}
		out[i] = b
	}
	return nil
}

// streamRow reads one deferred row by key and hands it to fn with its LOBs
// over the held limit streamed.
func (r *Reader) streamRow(ctx context.Context, sp *Spec, cv converters, key []string, out [][]byte, fn migrate.Emit) error {
	keyName := "(" + strings.Join(keyParts(sp, key), ", ") + ")"
	q, err := LOBRowQuery(*sp, key)
	if err != nil {
		return fmt.Errorf("key %s: %w", keyName, err)
	}
	var lengths []int64
	found := false
	err = r.query(ctx, q, 2, 2, func(vals []any) error {
		found = true
		for j := range sp.lobCols() {
			l, err := lobLength(vals[len(sp.Columns)+j])
			if err != nil {
				return err
			}
			lengths = append(lengths, l)
		}
		if err := r.convert(sp, cv, vals, out); err != nil {
			return err
		}
		for i, v := range out {
			if v != nil {
				out[i] = append(make([]byte, 0, len(v)), v...) // owned, '' kept apart from NULL
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("key %s: %w", keyName, err)
	}
	if !found {
		return fmt.Errorf("key %s: the row is gone from the snapshot it was read in (is source.snapshot off?)", keyName)
	}
	var big []migrate.LOB
	for j, i := range sp.lobCols() {
		c := sp.Columns[i]
		if lengths[j] <= c.heldLimit(sp.LOBBound) {
			continue
		}
		out[i] = []byte{}
		size := lengths[j]
		if c.lobUnit() != "bytes" {
			size = -1 // characters: the UTF-8 size is known once read
		}
		big = append(big, migrate.LOB{Column: i, Size: size, Key: keyName, Copy: r.pieces(sp, i, key, keyName, lengths[j])})
	}
	return fn(out, big)
}

func keyParts(sp *Spec, key []string) []string {
	parts := make([]string, len(key))
	for i, c := range sp.key() {
		if i < len(key) {
			parts[i] = c.Name + "=" + key[i]
		}
	}
	return parts
}

// pieces streams column i of the row key, of length GETLENGTH units, in
// pieces; a character LOB's pieces are checked to be UTF-8 across their
// boundaries (textJoiner).
func (r *Reader) pieces(sp *Spec, i int, key []string, keyName string, length int64) func(ctx context.Context, fn func([]byte) error) error {
	c := sp.Columns[i]
	used := false
	return func(ctx context.Context, fn func([]byte) error) error {
		if used {
			return fmt.Errorf("key %s, column %s: the value was streamed twice", keyName, c.Name)
		}
		used = true
		amount := c.pieceAmount(sp.LOBBound)
		q, err := LOBPieceQuery(*sp, i, key, length, amount)
		if err != nil {
			return fmt.Errorf("key %s, column %s: %w", keyName, c.Name, err)
		}
		// A fetched piece takes up to 4000 bytes (16000 as UTF-16 with
		// room to convert): size the fetch array to the bound.
		rows := int(min(max(sp.LOBBound/16000, 1), 4096))
		binary := c.lobUnit() == "bytes"
		var tj textJoiner
		err = r.query(ctx, q, rows, rows, func(vals []any) error {
			var p []byte
			switch v := vals[0].(type) {
			case nil:
				return fmt.Errorf("a piece is NULL: the value ended early")
			case []byte:
				p = v
			case string:
				p = []byte(v)
			default:
				return fmt.Errorf("a piece of type %T", v)
			}
			if binary {
				return fn(p)
			}
			return tj.add(p, fn)
		})
		if err == nil && !binary {
			err = tj.end()
		}
		if err != nil {
			return fmt.Errorf("key %s, column %s: %w", keyName, c.Name, err)
		}
		return nil
	}
}

// textJoiner passes the pieces of a character LOB on as well-formed UTF-8,
// checked across piece boundaries. Pieces are cut in characters, which
// Oracle counts in UTF-16 code units: a character outside the BMP may be cut
// between its two surrogates, each of which then arrives in its 3-byte form
// (CESU-8). A high surrogate ending one piece and a low one starting the next
// are joined into the character's 4-byte UTF-8; any other malformed sequence,
// or a sequence left incomplete at the end, is an InvalidTextError whose
// offset counts the bytes passed on before it.
type textJoiner struct {
	carry [utf8.UTFMax]byte // a held-back tail: an incomplete sequence or a high surrogate
	nc    int
	off   int64 // bytes passed on so far
	buf   [utf8.UTFMax]byte
}

// isSurrogate reports whether b starts with the 3-byte form of a high (lo
// false) or low (lo true) UTF-16 surrogate.
func isSurrogate(b []byte, low bool) bool {
	if len(b) < 3 || b[0] != 0xED || b[2]&0xC0 != 0x80 {
		return false
	}
	if low {
		return b[1] >= 0xB0 && b[1] <= 0xBF
	}
	return b[1] >= 0xA0 && b[1] <= 0xAF
}

// surrogateRune decodes the 3-byte form of a surrogate to its code unit.
func surrogateRune(b []byte) rune {
	return rune(b[0]&0x0F)<<12 | rune(b[1]&0x3F)<<6 | rune(b[2]&0x3F)
}

func (j *textJoiner) emit(p []byte, fn func([]byte) error) error {
	if len(p) == 0 {
		return nil
	}
	j.off += int64(len(p))
	return fn(p)
}

func (j *textJoiner) invalid(at []byte, offset int64) error {
	return &InvalidTextError{Offset: int(offset), Bytes: append([]byte(nil), at[:min(4, len(at))]...)}
}

func (j *textJoiner) add(p []byte, fn func([]byte) error) error {
	// Finish what the last piece left.
	if j.nc > 0 {
		if isSurrogate(j.carry[:j.nc], false) {
			if !isSurrogate(p, true) {
				return j.invalid(j.carry[:j.nc], j.off)
			}
			r := 0x10000 + (surrogateRune(j.carry[:3])-0xD800)<<10 + (surrogateRune(p[:3]) - 0xDC00)
			n := utf8.EncodeRune(j.buf[:], r)
			j.nc, p = 0, p[3:]
			if err := j.emit(j.buf[:n], fn); err != nil {
				return err
			}
		} else {
			for j.nc < len(j.carry) && len(p) > 0 && !utf8.FullRune(j.carry[:j.nc]) {
				j.carry[j.nc] = p[0]
				j.nc, p = j.nc+1, p[1:]
			}
			if !utf8.FullRune(j.carry[:j.nc]) {
				return nil // p was all inside the carried character
			}
			r, size := utf8.DecodeRune(j.carry[:j.nc])
			if r == utf8.RuneError && size <= 1 || size != j.nc {
				return j.invalid(j.carry[:j.nc], j.off)
			}
			n := copy(j.buf[:], j.carry[:j.nc])
			j.nc = 0
			if err := j.emit(j.buf[:n], fn); err != nil {
				return err
			}
		}
	}
	// Hold back a tail the next piece completes.
	cut := len(p)
	if len(p) >= 3 && isSurrogate(p[len(p)-3:], false) {
		cut = len(p) - 3
	} else {
		for back := 1; back < utf8.UTFMax && back <= len(p); back++ {
			if b := p[len(p)-back]; b&0xC0 != 0x80 {
				if !utf8.FullRune(p[len(p)-back:]) {
					cut = len(p) - back
				}
				break
			}
		}
	}
	if err := checkUTF8(p[:cut]); err != nil {
		e := err.(*InvalidTextError)
		e.Offset += int(j.off)
		return e
	}
	if err := j.emit(p[:cut], fn); err != nil {
		return err
	}
	j.nc = copy(j.carry[:], p[cut:])
	return nil
}

// end fails when the value ended inside a character.
func (j *textJoiner) end() error {
	if j.nc > 0 {
		return j.invalid(j.carry[:j.nc], j.off)
	}
	return nil
}

var _ migrate.Streamer = (*Reader)(nil)
