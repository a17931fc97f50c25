package main

import (
	"context"
	"errors"

	"github.com/cutover/cutover/internal/config"
	"github.com/cutover/cutover/migrate"
)

// Oracle wiring: filled in when the Oracle adapter lands.

func openOracle(ctx context.Context, cfg *config.Config, conns int) (migrate.Source, error) {
	return nil, usagef("source.driver oracle: the Oracle adapter is not wired into this build yet")
}

func oracleTransient(err error) bool { return false }

func oracleDDL(ctx context.Context, s *session, name, target string) (string, error) {
	return "", errors.New("create tables from an Oracle source: not wired yet")
}

func (a *app) cmdSchema(ctx context.Context, args []string) error {
	return usagef("schema: not wired yet")
}
