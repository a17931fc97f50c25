package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const credTables = "tenant: {column: agent_id}\ntables: [{name: agents}]\n"

func TestDSNForms(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"driver form kept", "u:pw@tcp(db:3306)/app", "u:pw@tcp(db:3306)/app"},
		{"mysql client form", "u:pw@db:3306/app", "u:pw@tcp(db:3306)/app"},
		{"client form, no password", "u@db:3306/app", "u@tcp(db:3306)/app"},
		{"client form with params", "u:pw@db/app?loc=Europe/Paris", "u:pw@tcp(db)/app?loc=Europe/Paris"},
		{"password with a slash", "u:p/w@db:3306/app", "u:p/w@tcp(db:3306)/app"},
		{"URL", "mysql://u:pw@db:3306/app?timeout=5s", "u:pw@tcp(db:3306)/app?timeout=5s"},
		{"unix socket kept", "u:pw@unix(/run/mysqld.sock)/app", "u:pw@unix(/run/mysqld.sock)/app"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := "source: {dsn: \"" + c.in + "\"}\ntarget: {dsn: \"" + c.in + "\"}\n" + credTables
			cfg, err := Parse([]byte(doc), env(nil))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Source.DSN != c.want || cfg.Target.DSN != c.want {
				t.Errorf("dsn = %q / %q, want %q", cfg.Source.DSN, cfg.Target.DSN, c.want)
			}
		})
	}
	t.Run("bad URL refused with the form, secret not shown", func(t *testing.T) {
		doc := "source: {dsn: \"mysql://u:s3cr%zzet@db:3306/app\"}\ntarget: {dsn: \"u:p@tcp(x)/y\"}\n" + credTables
		_, err := Parse([]byte(doc), env(nil))
		if err == nil || !strings.Contains(err.Error(), "source.dsn") || !strings.Contains(err.Error(), "user:password@tcp(host:3306)/database") {
			t.Fatalf("err = %v, want source.dsn and the form to use", err)
		}
		if strings.Contains(err.Error(), "s3cr") {
			t.Errorf("the password is in the error: %v", err)
		}
	})
}

func TestCredentialParts(t *testing.T) {
	dir := t.TempDir()
	cnf := filepath.Join(dir, "night.cnf")
	if err := os.WriteFile(cnf, []byte("# cutover's login\n[mysql]\nuser = wrong\n[client]\nuser = app\npassword = \"p#ss w\"\nhost = db1\nport = 3307\n[cutover]\nhost=db2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, ".my.cnf"), []byte("[client]\nuser=homeuser\npassword=homepw\nsocket=/run/m.sock\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, source, target string
		vars                 map[string]string
		want                 [2]string // source and target DSN
	}{
		{"parts with a password from a variable", "{host: src, user: reader, password: \"${SRC_PW}\", database: legacy}", "{host: dst, port: 3310, user: w, password: \"${DST_PW}\", database: app}",
			map[string]string{"SRC_PW": "s3:cr@t", "DST_PW": "x"},
			[2]string{"reader:s3:cr@t@tcp(src:3306)/legacy", "w:x@tcp(dst:3310)/app"}},
		{"defaults file, parts override", "{defaults_file: " + cnf + ", database: legacy, user: me}", "{defaults_file: " + cnf + ", database: app}", nil,
			[2]string{"me:p#ss w@tcp(db2:3307)/legacy", "app:p#ss w@tcp(db2:3307)/app"}},
		{"~/.my.cnf when no defaults_file", "{database: legacy}", "{dsn: \"u:p@tcp(h:1)/t\"}", map[string]string{"HOME": home},
			[2]string{"homeuser:homepw@unix(/run/m.sock)/legacy", "u:p@tcp(h:1)/t"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := "source: " + c.source + "\ntarget: " + c.target + "\n" + credTables
			cfg, err := Parse([]byte(doc), env(c.vars))
			if err != nil {
				t.Fatal(err)
			}
			if got := [2]string{cfg.Source.DSN, cfg.Target.DSN}; got != c.want {
				t.Errorf("dsn = %q, want %q", got, c.want)
			}
		})
	}
	bad := []struct{ name, source, want string }{
		{"dsn and parts", "{dsn: \"u:p@tcp(h)/d\", host: h}", "not both"},
		{"no database", "{host: h, user: u}", "source.database"},
		{"missing defaults file", "{defaults_file: " + filepath.Join(dir, "none.cnf") + ", database: d}", "source: defaults file"},
		{"port not a number", "{host: h, port: many, database: d}", `source.port: want a number, got "many"`},
		{"unknown part", "{hots: h, database: d}", "did you mean host?"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			doc := "source: " + c.source + "\ntarget: {dsn: \"u:p@tcp(h:1)/t\"}\n" + credTables
			_, err := Parse([]byte(doc), env(nil))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
	t.Run("oracle source takes a dsn", func(t *testing.T) {
		doc := "source: {driver: oracle, host: h, database: d}\ntarget: {dsn: \"u:p@tcp(h:1)/t\"}\n" + credTables
		if _, err := Parse([]byte(doc), env(nil)); err == nil || !strings.Contains(err.Error(), "Oracle source takes dsn") {
			t.Fatalf("err = %v", err)
		}
	})
}
