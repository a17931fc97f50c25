-- SDO_GEOMETRY values for the Oracle conformance test (conformance_values_test.go,
-- TestConformanceGeometry): a point, a line and a polygon with SRID 4326, a
-- point without an SRID and a NULL, compared in MySQL with literals written in
-- the test. One statement per ';'-terminated line group.
CREATE TABLE cutover_geometry (
  id  NUMBER(10) NOT NULL,
  g   SDO_GEOMETRY,
  CONSTRAINT cutover_geometry_pk PRIMARY KEY (id)
);
INSERT INTO cutover_geometry VALUES (1, SDO_GEOMETRY(2001, 4326, SDO_POINT_TYPE(1, 2, NULL), NULL, NULL));
INSERT INTO cutover_geometry VALUES (2, SDO_GEOMETRY(2002, 4326, NULL, SDO_ELEM_INFO_ARRAY(1, 2, 1), SDO_ORDINATE_ARRAY(0, 0, 1, 1)));
INSERT INTO cutover_geometry VALUES (3, SDO_GEOMETRY(2003, 4326, NULL, SDO_ELEM_INFO_ARRAY(1, 1003, 1), SDO_ORDINATE_ARRAY(0, 0, 1, 0, 1, 1, 0, 0)));
INSERT INTO cutover_geometry VALUES (4, SDO_GEOMETRY(2001, NULL, SDO_POINT_TYPE(-71.06, 42.35, NULL), NULL, NULL));
INSERT INTO cutover_geometry VALUES (5, NULL);
