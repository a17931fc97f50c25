-- Known values for the Oracle conformance test (conformance_values_test.go):
-- inserted with SQL literals, and the test compares the MySQL target with
-- literals written in the test. One statement per ';'-terminated line group.
CREATE TABLE cutover_values (
  id      NUMBER(10) NOT NULL,
  tenant  CHAR(5) NOT NULL,
  v       VARCHAR2(20 CHAR),
  c       CHAR(5),
  d       DATE,
  ts      TIMESTAMP(6),
  tz      TIMESTAMP(6) WITH TIME ZONE,
  n38     NUMBER(38,0),
  amt     NUMBER(12,2),
  bd      BINARY_DOUBLE,
  r       RAW(4),
  cl      CLOB,
  ncl     NCLOB,
  bl      BLOB,
  x       XMLTYPE,
  j       JSON,
  iym     INTERVAL YEAR(2) TO MONTH,
  ids     INTERVAL DAY(2) TO SECOND(6),
  CONSTRAINT cutover_values_pk PRIMARY KEY (id)
);
INSERT INTO cutover_values VALUES (1, 'acme', UNISTR('four \D83D\DE00 byte'), 'ab',
  TO_DATE('2024-03-31 02:30:00', 'YYYY-MM-DD HH24:MI:SS'),
  TIMESTAMP '2024-10-27 02:30:00.123456',
  TIMESTAMP '2024-06-01 12:00:00.123456 +02:00',
  99999999999999999999999999999999999999, -0.01, 1.5E300,
  HEXTORAW('00FF10AB'), 'abc', UNISTR('\00E9t\00E9'), HEXTORAW('0102'),
  XMLTYPE('<a>1</a>'), JSON('{"a":1}'),
  INTERVAL '2-3' YEAR TO MONTH, INTERVAL '1 02:03:04.5' DAY TO SECOND);
INSERT INTO cutover_values (id, tenant, v, c, cl, ncl, bl) VALUES (2, 'acme', '', '', NULL, NULL, NULL);
INSERT INTO cutover_values (id, tenant, v, c, d, n38, amt, bd, cl, ncl, bl) VALUES (3, 'ab', NULL, NULL,
  TO_DATE('2024-10-27 02:30:00', 'YYYY-MM-DD HH24:MI:SS'),
  -99999999999999999999999999999999999999, 9999999999.99, -0.1,
  EMPTY_CLOB(), RPAD('x', 20, 'y'), EMPTY_BLOB());
INSERT INTO cutover_values (id, tenant, cl, bl) VALUES (4, 'ab', RPAD('long', 40, '.'), HEXTORAW('000102030405060708090A0B0C0D0E0F1011121314'));
