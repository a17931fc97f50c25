package mysqldb

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cutover/cutover/internal/testdb"
)

// spatialTable has one column of each spatial type, values with an SRID
// other than 0 among them, and a NOT NULL GEOMETRY with a SPATIAL index as
// sakila's address.location has.
const spatialTable = `CREATE TABLE geo (id INT NOT NULL PRIMARY KEY, g GEOMETRY NOT NULL, p POINT NULL, l LINESTRING NULL, pg POLYGON NULL,
	mp MULTIPOINT NULL, ml MULTILINESTRING NULL, mpg MULTIPOLYGON NULL, gc GEOMETRYCOLLECTION NULL, SPATIAL KEY (g))`

const spatialRows = `INSERT INTO geo VALUES
	(1, ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('POINT(-71.06 42.35)', 4326), ST_GeomFromText('LINESTRING(0 0, 1 1, 2 1)'),
	 ST_GeomFromText('POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 3 2, 3 3, 2 2))'), ST_GeomFromText('MULTIPOINT(0 0, 9 9)'),
	 ST_GeomFromText('MULTILINESTRING((0 0, 1 1), (2 2, 3 3))'), ST_GeomFromText('MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)))'),
	 ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1), LINESTRING(0 0, 9 10))')),
	(2, ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 0))', 3857), NULL, NULL, NULL, NULL, NULL, NULL, NULL),
	(3, ST_GeomFromText('POINT(0.1 9.000000000000002)'), ST_GeomFromText('POINT(1e300 -1e-300)'), NULL, NULL, NULL, NULL, NULL, NULL)`

func TestSpatialCopy(t *testing.T) {
	requireRawCopy(t, rawCopy{table: "geo", ddl: spatialTable, rows: spatialRows, n: 3,
		literal: "SELECT GROUP_CONCAT(CONCAT_WS(';', id, ST_SRID(g), ST_AsText(g), IFNULL(ST_SRID(p), 'N'), IFNULL(ST_AsText(p), 'N'), IFNULL(ST_AsText(pg), 'N'), IFNULL(ST_AsText(gc), 'N')) ORDER BY id SEPARATOR '|') FROM geo",
		want: "1;0;POINT(1 2);4326;POINT(-71.06 42.35);POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,3 2,3 3,2 2));GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,9 10))|" +
			"2;3857;POLYGON((0 0,1 0,1 1,0 0));N;N;N;N|3;0;POINT(0.1 9.000000000000002);0;POINT(1e300 -1e-300);N;N"})
}

// TestPreflightSpatial: spatial into GEOMETRY or its own type passes; into a
// narrower type the values of other types are counted; spatial into a
// non-spatial column, or the reverse, is refused.
func TestPreflightSpatial(t *testing.T) {
	srv := testdb.StartT(t)
	_, srcDSN := srv.NewDatabase(t, "geopsrc")
	_, tgtDSN := srv.NewDatabase(t, "geoptgt")
	ctx := context.Background()
	src, tgt := openPair(t, srcDSN, tgtDSN)
	for _, q := range []string{
		"CREATE TABLE p (id INT PRIMARY KEY, same POINT, wider POINT, narrow GEOMETRY, coll GEOMETRY, asblob POINT, fromblob BLOB)",
		`INSERT INTO p VALUES
			(1, POINT(1, 1), POINT(1, 1), POINT(1, 1), ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1))'), POINT(1, 1), 'x'),
			(2, NULL, NULL, ST_GeomFromText('LINESTRING(0 0, 1 1)'), POINT(1, 1), NULL, NULL),
			(3, NULL, NULL, ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 0))'), NULL, NULL, NULL)`,
	} {
		_, err := src.SQL().ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	_, err := tgt.SQL().ExecContext(ctx, "CREATE TABLE p (id INT PRIMARY KEY, same POINT, wider GEOMETRY, narrow POINT, coll GEOMETRYCOLLECTION, asblob BLOB, fromblob GEOMETRY)")
	require.NoError(t, err)
	fs, err := Preflight(ctx, src, tgt, PreflightTable{Source: "p", Target: "p"})
	require.NoError(t, err)
	got := map[string]int64{}
	for _, f := range fs {
		require.Equal(t, "spatial-fit", f.Check, "%+v", f)
		got[f.Column] = f.Rows
	}
	require.Equal(t, map[string]int64{"narrow": 2, "coll": 1, "asblob": 0, "fromblob": 0}, got)
	fs, err = Preflight(ctx, src, src, PreflightTable{Source: "p", Target: "p"})
	require.NoError(t, err)
	require.Empty(t, fs)
}
