package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// Conn is a MySQL endpoint written the way MySQL users keep it: parts
// (host, port or socket, user, password from ${VAR}, database) and/or an
// option file's [client] group, instead of one DSN. When an endpoint has no
// dsn, its parts and option file become one; without defaults_file,
// ~/.my.cnf is read when it exists, as the mysql client does.
type Conn struct {
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"`
	Socket   string `yaml:"socket"`
	User     string `yaml:"user"`
	Password string `yaml:"password"`
	Database string `yaml:"database"`
	// DefaultsFile is a MySQL option file (like --defaults-file): its
	// [client] group, then its [cutover] group, give what the parts leave out.
	DefaultsFile string `yaml:"defaults_file"`
}

func (c Conn) empty() bool { return c == Conn{} }

// DSNForms is what a refused DSN is told to look like.
const DSNForms = "write it as user:password@tcp(host:3306)/database or mysql://user:password@host:3306/database (a password from ${VAR})"

// resolveEndpoints turns each MySQL endpoint's parts into its DSN and
// rewrites a DSN written as the mysql client writes it. home is the
// directory ~/.my.cnf is looked for in ("" for none); defaultsFile, when
// set, is read instead of it.
func (c *Config) resolveEndpoints(home, defaultsFile string) error {
	if c.Source.Driver == "oracle" {
		if !c.Source.Conn.empty() {
			return errors.New("source: host, user, password and the other parts are for a MySQL source; an Oracle source takes dsn (user/password@host:1521/service)")
		}
	} else if err := resolveEndpoint("source", &c.Source.DSN, &c.Source.Conn, home, defaultsFile); err != nil {
		return err
	}
	return resolveEndpoint("target", &c.Target.DSN, &c.Target.Conn, home, defaultsFile)
}

func resolveEndpoint(name string, dsn *string, conn *Conn, home, defaultsFile string) error {
	if conn.empty() {
		if strings.TrimSpace(*dsn) == "" {
			return nil // validate says it is empty
		}
		out, err := normalizeDSN(*dsn)
		if err != nil {
			return fmt.Errorf("%s.dsn: %w", name, err)
		}
		*dsn = out
		return nil
	}
	if *dsn != "" {
		return fmt.Errorf("%s: give dsn or its parts (host, port, socket, user, password, database, defaults_file), not both", name)
	}
	path, explicit := conn.DefaultsFile, conn.DefaultsFile != ""
	if !explicit && defaultsFile != "" {
		path, explicit = defaultsFile, true
	}
	if !explicit && home != "" {
		path = filepath.Join(home, ".my.cnf")
	}
	if path != "" {
		if strings.HasPrefix(path, "~/") && home != "" {
			path = filepath.Join(home, path[2:])
		}
		raw, err := os.ReadFile(path)
		switch {
		case err == nil:
			opts, err := readOptionFile(raw)
			if err != nil {
				return fmt.Errorf("%s.defaults_file %s: %w", name, path, err)
			}
			if err := conn.fill(opts); err != nil {
				return fmt.Errorf("%s.defaults_file %s: %w", name, path, err)
			}
		case explicit || !errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("%s: defaults file: %w", name, err)
		}
	}
	if conn.Database == "" {
		return fmt.Errorf("%s.database is empty: name the database to connect to", name)
	}
	m := mysql.NewConfig()
	m.User, m.Passwd, m.DBName = conn.User, conn.Password, conn.Database
	switch {
	case conn.Socket != "":
		m.Net, m.Addr = "unix", conn.Socket
	default:
		host := conn.Host
		if host == "" {
			host = "127.0.0.1"
		}
		port := conn.Port
		if port == 0 {
			port = 3306
		}
		m.Net, m.Addr = "tcp", fmt.Sprintf("%s:%d", host, port)
	}
	*dsn = m.FormatDSN()
	return nil
}

// fill takes what the parts leave out from an option file's values.
func (c *Conn) fill(opts map[string]string) error {
	set := func(dst *string, key string) {
		if *dst == "" {
			*dst = opts[key]
		}
	}
	set(&c.Host, "host")
	set(&c.Socket, "socket")
	set(&c.User, "user")
	set(&c.Password, "password")
	set(&c.Database, "database")
	if c.Port == 0 && opts["port"] != "" {
		p, err := strconv.Atoi(opts["port"])
		if err != nil || p < 1 || p > 65535 {
			return fmt.Errorf("port: want a number from 1 to 65535, got %q", opts["port"])
		}
		c.Port = p
	}
	return nil
}

// readOptionFile reads a MySQL option file's [client] group, then its
// [cutover] group over it. Keys are folded as MySQL folds them (dashes and
// underscores alike); values may be quoted; !include lines are not followed.
func readOptionFile(raw []byte) (map[string]string, error) {
	client, own := map[string]string{}, map[string]string{}
	var group map[string]string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		switch {
		case s == "" || s[0] == '#' || s[0] == ';' || s[0] == '!':
			continue
		case s[0] == '[':
			end := strings.IndexByte(s, ']')
			if end < 0 {
				return nil, fmt.Errorf("line %d: a group header must end with ]", line)
			}
			switch strings.ToLower(strings.TrimSpace(s[1:end])) {
			case "client":
				group = client
			case "cutover":
				group = own
			default:
				group = nil
			}
			continue
		}
		if group == nil {
			continue
		}
		k, v, _ := strings.Cut(s, "=")
		k = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(k)), "-", "_")
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		} else if i := strings.Index(v, " #"); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		group[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for k, v := range own {
		client[k] = v
	}
	return client, nil
}

// normalizeDSN accepts the forms MySQL users write besides the driver's own
// (user:password@tcp(host:3306)/db): mysql://user:password@host:3306/db and
// user:password@host:3306/db. Anything else is left to the driver, which
// refuses it when the database is opened (internal/mysqldb names the form to
// use then); no message shows the DSN, which holds the password.
func normalizeDSN(dsn string) (string, error) {
	if rest, ok := strings.CutPrefix(dsn, "mysql://"); ok {
		u, err := url.Parse("mysql://" + rest)
		if err != nil || u.Host == "" {
			return "", errors.New("not a mysql:// URL cutover can read; " + DSNForms)
		}
		user := ""
		if u.User != nil {
			user = u.User.Username()
			if p, ok := u.User.Password(); ok {
				user += ":" + p
			}
			user += "@"
		}
		dsn = user + "tcp(" + u.Host + ")/" + strings.TrimPrefix(u.Path, "/")
		if u.RawQuery != "" {
			dsn += "?" + u.RawQuery
		}
	} else {
		base, query, hasQuery := strings.Cut(dsn, "?")
		if slash := strings.LastIndexByte(base, '/'); slash >= 0 {
			head, db := base[:slash], base[slash:]
			at := strings.LastIndexByte(head, '@')
			addr := head[at+1:]
			switch addr {
			case "", "tcp", "tcp6", "unix":
			default:
				if !strings.Contains(addr, "(") {
					base = head[:at+1] + "tcp(" + addr + ")" + db
				}
			}
		}
		dsn = base
		if hasQuery {
			dsn += "?" + query
		}
	}
	return dsn, nil
}
