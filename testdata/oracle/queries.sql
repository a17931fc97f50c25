-- size: exact, all tenants
SELECT t."AGENT_ID", COUNT(*)
FROM "PAY"."MERCHANTS" t
WHERE t."AGENT_ID" IS NOT NULL
GROUP BY t."AGENT_ID"
-- binds:

-- size: exact, PARALLEL hint, two tenants
SELECT /*+ PARALLEL(t 4) */ t."AGENT_ID", COUNT(*)
FROM "PAY"."MERCHANTS" t
WHERE t."AGENT_ID" IN (TO_NUMBER(:b1), TO_NUMBER(:b2))
GROUP BY t."AGENT_ID"
-- binds: b1="7" b2="42"

-- size: SAMPLE(0.5), scaled by 200 in Go
SELECT t."AGENT_ID", COUNT(*)
FROM "PAY"."MERCHANTS" SAMPLE (0.5) t
WHERE t."AGENT_ID" IS NOT NULL
GROUP BY t."AGENT_ID"
-- binds:

-- tenants: exact list beside a sample
SELECT DISTINCT t."AGENT_ID"
FROM "PAY"."MERCHANTS" t
WHERE t."AGENT_ID" IS NOT NULL
-- binds:

-- size: via table through its parent
SELECT p."AGENT_ID", COUNT(*)
FROM "PAY"."TRANSACTIONS" t
  JOIN "PAY"."MERCHANTS" p ON p."MERCHANT_ID" = t."MERCHANT_ID"
WHERE p."AGENT_ID" IN (TO_NUMBER(:b1))
GROUP BY p."AGENT_ID"
-- binds: b1="42"

-- size: shared table
SELECT COUNT(*)
FROM "PAY"."FX_RATES" t
-- binds:

-- boundaries: one tenant, step 100000, AS OF SCN
SELECT k1 FROM (
  SELECT t."MERCHANT_ID" AS k1, ROW_NUMBER() OVER (ORDER BY t."MERCHANT_ID") AS rn
  FROM "PAY"."MERCHANTS" AS OF SCN :b1 t
  WHERE t."AGENT_ID" IN (TO_NUMBER(:b2))
)
WHERE rn > 1 AND MOD(rn - 1, :b3) = 0
ORDER BY rn
-- binds: b1="123456789" b2="42" b3="100000"

-- boundaries: via table, three-column key
SELECT k1, k2, k3 FROM (
  SELECT t."MERCHANT_ID" AS k1, t."AUTHORIZED_AT" AS k2, t."TXN_ID" AS k3, ROW_NUMBER() OVER (ORDER BY t."MERCHANT_ID", t."AUTHORIZED_AT", t."TXN_ID") AS rn
  FROM "PAY"."TRANSACTIONS" AS OF SCN :b1 t
    JOIN "PAY"."MERCHANTS" AS OF SCN :b2 p ON p."MERCHANT_ID" = t."MERCHANT_ID"
  WHERE p."AGENT_ID" IN (TO_NUMBER(:b3))
)
WHERE rn > 1 AND MOD(rn - 1, :b4) = 0
ORDER BY rn
-- binds: b1="123456789" b2="123456789" b3="42" b4="50000"

-- boundaries: table without a key, by ROWID
SELECT k1 FROM (
  SELECT ROWIDTOCHAR(t.ROWID) AS k1, ROW_NUMBER() OVER (ORDER BY t.ROWID) AS rn
  FROM "PAY"."AUDIT_LOG" t
)
WHERE rn > 1 AND MOD(rn - 1, :b1) = 0
ORDER BY rn
-- binds: b1="250000"

-- extract: one tenant, key range, AS OF SCN
SELECT t."MERCHANT_ID", t."AGENT_ID", t."LEGAL_NAME", XMLSERIALIZE(CONTENT t."PROFILE" AS CLOB), DBMS_LOB.GETLENGTH(XMLSERIALIZE(CONTENT t."PROFILE" AS CLOB))
FROM "PAY"."MERCHANTS" AS OF SCN :b1 t
WHERE t."AGENT_ID" IN (TO_NUMBER(:b2))
  AND t."MERCHANT_ID" >= TO_NUMBER(:b3)
  AND t."MERCHANT_ID" < TO_NUMBER(:b4)
ORDER BY t."MERCHANT_ID"
-- binds: b1="123456789" b2="42" b3="1000" b4="2000"

-- extract: snapshot off, packed tenants
SELECT t."MERCHANT_ID", t."AGENT_ID", t."LEGAL_NAME", XMLSERIALIZE(CONTENT t."PROFILE" AS CLOB), DBMS_LOB.GETLENGTH(XMLSERIALIZE(CONTENT t."PROFILE" AS CLOB))
FROM "PAY"."MERCHANTS" t
WHERE t."AGENT_ID" IN (TO_NUMBER(:b1), TO_NUMBER(:b2), TO_NUMBER(:b3))
ORDER BY t."MERCHANT_ID"
-- binds: b1="1" b2="2" b3="3"

-- extract: via table, composite key range, text forms
SELECT t."TXN_ID", t."AUTHORIZED_AT", TO_CHAR(t."HOLD_PERIOD"), TO_CHAR(t."TERM"), JSON_SERIALIZE(t."PAYLOAD" RETURNING CLOB), ROWIDTOCHAR(t."SOURCE_ROWID"), CAST(t."IOT_ROWID" AS VARCHAR2(4000)), DBMS_LOB.GETLENGTH(JSON_SERIALIZE(t."PAYLOAD" RETURNING CLOB))
FROM "PAY"."TRANSACTIONS" AS OF SCN :b1 t
  JOIN "PAY"."MERCHANTS" AS OF SCN :b2 p ON p."MERCHANT_ID" = t."MERCHANT_ID"
WHERE p."AGENT_ID" IN (TO_NUMBER(:b3))
  AND (t."MERCHANT_ID" > TO_NUMBER(:b4)
    OR t."MERCHANT_ID" = TO_NUMBER(:b5) AND t."AUTHORIZED_AT" > TO_TIMESTAMP(:b6, 'YYYY-MM-DD HH24:MI:SS.FF9')
    OR t."MERCHANT_ID" = TO_NUMBER(:b7) AND t."AUTHORIZED_AT" = TO_TIMESTAMP(:b8, 'YYYY-MM-DD HH24:MI:SS.FF9') AND t."TXN_ID" >= HEXTORAW(:b9))
  AND (t."MERCHANT_ID" < TO_NUMBER(:b10)
    OR t."MERCHANT_ID" = TO_NUMBER(:b11) AND t."AUTHORIZED_AT" < TO_TIMESTAMP(:b12, 'YYYY-MM-DD HH24:MI:SS.FF9')
    OR t."MERCHANT_ID" = TO_NUMBER(:b13) AND t."AUTHORIZED_AT" = TO_TIMESTAMP(:b14, 'YYYY-MM-DD HH24:MI:SS.FF9') AND t."TXN_ID" < HEXTORAW(:b15))
ORDER BY t."MERCHANT_ID", t."AUTHORIZED_AT", t."TXN_ID"
-- binds: b1="123456789" b2="123456789" b3="42" b4="10" b5="10" b6="2024-01-01 00:00:00.000000000" b7="10" b8="2024-01-01 00:00:00.000000000" b9="00FF" b10="10" b11="10" b12="2024-02-01 00:00:00.000000000" b13="10" b14="2024-02-01 00:00:00.000000000" b15="0A0B"

-- extract: ROWID range of a keyless table
SELECT t."CURRENCY"
FROM "PAY"."AUDIT_LOG" t
WHERE t.ROWID >= CHARTOROWID(:b1)
ORDER BY t.ROWID
-- binds: b1="AAAR3sAAEAAAACXAAA"

-- rowid chunks: extents of a keyless table
SELECT ROWIDTOCHAR(DBMS_ROWID.ROWID_CREATE(1, o.data_object_id, e.relative_fno, e.block_id, 0)) AS lo_rid,
       ROWIDTOCHAR(DBMS_ROWID.ROWID_CREATE(1, o.data_object_id, e.relative_fno, e.block_id + e.blocks - 1, 32767)) AS hi_rid,
       e.blocks, ts.bigfile
FROM dba_extents e
  JOIN dba_objects o ON o.owner = e.owner AND o.object_name = e.segment_name
    AND NVL(o.subobject_name, ' ') = NVL(e.partition_name, ' ') AND o.object_type LIKE 'TABLE%'
  JOIN dba_tablespaces ts ON ts.tablespace_name = e.tablespace_name
WHERE e.owner = :b1 AND e.segment_name = :b2 AND e.segment_type LIKE 'TABLE%'
ORDER BY o.data_object_id, e.relative_fno, e.block_id
-- binds: b1="PAY" b2="AUDIT_LOG"

-- rowid chunks: one chunk's filter
t.ROWID BETWEEN CHARTOROWID(:b1) AND CHARTOROWID(:b2)
-- binds: b1="AAAR3sAAEAAAACAAAA" b2="AAAR3sAAEAAAAD/H//"

-- size: CHAR(5 BYTE) tenant, bound as CHAR
SELECT t."REGION", COUNT(*)
FROM "PAY"."BRANCHES" t
WHERE t."REGION" IN (CASE WHEN LENGTHB(:b1) <= 5 THEN CAST(:b2 AS CHAR(5 BYTE)) END, CASE WHEN LENGTHB(:b3) <= 5 THEN CAST(:b4 AS CHAR(5 BYTE)) END)
GROUP BY t."REGION"
-- binds: b1="abc" b2="abc" b3="x" b4="x"

-- extract: NCHAR(4) key range and CHAR tenant
SELECT t."CODE", t."REGION"
FROM "PAY"."BRANCHES" t
WHERE t."REGION" IN (CASE WHEN LENGTHB(:b1) <= 5 THEN CAST(:b2 AS CHAR(5 BYTE)) END)
  AND t."CODE" >= CASE WHEN LENGTH(:b3) <= 4 THEN CAST(:b4 AS NCHAR(4)) END
  AND t."CODE" < CASE WHEN LENGTH(:b5) <= 4 THEN CAST(:b6 AS NCHAR(4)) END
ORDER BY t."CODE"
-- binds: b1="abc" b2="abc" b3="A1" b4="A1" b5="B2" b6="B2"

-- size: CHAR(5 CHAR) tenant
SELECT t."REGION", COUNT(*)
FROM "PAY"."BRANCHES" t
WHERE t."REGION" IN (CASE WHEN LENGTH(:b1) <= 5 THEN CAST(:b2 AS CHAR(5 CHAR)) END)
GROUP BY t."REGION"
-- binds: b1="é" b2="é"

-- size: where filter, one tenant
SELECT t."AGENT_ID", COUNT(*)
FROM "PAY"."MERCHANTS" t
WHERE (STATUS <> 'DELETED' OR MERCHANT_ID < 10)
  AND t."AGENT_ID" IN (TO_NUMBER(:b1))
GROUP BY t."AGENT_ID"
-- binds: b1="42"

-- size: where filter, shared table
SELECT COUNT(*)
FROM "PAY"."FX_RATES" t
WHERE (CURRENCY <> 'XXX')
-- binds:

-- tenants: where filter
SELECT DISTINCT t."AGENT_ID"
FROM "PAY"."MERCHANTS" t
WHERE (STATUS <> 'DELETED' OR MERCHANT_ID < 10)
  AND t."AGENT_ID" IS NOT NULL
-- binds:

-- boundaries: where filter
SELECT k1 FROM (
  SELECT t."MERCHANT_ID" AS k1, ROW_NUMBER() OVER (ORDER BY t."MERCHANT_ID") AS rn
  FROM "PAY"."MERCHANTS" AS OF SCN :b1 t
  WHERE (STATUS <> 'DELETED' OR MERCHANT_ID < 10)
    AND t."AGENT_ID" IN (TO_NUMBER(:b2))
)
WHERE rn > 1 AND MOD(rn - 1, :b3) = 0
ORDER BY rn
-- binds: b1="123456789" b2="42" b3="100000"

-- extract: where filter, one tenant, key range
SELECT t."MERCHANT_ID", t."AGENT_ID", t."LEGAL_NAME", XMLSERIALIZE(CONTENT t."PROFILE" AS CLOB), DBMS_LOB.GETLENGTH(XMLSERIALIZE(CONTENT t."PROFILE" AS CLOB))
FROM "PAY"."MERCHANTS" AS OF SCN :b1 t
WHERE (STATUS <> 'DELETED' OR MERCHANT_ID < 10)
  AND t."AGENT_ID" IN (TO_NUMBER(:b2))
  AND t."MERCHANT_ID" >= TO_NUMBER(:b3)
  AND t."MERCHANT_ID" < TO_NUMBER(:b4)
ORDER BY t."MERCHANT_ID"
-- binds: b1="123456789" b2="42" b3="1000" b4="2000"

-- where filter tried over no row (preflight), via table
SELECT 1
FROM "PAY"."TRANSACTIONS" t
  JOIN "PAY"."MERCHANTS" p ON p."MERCHANT_ID" = t."MERCHANT_ID"
WHERE (t.AMOUNT > 0)
  AND 1 = 0
-- binds:

-- extract: SDO_GEOMETRY as WKB, SRIDs last
SELECT t."BRANCH_ID", CASE WHEN t."LOCATION" IS NULL THEN NULL ELSE SDO_UTIL.TO_WKBGEOMETRY(t."LOCATION") END, CASE WHEN DBMS_LOB.GETLENGTH(t."NOTES") > 262144 THEN NULL ELSE t."NOTES" END, CASE WHEN t."AREA" IS NULL THEN NULL ELSE SDO_UTIL.TO_WKBGEOMETRY(t."AREA") END, DBMS_LOB.GETLENGTH(t."NOTES"), t."BRANCH_ID", t."LOCATION".SDO_SRID, t."AREA".SDO_SRID
FROM "PAY"."BRANCHES" AS OF SCN :b1 t
WHERE t."BRANCH_ID" >= TO_NUMBER(:b2)
  AND t."BRANCH_ID" < TO_NUMBER(:b3)
ORDER BY t."BRANCH_ID"
-- binds: b1="123456789" b2="1" b3="100"

