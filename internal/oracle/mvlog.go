package oracle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cutover/cutover/internal/catalog"
)

// Changed-key capture on an Oracle source, the way alibaba/yugong does it: a
// materialized view log on every captured table records the key of each
// changed row (Oracle writes it from an internal trigger, in the changing
// transaction), sync reads the log, rewrites those keys in the target from
// the table as it is at a fresh SCN, and deletes the log rows it applied.
//
// No refresh of a materialized view ever reads these logs, so Oracle never
// purges them: we do, after the target transaction that applied them has
// committed. The log is read whole, not after a sequence: readers do not
// wait for writers in Oracle, so a transaction that commits late can carry
// a lower SEQUENCE$$ than changes already applied, and a high-water mark
// would skip it. sync keeps in its ledger the sequence numbers it applied
// but has not purged yet (at most one batch), and skips those.
//
// The statements are built here and checked against golden files
// (testdata/oracle/mvlog.sql); a real Oracle runs them in the conformance
// test (mvlog_test.go) when CUTOVER_TEST_ORACLE_DSN is set.

// MVLogOptions says what the log of a table records.
type MVLogOptions struct {
	// KeyIsPrimary is true when the configured key is the table's primary
	// key: the log records it WITH PRIMARY KEY. Otherwise the key columns
	// are recorded as filter columns beside the ROWID.
	KeyIsPrimary bool
}

// MVLogCreateSQL creates the materialized view log of s's table. INCLUDING
// NEW VALUES makes an update log the row before and after it, so an update
// that changes the key records both keys. A table without a key is logged
// WITH ROWID (its changes can be read, but only a key lets sync rewrite
// them in the target).
func MVLogCreateSQL(s Spec, o MVLogOptions) (string, error) {
	if err := s.validate(); err != nil {
		return "", err
	}
	q := "CREATE MATERIALIZED VIEW LOG ON " + QuoteOracle(s.Owner) + "." + QuoteOracle(s.Table)
	switch {
	case len(s.Key) == 0:
		q += "\n  WITH ROWID, SEQUENCE"
	case o.KeyIsPrimary:
		q += "\n  WITH PRIMARY KEY, SEQUENCE"
	default:
		cols := make([]string, len(s.Key))
		for i, k := range s.Key {
			cols[i] = QuoteOracle(k.Name)
		}
		q += "\n  WITH ROWID, SEQUENCE (" + strings.Join(cols, ", ") + ")"
	}
	return q + "\n  INCLUDING NEW VALUES", nil
}

// MVLogDropSQL removes the log (capture stop); the table is as before.
func MVLogDropSQL(owner, table string) (string, error) {
	if err := validName(owner); err != nil {
		return "", err
	}
	if err := validName(table); err != nil {
		return "", err
	}
	return "DROP MATERIALIZED VIEW LOG ON " + QuoteOracle(owner) + "." + QuoteOracle(table), nil
}

// MVLogGrants lists what the capturing user needs on a table of another
// owner (the owner itself needs only CREATE TABLE): creating a log in the
// owner's schema takes CREATE ANY TABLE and COMMENT ANY TABLE; reading and
// purging it, SELECT and DELETE on its MLOG$_ table.
func MVLogGrants(owner, table, logTable, user string) []string {
	return []string{
		"GRANT CREATE ANY TABLE, COMMENT ANY TABLE TO " + user,
		"GRANT SELECT ON " + QuoteOracle(owner) + "." + QuoteOracle(table) + " TO " + user,
		"GRANT SELECT, DELETE ON " + QuoteOracle(owner) + "." + QuoteOracle(logTable) + " TO " + user,
		"GRANT EXECUTE ON DBMS_FLASHBACK TO " + user,
	}
}

// MVLogTableQuery finds the log table (MLOG$_ and up to 20 characters of
// the table's name, or another name when that is taken) in the dictionary.
func MVLogTableQuery(owner, table string) (Query, error) {
	if err := validName(owner); err != nil {
		return Query{}, err
	}
	if err := validName(table); err != nil {
		return Query{}, err
	}
	b := &binder{}
	q := "SELECT log_table FROM all_mview_logs WHERE log_owner = " + b.bind(owner) + " AND master = " + b.bind(table)
	return Query{SQL: q, Args: b.args}, nil
}

// mvKey is the key as the log records it: the key columns, or M_ROW$$ (the
// ROWID as text) for a table without a key.
func (s *Spec) mvKey() []string {
	if len(s.Key) == 0 {
		return []string{"l.M_ROW$$"}
	}
	out := make([]string, len(s.Key))
	for i, k := range s.Key {
		out[i] = "l." + QuoteOracle(k.Name)
	}
	return out
}

// MVLogChangesQuery reads up to limit rows of the log, in sequence order:
// SEQUENCE$$, DMLTYPE$$ (I, U, D), OLD_NEW$$ (O: the row before the change,
// N: after it) and the key. Every row left in the log is read (see the
// comment at the top of this file).
func MVLogChangesQuery(s Spec, logTable string, limit int) (Query, error) {
	if err := s.validate(); err != nil {
		return Query{}, err
	}
	if err := validName(logTable); err != nil {
		return Query{}, err
	}
	if limit <= 0 {
		return Query{}, errors.New("the read needs a positive bound")
	}
	b := &binder{}
	q := "SELECT l.SEQUENCE$$, l.DMLTYPE$$, l.OLD_NEW$$, " + strings.Join(s.mvKey(), ", ") +
		"\nFROM " + QuoteOracle(s.Owner) + "." + QuoteOracle(logTable) + " l" +
		"\nORDER BY l.SEQUENCE$$\nFETCH FIRST " + b.bind(limit) + " ROWS ONLY"
	return Query{SQL: q, Args: b.args}, nil
}

// MVLogPendingQuery counts the log's rows and dates the oldest by the SCN
// of its block (ORA_ROWSCN, an upper bound of its commit; SCN_TO_TIMESTAMP
// knows SCNs of about the last few days only).
func MVLogPendingQuery(owner, logTable string) (Query, error) {
	if err := validName(owner); err != nil {
		return Query{}, err
	}
	if err := validName(logTable); err != nil {
		return Query{}, err
	}
	q := "SELECT COUNT(*), CAST(SCN_TO_TIMESTAMP(MIN(l.ORA_ROWSCN)) AS TIMESTAMP)\nFROM " +
		QuoteOracle(owner) + "." + QuoteOracle(logTable) + " l"
	return Query{SQL: q}, nil
}

// MVLogRowsQuery reads the rows of keys as they are at s.SCN (taken after
// the log was read, so every change read is in it), within the tenant
// scope: the rows sync loads after deleting those keys in the target. Keys
// are text as EncodeKey writes them; lists are cut at Oracle's 1000.
func MVLogRowsQuery(s Spec, tenants []string, keys [][]string) (Query, error) {
	if err := s.validate(); err != nil {
		return Query{}, err
	}
	if len(s.Columns) == 0 {
		return Query{}, errors.New("no columns to read")
	}
	if len(keys) == 0 {
		return Query{}, errors.New("no keys to read")
	}
	b := &binder{}
	from := s.from(b, true, false)
	f, err := s.tenantFilter(b, tenants)
	if err != nil {
		return Query{}, err
	}
	key := s.key()
	refs := make([]string, len(key))
	for i, k := range key {
		refs[i] = k.ref("t")
	}
	lhs := strings.Join(refs, ", ")
	if len(key) > 1 {
		lhs = "(" + lhs + ")"
	}
	var lists []string
	for start := 0; start < len(keys); start += 1000 {
		var in []string
		for _, kv := range keys[start:min(start+1000, len(keys))] {
			if len(kv) != len(key) {
				return Query{}, fmt.Errorf("a key of %d values for a %d-column key", len(kv), len(key))
			}
			vals := make([]string, len(key))
			for i, k := range key {
				e, err := bindExpr(k.Type, b.bind(kv[i]))
				if err != nil {
					return Query{}, err
				}
				vals[i] = e
			}
			v := strings.Join(vals, ", ")
			if len(key) > 1 {
				v = "(" + v + ")"
			}
			in = append(in, v)
		}
		lists = append(lists, lhs+" IN ("+strings.Join(in, ", ")+")")
	}
	cond := lists[0]
	if len(lists) > 1 {
		cond = "(" + strings.Join(lists, "\n    OR ") + ")"
	}
	q := "SELECT " + strings.Join(s.boundedSelect(), ", ") + "\nFROM " + from + where([]string{f, cond})
	return Query{SQL: q, Args: b.args}, nil
}

// MVLogPurgeQuery deletes applied log rows by their sequence numbers.
func MVLogPurgeQuery(owner, logTable string, seqs []uint64) (Query, error) {
	if err := validName(owner); err != nil {
		return Query{}, err
	}
	if err := validName(logTable); err != nil {
		return Query{}, err
	}
	if len(seqs) == 0 {
		return Query{}, errors.New("nothing to purge")
	}
	b := &binder{}
	var lists []string
	for start := 0; start < len(seqs); start += 1000 {
		var in []string
		for _, s := range seqs[start:min(start+1000, len(seqs))] {
			in = append(in, "TO_NUMBER("+b.bind(strconv.FormatUint(s, 10))+")")
		}
		lists = append(lists, "SEQUENCE$$ IN ("+strings.Join(in, ", ")+")")
	}
	q := "DELETE FROM " + QuoteOracle(owner) + "." + QuoteOracle(logTable) + "\nWHERE " + strings.Join(lists, "\n   OR ")
	return Query{SQL: q, Args: b.args}, nil
}

// CaptureStatements is the SQL that captures tables on this source (start)
// or removes the capture (stop): a materialized view log per table, logged
// by the configured key (WITH PRIMARY KEY when the key is the primary key).
// Comments name the grants. The caller prints it for a DBA (capture start
// --print); the commands do not run it yet.
func (s *Source) CaptureStatements(ctx context.Context, tables []*catalog.Table, start bool) ([]string, error) {
	var out []string
	if start {
		out = append(out, "-- The log of a table is created in its owner's schema: as the owner (CREATE TABLE), or with",
			"-- CREATE ANY TABLE and COMMENT ANY TABLE; sync reads and purges each MLOG$_ table (SELECT, DELETE).")
	}
	for _, t := range tables {
		info, err := s.Describe(ctx, t.Name)
		if err != nil {
			return nil, err
		}
		if !start {
			q, err := MVLogDropSQL(s.owner, info.Name)
			if err != nil {
				return nil, err
			}
			out = append(out, q)
			continue
		}
		spec := Spec{Owner: s.owner, Table: info.Name}
		var keys []string
		for _, k := range t.Key {
			spec.Key = append(spec.Key, Col{Name: k.Name})
			keys = append(keys, k.Name)
		}
		q, err := MVLogCreateSQL(spec, MVLogOptions{KeyIsPrimary: len(keys) > 0 && info.IsUniqueKey(keys) && sameCols(info.PrimaryKey, keys)})
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, nil
}

// CaptureScript is CaptureStatements as text for SQL*Plus (capture start
// --print): comments as they are, each statement ended by a semicolon.
func (s *Source) CaptureScript(ctx context.Context, tables []*catalog.Table, start bool) (string, error) {
	stmts, err := s.CaptureStatements(ctx, tables, start)
	if err != nil {
		return "", err
	}
	return script(stmts), nil
}

// script ends every statement but a comment ("--") with a semicolon, one a
// line.
func script(stmts []string) string {
	var b strings.Builder
	for _, q := range stmts {
		if !strings.HasPrefix(q, "--") {
			q += ";"
		}
		b.WriteString(q + "\n")
	}
	return b.String()
}

// sameCols reports whether a and b hold the same names, in any order.
func sameCols(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}
