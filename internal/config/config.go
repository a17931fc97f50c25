// Package config parses cutover.yaml once into plain values. Secrets come from
// environment variables and are kept out of every message this package returns.
package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Limits that bound what a config may ask for.
const (
	MaxWorkers   = 256
	MaxCanary    = 100 // run.canary: tenants copied and checked first
	MaxBatchRows = 10_000_000
	MaxRetries   = 50
)

// Config is the whole parsed configuration.
type Config struct {
	Source Source  `yaml:"source"`
	Target Target  `yaml:"target"`
	Tenant Tenant  `yaml:"tenant"`
	Tables []Table `yaml:"tables"`
	Run    Run     `yaml:"run"`
	// OnEvent says whom to tell when the run starts, halts, fails, stops or
	// completes (cluster.go).
	OnEvent OnEvent `yaml:"on_event"`
	// Capture is where change capture lives on the source (capture.go).
	Capture Capture `yaml:"capture"`
}

// Source names the database rows are read from.
type Source struct {
	Driver string `yaml:"driver"`
	DSN    string `yaml:"dsn"`
	// Schema overrides the database named in the DSN (the owner, for Oracle).
	Schema string `yaml:"schema"`
	// Snapshot (Oracle) reads every batch AS OF the SCN taken at plan time;
	// default true.
	Snapshot *bool `yaml:"snapshot"`
	// Sizing (Oracle) is exact (GROUP BY) or sample (SAMPLE(p), scaled up).
	Sizing        string  `yaml:"sizing"`
	SamplePercent float64 `yaml:"sample_percent"`
	// NullAsEmpty (Oracle) lists TABLE.COLUMN whose NULLs are written as ''
	// (Oracle stores '' as NULL; a NOT NULL target column may want '').
	NullAsEmpty []string `yaml:"null_as_empty"`
	// LOBMaxBytes bounds one LOB value held in memory (default 256 MiB); a
	// larger value is streamed in pieces of at most this size.
	LOBMaxBytes int64 `yaml:"lob_max_bytes"`
	// PrefetchRows and FetchArraySize (Oracle) tune every query's round
	// trips: rows the client fetches ahead, and rows per fetch (default 4096
	// each; memory per worker grows with them times the row size).
	PrefetchRows   int `yaml:"prefetch_rows"`
	FetchArraySize int `yaml:"fetch_array_size"`
	// Parallel (Oracle) adds a PARALLEL(t n) hint to exact sizing when above
	// 1: the one full pass of planning, where the database's parallel
	// servers help.
	Parallel int `yaml:"parallel"`
	// RawCharset (Oracle) names the character set the bytes of character
	// columns really are in (GBK, Big5, ISO-8859-1, ...) when the database
	// declares another one: those columns are read as bytes and decoded.
	// RawCharsetColumns limits it to TABLE or TABLE.COLUMN entries; empty:
	// every VARCHAR2 and CHAR column.
	RawCharset        string   `yaml:"raw_charset"`
	RawCharsetColumns []string `yaml:"raw_charset_columns"`
	// Conn gives a MySQL source as parts instead of DSN (credentials.go).
	Conn `yaml:",inline"`
}

// maxFetchRows bounds the Oracle fetch settings: beyond it a worker's fetch
// buffers, times a wide row, would be unbounded in practice.
const maxFetchRows = 100_000

// DefaultLOBMaxBytes is source.lob_max_bytes when the config leaves it out.
const DefaultLOBMaxBytes = 256 << 20

// LOBBound is the largest LOB value a worker holds; larger ones are streamed.
func (s Source) LOBBound() int64 {
	if s.LOBMaxBytes <= 0 {
		return DefaultLOBMaxBytes
	}
	return s.LOBMaxBytes
}

// SnapshotOn reports whether the Oracle source reads from one SCN.
func (s Source) SnapshotOn() bool { return s.Snapshot == nil || *s.Snapshot }

// Target names the MySQL database rows are written to and where the ledger lives.
type Target struct {
	DSN          string `yaml:"dsn"`
	LedgerSchema string `yaml:"ledger_schema"`
	// Conn gives the target as parts instead of DSN (credentials.go).
	Conn `yaml:",inline"`
}

// Tenant says which column identifies a tenant ("agent") and which tenants to move.
type Tenant struct {
	Column string   `yaml:"column"`
	IDs    []string `yaml:"ids"`
}

// Table is one table to copy.
type Table struct {
	Name   string      `yaml:"name"`
	Key    []string    `yaml:"key"`
	Target string      `yaml:"target"`
	Tenant TableTenant `yaml:"tenant"`
	// Batching is how a tenant table is cut into batches: "tenant" (the
	// default: whole tenants packed together, giant tenants split by key) or
	// "range" (key ranges of the whole table, every tenant's rows in key order).
	Batching string `yaml:"batching"`
	// Exclude names source columns that are not copied (the target keeps
	// its default there) nor verified. Absent from the plan fingerprint
	// when empty, so earlier plans keep theirs.
	Exclude []string `yaml:"exclude" json:",omitempty"`
	// Where is an SQL condition on the source table's own columns, in the
	// source's dialect: only the rows it holds are sized, copied and verified
	// (the target is compared whole). Absent from the plan fingerprint when
	// empty, so earlier plans keep theirs.
	Where string `yaml:"where" json:",omitempty"`
	// Override maps a source column to the MySQL type its target column is
	// created with (create-tables, schema) instead of the converted type. It
	// shapes only the target's DDL, so it is not in the plan fingerprint.
	Override map[string]string `yaml:"override" json:"-"`
}

// Filtered names the first table with a where filter ("", false for none).
func (c *Config) Filtered() (string, bool) {
	for _, t := range c.Tables {
		if t.Where != "" {
			return t.Name, true
		}
	}
	return "", false
}

// RefuseCapture says why change capture (capture start, sync) cannot serve
// the config: the change log replays every change to a table, so it cannot
// honour a where filter.
func (c *Config) RefuseCapture() error {
	if name, ok := c.Filtered(); ok {
		return fmt.Errorf("table %s has a where filter, which change capture and sync cannot honour (they replay every change to the table): remove where, or copy this config with cutover run alone", name)
	}
	return nil
}

// Batching values of a table.
const (
	BatchingTenant = "tenant"
	BatchingRange  = "range"
)

// Ranged reports whether the table is batched by key ranges of the whole table.
func (t Table) Ranged() bool { return t.Batching == BatchingRange }

// TargetName is the table's name in the target.
func (t Table) TargetName() string {
	if t.Target != "" {
		return t.Target
	}
	return t.Name
}

// TableTenant says how a table's rows belong to tenants. The zero value means the
// table carries the tenant column itself.
type TableTenant struct {
	// None marks shared reference data that belongs to no tenant (`tenant: none`).
	None bool
	// Via names the configured parent table that carries the tenant column; On is
	// the column of this table that references it, Parent the parent's column
	// (defaults to On).
	Via    string `yaml:"via"`
	On     string `yaml:"on"`
	Parent string `yaml:"parent_on"`
}

// UnmarshalYAML accepts `tenant: none` as well as `tenant: {via: ..., on: ...}`.
func (tt *TableTenant) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		if n.Value == "none" {
			*tt = TableTenant{None: true}
			return nil
		}
		return fmt.Errorf("line %d: tenant must be `none` or {via: TABLE, on: COLUMN}, not %q", n.Line, n.Value)
	}
	type plain TableTenant
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*tt = TableTenant(p)
	return nil
}

// Run holds the engine's knobs.
type Run struct {
	Workers   int   `yaml:"workers"`
	BatchRows int64 `yaml:"batch_rows"`
	// Retries is set from RetriesSet: an explicit 0 means no retries.
	Retries    int      `yaml:"-"`
	RetriesSet *int     `yaml:"retries"`
	Lease      Duration `yaml:"lease"`
	Grace      Duration `yaml:"grace"`
	// Outage is how long workers wait for a server that does not answer,
	// claims paused, before the process stops (exit 3); default 5m.
	Outage Duration `yaml:"outage"`
	// Run-wide limits shared by every process of the run (cluster.go).
	Cluster `yaml:",inline"`
	// Checksums (default true) stores each batch's content checksum in the
	// ledger as it is copied, for verify --checksum.
	Checksums *bool `yaml:"checksums"`
	// DeferIndexes (default true): a target table empty when the run starts
	// is loaded without its non-unique secondary indexes, rebuilt in one ALTER
	// TABLE as soon as its batches are done. DeferUnique defers its unique
	// keys too (a duplicate then fails the rebuild at the end of the table's
	// load, late, instead of the batch that brought it); DeferForeignKeys its
	// foreign keys (checked when they are added back).
	DeferIndexes     *bool `yaml:"defer_indexes"`
	DeferUnique      bool  `yaml:"defer_unique"`
	DeferForeignKeys bool  `yaml:"defer_foreign_keys"`
	// Canary (0: none) copies this many representative tenants first and
	// checks them against the source before the rest of the plan may be
	// claimed (migrate/canary.go). Run-wide: every process must agree.
	Canary int `yaml:"canary"`
}

// DeferIndexesOn reports whether run defers secondary indexes.
func (r Run) DeferIndexesOn() bool { return r.DeferIndexes == nil || *r.DeferIndexes }

// ChecksumsOn reports whether run computes batch checksums.
func (r Run) ChecksumsOn() bool { return r.Checksums == nil || *r.Checksums }

// Duration is a time.Duration written as "30s" or "5m" in YAML. Set tells an
// explicit 0s from an absent key.
type Duration struct {
	time.Duration
	Set bool
}

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration like 30s or 5m", n.Line, n.Value)
	}
	d.Duration, d.Set = v, true
	return nil
}

// MarshalJSON writes the duration as text so fingerprints stay readable.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Options are what the command line adds to the file.
type Options struct {
	// DefaultsFile (--defaults-file) is the MySQL option file read, in place
	// of ~/.my.cnf, for an endpoint given as parts without its own
	// defaults_file.
	DefaultsFile string
}

// LoadWith reads and validates the config file at path, with the command
// line's options.
func LoadWith(path string, o Options) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return ParseWith(raw, os.LookupEnv, o)
}

// Parse parses config text, expanding ${VAR} references in values through lookup.
// References are expanded after YAML parsing, so a secret containing YAML syntax
// cannot change the document's shape.
func Parse(raw []byte, lookup func(string) (string, bool)) (*Config, error) {
	return ParseWith(raw, lookup, Options{})
}

// ParseWith is Parse with command-line options.
func ParseWith(raw []byte, lookup func(string) (string, bool), o Options) (*Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("config: malformed YAML: %s", yamlMessage(err))
	}
	if len(doc.Content) == 0 {
		return nil, errors.New("config: the file is empty")
	}
	fromEnv := map[*yaml.Node]bool{}
	if err := expand(&doc, lookup, "", fromEnv); err != nil {
		return nil, err
	}
	if err := checkShape(&doc, reflect.TypeOf(Config{}), "", fromEnv); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("config: %s", yamlMessage(err))
	}
	c.defaults()
	home, _ := lookup("HOME")
	if err := c.resolveEndpoints(home, o.DefaultsFile); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return &c, nil
}

// yamlMessage is the YAML library's message without its Go side: the
// decoder's "cannot unmarshal !!str `x` into int" names a tag and a Go type
// (checkShape words those cases first; this is the fallback).
func yamlMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
	msg = strings.ReplaceAll(msg, "\n  ", "; ")
	msg = goTypeRef.ReplaceAllString(msg, "")
	return tagRef.ReplaceAllString(msg, "value")
}

// goTypeRef and tagRef find the Go types and YAML tags in a decoder message.
var (
	goTypeRef = regexp.MustCompile(` (in|into) (type )?[\w.*\[\]]+`)
	tagRef    = regexp.MustCompile(`!!\w+`)
)

// expand replaces ${VAR} in every scalar value (never in keys). path names the
// value in errors; the value itself is never shown because it may be a secret.
func expand(n *yaml.Node, lookup func(string) (string, bool), path string, fromEnv map[*yaml.Node]bool) error {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for i, c := range n.Content {
			p := path
			if n.Kind == yaml.SequenceNode {
				p = entry(path, i, c)
			}
			if err := expand(c, lookup, p, fromEnv); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := n.Content[i].Value
			if path != "" {
				p = path + "." + p
			}
			if err := expand(n.Content[i+1], lookup, p, fromEnv); err != nil {
				return err
			}
		}
	case yaml.ScalarNode:
		var missing string
		out := envRef.ReplaceAllStringFunc(n.Value, func(ref string) string {
			name := envRef.FindStringSubmatch(ref)[1]
			v, ok := lookup(name)
			if !ok && missing == "" {
				missing = name
			}
			return v
		})
		if missing != "" {
			return fmt.Errorf("config: environment variable %s is not set (needed by %s)", missing, path)
		}
		if out != n.Value {
			n.Value = out
			fromEnv[n] = true
			// A number stays a plain scalar, so `workers: ${W}` works (a string
			// field still gets the exact text); anything else is pinned as a
			// string, so a secret like `null`, `yes` or `[x]` stays itself.
			if _, err := strconv.ParseFloat(out, 64); err == nil {
				n.Tag, n.Style = "", 0
			} else {
				n.Tag, n.Style = "!!str", yaml.DoubleQuotedStyle
			}
		}
	}
	return nil
}

func (c *Config) defaults() {
	if c.Source.Driver == "" {
		c.Source.Driver = "mysql"
	}
	if c.Target.LedgerSchema == "" {
		c.Target.LedgerSchema = "cutover"
	}
	if c.Run.Workers == 0 {
		c.Run.Workers = 4
	}
	if c.Run.BatchRows == 0 {
		c.Run.BatchRows = 50_000
	}
	c.Run.Retries = 5
	if c.Run.RetriesSet != nil {
		c.Run.Retries = *c.Run.RetriesSet
	}
	if !c.Run.Lease.Set {
		c.Run.Lease.Duration = 60 * time.Second
	}
	if !c.Run.Outage.Set {
		c.Run.Outage.Duration = 5 * time.Minute
	}
	if !c.Run.Grace.Set {
		c.Run.Grace.Duration = 30 * time.Second
	}
	c.clusterDefaults()
	for i := range c.Tables {
		t := &c.Tables[i].Tenant
		if t.Via != "" && t.Parent == "" {
			t.Parent = t.On
		}
	}
}

func (c *Config) validate() error {
	switch c.Source.Driver {
	case "mysql", "oracle":
	default:
		return fmt.Errorf("source.driver %q is not supported (mysql or oracle)", c.Source.Driver)
	}
	switch c.Source.Sizing {
	case "", "exact", "sample":
	default:
		return fmt.Errorf("source.sizing %q is not supported (exact or sample)", c.Source.Sizing)
	}
	if c.Source.LOBMaxBytes < 0 {
		return fmt.Errorf("source.lob_max_bytes must not be negative (0 means the default, 256 MiB), not %d", c.Source.LOBMaxBytes)
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"prefetch_rows", c.Source.PrefetchRows}, {"fetch_array_size", c.Source.FetchArraySize}} {
		if f.v < 0 || f.v > maxFetchRows {
			return fmt.Errorf("source.%s must be between 1 and %d (0 means the default, 4096), not %d", f.name, maxFetchRows, f.v)
		}
	}
	if c.Source.Parallel < 0 || c.Source.Parallel > 256 {
		return fmt.Errorf("source.parallel must be between 0 and 256 (a PARALLEL hint for sizing; 0 or 1: none), not %d", c.Source.Parallel)
	}
	if c.Source.Driver != "oracle" && (c.Source.RawCharset != "" || len(c.Source.RawCharsetColumns) > 0) {
		return fmt.Errorf("source.raw_charset is for an Oracle source; source.driver is %s", c.Source.Driver)
	}
	if c.Source.RawCharset == "" && len(c.Source.RawCharsetColumns) > 0 {
		return fmt.Errorf("source.raw_charset_columns needs source.raw_charset, the character set to decode them with")
	}
	if c.Source.Driver != "oracle" && (c.Source.PrefetchRows != 0 || c.Source.FetchArraySize != 0 || c.Source.Parallel != 0) {
		return fmt.Errorf("source.prefetch_rows, fetch_array_size and parallel are for an Oracle source; source.driver is %s", c.Source.Driver)
	}
	if c.Source.SamplePercent < 0 || c.Source.SamplePercent >= 100 {
		return fmt.Errorf("source.sample_percent must be above 0 and below 100, not %v", c.Source.SamplePercent)
	}
	if strings.TrimSpace(c.Source.DSN) == "" {
		return errors.New("source.dsn is empty")
	}
	if strings.TrimSpace(c.Target.DSN) == "" {
		return errors.New("target.dsn is empty")
	}
	if err := checkIdent("target.ledger_schema", c.Target.LedgerSchema); err != nil {
		return err
	}
	if c.Run.Workers < 1 || c.Run.Workers > MaxWorkers {
		return fmt.Errorf("run.workers must be between 1 and %d, not %d", MaxWorkers, c.Run.Workers)
	}
	if c.Run.Canary < 0 || c.Run.Canary > MaxCanary {
		return fmt.Errorf("run.canary must be between 0 (no canary) and %d tenants, not %d", MaxCanary, c.Run.Canary)
	}
	if c.Run.BatchRows < 1 || c.Run.BatchRows > MaxBatchRows {
		return fmt.Errorf("run.batch_rows must be between 1 and %d, not %d", MaxBatchRows, c.Run.BatchRows)
	}
	if c.Run.Retries < 0 || c.Run.Retries > MaxRetries {
		return fmt.Errorf("run.retries must be between 0 and %d, not %d", MaxRetries, c.Run.Retries)
	}
	if c.Run.Lease.Duration < 5*time.Second || c.Run.Lease.Duration > 24*time.Hour {
		return fmt.Errorf("run.lease must be between 5s and 24h, not %s", c.Run.Lease.Duration)
	}
	if c.Run.Outage.Duration < time.Second || c.Run.Outage.Duration > 24*time.Hour {
		return fmt.Errorf("run.outage must be between 1s and 24h, not %s", c.Run.Outage.Duration)
	}
	if c.Run.Grace.Duration < 0 || c.Run.Grace.Duration > 24*time.Hour {
		return fmt.Errorf("run.grace must be between 0s and 24h, not %s", c.Run.Grace.Duration)
	}
	if err := c.validateCluster(); err != nil {
		return err
	}
	if err := c.Capture.validate(); err != nil {
		return err
	}
	if len(c.Tables) == 0 {
		return errors.New("tables: at least one table is needed")
	}
	needTenant := false
	seen := map[string]int{}
	targets := map[string]string{}
	for i, t := range c.Tables {
		where := fmt.Sprintf("tables[%d]", i+1) // counted from 1, as the operator counts entries
		if t.Name != "" && checkIdent("", t.Name) == nil {
			where += " (" + t.Name + ")"
		}
		if err := checkIdent(where+".name", t.Name); err != nil {
			return err
		}
		if _, dup := seen[t.Name]; dup {
			return fmt.Errorf("%s: table %s is listed twice", where, t.Name)
		}
		seen[t.Name] = i
		if err := checkIdent(where+".target", t.TargetName()); err != nil {
			return err
		}
		if other, dup := targets[t.TargetName()]; dup {
			return fmt.Errorf("%s: tables %s and %s both write to target table %s", where, other, t.Name, t.TargetName())
		}
		targets[t.TargetName()] = t.Name
		for j, k := range t.Key {
			if err := checkIdent(fmt.Sprintf("%s.key[%d]", where, j+1), k); err != nil {
				return err
			}
		}
		if err := checkWhere(where, t.Where); err != nil {
			return err
		}
		if err := checkOverride(where, t.Override); err != nil {
			return err
		}
		switch t.Batching {
		case "", BatchingTenant:
		case BatchingRange:
			if len(c.Tenant.IDs) > 0 {
				return fmt.Errorf("%s: batching: range copies every tenant's rows of %s, so it cannot be used with tenant.ids", where, t.Name)
			}
		default:
			return fmt.Errorf("%s: batching %q is not supported (tenant or range)", where, t.Batching)
		}
		switch {
		case t.Tenant.None:
		case t.Tenant.Via != "":
			needTenant = true
			p, ok := seen[t.Tenant.Via]
			if !ok {
				return fmt.Errorf("%s: tenant.via names %s, which must be a table listed before %s", where, t.Tenant.Via, t.Name)
			}
			if c.Tables[p].Where != "" {
				return fmt.Errorf("%s: tenant.via table %s has a where filter: a table others reach their tenant through cannot be filtered (filter %s itself instead)", where, t.Tenant.Via, t.Name)
			}
			parent := c.Tables[p].Tenant
			if parent.None || parent.Via != "" {
				return fmt.Errorf("%s: tenant.via table %s must carry the tenant column itself", where, t.Tenant.Via)
			}
			if err := checkIdent(where+".tenant.on", t.Tenant.On); err != nil {
				return err
			}
			if err := checkIdent(where+".tenant.parent_on", t.Tenant.Parent); err != nil {
				return err
			}
		default:
			needTenant = true
			if t.Tenant.On != "" || t.Tenant.Parent != "" {
				return fmt.Errorf("%s: tenant.on needs tenant.via", where)
			}
		}
	}
	if needTenant {
		if err := checkIdent("tenant.column", c.Tenant.Column); err != nil {
			return err
		}
	}
	ids := map[string]bool{}
	for _, id := range c.Tenant.IDs {
		if id == "" {
			return errors.New("tenant.ids: an id is empty")
		}
		if ids[id] {
			return fmt.Errorf("tenant.ids: %s is listed twice", id)
		}
		ids[id] = true
	}
	return nil
}

// checkWhere rejects a where filter that could reach past its parentheses:
// it is pasted into every source read as `WHERE (filter) AND ...`.
func checkWhere(where, filter string) error {
	if filter == "" {
		return nil
	}
	switch {
	case strings.TrimSpace(filter) == "":
		return fmt.Errorf("%s.where is blank: give a condition such as `status <> 'deleted'`, or remove where", where)
	case strings.Contains(filter, ";"):
		return fmt.Errorf("%s.where %q has a `;`: give one condition, without `;`", where, filter)
	case strings.Contains(filter, "--") || strings.Contains(filter, "/*") || strings.Contains(filter, "*/") || strings.ContainsRune(filter, 0):
		return fmt.Errorf("%s.where %q has a comment: give the condition without comments", where, filter)
	}
	return nil
}

// checkOverride rejects an override that is not a column name and one
// MySQL column type: it is pasted into the CREATE TABLE in place of the
// converted type.
func checkOverride(where string, o map[string]string) error {
	for _, col := range slices.Sorted(maps.Keys(o)) {
		if err := checkIdent(where+".override column", col); err != nil {
			return err
		}
		typ := o[col]
		switch {
		case strings.TrimSpace(typ) == "":
			return fmt.Errorf("%s.override: column %s has no type: give a MySQL type such as VARCHAR(200)", where, col)
		case strings.ContainsAny(typ, ";`\n\r\x00") || strings.Contains(typ, "--") || strings.Contains(typ, "/*"):
			return fmt.Errorf("%s.override: type %q of column %s is not one MySQL column type: give a type such as DECIMAL(18,4), without ; ` or comments", where, typ, col)
		}
	}
	return nil
}

// checkIdent rejects names that no database would accept, so that quoting is
// the only defence identifiers need.
func checkIdent(where, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%s is empty", where)
	case len(name) > 64:
		return fmt.Errorf("%s %q is longer than 64 characters", where, name)
	case strings.ContainsAny(name, "\x00`\"") || strings.TrimSpace(name) != name:
		return fmt.Errorf("%s %q has a character no table or column name may have", where, name)
	}
	return nil
}

// PlanFingerprint hashes everything that shapes the plan, and nothing secret:
// a resumed run refuses to continue when it changes.
func (c *Config) PlanFingerprint() string {
	shape := struct {
		Driver    string
		Schema    string
		Tenant    Tenant
		Tables    []Table
		BatchRows int64
	}{c.Source.Driver, c.Source.Schema, c.Tenant, c.Tables, c.Run.BatchRows}
	b, _ := json.Marshal(shape)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Table returns the configured table named name.
func (c *Config) Table(name string) (Table, bool) {
	for _, t := range c.Tables {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}
