package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// Checkpoints (SQLite). A transaction's pages go to the write-ahead log; SQLite's automatic
// checkpoint then copies the log into the database file inside the commit of the transaction
// that took it past 1,000 pages, on the committing goroutine. For a large load that copy and
// the file's fsync were 2–3 s of a 1,000,000-row load's 10–15 s (bench ingest). A load turns
// the automatic checkpoint off on its connection (deferCheckpoint) and, once it has ended,
// hands the copy to the database's checkpointer, which runs it in the background (PASSIVE:
// readers and writers go on beside it). The load's rows are committed and readable when it
// returns; a crash before the copy recovers them from the log, as after any commit in WAL
// mode. Other connections keep the automatic checkpoint: a commit that finds the
// checkpointer at work skips its own (SQLite's checkpoint lock), and one that finds the log
// long and the checkpointer idle copies it as before.
type checkpointer struct {
	db   *sql.DB
	mu   sync.Mutex // one of our checkpoints at a time
	kick chan struct{}
	quit chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), quit: make(chan struct{})}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		for {
			select {
			case <-c.quit:
				return
			case <-c.kick:
				c.run(context.Background())
			}
		}
	}()
	return c
}

// request asks for a checkpoint soon; requests while one is pending are one.
func (c *checkpointer) request() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// run copies the log into the database file as far as readers allow. An error is left for
// the next checkpoint, which SQLite's automatic one also is.
func (c *checkpointer) run(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var busy, logPages, done int
	return c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logPages, &done)
}

// stop ends the goroutine after the checkpoint it runs, if any.
func (c *checkpointer) stop() {
	c.once.Do(func() { close(c.quit); c.wg.Wait() })
}

// deferCheckpoint turns SQLite's automatic checkpoint off on conn, for a transaction that
// writes many pages; the returned function (call it after the transaction ended) turns it
// back on and asks the checkpointer for the copy. Nothing to do on PostgreSQL.
func (d *DB) deferCheckpoint(ctx context.Context, conn *sql.Conn) (func(), error) {
	if d.ckpt == nil {
		return func() {}, nil
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 0"); err != nil {
		return nil, err
	}
	return func() {
		conn.ExecContext(context.Background(), "PRAGMA wal_autocheckpoint = 1000") // SQLite's default
		d.ckpt.request()
	}, nil
}

// Checkpoint copies SQLite's write-ahead log into the database file now, after a background
// copy under way (bench ingest times it apart from the load). Nothing on PostgreSQL.
func (d *DB) Checkpoint(ctx context.Context) error {
	if d.ckpt == nil {
		return nil
	}
	return d.ckpt.run(ctx)
}
