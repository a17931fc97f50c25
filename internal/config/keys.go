package config

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cutover/cutover/internal/suggest"
)

// checkShape walks the parsed document against Config before it is decoded,
// so that an unknown key or a value of the wrong kind is named the way the
// operator wrote it (`run.workers: want a number, got "two"`, `tables[4]
// (transactions).batchng is not a setting; did you mean batching?`) instead
// of by the YAML decoder's Go types. List entries are counted from 1, and a
// table's entry also shows its name. A value taken from an environment
// variable (fromEnv) is never shown: it may be a secret.
func checkShape(n *yaml.Node, t reflect.Type, path string, fromEnv map[*yaml.Node]bool) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil
		}
		return checkShape(n.Content[0], t, path, fromEnv)
	}
	if n.Kind == yaml.AliasNode || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil
	}
	switch t {
	case reflect.TypeOf(Duration{}):
		if n.Kind != yaml.ScalarNode {
			return shapeErr(path, n, "want a duration such as 30s or 5m, got "+kindName(n))
		}
		if _, err := time.ParseDuration(n.Value); err != nil {
			return shapeErr(path, n, "want a duration such as 30s or 5m, got "+shown(n, fromEnv))
		}
		return nil
	case reflect.TypeOf(TableTenant{}):
		if n.Kind == yaml.ScalarNode {
			if n.Value != "none" {
				return shapeErr(path, n, "want none or {via: TABLE, on: COLUMN}, got "+shown(n, fromEnv))
			}
			return nil
		}
	default:
		if reflect.PointerTo(t).Implements(reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()) {
			return nil // a type that reads itself says what is wrong with it
		}
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return shapeErr(path, n, "want a mapping of settings (key: value), got "+kindName(n))
		}
		fields := map[string]reflect.Type{}
		yamlFields(t, fields)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			p := join(path, k.Value)
			if !ok {
				names := make([]string, 0, len(fields))
				for name := range fields {
					names = append(names, name)
				}
				slices.Sort(names) // of two as close, the first in order
				msg := p + " is not a setting"
				if s := suggest.Closest(k.Value, names); s != "" {
					msg += "; did you mean " + s + "?"
				}
				return fmt.Errorf("%s (line %d)", msg, k.Line)
			}
			if err := checkShape(v, ft, p, fromEnv); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return shapeErr(path, n, "want a list ([a, b] or one - item a line), got "+kindName(n))
		}
		for i, c := range n.Content {
			if err := checkShape(c, t.Elem(), entry(path, i, c), fromEnv); err != nil {
				return err
			}
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return shapeErr(path, n, "want text, got "+kindName(n))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n.Kind != yaml.ScalarNode {
			return shapeErr(path, n, "want a whole number, got "+kindName(n))
		}
		if _, err := strconv.ParseInt(n.Value, 0, 64); err != nil {
			want := "want a number, got "
			if _, ferr := strconv.ParseFloat(n.Value, 64); ferr == nil {
				want = "want a whole number, got "
			}
			return shapeErr(path, n, want+shown(n, fromEnv))
		}
	case reflect.Float32, reflect.Float64:
		if n.Kind != yaml.ScalarNode {
			return shapeErr(path, n, "want a number, got "+kindName(n))
		}
		if _, err := strconv.ParseFloat(n.Value, 64); err != nil {
			return shapeErr(path, n, "want a number, got "+shown(n, fromEnv))
		}
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
			return shapeErr(path, n, "want true or false, got "+shown(n, fromEnv))
		}
	}
	return nil
}

// yamlFields collects the YAML keys of struct t (inline structs merged), as
// the decoder names them: the tag, else the lower-cased field name.
func yamlFields(t reflect.Type, into map[string]reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			yamlFields(f.Type, into)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		into[name] = f.Type
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// entry names list item i of path, counted from 1, with its name when it
// has one: tables[4] (transactions).
func entry(path string, i int, n *yaml.Node) string {
	p := fmt.Sprintf("%s[%d]", path, i+1)
	if n.Kind == yaml.MappingNode {
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == "name" && n.Content[j+1].Kind == yaml.ScalarNode && n.Content[j+1].Value != "" {
				return p + " (" + n.Content[j+1].Value + ")"
			}
		}
	}
	return p
}

func shapeErr(path string, n *yaml.Node, msg string) error {
	return fmt.Errorf("%s: %s (line %d)", path, msg, n.Line)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return "a single value"
}

// shown is a scalar as the error may show it: quoted, unless it came from an
// environment variable.
func shown(n *yaml.Node, fromEnv map[*yaml.Node]bool) string {
	if n.Kind != yaml.ScalarNode {
		return kindName(n)
	}
	if fromEnv[n] {
		return "the value of an environment variable (not shown)"
	}
	return strconv.Quote(n.Value)
}
