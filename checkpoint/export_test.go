package checkpoint

// V1Statements exposes the v1 DDL to the golden-file test.
func V1Statements(schema string) []string { return v1Statements(&Ledger{schema: schema}) }
