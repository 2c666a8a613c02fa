package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema/field"
	"modernc.org/sqlite"

	entmigrate "rapport/ent/migrate"
)

// SQLite keeps a time as the text the driver writes, in the time's own
// zone ("2026-10-02 00:00:00 +0800 CST"), and compares and sorts that text:
// a due date stored at +08:00 sorts after a later instant stored in UTC.
// So every time Rapport hands SQLite is first turned into UTC, where text
// order is time order; and times written before that are rewritten once
// (normalizeSQLiteTimes). PostgreSQL stores instants and needs neither.

// utcConnector opens SQLite connections that write every time argument in UTC.
type utcConnector struct {
	dsn string
	drv driver.Driver
}

func sqliteDB(dsn string) *sql.DB { return sql.OpenDB(utcConnector{dsn, &sqlite.Driver{}}) }

func (c utcConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return utcConn{conn}, nil
}

func (c utcConnector) Driver() driver.Driver { return c.drv }

type utcConn struct{ driver.Conn }

func (c utcConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := c.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	return e.ExecContext(ctx, q, inUTC(args))
}

func (c utcConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	e, ok := c.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	return e.QueryContext(ctx, q, inUTC(args))
}

func (c utcConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	var s driver.Stmt
	var err error
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		s, err = p.PrepareContext(ctx, q)
	} else {
		s, err = c.Conn.Prepare(q)
	}
	if err != nil {
		return nil, err
	}
	return utcStmt{s}, nil
}

func (c utcConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return c.Conn.Begin() //nolint:staticcheck // the driver offers nothing else
}

func (c utcConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

type utcStmt struct{ driver.Stmt }

func (s utcStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, inUTC(args))
	}
	return nil, fmt.Errorf("sqlite statement without ExecContext")
}

func (s utcStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, inUTC(args))
	}
	return nil, fmt.Errorf("sqlite statement without QueryContext")
}

// inUTC returns args with every time in UTC (which also drops a monotonic
// clock reading, which the text would otherwise carry).
func inUTC(args []driver.NamedValue) []driver.NamedValue {
	for i, a := range args {
		if t, ok := a.Value.(time.Time); ok {
			args[i].Value = t.UTC()
		}
	}
	return args
}

// utcSuffix ends every time SQLite holds once normalised.
const utcSuffix = " +0000 UTC"

// normalizeSQLiteTimes rewrites in UTC the times of every table that an
// older server wrote in another zone: a pass per time column that finds
// nothing to do once done.
func normalizeSQLiteTimes(ctx context.Context, drv *entsql.Driver) error {
	for _, t := range entmigrate.Tables {
		for _, c := range t.Columns {
			if c.Type != field.TypeTime {
				continue
			}
			if err := normalizeColumn(ctx, drv.DB(), t.Name, c.Name); err != nil {
				return fmt.Errorf("rewriting %s.%s in UTC: %w", t.Name, c.Name, err)
			}
		}
	}
	return nil
}

func normalizeColumn(ctx context.Context, db *sql.DB, table, column string) error {
	q := fmt.Sprintf("SELECT id, %[2]s FROM %[1]s WHERE %[2]s IS NOT NULL AND %[2]s NOT LIKE '%%%[3]s'", quote(table), quote(column), utcSuffix)
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	type row struct {
		id any
		at time.Time
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.at); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(todo) == 0 {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	stmt := fmt.Sprintf("UPDATE %s SET %s = ? WHERE id = ?", quote(table), quote(column))
	for _, r := range todo {
		if _, err := tx.ExecContext(ctx, stmt, r.at, r.id); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func quote(ident string) string { return "`" + strings.ReplaceAll(ident, "`", "``") + "`" }
