package oracle

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/godror/godror"
)

// Probes run at plan and preflight time, so that a missing grant, an undo
// retention shorter than the copy, or a legacy character set is said before
// the night, in one line naming the fix, instead of an ORA-01031 or an
// ORA-01555 in the middle of the run.

// oraInvalidIdentifier is ORA-00904 (a column or function not visible);
// plsIdentifier is the ORA-06550 that wraps PLS-00201 (a package not
// granted).
const (
	oraInvalidIdentifier = 904
	oraPLSQLCompile      = 6550
)

// denied reports an Oracle error that means "not granted": ORA-01031, or
// ORA-00942 / ORA-00904 / ORA-06550, which Oracle returns for objects the
// user may not see.
func denied(err error) bool {
	oe, ok := godror.AsOraErr(err)
	if !ok {
		return false
	}
	switch oe.Code() {
	case oraNoPrivilege, oraTableNotExist, oraInvalidIdentifier, oraPLSQLCompile:
		return true
	}
	return false
}

// Probe is one statement that succeeds only with a grant.
type Probe struct {
	Table string // the table it is about, "" for the database
	Query Query
	// Grant is what to run when the probe is denied; Severity is how bad it
	// is to lack it.
	Grant    string
	Severity Severity
	Why      string
}

// GrantProbes are the probes for reading tables of owner as user: SELECT on
// each, FLASHBACK on each for a snapshot read (AS OF SCN needs it on another
// owner's table), and the dictionary views that cut keyless tables by their
// extents. Each probe reads no row (ROWNUM < 1) but is parsed and checked.
func GrantProbes(owner, user string, tables []string, scn uint64) ([]Probe, error) {
	if err := validName(owner); err != nil {
		return nil, err
	}
	var out []Probe
	for _, t := range tables {
		if err := validName(t); err != nil {
			return nil, err
		}
		name := QuoteOracle(owner) + "." + QuoteOracle(t)
		out = append(out, Probe{Table: t, Severity: Blocking,
			Query: Query{SQL: "SELECT COUNT(*) FROM " + name + " WHERE ROWNUM < 1"},
			Grant: fmt.Sprintf("GRANT SELECT ON %s TO %s", name, QuoteOracle(user)),
			Why:   "the copy reads the table"})
		if scn != 0 && owner != user {
			b := &binder{}
			out = append(out, Probe{Table: t, Severity: Blocking,
				Query: Query{SQL: "SELECT COUNT(*) FROM " + name + " AS OF SCN " + b.bind(int64(scn)) + " WHERE ROWNUM < 1", Args: b.args},
				Grant: fmt.Sprintf("GRANT FLASHBACK ON %s TO %s (or GRANT FLASHBACK ANY TABLE TO %s)", name, QuoteOracle(user), QuoteOracle(user)),
				Why:   "the snapshot reads the table AS OF SCN"})
		}
	}
	out = append(out, Probe{Severity: Warning,
		Query: Query{SQL: "SELECT COUNT(*) FROM dba_extents e JOIN dba_tablespaces ts ON ts.tablespace_name = e.tablespace_name WHERE ROWNUM < 1"},
		Grant: fmt.Sprintf("GRANT SELECT_CATALOG_ROLE TO %s", QuoteOracle(user)),
		Why:   "a table without a key is cut by its extents; without the grant its rows are numbered, which reads and sorts all of it"})
	return out, nil
}

// SCNProbes are the two ways to read the current SCN; one is enough.
func SCNProbes(user string) []Probe {
	return []Probe{
		{Query: Query{SQL: "SELECT current_scn FROM v$database"}, Grant: fmt.Sprintf("GRANT SELECT ON V_$DATABASE TO %s", QuoteOracle(user))},
		{Query: Query{SQL: "SELECT DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER FROM DUAL"}, Grant: fmt.Sprintf("GRANT EXECUTE ON DBMS_FLASHBACK TO %s", QuoteOracle(user))},
	}
}

// CheckGrants runs the probes for tables and returns a finding per missing
// grant. A snapshot needs the SCN (one of SCNProbes) and FLASHBACK.
func (s *Source) CheckGrants(ctx context.Context, tables []string) ([]Finding, error) {
	var user string
	if err := s.db.QueryRowContext(ctx, "SELECT USER FROM DUAL").Scan(&user); err != nil {
		return nil, fmt.Errorf("read the connected user: %w", err)
	}
	names := make([]string, 0, len(tables))
	for _, t := range tables {
		m, err := s.meta(ctx, t)
		if err != nil {
			return nil, err
		}
		names = append(names, m.info.Name)
	}
	probes, err := GrantProbes(s.owner, user, names, s.scn)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, p := range probes {
		err := s.probe(ctx, p.Query)
		switch {
		case err == nil:
		case denied(err):
			out = append(out, Finding{Severity: p.Severity, Table: p.Table, Check: "grant",
				Message: fmt.Sprintf("%s: %s", p.Why, p.Grant)})
		default:
			return nil, fmt.Errorf("probe grants: %w", err)
		}
	}
	if s.opts.Snapshot {
		var errs []error
		var grants []string
		for _, p := range SCNProbes(user) {
			err := s.probe(ctx, p.Query)
			if err == nil {
				errs = nil
				break
			}
			if !denied(err) {
				return nil, fmt.Errorf("probe the SCN: %w", err)
			}
			errs, grants = append(errs, err), append(grants, p.Grant)
		}
		if len(errs) > 0 {
			out = append(out, Finding{Severity: Blocking, Check: "grant",
				Message: "the snapshot needs the current SCN: " + strings.Join(grants, " or ")})
		}
	}
	return out, nil
}

func (s *Source) probe(ctx context.Context, q Query) error {
	rows, err := s.db.QueryContext(ctx, q.SQL, q.Args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

// UndoQuery reads what decides whether a snapshot survives: UNDO_RETENTION,
// the retention the server actually achieved (V$UNDOSTAT's tuned retention,
// the lowest of the last day: the worst case), and whether the undo
// tablespace guarantees retention. It needs SELECT_CATALOG_ROLE.
func UndoQuery() Query {
	return Query{SQL: `SELECT (SELECT value FROM v$parameter WHERE name = 'undo_retention') AS undo_retention,
       (SELECT MIN(tuned_undoretention) FROM v$undostat WHERE begin_time > SYSDATE - 1) AS tuned_retention,
       (SELECT MAX(ts.retention) FROM dba_tablespaces ts
         WHERE ts.contents = 'UNDO' AND ts.tablespace_name = (SELECT UPPER(value) FROM v$parameter WHERE name = 'undo_tablespace')) AS guarantee,
       (SELECT UPPER(value) FROM v$parameter WHERE name = 'undo_tablespace') AS undo_tablespace
FROM dual`}
}

// Undo is the result of UndoQuery.
type Undo struct {
	Retention  time.Duration // UNDO_RETENTION
	Tuned      time.Duration // lowest tuned retention of the last day; 0: unknown
	Guarantee  bool          // RETENTION GUARANTEE on the undo tablespace
	Tablespace string
}

// UndoFindings judges whether a snapshot read for estimate (the plan's
// estimated duration; 0: unknown) survives: Oracle keeps undo for the
// tuned retention, and drops older undo under space pressure unless the
// tablespace guarantees UNDO_RETENTION. A copy longer than what is kept ends
// in ORA-01555 (snapshot too old) when it reads a block changed since the
// snapshot. The margin is half again the estimate: estimates err.
func UndoFindings(u Undo, estimate time.Duration) []Finding {
	kept := u.Retention
	if u.Tuned > kept {
		kept = u.Tuned
	}
	guarantee := "NOGUARANTEE"
	if u.Guarantee {
		guarantee = "GUARANTEE"
	}
	facts := fmt.Sprintf("UNDO_RETENTION %s, tuned retention %s over the last day, %s", dur(u.Retention), dur(u.Tuned), guarantee)
	if estimate <= 0 {
		return []Finding{{Severity: Info, Check: "undo", Message: facts + "; plan estimates the copy's duration, which preflight compares with these"}}
	}
	need := estimate * 3 / 2
	set := fmt.Sprintf("ALTER SYSTEM SET UNDO_RETENTION = %d", int64(need.Seconds()+0.5))
	ts := u.Tablespace
	if ts == "" {
		ts = "<undo tablespace>"
	}
	switch {
	case u.Guarantee && u.Retention >= need:
		return []Finding{{Severity: Info, Check: "undo", Message: fmt.Sprintf("%s: the snapshot survives a copy of %s (estimated)", facts, dur(estimate))}}
	case kept >= need:
		return []Finding{{Severity: Warning, Check: "undo", Message: fmt.Sprintf("%s: undo is kept long enough for a copy of %s (estimated) but not guaranteed; under space pressure the copy can fail with ORA-01555: ALTER TABLESPACE %s RETENTION GUARANTEE (with room for the undo)", facts, dur(estimate), ts)}}
	}
	return []Finding{{Severity: Blocking, Check: "undo", Message: fmt.Sprintf("%s: shorter than the copy's %s (estimated) with margin; the snapshot would end in ORA-01555: %s; ALTER TABLESPACE %s RETENTION GUARANTEE, with room for the undo", facts, dur(estimate), set, ts)}}
}

func dur(d time.Duration) string {
	if d <= 0 {
		return "unknown"
	}
	return d.Round(time.Second).String()
}

// CheckUndo reads Undo and judges it for a copy of estimate.
func (s *Source) CheckUndo(ctx context.Context, estimate time.Duration) ([]Finding, error) {
	var ret, tuned, guar, ts sql.NullString
	err := s.db.QueryRowContext(ctx, UndoQuery().SQL, godror.NumberAsString()).Scan(&ret, &tuned, &guar, &ts)
	if denied(err) {
		return []Finding{{Severity: Warning, Check: "undo", Message: "undo retention is not readable, so whether the snapshot survives the copy is not checked: GRANT SELECT_CATALOG_ROLE"}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read undo retention: %w", err)
	}
	secs := func(s sql.NullString) time.Duration {
		n, _ := strconv.ParseInt(strings.TrimSpace(s.String), 10, 64)
		return time.Duration(n) * time.Second
	}
	return UndoFindings(Undo{Retention: secs(ret), Tuned: secs(tuned), Guarantee: guar.String == "GUARANTEE", Tablespace: ts.String}, estimate), nil
}

// CharsetQuery reads the database's character sets (readable by anyone).
func CharsetQuery() Query {
	return Query{SQL: `SELECT parameter, value FROM nls_database_parameters WHERE parameter IN ('NLS_CHARACTERSET', 'NLS_NCHAR_CHARACTERSET') ORDER BY parameter`}
}

// legacyCharset reports database character sets that legacy applications often
// filled with bytes of another character set (GBK, Big5, Latin-1 in a
// US7ASCII database): the client's conversion then turns them into '?' or
// mojibake without an error.
func legacyCharset(cs string) bool {
	switch cs {
	case "US7ASCII", "WE8ISO8859P1", "WE8MSWIN1252", "WE8DEC", "WE8ISO8859P15":
		return true
	}
	return false
}

// CharsetFindings reports the character sets, and the risk of a legacy one.
func CharsetFindings(charset, nchar string, rawConfigured bool) []Finding {
	msg := fmt.Sprintf("source character sets: NLS_CHARACTERSET %s, NLS_NCHAR_CHARACTERSET %s", charset, nchar)
	out := []Finding{{Severity: Info, Check: "charset", Message: msg}}
	if legacyCharset(charset) && !rawConfigured {
		out = append(out, Finding{Severity: Warning, Check: "charset", Message: fmt.Sprintf(
			"the database is declared %s: if applications stored other bytes in it (GBK, Big5, Latin-1 in US7ASCII), the client turns them into '?' or mojibake without an error; the replacement-char check counts them, and source.raw_charset reads such columns as bytes decoded with the named character set", charset)})
	}
	return out
}

// CheckCharset reads and reports the character sets.
func (s *Source) CheckCharset(ctx context.Context) ([]Finding, error) {
	rows, err := s.db.QueryContext(ctx, CharsetQuery().SQL)
	if err != nil {
		return nil, fmt.Errorf("read the character sets: %w", err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("read the character sets: %w", err)
		}
		got[k] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the character sets: %w", err)
	}
	return CharsetFindings(got["NLS_CHARACTERSET"], got["NLS_NCHAR_CHARACTERSET"], len(s.opts.RawCharset) > 0), nil
}

// Checks are the database-wide probes of plan and preflight: grants for
// tables, the undo retention against estimate (0: unknown), and the
// character sets.
func (s *Source) Checks(ctx context.Context, tables []string, estimate time.Duration) ([]Finding, error) {
	out, err := s.CheckGrants(ctx, tables)
	if err != nil {
		return nil, err
	}
	if s.opts.Snapshot {
		fs, err := s.CheckUndo(ctx, estimate)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	fs, err := s.CheckCharset(ctx)
	if err != nil {
		return nil, err
	}
	return append(out, fs...), nil
}
