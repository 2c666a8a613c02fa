package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"
)

// PooledDriver opens a PostgreSQL database reached through a pooler in
// transaction mode (PgBouncer pool_mode=transaction): consecutive
// transactions of one connection may run on different server sessions,
// so nothing may outlive a transaction on the server:
//
//   - no prepared statement: every statement with arguments goes as one
//     round trip of the unnamed statement (lib/pq's binary_parameters),
//     never a Parse answered before its Bind, which the pooler could send
//     to another session between the two. JSON arguments go as text (in
//     that mode lib/pq sends bytes as binary, which jsonb does not read);
//     bytea arguments stay binary. Keep the statement cache off (0).
//   - no session settings in the startup packet: PgBouncer refuses the
//     parameters it does not know. statement_timeout and
//     idle_in_transaction_session_timeout belong on the database instead
//     (ALTER DATABASE … SET), where every server session gets them.
//
// Migrations take a session-level advisory lock: run them on a direct
// connection (Driver), never through the pooler.
func PooledDriver(rawURL string) (*entsql.Driver, error) {
	name, dsn, dia, err := parse(rawURL)
	if err != nil {
		return nil, err
	}
	if dia != dialect.Postgres || name != "postgres" {
		return nil, errors.New("a transaction-mode pooler is for PostgreSQL only")
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	q.Set("binary_parameters", "yes")
	if !q.Has("connect_timeout") {
		q.Set("connect_timeout", postgresDefaults["connect_timeout"])
	}
	u.RawQuery = q.Encode()
	dsn = u.String()
	c, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("opening %s database: %w", dia, err)
	}
	db := sql.OpenDB(pooledConnector{c})
	db.SetMaxOpenConns(MaxConns)
	db.SetMaxIdleConns(MaxConns)
	db.SetConnMaxIdleTime(ConnMaxIdle)
	return entsql.OpenDB(dia, db), nil
}

// pooledConnector hands out lib/pq connections that send JSON as text.
type pooledConnector struct{ c driver.Connector }

func (p pooledConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := p.c.Connect(ctx)
	if err != nil {
		return nil, err
	}
	pc, ok := c.(pqConn)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("lib/pq's connection %T lacks a method the pooled driver needs", c)
	}
	return pooledConn{pc}, nil
}

func (p pooledConnector) Driver() driver.Driver { return p.c.Driver() }

// pqConn is what lib/pq's connection implements; pooledConn keeps all of
// it, so database/sql takes the same paths as with lib/pq itself.
type pqConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

type pooledConn struct{ pqConn }

// CheckNamedValue sends JSON (ent's json.RawMessage) as text.
func (c pooledConn) CheckNamedValue(nv *driver.NamedValue) error {
	if j, ok := nv.Value.(json.RawMessage); ok {
		nv.Value = string(j)
		return nil
	}
	return c.pqConn.CheckNamedValue(nv)
}
