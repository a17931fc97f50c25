package migrate_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/cutover/cutover/internal/catalog"
	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/migrate"
)

// dictionary is schema metadata as an adapter's Describe reports it: the
// input of Resolve, which is pure over it. (The adapters' own Describe is
// tested against real servers.)
type dictionary map[string]*catalog.Info

func (d dictionary) Describe(_ context.Context, table string) (*catalog.Info, error) {
	if info, ok := d[table]; ok {
		return info, nil
	}
	return nil, fmt.Errorf("table %s: %w", table, catalog.ErrNotFound)
}

// oracleDictionary describes tables as the Oracle adapter does: exact name,
// else the one name equal ignoring case (catalog.MatchName).
type oracleDictionary struct{ dictionary }

func (d oracleDictionary) Describe(ctx context.Context, table string) (*catalog.Info, error) {
	names, _ := d.TableNames(ctx)
	n, err := catalog.MatchName(table, names)
	if err != nil {
		return nil, err
	}
	return d.dictionary[n], nil
}

func (d dictionary) TableNames(context.Context) ([]string, error) {
	var out []string
	for n := range d {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

func table(name string, pk []string, indexed []string, cols ...string) *catalog.Info {
	info := &catalog.Info{Name: name, PrimaryKey: pk, Indexed: map[string]bool{}, Engine: "InnoDB"}
	for _, c := range cols {
		info.Columns = append(info.Columns, catalog.Column{Name: c, Type: "NUMBER(10)", Kind: catalog.KindInt})
	}
	for _, c := range indexed {
		info.Indexed[c] = true
	}
	return info
}

// oracleSource is upper case, as Oracle's dictionary stores unquoted names.
func oracleSource() oracleDictionary {
	return oracleDictionary{dictionary{
		"MERCHANTS":    table("MERCHANTS", []string{"MERCHANT_ID"}, []string{"MERCHANT_ID", "AGENT_ID"}, "MERCHANT_ID", "AGENT_ID", "NAME"),
		"TRANSACTIONS": table("TRANSACTIONS", []string{"TXN_ID"}, []string{"TXN_ID", "MERCHANT_ID"}, "TXN_ID", "MERCHANT_ID", "AMOUNT"),
	}}
}

// mysqlTarget is lower case, as MySQL schemas usually are.
func mysqlTarget() dictionary {
	return dictionary{
		"merchants":    table("merchants", []string{"merchant_id"}, []string{"merchant_id", "agent_id"}, "merchant_id", "agent_id", "name"),
		"transactions": table("transactions", []string{"txn_id"}, []string{"txn_id", "merchant_id"}, "txn_id", "merchant_id", "amount"),
	}
}

// parseConfig reads the tables of a config file into what Resolve takes, as
// the command line does.
func parseConfig(t *testing.T, tables string) migrate.Spec {
	t.Helper()
	cfg, err := config.Parse([]byte("source:\n  driver: oracle\n  dsn: u/p@h/s\ntarget:\n  dsn: root@tcp(127.0.0.1:3306)/t\ntenant:\n  column: agent_id\ntables:\n"+tables), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	return cfg.ResolveSpec()
}

func TestResolveIgnoresCaseWhenUnambiguous(t *testing.T) {
	for _, tables := range []string{
		// lower-case config against the upper-case source
		"  - name: merchants\n    key: [merchant_id]\n  - name: transactions\n    tenant: {via: merchants, on: merchant_id}\n",
		// upper-case config against the lower-case target
		"  - name: MERCHANTS\n  - name: TRANSACTIONS\n    tenant: {via: MERCHANTS, on: MERCHANT_ID}\n",
	} {
		res, err := migrate.Resolve(context.Background(), parseConfig(t, tables), oracleSource(), mysqlTarget(), false)
		if err != nil {
			t.Fatalf("%q: %v", tables, err)
		}
		m, tx := res.Tables[0], res.Tables[1]
		if m.Target != "merchants" || tx.Target != "transactions" {
			t.Fatalf("targets %s, %s: want the target's own spelling", m.Target, tx.Target)
		}
		if m.TenantColumn != "AGENT_ID" || m.Key[0].Name != "MERCHANT_ID" {
			t.Fatalf("source names not resolved: tenant %s, key %s", m.TenantColumn, m.Key[0].Name)
		}
		if tx.Via == nil || tx.Via.Target != "merchants" || tx.Via.On != "MERCHANT_ID" || tx.Via.ParentOn != "MERCHANT_ID" {
			t.Fatalf("via %+v", tx.Via)
		}
		if len(res.Warnings) != 0 {
			t.Fatalf("indexes exist on both sides, yet: %v", res.Warnings)
		}
	}
}

func TestResolveAmbiguousNames(t *testing.T) {
	cases := []struct {
		name   string
		src    migrate.Describer
		tgt    dictionary
		tables string
		want   string
	}{
		{
			name: "two target tables differ only in case",
			src:  oracleSource(),
			tgt: func() dictionary {
				d := mysqlTarget()
				d["Merchants"] = table("Merchants", []string{"merchant_id"}, nil, "merchant_id", "agent_id", "name")
				return d
			}(),
			tables: "  - name: MERCHANTS\n",
			want:   "MERCHANTS is ambiguous: it matches Merchants, merchants",
		},
		{
			name: "two source tables differ only in case",
			src: func() oracleDictionary {
				d := oracleSource()
				d.dictionary["Merchants"] = table("Merchants", []string{"MERCHANT_ID"}, nil, "MERCHANT_ID", "AGENT_ID")
				return d
			}(),
			tgt:    mysqlTarget(),
			tables: "  - name: merchants\n",
			want:   "is ambiguous",
		},
		{
			name:   "key column matches two source columns",
			src:    oracleDictionary{dictionary{"MERCHANTS": table("MERCHANTS", []string{"MERCHANT_ID"}, nil, "MERCHANT_ID", "merchant_id", "AGENT_ID")}},
			tgt:    mysqlTarget(),
			tables: "  - name: MERCHANTS\n    key: [Merchant_Id]\n",
			want:   "key column Merchant_Id in source table MERCHANTS: Merchant_Id is ambiguous",
		},
		{
			name:   "two source columns land in one target column",
			src:    oracleDictionary{dictionary{"MERCHANTS": table("MERCHANTS", []string{"MERCHANT_ID"}, nil, "MERCHANT_ID", "AGENT_ID", "NAME", "name")}},
			tgt:    mysqlTarget(),
			tables: "  - name: MERCHANTS\n",
			want:   "columns NAME and name of source table MERCHANTS both map to column name of target table merchants",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := migrate.Resolve(context.Background(), parseConfig(t, c.tables), c.src, c.tgt, false)
			var ce *migrate.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a ConfigError", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %q, want it to contain %q", err, c.want)
			}
		})
	}
}
