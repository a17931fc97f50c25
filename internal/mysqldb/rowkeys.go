package mysqldb

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/cutover/cutover/internal/catalog"
)

// maxRowKeys bounds the keys one load remembers (about a few MB at most):
// past it, a refused row is named by its number in the batch only.
const maxRowKeys = 200_000

// rowKeys remembers the key of each row a load streams, so that the server's
// "at row N" (the Nth row of the LOAD DATA, which means nothing to an
// operator) can be told as the row's key.
type rowKeys struct {
	idx   []int
	names []string
	keys  []string
}

func newRowKeys(t *catalog.Table) *rowKeys {
	r := &rowKeys{}
	for _, k := range t.Key {
		for i, c := range t.Columns {
			if c.Name == k.Name {
				r.idx = append(r.idx, i)
				r.names = append(r.names, k.Name)
			}
		}
	}
	return r
}

func (r *rowKeys) add(row [][]byte) {
	if len(r.keys) < maxRowKeys {
		r.keys = append(r.keys, r.format(row))
	}
}

// format names a row by its key columns: "key agent_id=5, id=17".
func (r *rowKeys) format(row [][]byte) string {
	if len(r.idx) == 0 {
		return ""
	}
	parts := make([]string, 0, len(r.idx))
	for j, i := range r.idx {
		v := "NULL"
		if i < len(row) && row[i] != nil {
			v = string(row[i])
			if len(v) > 64 {
				v = v[:64] + "..."
			}
		}
		parts = append(parts, r.names[j]+"="+v)
	}
	return "key " + strings.Join(parts, ", ")
}

// atRow is where the server's data errors and warnings say which row of the
// statement they are about; the server gives the row in no other field.
var atRow = regexp.MustCompile(` at row (\d+)`)

// rewrite replaces each " at row N" in msg by the row's key.
func (r *rowKeys) rewrite(msg string) string {
	return atRow.ReplaceAllStringFunc(msg, func(m string) string {
		n, err := strconv.Atoi(atRow.FindStringSubmatch(m)[1])
		if err != nil || n < 1 || n > len(r.keys) || r.keys[n-1] == "" {
			return fmt.Sprintf(" (row %d of the batch)", n)
		}
		return " (" + r.keys[n-1] + ")"
	})
}

// name returns err with the rows it mentions named by key, keeping its
// kind (a *DataError stays one; a server error stays unwrappable).
func (r *rowKeys) name(err error) error {
	var de *DataError
	if errors.As(err, &de) {
		return &DataError{Table: de.Table, Msg: r.rewrite(de.Msg)}
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) && atRow.MatchString(me.Message) {
		return keyedError{msg: r.rewrite(err.Error()), err: err}
	}
	return err
}

// keyedError is a server error whose message names rows by key.
type keyedError struct {
	msg string
	err error
}

func (e keyedError) Error() string { return e.msg }
func (e keyedError) Unwrap() error { return e.err }
