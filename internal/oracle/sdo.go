package oracle

import (
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// SDO_GEOMETRY columns are read as the OGC WKB of SDO_UTIL.TO_WKBGEOMETRY
// (a BLOB) with the value's SDO_SRID selected beside it, last in the select
// list (Spec.geometrySRIDs). geometryValue turns the pair into the bytes a
// MySQL or MariaDB spatial column stores: the SRID as 4 bytes little-endian,
// then the WKB, itself little-endian. Those are the bytes the mysqldb
// adapter copies between spatial columns, and LOAD DATA and a bound INSERT
// take them back as the geometry. The server reads a stored value as
// little-endian WKB (MariaDB refuses a big-endian one with error 1416,
// "Cannot get geometry object"), so a big-endian WKB (byte order flag 0,
// which Oracle may return) is rewritten, field by field, to little-endian;
// the coordinates are not changed.

// isGeometry reports whether c is an SDO_GEOMETRY column.
func (c Col) isGeometry() bool { return isGeometryType(c.Type.Name) }

func isGeometryType(name string) bool {
	return name == "SDO_GEOMETRY" || name == "MDSYS.SDO_GEOMETRY"
}

// geometryCols are the indexes of s.Columns that are SDO_GEOMETRY.
func (s *Spec) geometryCols() []int { return s.colsWhere(Col.isGeometry) }

// geometrySRIDs is the SDO_SRID of each geometry column (table alias t),
// appended last to the select list.
func (s *Spec) geometrySRIDs() []string {
	var out []string
	for _, i := range s.geometryCols() {
		out = append(out, s.Columns[i].ref("t")+".SDO_SRID")
	}
	return out
}

// geometrySelect reads an SDO_GEOMETRY as WKB; a NULL geometry is NULL
// without calling the conversion.
func geometrySelect(ref string) string {
	return "CASE WHEN " + ref + " IS NULL THEN NULL ELSE SDO_UTIL.TO_WKBGEOMETRY(" + ref + ") END"
}

// sridValue reads an SDO_SRID as godror returns it (NUMBER as text); nil
// is NULL.
func sridValue(v any) (sql.NullInt64, error) {
	if v == nil {
		return sql.NullInt64{}, nil
	}
	n, err := countValue(v)
	if err != nil {
		return sql.NullInt64{}, fmt.Errorf("SDO_SRID: %w", err)
	}
	return sql.NullInt64{Int64: n, Valid: true}, nil
}

// wkbMaxDepth bounds the nesting of collections in one WKB value.
const wkbMaxDepth = 32

// geometryValue is the MySQL storage form of a geometry: srid (NULL: 0) as
// 4 bytes little-endian, then wkb rewritten little-endian. nil wkb is NULL.
// Only 2D WKB geometry types 1 (point) to 7 (collection) are taken; anything
// else, a truncated value or trailing bytes is an error, never a changed
// value.
func geometryValue(srid sql.NullInt64, wkb []byte) ([]byte, error) {
	if wkb == nil {
		return nil, nil
	}
	var id uint32
	if srid.Valid {
		if srid.Int64 < 0 || srid.Int64 > math.MaxUint32 {
			return nil, fmt.Errorf("SRID %d does not fit MySQL's 32-bit unsigned SRID", srid.Int64)
		}
		id = uint32(srid.Int64)
	}
	out := make([]byte, 4, 4+len(wkb))
	binary.LittleEndian.PutUint32(out, id)
	out, rest, err := appendWKB(out, wkb, 0)
	if err != nil {
		return nil, fmt.Errorf("WKB geometry: %w", err)
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("WKB geometry: %d bytes after the end of the geometry", len(rest))
	}
	return out, nil
}

// errWKBShort says a WKB value ends before its geometry does.
func errWKBShort() error { return errors.New("truncated") }

// appendWKB appends the geometry at the start of b to out in little-endian
// WKB and returns what follows it in b.
func appendWKB(out, b []byte, depth int) ([]byte, []byte, error) {
	if depth > wkbMaxDepth {
		return nil, nil, fmt.Errorf("collections nested deeper than %d", wkbMaxDepth)
	}
	if len(b) < 5 {
		return nil, nil, errWKBShort()
	}
	var order binary.ByteOrder
	switch b[0] {
	case 0:
		order = binary.BigEndian
	case 1:
		order = binary.LittleEndian
	default:
		return nil, nil, fmt.Errorf("byte order flag %d (want 0 or 1)", b[0])
	}
	typ := order.Uint32(b[1:5])
	b = b[5:]
	out = append(out, 1)
	out = binary.LittleEndian.AppendUint32(out, typ)
	count := func() (uint32, error) {
		if len(b) < 4 {
			return 0, errWKBShort()
		}
		n := order.Uint32(b)
		b = b[4:]
		out = binary.LittleEndian.AppendUint32(out, n)
		return n, nil
	}
	points := func(n uint32) error {
		if uint64(n)*16 > uint64(len(b)) {
			return errWKBShort()
		}
		for range 2 * n {
			out = binary.LittleEndian.AppendUint64(out, order.Uint64(b))
			b = b[8:]
		}
		return nil
	}
	switch typ {
	case 1: // Point
		if err := points(1); err != nil {
			return nil, nil, err
		}
	case 2: // LineString
		n, err := count()
		if err != nil {
			return nil, nil, err
		}
		if err := points(n); err != nil {
			return nil, nil, err
		}
	case 3: // Polygon
		rings, err := count()
		if err != nil {
			return nil, nil, err
		}
		if uint64(rings)*4 > uint64(len(b)) {
			return nil, nil, errWKBShort()
		}
		for range rings {
			n, err := count()
			if err != nil {
				return nil, nil, err
			}
			if err := points(n); err != nil {
				return nil, nil, err
			}
		}
	case 4, 5, 6, 7: // MultiPoint, MultiLineString, MultiPolygon, GeometryCollection
		n, err := count()
		if err != nil {
			return nil, nil, err
		}
		if uint64(n)*5 > uint64(len(b)) {
			return nil, nil, errWKBShort()
		}
		for range n {
			var err error
			out, b, err = appendWKB(out, b, depth+1)
			if err != nil {
				return nil, nil, err
			}
		}
	default:
		return nil, nil, fmt.Errorf("geometry type %d is not a 2D OGC type (1 to 7): MySQL spatial columns take 2D geometries only", typ)
	}
	return out, b, nil
}

// convertGeometry is the LOAD DATA value of one SDO_GEOMETRY as extraction
// selects it: v the WKB BLOB, srid its SDO_SRID. godror may hand a NULL BLOB
// over as empty bytes; a WKB is never empty, so empty is NULL.
func convertGeometry(v, srid any) ([]byte, error) {
	var wkb []byte
	switch b := v.(type) {
	case nil:
	case []byte:
		wkb = b
	case string:
		wkb = []byte(b)
	default:
		return nil, fmt.Errorf("geometry column: unexpected %T", v)
	}
	if len(wkb) == 0 {
		return nil, nil
	}
	id, err := sridValue(srid)
	if err != nil {
		return nil, err
	}
	return geometryValue(id, wkb)
}
