package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBitAndSpatialColumnsCopyExactly: MySQL source tables with BIT columns
// and with sakila's address.location (GEOMETRY NOT NULL, a SPATIAL key, and
// here values with SRIDs) pass preflight, copy with run --create-tables, and
// are equal on both sides by CHECKSUM TABLE and by literals; verify
// --checksum says equal, and finds a single flipped bit and a moved point.
func TestBitAndSpatialColumnsCopyExactly(t *testing.T) {
	t.Parallel()
	src, srcDSN := srv.NewDatabase(t, "bitsrc")
	tgt, tgtDSN := srv.NewDatabase(t, "bittgt")
	srcDB, err := srv.Open(src)
	require.NoError(t, err)
	defer srcDB.Close()
	tgtDB, err := srv.Open(tgt)
	require.NoError(t, err)
	defer tgtDB.Close()
	for _, q := range []string{
		`CREATE TABLE flags (id INT PRIMARY KEY, agent_id INT NOT NULL, b1 BIT(1), b12 BIT(12) NOT NULL, b64 BIT(64), KEY (agent_id))`,
		`INSERT INTO flags VALUES (1, 1, b'1', b'100000001001', x'FFFFFFFFFFFFFFFF'), (2, 1, b'0', b'0', x'000D5C1A00090A00'),
			(3, 2, NULL, x'0FFF', NULL), (4, 3, b'1', b'1010', x'8000000000000000')`,
		// sakila's address, cut down to the columns that matter here.
		`CREATE TABLE address (address_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, address VARCHAR(50) NOT NULL,
			location GEOMETRY NOT NULL, SPATIAL KEY idx_location (location))`,
		`INSERT INTO address (address, location) VALUES ('47 MySakila Drive', ST_GeomFromText('POINT(-112.8185647 49.6999986)')),
			('28 MySQL Boulevard', ST_GeomFromText('POINT(153.1408538 -27.6333361)', 4326)),
			('a park', ST_GeomFromText('POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 3 2, 3 3, 2 2))', 3857))`,
	} {
		_, err := srcDB.Exec(q)
		require.NoError(t, err, q)
	}
	cfg := preflightConfig(t, srcDSN, tgtDSN, "bitledger_"+src[len(src)-6:], "  - name: flags\n  - name: address\n    tenant: none\n")
	code, out, errs := cutover(t, "preflight", "--config", cfg)
	require.Equal(t, 0, code, out+errs)
	code, out, errs = cutover(t, "run", "--config", cfg, "--create-tables")
	require.Equal(t, 0, code, out+errs)

	for _, table := range []string{"flags", "address"} {
		var srcSum, tgtSum int64
		var name string
		require.NoError(t, srcDB.QueryRow("CHECKSUM TABLE "+table).Scan(&name, &srcSum))
		require.NoError(t, tgtDB.QueryRow("CHECKSUM TABLE "+table).Scan(&name, &tgtSum))
		require.Equal(t, srcSum, tgtSum, table)
	}
	var typ string
	require.NoError(t, tgtDB.QueryRow("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'flags' AND COLUMN_NAME = 'b12'", tgt).Scan(&typ))
	require.Equal(t, "bit(12)", typ)
	var lit string
	require.NoError(t, tgtDB.QueryRow("SELECT GROUP_CONCAT(CONCAT_WS(':', id, IFNULL(BIN(b1), 'N'), BIN(b12), IFNULL(HEX(b64), 'N')) ORDER BY id) FROM flags").Scan(&lit))
	require.Equal(t, "1:1:100000001001:FFFFFFFFFFFFFFFF,2:0:0:D5C1A00090A00,3:N:111111111111:N,4:1:1010:8000000000000000", lit)

	require.NoError(t, tgtDB.QueryRow("SELECT GROUP_CONCAT(CONCAT_WS(':', address_id, ST_SRID(location), ST_AsText(location)) ORDER BY address_id SEPARATOR '|') FROM address").Scan(&lit))
	require.Equal(t, "1:0:POINT(-112.8185647 49.6999986)|2:4326:POINT(153.1408538 -27.6333361)|3:3857:POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,3 2,3 3,2 2))", lit)

	code, out, errs = cutover(t, "verify", "--config", cfg, "--checksum")
	require.Equal(t, 0, code, out+errs)
	_, err = tgtDB.Exec("UPDATE address SET location = ST_GeomFromText('POINT(-112.8185647 49.6999987)') WHERE address_id = 1")
	require.NoError(t, err)
	code, out, errs = cutover(t, "verify", "--config", cfg, "--checksum")
	require.Equal(t, 1, code, out+errs)
	require.Contains(t, out+errs, "address")
	_, err = tgtDB.Exec("UPDATE address SET location = ST_GeomFromText('POINT(-112.8185647 49.6999986)') WHERE address_id = 1")
	require.NoError(t, err)
	_, err = tgtDB.Exec("UPDATE flags SET b12 = b12 ^ 1 WHERE id = 3")
	require.NoError(t, err)
	code, out, errs = cutover(t, "verify", "--config", cfg, "--checksum", "--source")
	require.Equal(t, 1, code, out+errs)
}
