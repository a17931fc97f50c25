package config

import (
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// goSide matches what an operator must not read in a config error.
var goSide = regexp.MustCompile(`!!|config\.[A-Z]|\bint64\b|\[\]string|yaml:|\[0\]`)

func TestShapeErrorsAsWritten(t *testing.T) {
	const head = "source: {dsn: \"u:p@tcp(h)/a\"}\ntarget: {dsn: \"u:p@tcp(h)/b\"}\ntenant: {column: agent_id}\n"
	cases := []struct {
		name, doc, want string
		vars            map[string]string
	}{
		{"number", head + "tables: [{name: a}]\nrun: {workers: two}\n", `config: run.workers: want a number, got "two" (line 5)`, nil},
		{"whole number", head + "tables: [{name: a}]\nrun: {batch_rows: 2.5}\n", `run.batch_rows: want a whole number, got "2.5"`, nil},
		{"bool", head + "tables: [{name: a}]\nrun: {checksums: maybe}\n", `run.checksums: want true or false, got "maybe"`, nil},
		{"list", head + "tables: [{name: a, key: id}]\n", "tables[1] (a).key: want a list", nil},
		{"mapping", head + "tables: [{name: a}]\nrun: 4\n", "run: want a mapping of settings", nil},
		{"unknown key with a suggestion", head + "tables: [{name: a, tenatn: none}]\n", "tables[1] (a).tenatn is not a setting; did you mean tenant?", nil},
		{"unknown key far from any", head + "tables: [{name: a}]\nzzzzzz: 1\n", "zzzzzz is not a setting (line 5)", nil},
		{"second probe", head + "tables: [{name: a}]\nrun: {throttle: {probes: [{on: target, metric: sql, sql: 'SELECT 1', max: 1}, {on: x, metric: sql, sql: 'SELECT 1', max: 1}]}}\n", "run.throttle.probes[2].on", nil},
		{"a value from a variable is not shown", head + "tables: [{name: a}]\nrun: {workers: \"${W}\"}\n", "run.workers: want a number, got the value of an environment variable (not shown)", map[string]string{"W": "hunter2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc), env(c.vars))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if goSide.MatchString(err.Error()) || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("err = %v shows Go types, tags, zero-based indexes or a secret", err)
			}
		})
	}
	t.Run("the decoder's own message loses its Go types", func(t *testing.T) {
		var v struct{ N int }
		err := yaml.Unmarshal([]byte("n: [1]"), &v)
		if err == nil {
			t.Fatal("no error")
		}
		if msg := yamlMessage(err); goSide.MatchString(msg) || strings.Contains(msg, " into ") {
			t.Errorf("yamlMessage = %q", msg)
		}
	})
}
