-- The ledger as checkpoint.Open at commit cc48d52 created it: core: config, throwaway MariaDB harness, MySQL adapter, ledger, engine, CLI skel
-- `ledger` stands for the ledger schema. Never edit: a ledger created by that build is upgraded from this shape.
CREATE DATABASE IF NOT EXISTS `ledger` CHARACTER SET utf8mb4;

CREATE TABLE IF NOT EXISTS `ledger`.`runs_v1` (
			id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
			active TINYINT NOT NULL DEFAULT 1,
			config_fp VARCHAR(64) NOT NULL,
			plan_fp VARCHAR(64) NOT NULL,
			plan LONGTEXT NOT NULL,
			total_rows BIGINT NOT NULL,
			total_batches INT NOT NULL,
			created_at DATETIME(6) NOT NULL,
			finished_at DATETIME(6) NULL
		) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `ledger`.`batches_v1` (
			run_id BIGINT NOT NULL,
			id INT NOT NULL,
			tbl VARCHAR(64) NOT NULL,
			tenants MEDIUMTEXT NOT NULL,
			lo TEXT NULL,
			hi TEXT NULL,
			est_rows BIGINT NOT NULL,
			est_bytes BIGINT NOT NULL,
			state TINYINT NOT NULL DEFAULT 0,
			attempts INT NOT NULL DEFAULT 0,
			rows_copied BIGINT NULL,
			owner VARCHAR(64) NULL,
			worker INT NULL,
			lease_until DATETIME(6) NULL,
			claimed_at DATETIME(6) NULL,
			finished_at DATETIME(6) NULL,
			error TEXT NULL,
			PRIMARY KEY (run_id, id),
			KEY state_order (run_id, state, id)
		) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `ledger`.`processes_v1` (
			owner VARCHAR(64) NOT NULL PRIMARY KEY,
			run_id BIGINT NOT NULL,
			host VARCHAR(255) NOT NULL,
			pid INT NOT NULL,
			version VARCHAR(128) NOT NULL,
			workers INT NOT NULL,
			started_at DATETIME(6) NOT NULL,
			heartbeat_at DATETIME(6) NOT NULL,
			stopped_at DATETIME(6) NULL,
			KEY run (run_id)
		) ENGINE=InnoDB;
