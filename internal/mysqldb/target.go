package mysqldb

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/migrate"
)

var _ migrate.Target = (*DB)(nil)

// IsEmpty reports whether table has no rows.
func (d *DB) IsEmpty(ctx context.Context, table string) (bool, error) {
	var one int
	err := d.db.QueryRowContext(ctx, "SELECT 1 FROM "+qualified(d.Schema, table)+" LIMIT 1").Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("look into target table %s: %w", table, err)
	}
	return false, nil
}

// Writer returns a per-worker writer that owns one target connection.
func (d *DB) Writer(ctx context.Context, log *slog.Logger) (migrate.Writer, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	return &writer{db: d, log: log, handle: "cutover-" + hex.EncodeToString(b[:])}, nil
}

// writer runs batch transactions on its own connection.
type writer struct {
	db     *DB
	log    *slog.Logger
	conn   *sql.Conn
	handle string // LOAD DATA reader handler name, unique per writer
	enc    encoder
	// insertOnly is set once the server refuses LOAD DATA LOCAL.
	insertOnly bool
	// maxPacket is the target's max_allowed_packet, read when the INSERT
	// fallback first meets a streamed value.
	maxPacket int64
	// broken marks a connection an error may have broken; it is closed at the
	// next Begin or Reset, not at once: closing a sql.Conn waits for its open
	// transaction, which the caller rolls back only after the error returns.
	broken bool
}

func (w *writer) Begin(ctx context.Context) (*sql.Tx, error) {
	if w.broken {
		w.Reset()
	}
	if w.conn == nil {
		c, err := w.db.db.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("target connection: %w", err)
		}
		w.conn = c
	}
	tx, err := w.conn.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		w.drop(err)
		return nil, fmt.Errorf("begin target transaction: %w", err)
	}
	return tx, nil
}

// drop forgets the connection after an error that may have broken it.
func (w *writer) drop(err error) {
	if w.conn != nil && IsConnectionError(err) {
		w.broken = true
	}
}

// Reset forgets the connection, so the next Begin takes a fresh one.
func (w *writer) Reset() {
	if w.conn != nil {
		w.conn.Close()
		w.conn = nil
	}
	w.broken = false
}

func (w *writer) Delete(ctx context.Context, tx *sql.Tx, s catalog.Scope) (int64, error) {
	var q string
	var args []any
	if s.Table.Ranged && len(s.Tenants) == 0 {
		// A ranged batch owns its key range in the target: clear it by key
		// alone, so a row whose parent is not (yet) there is cleared too.
		cond, a, err := keyRangeSQL(s)
		if err != nil {
			return 0, err
		}
		q, args = "DELETE FROM "+qualified(w.db.Schema, s.Table.Target)+cond, a
	} else {
		from, a, err := scopeSQL(w.db.Schema, s, true)
		if err != nil {
			return 0, err
		}
		// The multi-table form takes the alias and the via join on MySQL and MariaDB.
		q, args = "DELETE c"+from, a
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		w.drop(err)
		return 0, fmt.Errorf("delete %s in target: %w", s, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// Load streams rows produced by produce into the target table within tx, with
// LOAD DATA LOCAL through a reader handler (no temporary file), or with
// multi-row INSERTs when the server refuses local infile. Any warning the
// server raises fails the load: LOAD DATA LOCAL turns data errors into warnings.
func (w *writer) Load(ctx context.Context, tx *sql.Tx, t *catalog.Table, produce func(emit migrate.Emit) error) (int64, error) {
	if !w.insertOnly {
		n, err := w.loadData(ctx, tx, t, produce)
		if err == nil || !isLocalInfileRefused(err) {
			w.drop(err)
			return n, err
		}
		w.insertOnly = true
		w.log.Warn("the target refuses LOAD DATA LOCAL INFILE (set local_infile=1 on the server for full speed); falling back to multi-row INSERT")
	}
	n, err := w.insertRows(ctx, tx, t, produce)
	w.drop(err)
	return n, err
}

func (w *writer) loadData(ctx context.Context, tx *sql.Tx, t *catalog.Table, produce func(emit migrate.Emit) error) (int64, error) {
	pr, pw := io.Pipe()
	mysql.RegisterReaderHandler(w.handle, func() io.Reader { return pr })
	defer mysql.DeregisterReaderHandler(w.handle)

	type result struct {
		rows int64
		err  error
	}
	done := make(chan result, 1)
	keys := newRowKeys(t) // written by the producer, read after done
	go func() {
		bw := bufio.NewWriterSize(pw, 256<<10)
		var rows int64
		err := produce(func(row [][]byte, big []migrate.LOB) error {
			rows++
			keys.add(row)
			return w.enc.writeStreamedRow(ctx, bw, row, big)
		})
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err) // nil closes with io.EOF: the end of the file
		done <- result{rows, err}
	}()
	q := "LOAD DATA LOCAL INFILE 'Reader::" + w.handle + "' INTO TABLE " + qualified(w.db.Schema, t.Target) +
		" CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (" +
		selectList("", t.Columns) + ")"
	res, err := tx.ExecContext(ctx, q)
	// Unblock the producer whatever happened; if the load finished, this is a no-op.
	pr.CloseWithError(errLoadEnded)
	prod := <-done
	if prod.err != nil && !errors.Is(prod.err, errLoadEnded) {
		return 0, prod.err
	}
	if err != nil {
		return 0, keys.name(fmt.Errorf("load into %s: %w", t.Target, err))
	}
	loaded, _ := res.RowsAffected()
	if err := checkWarnings(ctx, tx, t.Target); err != nil {
		return 0, keys.name(err)
	}
	if loaded != prod.rows {
		return 0, &DataError{Table: t.Target, Msg: fmt.Sprintf("read %d rows from the source but the target took %d", prod.rows, loaded)}
	}
	return loaded, nil
}

var errLoadEnded = errors.New("load statement ended")

// insertRows is the fallback path: prepared multi-row INSERTs of up to 500 rows.
func (w *writer) insertRows(ctx context.Context, tx *sql.Tx, t *catalog.Table, produce func(emit migrate.Emit) error) (int64, error) {
	const perStmt = 500
	ncol := len(t.Columns)
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", ncol), ",") + ")"
	head := "INSERT INTO " + qualified(w.db.Schema, t.Target) + " (" + selectList("", t.Columns) + ") VALUES "
	var stmt *sql.Stmt
	defer func() {
		if stmt != nil {
			stmt.Close()
		}
	}()
	args := make([]any, 0, perStmt*ncol)
	var total int64
	// keys holds the keys of the statement being built, or of the last one
	// sent (stale) until the next row: the server's "at row N" counts rows
	// of one statement, and SHOW WARNINGS speaks of the last one.
	keys, stale := newRowKeys(t), false
	flush := func() error {
		rows := len(args) / ncol
		if rows == 0 {
			return nil
		}
		q := head + strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
		var err error
		if rows == perStmt {
			if stmt == nil {
				if stmt, err = tx.PrepareContext(ctx, q); err != nil {
					return fmt.Errorf("prepare insert into %s: %w", t.Target, err)
				}
			}
			_, err = stmt.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, q, args...)
		}
		if err != nil {
			return keys.name(fmt.Errorf("insert into %s: %w", t.Target, err))
		}
		total += int64(rows)
		args = args[:0]
		stale = true
		return nil
	}
	err := produce(func(row [][]byte, big []migrate.LOB) error {
		if len(big) > 0 {
			// A row with streamed values goes alone: INSERT cannot stream,
			// the values are held (see holdStreamed).
			if err := flush(); err != nil {
				return err
			}
			held, err := w.holdStreamed(ctx, tx, t, row, big)
			if err != nil {
				return err
			}
			row = held
		}
		if stale {
			keys.keys, stale = keys.keys[:0], false
		}
		keys.add(row)
		for i, v := range row {
			switch {
			case v == nil:
				args = append(args, nil)
			case t.Columns[i].Kind == catalog.KindBinary:
				args = append(args, append([]byte{}, v...))
			default:
				args = append(args, string(v))
			}
		}
		if len(args) == perStmt*ncol || len(big) > 0 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return 0, err
	}
	if err := checkWarnings(ctx, tx, t.Target); err != nil {
		return 0, keys.name(err)
	}
	return total, nil
}

// checkWarnings fails when the last statement left any warning or note: each
// one is a value the server changed or dropped.
func checkWarnings(ctx context.Context, tx *sql.Tx, table string) error {
	rows, err := tx.QueryContext(ctx, "SHOW WARNINGS LIMIT 3")
	if err != nil {
		return fmt.Errorf("read warnings of load into %s: %w", table, err)
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var level, msg string
		var code int
		if err := rows.Scan(&level, &code, &msg); err != nil {
			return fmt.Errorf("read warnings of load into %s: %w", table, err)
		}
		msgs = append(msgs, fmt.Sprintf("%s %d: %s", level, code, msg))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read warnings of load into %s: %w", table, err)
	}
	if len(msgs) > 0 {
		return &DataError{Table: table, Msg: "the server changed or refused values: " + strings.Join(msgs, "; ")}
	}
	return nil
}

// DataError is a value the target would not take unchanged; retrying cannot help.
type DataError struct {
	Table string
	Msg   string
}

func (e *DataError) Error() string { return "load into " + e.Table + ": " + e.Msg }

func (w *writer) Close() error {
	w.Reset()
	return nil
}
