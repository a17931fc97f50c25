package gen

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// The source schema. transactions has no agent_id: it reaches its tenant through
// merchants, which is what makes tenant scoping by join necessary. currencies is
// shared reference data that belongs to no tenant.
const (
	agentsDDL = "CREATE TABLE agents (\n" +
		"  agent_id BIGINT NOT NULL PRIMARY KEY,\n" +
		"  name VARCHAR(100) NOT NULL,\n" +
		"  region CHAR(2) NULL,\n" +
		"  created_at DATETIME(6) NOT NULL\n" +
		") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"

	merchantsDDL = "CREATE TABLE merchants (\n" +
		"  merchant_id BIGINT NOT NULL PRIMARY KEY,\n" +
		"  agent_id BIGINT NOT NULL,\n" +
		"  name VARCHAR(255) NULL,\n" +
		"  mcc SMALLINT UNSIGNED NOT NULL,\n" +
		"  balance DECIMAL(20,4) NOT NULL,\n" +
		"  created_at DATETIME(6) NOT NULL,\n" +
		"  logo BLOB NULL,\n" +
		"  KEY idx_agent (agent_id)\n" +
		") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"

	transactionsDDL = "CREATE TABLE transactions (\n" +
		"  txn_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,\n" +
		"  merchant_id BIGINT NOT NULL,\n" +
		"  amount DECIMAL(18,2) NOT NULL,\n" +
		"  currency CHAR(3) NOT NULL,\n" +
		"  status VARCHAR(16) NOT NULL,\n" +
		"  note VARCHAR(255) NULL,\n" +
		"  created_at DATETIME(6) NOT NULL,\n" +
		"  payload VARBINARY(512) NULL,\n" +
		"  KEY idx_merchant (merchant_id)\n" +
		") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"

	currenciesDDL = "CREATE TABLE currencies (\n" +
		"  code CHAR(3) NOT NULL PRIMARY KEY,\n" +
		"  name VARCHAR(64) NOT NULL,\n" +
		"  minor_units TINYINT NOT NULL\n" +
		") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
)

// SchemaSQL is the whole source schema as one script, for demos and documentation.
const SchemaSQL = agentsDDL + ";\n\n" + merchantsDDL + ";\n\n" + transactionsDDL + ";\n\n" + currenciesDDL + ";\n"

// Schema returns the CREATE TABLE statements of SchemaSQL one by one, in the order
// CreateSchema runs them.
func Schema() []string {
	return []string{agentsDDL, merchantsDDL, transactionsDDL, currenciesDDL}
}

// CreateSchema creates the source tables in db's current database. It fails if
// any of them already exists, so a generator run never mixes with older data.
func CreateSchema(ctx context.Context, db *sql.DB) error {
	for _, stmt := range Schema() {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("create schema: %s: %w", firstLine(stmt), err)
		}
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSuffix(strings.TrimSpace(s[:i]), " (")
	}
	return s
}

// tableID names one generated table; its insert statement is built from it.
type tableID int

const (
	tblCurrencies tableID = iota
	tblAgents
	tblMerchants
	tblTransactions
)

// columns returns the insert column list of t and how many columns it has.
func (t tableID) columns() (name, cols string, n int) {
	switch t {
	case tblCurrencies:
		return "currencies", "code, name, minor_units", 3
	case tblAgents:
		return "agents", "agent_id, name, region, created_at", 4
	case tblMerchants:
		return "merchants", "merchant_id, agent_id, name, mcc, balance, created_at, logo", 7
	default:
		return "transactions", "txn_id, merchant_id, amount, currency, status, note, created_at, payload", 8
	}
}

// insertSQL is a multi-row INSERT for rows rows of t.
func insertSQL(t tableID, rows int) string {
	name, cols, n := t.columns()
	group := "(" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")"
	var b strings.Builder
	b.Grow(len(name) + len(cols) + 32 + rows*(len(group)+1))
	b.WriteString("INSERT INTO ")
	b.WriteString(name)
	b.WriteString(" (")
	b.WriteString(cols)
	b.WriteString(") VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(group)
	}
	return b.String()
}

// TablesYAML is the `tables:` section of a cutover config for the generated
// schema, so that tests, the demo and the benchmark describe it once.
// txnTarget names the target table of transactions ("" keeps the name).
func TablesYAML(txnTarget string) string {
	target := ""
	if txnTarget != "" {
		target = "    target: " + txnTarget + "\n"
	}
	return `tables:
  - name: currencies      # shared reference data: belongs to no tenant
    key: [code]
    tenant: none
  - name: agents
    key: [agent_id]
  - name: merchants
    key: [merchant_id]
  - name: transactions
    key: [txn_id]
` + target + `    tenant: {via: merchants, on: merchant_id}
`
}

// WithBatching returns tables (TablesYAML's output, or a config holding it)
// with `batching: b` set on each named table of the generated schema.
func WithBatching(tables, b string, names ...string) string {
	keys := map[string]string{"currencies": "code", "agents": "agent_id", "merchants": "merchant_id", "transactions": "txn_id"}
	for _, n := range names {
		line := "key: [" + keys[n] + "]\n"
		tables = strings.Replace(tables, line, line+"    batching: "+b+"\n", 1)
	}
	return tables
}
