-- blocking MERCHANTS: GRANT SELECT ON "PAY"."MERCHANTS" TO "CUTOVER"
SELECT COUNT(*) FROM "PAY"."MERCHANTS" WHERE ROWNUM < 1
-- binds:

-- blocking MERCHANTS: GRANT FLASHBACK ON "PAY"."MERCHANTS" TO "CUTOVER" (or GRANT FLASHBACK ANY TABLE TO "CUTOVER")
SELECT COUNT(*) FROM "PAY"."MERCHANTS" AS OF SCN :b1 WHERE ROWNUM < 1
-- binds: b1="123456789"

-- blocking TRANSACTIONS: GRANT SELECT ON "PAY"."TRANSACTIONS" TO "CUTOVER"
SELECT COUNT(*) FROM "PAY"."TRANSACTIONS" WHERE ROWNUM < 1
-- binds:

-- blocking TRANSACTIONS: GRANT FLASHBACK ON "PAY"."TRANSACTIONS" TO "CUTOVER" (or GRANT FLASHBACK ANY TABLE TO "CUTOVER")
SELECT COUNT(*) FROM "PAY"."TRANSACTIONS" AS OF SCN :b1 WHERE ROWNUM < 1
-- binds: b1="123456789"

-- warning : GRANT SELECT_CATALOG_ROLE TO "CUTOVER"
SELECT COUNT(*) FROM dba_extents e JOIN dba_tablespaces ts ON ts.tablespace_name = e.tablespace_name WHERE ROWNUM < 1
-- binds:

-- info : GRANT SELECT ON V_$DATABASE TO "CUTOVER"
SELECT current_scn FROM v$database
-- binds:

-- info : GRANT EXECUTE ON DBMS_FLASHBACK TO "CUTOVER"
SELECT DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER FROM DUAL
-- binds:

-- undo retention
SELECT (SELECT value FROM v$parameter WHERE name = 'undo_retention') AS undo_retention,
       (SELECT MIN(tuned_undoretention) FROM v$undostat WHERE begin_time > SYSDATE - 1) AS tuned_retention,
       (SELECT MAX(ts.retention) FROM dba_tablespaces ts
         WHERE ts.contents = 'UNDO' AND ts.tablespace_name = (SELECT UPPER(value) FROM v$parameter WHERE name = 'undo_tablespace')) AS guarantee,
       (SELECT UPPER(value) FROM v$parameter WHERE name = 'undo_tablespace') AS undo_tablespace
FROM dual
-- binds:

-- character sets
SELECT parameter, value FROM nls_database_parameters WHERE parameter IN ('NLS_CHARACTERSET', 'NLS_NCHAR_CHARACTERSET') ORDER BY parameter
-- binds:
