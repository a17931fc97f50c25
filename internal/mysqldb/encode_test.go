package mysqldb

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/cutover/cutover/internal/testdb"
)

func TestEncoderEscaping(t *testing.T) {
	cases := []struct {
		name string
		row  [][]byte
		want string
	}{
		{"plain", [][]byte{[]byte("a"), []byte("bc")}, "a\tbc\n"},
		{"null and empty differ", [][]byte{nil, {}, nil}, "\\N\t\t\\N\n"},
		{"backslash N text", [][]byte{[]byte(`\N`)}, "\\\\N\n"},
		{"specials", [][]byte{[]byte("\\\t\n\r\x00\x1a")}, `\\\t\n\r\0\Z` + "\n"},
		{"specials between text", [][]byte{[]byte("a\tb\nc")}, `a\tb\nc` + "\n"},
		{"four byte UTF-8 untouched", [][]byte{[]byte("\U0001F600")}, "\U0001F600\n"},
		{"high bytes untouched", [][]byte{{0x80, 0xff, 'N'}}, "\x80\xffN\n"},
		{"no columns", [][]byte{}, "\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := bufio.NewWriter(&buf)
			if err := (encoder{}).writeRow(w, c.row); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if buf.String() != c.want {
				t.Errorf("got %q, want %q", buf.String(), c.want)
			}
		})
	}
	// Every byte alone: escaped exactly when it must be.
	for b := 0; b < 256; b++ {
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		if err := (encoder{}).writeRow(w, [][]byte{{byte(b)}}); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		want := string([]byte{byte(b), '\n'})
		if e, ok := map[byte]string{'\\': `\\`, '\t': `\t`, '\n': `\n`, '\r': `\r`, 0: `\0`, 0x1a: `\Z`}[byte(b)]; ok {
			want = e + "\n"
		}
		if buf.String() != want {
			t.Errorf("byte %#x encoded as %q, want %q", b, buf.String(), want)
		}
	}
}

// TestEncoderLoadRoundTrip loads hostile values, encoded by the encoder, with
// the same LOAD DATA LOCAL statement shape the writer uses, and reads them back
// as hex: every value must come back byte for byte, NULL as NULL.
func TestEncoderLoadRoundTrip(t *testing.T) {
	srv := testdb.StartT(t)
	name, dsn := srv.NewDatabase(t, "encode")
	ctx := context.Background()
	db, err := Open(ctx, dsn, "", RoleTarget, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SQL().ExecContext(ctx, "CREATE TABLE rt (id INT NOT NULL PRIMARY KEY, b LONGBLOB NULL, s TEXT CHARACTER SET utf8mb4 NULL, vb VARBINARY(300) NULL)"); err != nil {
		t.Fatal(err)
	}
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	reversed := make([]byte, 256)
	for i := range reversed {
		reversed[i] = byte(255 - i)
	}
	texts := [][]byte{
		[]byte(`\N`), []byte("nul\x00nul"), []byte("tab\ttab"), []byte("lf\nlf"), []byte("cr\rcr"),
		[]byte(`back\slash\`), []byte("ctrlz\x1a"), {}, nil, []byte("\U0001F600\U0001D11E"),
		[]byte("\\N\t\\N"), []byte("\r\n"), []byte("trailing space "), []byte("'\""), []byte("\\"),
	}
	blobs := [][]byte{all, reversed, {}, nil, {0}, {'\\'}, {'\\', 'N'}, {0x1a}, {'\n'}, {'\t'}, {0xff, 0xfe}, []byte(`\0`), {'\r', '\n'}, {0x80}, {'N'}}
	var rows [][][]byte
	for i := range texts {
		rows = append(rows, [][]byte{[]byte(fmt.Sprint(i + 1)), blobs[i], texts[i], blobs[(i+3)%len(blobs)]})
	}

	handle := "encode-test-" + name
	var file bytes.Buffer
	bw := bufio.NewWriter(&file)
	for _, r := range rows {
		if err := (encoder{}).writeRow(bw, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	mysql.RegisterReaderHandler(handle, func() io.Reader { return bytes.NewReader(file.Bytes()) })
	defer mysql.DeregisterReaderHandler(handle)

	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	q := "LOAD DATA LOCAL INFILE 'Reader::" + handle + "' INTO TABLE " + qualified(name, "rt") +
		" CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (`id`, `b`, `s`, `vb`)"
	res, err := tx.ExecContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != int64(len(rows)) {
		t.Errorf("loaded %d rows, want %d", n, len(rows))
	}
	if err := checkWarnings(ctx, tx, "rt"); err != nil {
		t.Error(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	got, err := db.SQL().QueryContext(ctx, "SELECT id, HEX(b), HEX(s), HEX(vb) FROM rt ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	i := 0
	for got.Next() {
		var id int
		var vals [3]sql.NullString
		if err := got.Scan(&id, &vals[0], &vals[1], &vals[2]); err != nil {
			t.Fatal(err)
		}
		want := rows[i]
		for j, v := range vals {
			w := want[j+1]
			switch {
			case w == nil && v.Valid:
				t.Errorf("row %d column %d: got %s, want NULL", id, j+1, v.String)
			case w != nil && !v.Valid:
				t.Errorf("row %d column %d: got NULL, want %X", id, j+1, w)
			case w != nil && !strings.EqualFold(v.String, hex.EncodeToString(w)):
				t.Errorf("row %d column %d: got %s, want %X", id, j+1, v.String, w)
			}
		}
		i++
	}
	if err := got.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(rows) {
		t.Errorf("read back %d rows, want %d", i, len(rows))
	}
}
