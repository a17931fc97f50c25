package mysqldb

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/testdb"
)

// indexSchema has one of each kind of key: a prefix and a DESC part with a
// comment, USING HASH, an IGNORED key, a unique key, a FULLTEXT key, a foreign
// key and the index it needs, and a key after that one.
var indexSchema = []string{
	"CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(20) NOT NULL, UNIQUE KEY code (code)) ENGINE=InnoDB",
	"CREATE TABLE refs_p (id INT PRIMARY KEY, code VARCHAR(20), CONSTRAINT to_code FOREIGN KEY (code) REFERENCES p (code)) ENGINE=InnoDB",
	"CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, a INT, b VARCHAR(100), c TEXT, d INT NOT NULL, pid INT," +
		" KEY kb (b(10), a DESC) COMMENT 'prefix, desc', UNIQUE KEY ud (d), KEY ka (a) USING HASH, KEY kinv (a, d) IGNORED," +
		" FULLTEXT KEY fc (c), KEY kp (pid), CONSTRAINT fkp FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE, KEY kz (d, b))" +
		" ENGINE=InnoDB",
	"CREATE TABLE nopk (u INT NOT NULL, v INT, UNIQUE KEY u (u), KEY v (v)) ENGINE=InnoDB",
	"INSERT INTO p VALUES (1, 'one'), (2, 'two')",
	"INSERT INTO t (a, b, c, d, pid) VALUES (1, 'x', 'some text', 10, 1), (2, 'y', 'more text', 20, 2), (NULL, NULL, NULL, 30, NULL)",
}

func TestDeferredIndexesRoundTrip(t *testing.T) {
	srv := testdb.StartT(t)
	_, dsn := srv.NewDatabase(t, "idx")
	_, tgt := openPair(t, dsn, dsn)
	ctx := context.Background()
	for _, q := range indexSchema {
		if _, err := tgt.SQL().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	names := func(idx []catalog.Index) []string {
		var out []string
		for _, i := range idx {
			out = append(out, i.Name)
		}
		return out
	}
	cases := []struct {
		name  string
		table string
		opt   catalog.DeferOptions
		want  []string
	}{
		// kp backs the foreign key, which stays: it and every key before it stay.
		{"plain only", "t", catalog.DeferOptions{}, []string{"kz"}},
		{"unique too", "t", catalog.DeferOptions{Unique: true}, []string{"ud", "kz"}},
		{"everything", "t", catalog.DeferOptions{Unique: true, Foreign: true}, []string{"ud", "kb", "ka", "kinv", "kp", "kz", "fkp"}},
		{"the run's key stays", "t", catalog.DeferOptions{Unique: true, Foreign: true, Keep: []string{"d"}}, []string{"kb", "ka", "kinv", "kp", "kz", "fkp"}},
		// refs_p's foreign key needs p's unique key on code.
		{"referenced key stays", "p", catalog.DeferOptions{Unique: true, Foreign: true}, nil},
		// Without a primary key InnoDB clusters on the unique key.
		{"no primary key", "nopk", catalog.DeferOptions{Unique: true}, []string{"v"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, err := tgt.CreateTable(ctx, c.table)
			if err != nil {
				t.Fatal(err)
			}
			idx, err := tgt.DeferrableIndexes(ctx, c.table, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(idx); !slices.Equal(got, c.want) {
				t.Fatalf("deferrable = %q, want %q", got, c.want)
			}
			if err := tgt.DropIndexes(ctx, c.table, idx); err != nil {
				t.Fatal(err)
			}
			dropped, err := tgt.CreateTable(ctx, c.table)
			if err != nil {
				t.Fatal(err)
			}
			have, err := tgt.present(ctx, c.table)
			if err != nil {
				t.Fatal(err)
			}
			for _, i := range idx {
				if have[indexKey(i.Kind == catalog.IndexForeign, i.Name)] {
					t.Errorf("%s still there after the drop:\n%s", i.Name, dropped)
				}
			}
			// Dropping again finds nothing to drop.
			if err := tgt.DropIndexes(ctx, c.table, idx); err != nil {
				t.Fatal(err)
			}
			n, err := tgt.RebuildIndexes(ctx, c.table, idx)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(idx) {
				t.Errorf("rebuild added %d definitions, want %d", n, len(idx))
			}
			after, err := tgt.CreateTable(ctx, c.table)
			if err != nil {
				t.Fatal(err)
			}
			if after != before {
				t.Errorf("SHOW CREATE TABLE changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			// A resumed rebuild of indexes that are back adds nothing.
			if n, err := tgt.RebuildIndexes(ctx, c.table, idx); err != nil || n != 0 {
				t.Errorf("second rebuild: %d added, err %v; want 0, nil", n, err)
			}
		})
	}

	t.Run("partial rebuild", func(t *testing.T) {
		before, _ := tgt.CreateTable(ctx, "t")
		idx, err := tgt.DeferrableIndexes(ctx, "t", catalog.DeferOptions{Unique: true, Foreign: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := tgt.DropIndexes(ctx, "t", idx); err != nil {
			t.Fatal(err)
		}
		// A rebuild that died after adding the first definitions (the
		// server finished its statement): the rest is added, in order.
		if _, err := tgt.RebuildIndexes(ctx, "t", idx[:2]); err != nil {
			t.Fatal(err)
		}
		if n, err := tgt.RebuildIndexes(ctx, "t", idx); err != nil || n != len(idx)-2 {
			t.Fatalf("rebuild added %d, err %v; want %d", n, err, len(idx)-2)
		}
		if after, _ := tgt.CreateTable(ctx, "t"); after != before {
			t.Errorf("SHOW CREATE TABLE changed:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})

	t.Run("a deferred unique key meets a duplicate", func(t *testing.T) {
		idx, err := tgt.DeferrableIndexes(ctx, "t", catalog.DeferOptions{Unique: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := tgt.DropIndexes(ctx, "t", idx); err != nil {
			t.Fatal(err)
		}
		if _, err := tgt.SQL().ExecContext(ctx, "INSERT INTO t (d) VALUES (10)"); err != nil {
			t.Fatal(err)
		}
		_, err = tgt.RebuildIndexes(ctx, "t", idx)
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != 1062 {
			t.Fatalf("rebuild over a duplicate: %v, want error 1062 (duplicate entry)", err)
		}
	})
}

func TestParseKeys(t *testing.T) {
	ddl := "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `a``b` int(11) DEFAULT NULL,\n  PRIMARY KEY (`id`),\n" +
		"  UNIQUE KEY `u``q` (`a``b`),\n  KEY `k` (`a``b`) /*!80000 INVISIBLE */,\n  FULLTEXT KEY `f` (`c`),\n" +
		"  CONSTRAINT `chk` CHECK (`id` > 0),\n  CONSTRAINT `fk` FOREIGN KEY (`a``b`) REFERENCES `p` (`id`)\n) ENGINE=InnoDB"
	got := parseKeys(ddl)
	want := []keyLine{
		{kind: "primary", def: "PRIMARY KEY (`id`)", group: 0},
		{kind: "unique", name: "u`q", def: "UNIQUE KEY `u``q` (`a``b`)", group: 1},
		{kind: "plain", name: "k", def: "KEY `k` (`a``b`) /*!80000 INVISIBLE */", group: 2},
		{kind: "other", name: "f", def: "FULLTEXT KEY `f` (`c`)", group: 3},
		{kind: "foreign", name: "fk", def: "CONSTRAINT `fk` FOREIGN KEY (`a``b`) REFERENCES `p` (`id`)", group: 4},
	}
	if !slices.Equal(got, want) {
		t.Errorf("parseKeys:\n got %+v\nwant %+v", got, want)
	}
}
