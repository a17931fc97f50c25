package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ProbeReader returns the reader of a load probe on a MySQL-family server:
// metric threads_running (SHOW GLOBAL STATUS), replica_lag (seconds behind
// the source, from SHOW REPLICA STATUS) or sql (query returns one number; any
// database/sql server).
func ProbeReader(db *sql.DB, metric, query string) (func(ctx context.Context) (float64, error), error) {
	switch metric {
	case "threads_running":
		return func(ctx context.Context) (float64, error) {
			var name, value string
			if err := db.QueryRowContext(ctx, "SHOW GLOBAL STATUS LIKE 'Threads_running'").Scan(&name, &value); err != nil {
				return 0, fmt.Errorf("read Threads_running: %w", err)
			}
			return strconv.ParseFloat(value, 64)
		}, nil
	case "replica_lag":
		return func(ctx context.Context) (float64, error) { return replicaLag(ctx, db) }, nil
	case "sql":
		return func(ctx context.Context) (float64, error) {
			var v sql.NullFloat64
			if err := db.QueryRowContext(ctx, query).Scan(&v); err != nil {
				return 0, err
			}
			if !v.Valid {
				return 0, errors.New("the query returned NULL")
			}
			return v.Float64, nil
		}, nil
	}
	return nil, fmt.Errorf("unknown probe metric %q", metric)
}

// replicaLag reads the largest Seconds_Behind_Source (Seconds_Behind_Master
// on MariaDB and older MySQL) of the server's replication channels. A server
// that is not a replica, or whose replication is stopped (NULL), is an error:
// the lag is unknown.
func replicaLag(ctx context.Context, db *sql.DB) (float64, error) {
	rows, err := db.QueryContext(ctx, "SHOW REPLICA STATUS")
	if err != nil {
		if rows, err = db.QueryContext(ctx, "SHOW SLAVE STATUS"); err != nil {
			return 0, fmt.Errorf("read replica status: %w", err)
		}
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	at := -1
	for i, c := range cols {
		if strings.EqualFold(c, "Seconds_Behind_Source") || strings.EqualFold(c, "Seconds_Behind_Master") {
			at = i
		}
	}
	if at < 0 {
		return 0, errors.New("replica status has no Seconds_Behind column")
	}
	vals := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	lag, seen := 0.0, false
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return 0, err
		}
		if vals[at] == nil {
			return 0, errors.New("replication is not running (lag is NULL)")
		}
		v, err := strconv.ParseFloat(string(vals[at]), 64)
		if err != nil {
			return 0, err
		}
		lag, seen = max(lag, v), true
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if !seen {
		return 0, errors.New("the server is not a replica")
	}
	return lag, nil
}
