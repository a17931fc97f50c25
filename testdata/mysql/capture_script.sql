-- cutover capture start: run as a user with these privileges, then run `cutover capture start` to record it.
-- The trigger's definer (that user) must keep INSERT on the capture schema: without it, writes to the tables fail.
-- With binary logging on and log_bin_trust_function_creators=0, CREATE TRIGGER also needs SUPER (error 1419).
--   GRANT TRIGGER, SELECT ON `legacy`.`merchants` TO 'USER'@'HOST';
--   GRANT CREATE, DROP, SELECT, INSERT, DELETE ON `cutover_capture`.* TO 'USER'@'HOST';
CREATE DATABASE IF NOT EXISTS `cutover_capture` CHARACTER SET utf8mb4;
CREATE TABLE IF NOT EXISTS `cutover_capture`.`capture_tables` (
  source_table VARCHAR(64) NOT NULL PRIMARY KEY,
  change_table VARCHAR(64) NOT NULL,
  trg_insert VARCHAR(64) NOT NULL,
  trg_update VARCHAR(64) NOT NULL,
  trg_delete VARCHAR(64) NOT NULL,
  key_columns TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE IF NOT EXISTS `cutover_capture`.`capture_info` (
  capture_id VARCHAR(32) NOT NULL PRIMARY KEY,
  source_schema VARCHAR(64) NOT NULL,
  started_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE `cutover_capture`.`chg_merchants` (
  seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  op CHAR(1) NOT NULL,
  at DATETIME(6) NOT NULL,
  k1 bigint(20) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO `cutover_capture`.`capture_tables` VALUES ('merchants', 'chg_merchants', 'cutover_ins_merchants', 'cutover_upd_merchants', 'cutover_del_merchants', 'merchant_id');
CREATE TRIGGER `legacy`.`cutover_ins_merchants` AFTER INSERT ON `legacy`.`merchants` FOR EACH ROW
  INSERT INTO `cutover_capture`.`chg_merchants` (op, at, k1) VALUES ('I', UTC_TIMESTAMP(6), NEW.`merchant_id`);
DELIMITER //
CREATE TRIGGER `legacy`.`cutover_upd_merchants` AFTER UPDATE ON `legacy`.`merchants` FOR EACH ROW
BEGIN
  IF NOT (OLD.`merchant_id` <=> NEW.`merchant_id`) THEN
    INSERT INTO `cutover_capture`.`chg_merchants` (op, at, k1) VALUES ('D', UTC_TIMESTAMP(6), OLD.`merchant_id`);
  END IF;
  INSERT INTO `cutover_capture`.`chg_merchants` (op, at, k1) VALUES ('U', UTC_TIMESTAMP(6), NEW.`merchant_id`);
END //
DELIMITER ;
CREATE TRIGGER `legacy`.`cutover_del_merchants` AFTER DELETE ON `legacy`.`merchants` FOR EACH ROW
  INSERT INTO `cutover_capture`.`chg_merchants` (op, at, k1) VALUES ('D', UTC_TIMESTAMP(6), OLD.`merchant_id`);
INSERT INTO `cutover_capture`.`capture_info` (capture_id, source_schema, started_at) VALUES ('0123456789abcdef', 'legacy', UTC_TIMESTAMP(6));
-- cutover capture stop: the triggers first, then the change tables; drop the capture schema if it is empty.
DROP TRIGGER IF EXISTS `legacy`.`cutover_ins_merchants`;
DROP TRIGGER IF EXISTS `legacy`.`cutover_upd_merchants`;
DROP TRIGGER IF EXISTS `legacy`.`cutover_del_merchants`;
DROP TABLE IF EXISTS `cutover_capture`.`chg_merchants`;
DROP TABLE IF EXISTS `cutover_capture`.`capture_info`;
DROP TABLE IF EXISTS `cutover_capture`.`capture_tables`;
