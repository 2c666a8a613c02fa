package store

import (
	"container/list"
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"
)

// The statement cache. lib/pq sends a statement with parameters as an
// unnamed statement that PostgreSQL parses and plans afresh every time (and
// a round trip of its own to describe it). Through a cached *sql.Stmt,
// database/sql prepares each distinct statement once per pooled connection
// and then only binds and executes it, and PostgreSQL reuses the plan.
//
//   - Statements are keyed by their SQL text, which ent builds with
//     placeholders, so a page of one shape is one entry whatever its
//     arguments. Statements with more than MaxCachedParams parameters (the
//     IN lists of large pages, set-based recomputes) are one-offs and are
//     sent unprepared, so they cannot flush the cache.
//   - At most size statements are kept, least recently used evicted; an
//     evicted statement is closed once no request holds it.
//   - After a PostgreSQL restart database/sql finds the pooled connections
//     broken and prepares again on new ones; a statement PostgreSQL no
//     longer knows (DISCARD ALL) or whose plan a schema change invalidated
//     is dropped from the cache and, outside a transaction, sent again.
//   - Inside a transaction the cached statement is bound to the
//     transaction's connection (Tx.StmtContext), prepared there once.
//   - A transaction-mode connection pooler (PgBouncer with
//     pool_mode=transaction) cannot keep prepared statements across
//     transactions: switch the cache off (RAPPORT_STATEMENT_CACHE=0).

// MaxCachedParams is the most parameters a cached statement has.
const MaxCachedParams = 100

// DefaultStatementCache is the default number of cached statements.
const DefaultStatementCache = 500

// Cached returns an ent driver over drv that prepares each statement once
// and reuses it, keeping at most size statements; drv itself when size is
// 0 or the database is not PostgreSQL (SQLite plans in process).
func Cached(drv *entsql.Driver, size int) dialect.Driver {
	if size <= 0 || drv.Dialect() != dialect.Postgres {
		return drv
	}
	c := &stmtCache{db: drv.DB(), max: size, byQuery: map[string]*list.Element{}, lru: list.New()}
	return &cachedDriver{Driver: drv, cache: c, conn: entsql.Conn{ExecQuerier: cachedConn{c: c}}}
}

// cachedDriver is an ent dialect.Driver whose statements go through the cache.
type cachedDriver struct {
	*entsql.Driver // Dialect, DB
	cache          *stmtCache
	conn           entsql.Conn
}

func (d *cachedDriver) Exec(ctx context.Context, q string, args, v any) error {
	return d.conn.Exec(ctx, q, args, v)
}

func (d *cachedDriver) Query(ctx context.Context, q string, args, v any) error {
	return d.conn.Query(ctx, q, args, v)
}

// ExecContext and QueryContext serve ent's ExecContext and QueryContext.
func (d *cachedDriver) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return d.conn.ExecContext(ctx, q, args...)
}

func (d *cachedDriver) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return d.conn.QueryContext(ctx, q, args...)
}

func (d *cachedDriver) Tx(ctx context.Context) (dialect.Tx, error) { return d.BeginTx(ctx, nil) }

func (d *cachedDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	tx, err := d.DB().BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &entsql.Tx{Conn: entsql.Conn{ExecQuerier: cachedConn{c: d.cache, tx: tx}}, Tx: tx}, nil
}

func (d *cachedDriver) Close() error {
	d.cache.clear()
	return d.Driver.Close()
}

// cachedConn runs statements through the cache, on the pool or in tx.
type cachedConn struct {
	c  *stmtCache
	tx *sql.Tx
}

func (c cachedConn) plain() entsql.ExecQuerier {
	if c.tx != nil {
		return c.tx
	}
	return c.c.db
}

func (c cachedConn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if len(args) > MaxCachedParams {
		return c.plain().ExecContext(ctx, q, args...)
	}
	return retried(ctx, c, q, func(s *sql.Stmt) (sql.Result, error) { return s.ExecContext(ctx, args...) },
		func() (sql.Result, error) { return c.plain().ExecContext(ctx, q, args...) })
}

func (c cachedConn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if len(args) > MaxCachedParams {
		return c.plain().QueryContext(ctx, q, args...)
	}
	return retried(ctx, c, q, func(s *sql.Stmt) (*sql.Rows, error) { return s.QueryContext(ctx, args...) },
		func() (*sql.Rows, error) { return c.plain().QueryContext(ctx, q, args...) })
}

// retried runs q's cached statement; when PostgreSQL no longer has it or
// its plan went stale, the entry is dropped and, outside a transaction
// (which the error has aborted), the statement is prepared and run again.
func retried[T any](ctx context.Context, c cachedConn, q string, run func(*sql.Stmt) (T, error), unprepared func() (T, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		v, err := once(ctx, c, q, run, unprepared)
		if err == nil || !stale(err) {
			return v, err
		}
		c.c.drop(q)
		if c.tx != nil || attempt > 0 {
			return v, err
		}
	}
}

// once runs q's cached statement, on c's transaction if it has one. A
// transaction never prepares a statement for the cache: that would wait
// for a second connection while holding one (and, with every connection
// in a transaction, forever); it runs what is not cached unprepared.
func once[T any](ctx context.Context, c cachedConn, q string, run func(*sql.Stmt) (T, error), unprepared func() (T, error)) (T, error) {
	var e *cached
	var err error
	if c.tx != nil {
		if e = c.c.hold(q); e == nil {
			return unprepared()
		}
	} else if e, err = c.c.acquire(ctx, q); err != nil {
		var zero T
		return zero, err
	}
	defer c.c.release(e)
	s := e.stmt
	if c.tx != nil {
		s = c.tx.StmtContext(ctx, s) // prepared on the transaction's connection once
	}
	return run(s)
}

// stale reports PostgreSQL's errors for a prepared statement it no longer
// has (26000) or whose result type a schema change altered (0A000).
func stale(err error) bool {
	var pe *pq.Error
	if !errors.As(err, &pe) {
		return false
	}
	return pe.Code == "26000" || (pe.Code == "0A000" && strings.Contains(pe.Message, "cached plan"))
}

// stmtCache is an LRU of prepared statements keyed by SQL text.
type stmtCache struct {
	db      *sql.DB
	max     int
	mu      sync.Mutex
	byQuery map[string]*list.Element // of *cached
	lru     *list.List               // front: most recently used
}

type cached struct {
	query   string
	stmt    *sql.Stmt
	holders int  // requests using stmt now
	evicted bool // out of the cache: close when the last holder is done
}

// hold returns q's statement held until release, or nil when not cached.
func (c *stmtCache) hold(q string) *cached {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byQuery[q]
	if !ok {
		return nil
	}
	e := el.Value.(*cached)
	e.holders++
	c.lru.MoveToFront(el)
	return e
}

// acquire returns q's statement, preparing it on first use, held until
// release.
func (c *stmtCache) acquire(ctx context.Context, q string) (*cached, error) {
	if e := c.hold(q); e != nil {
		return e, nil
	}
	stmt, err := c.db.PrepareContext(ctx, q) // not under the lock: preparing is a round trip
	if err != nil {
		return nil, err
	}
	if e := c.hold(q); e != nil { // prepared meanwhile by another request
		stmt.Close()
		return e, nil
	}
	c.mu.Lock()
	e := &cached{query: q, stmt: stmt, holders: 1}
	c.byQuery[q] = c.lru.PushFront(e)
	var closing []*sql.Stmt
	for c.lru.Len() > c.max {
		if s := c.evict(c.lru.Back()); s != nil {
			closing = append(closing, s)
		}
	}
	c.mu.Unlock()
	for _, s := range closing {
		s.Close()
	}
	return e, nil
}

// release ends a hold on e, closing it if it was evicted meanwhile.
func (c *stmtCache) release(e *cached) {
	c.mu.Lock()
	e.holders--
	closeIt := e.evicted && e.holders == 0
	c.mu.Unlock()
	if closeIt {
		e.stmt.Close()
	}
}

// evict takes el out of the cache and returns its statement when nobody
// holds it (for the caller to close outside the lock). c.mu is held.
func (c *stmtCache) evict(el *list.Element) *sql.Stmt {
	e := el.Value.(*cached)
	c.lru.Remove(el)
	delete(c.byQuery, e.query)
	e.evicted = true
	if e.holders == 0 {
		return e.stmt
	}
	return nil
}

// drop evicts q's statement, if cached.
func (c *stmtCache) drop(q string) {
	c.mu.Lock()
	var s *sql.Stmt
	if el, ok := c.byQuery[q]; ok {
		s = c.evict(el)
	}
	c.mu.Unlock()
	if s != nil {
		s.Close()
	}
}

// clear evicts every statement.
func (c *stmtCache) clear() {
	c.mu.Lock()
	var closing []*sql.Stmt
	for c.lru.Len() > 0 {
		if s := c.evict(c.lru.Back()); s != nil {
			closing = append(closing, s)
		}
	}
	c.mu.Unlock()
	for _, s := range closing {
		s.Close()
	}
}

// len is the number of cached statements.
func (c *stmtCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}
