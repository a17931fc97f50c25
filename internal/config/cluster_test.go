package config

import (
	"strings"
	"testing"
	"time"
)

func TestClusterSettings(t *testing.T) {
	c, err := Parse([]byte(base), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Run.MaxWorkers != 0 || c.Run.MaxFailed != -1 || c.Run.StopFile != "" || c.Run.Throttle.Every.Duration != 5*time.Second ||
		c.OnEvent.Timeout.Duration != 10*time.Second {
		t.Errorf("defaults = %+v %+v", c.Run.Cluster, c.OnEvent)
	}
	full := base + `run:
  max_workers: 12
  max_failed_batches: 0
  stop_file: /run/cutover.stop
  throttle:
    rows_per_second: 50000
    mb_per_second: 20
    every: 2s
    probes:
      - {on: target, metric: threads_running, max: 30}
      - {name: lag, on: source, metric: replica_lag, max: 10}
      - {on: target, metric: sql, sql: "SELECT 1", max: 5}
on_event:
  command: [/usr/local/bin/page, dba]
  webhook: ${HOOK}
  timeout: 3s
`
	c, err = Parse([]byte(full), env(map[string]string{"HOOK": "https://hooks.example/T0/secret-token"}))
	if err != nil {
		t.Fatal(err)
	}
	th := c.Run.Throttle
	if c.Run.MaxWorkers != 12 || c.Run.MaxFailed != 0 || c.Run.StopFile != "/run/cutover.stop" || th.RowsPerSecond != 50000 || th.MBPerSecond != 20 ||
		th.Every.Duration != 2*time.Second || len(th.Probes) != 3 || th.Probes[0].Name != "target threads_running" || th.Probes[1].Name != "lag" {
		t.Errorf("parsed = %+v", c.Run.Cluster)
	}
	if c.OnEvent.Webhook != "https://hooks.example/T0/secret-token" || len(c.OnEvent.Command) != 2 || c.OnEvent.Timeout.Duration != 3*time.Second {
		t.Errorf("on_event = %+v", c.OnEvent)
	}

	// The run fingerprint follows run-wide settings, not per-host ones.
	fp := c.RunFingerprint()
	perHost := *c
	perHost.Run.Workers, perHost.Run.StopFile, perHost.OnEvent.Webhook = 99, "/elsewhere", ""
	if perHost.RunFingerprint() != fp {
		t.Error("per-host settings changed the run fingerprint")
	}
	for name, change := range map[string]func(*Config){
		"max_workers": func(c *Config) { c.Run.MaxWorkers++ },
		"budget":      func(c *Config) { c.Run.MaxFailed++ },
		"rate":        func(c *Config) { c.Run.Throttle.RowsPerSecond++ },
		"lease":       func(c *Config) { c.Run.Lease.Duration++ },
		"retries":     func(c *Config) { c.Run.Retries++ },
		"batch_rows":  func(c *Config) { c.Run.BatchRows++ },
	} {
		other := *c
		other.Run.Throttle.Probes = append([]Probe(nil), c.Run.Throttle.Probes...)
		change(&other)
		if other.RunFingerprint() == fp {
			t.Errorf("%s did not change the run fingerprint", name)
		}
	}
}

func TestClusterInvalid(t *testing.T) {
	cases := []struct{ name, run, want string }{
		{"negative max_workers", "run:\n  max_workers: -1\n", "run.max_workers"},
		{"negative budget", "run:\n  max_failed_batches: -2\n", "run.max_failed_batches"},
		{"negative rate", "run:\n  throttle:\n    rows_per_second: -5\n", "rows_per_second"},
		{"tiny probe interval", "run:\n  throttle:\n    every: 1ms\n", "run.throttle.every"},
		{"probe side", "run:\n  throttle:\n    probes:\n      - {on: middle, metric: sql, sql: 'SELECT 1', max: 1}\n", "probes[1].on"},
		{"probe metric", "run:\n  throttle:\n    probes:\n      - {on: target, metric: cpu, max: 1}\n", "probes[1].metric"},
		{"sql probe without sql", "run:\n  throttle:\n    probes:\n      - {on: target, metric: sql, max: 1}\n", "probes[1].sql"},
		{"probe without max", "run:\n  throttle:\n    probes:\n      - {on: target, metric: threads_running}\n", "probes[1].max"},
		{"unknown probe key", "run:\n  throttle:\n    probes:\n      - {on: target, metric: threads_running, max: 3, limit: 4}\n", "limit"},
		{"webhook not http", "on_event:\n  webhook: ftp://user:hunter2@x/\n", "on_event.webhook"},
		{"alert timeout", "on_event:\n  timeout: 1h\n", "on_event.timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(base+tc.run), env(nil))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to name %s", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error shows the webhook's secret: %v", err)
			}
		})
	}
}
