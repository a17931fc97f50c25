package mysqldb

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/testdb"
	"github.com/cutover/cutover/migrate"
)

// TestLoadErrorNamesTheKey loads rows of which the third is too long for the
// target column: the error names that row's key, not "row 3" of the load,
// and stays the server's error underneath.
func TestLoadErrorNamesTheKey(t *testing.T) {
	srv := testdb.StartT(t)
	_, dsn := srv.NewDatabase(t, "rowkeys")
	ctx := context.Background()
	db, err := Open(ctx, dsn, "", RoleTarget, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SQL().ExecContext(ctx, "CREATE TABLE t (agent_id INT NOT NULL, id INT NOT NULL, note VARCHAR(5), PRIMARY KEY (agent_id, id))"); err != nil {
		t.Fatal(err)
	}
	mw, err := db.Writer(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	w := mw.(*writer)
	defer w.Close()
	cols := []catalog.Column{{Name: "agent_id"}, {Name: "id"}, {Name: "note"}}
	tbl := &catalog.Table{Name: "t", Target: "t", Columns: cols, Key: cols[:2]}
	rows := [][][]byte{{[]byte("7"), []byte("100"), []byte("ok")}, {[]byte("7"), []byte("101"), []byte("ok")}, {[]byte("7"), []byte("102"), []byte("far too long")}}
	produce := func(emit migrate.Emit) error {
		for _, r := range rows {
			if err := emit(r, nil); err != nil {
				return err
			}
		}
		return nil
	}
	for name, load := range map[string]func(context.Context, *sql.Tx, *catalog.Table, func(migrate.Emit) error) (int64, error){
		"LOAD DATA": w.loadData, "INSERT": w.insertRows,
	} {
		tx, err := w.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = load(ctx, tx, tbl, produce)
		_ = tx.Rollback()
		if err == nil {
			t.Fatalf("%s: a value too long for its column was loaded", name)
		}
		t.Log(err)
		if !strings.Contains(err.Error(), "key agent_id=7, id=102") || strings.Contains(err.Error(), "at row") {
			t.Errorf("%s: error %q should name the key agent_id=7, id=102 and no row number", name, err)
		}
		var me *mysql.MySQLError
		var de *DataError
		if !errors.As(err, &me) && !errors.As(err, &de) {
			t.Errorf("%s: error %q lost its kind", name, err)
		}
	}
}
