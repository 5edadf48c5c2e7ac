package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// Checkpoints mostly off the request path. In WAL mode every commit
// appends its pages to the -wal file, and by default the commit that takes
// the file past 1000 pages copies all of them back into the database and
// syncs both files before it returns: one answer in a hundred waited
// several milliseconds for the others' pages. A checkpointer of its own
// therefore runs PASSIVE checkpoints beside the writer on a separate
// connection: PASSIVE waits for nobody and copies what no reader still
// needs while the writer keeps appending.
//
// It cannot start the file over, though: SQLite restarts the WAL only when
// a write begins with every frame copied, and under steady writes a commit
// always lands while a checkpoint runs. So the writer keeps its own
// automatic checkpoint, at writerAutoCheckpoint pages instead of 1000:
// when the file reaches that size the committing writer copies the few
// frames the checkpointer has not yet copied, and its next transaction
// starts the file over. The file stays bounded under any load, and the
// writer's share of checkpointing is a rare, short copy. Closing the last
// connection still checkpoints everything, as before.

// writerAutoCheckpoint is the WAL size in pages (4 KiB) at which the
// writer's commit checkpoints (SQLite's default is 1000).
const writerAutoCheckpoint = 10000

// checkpointEvery is how often the checkpointer looks at the WAL when the
// last checkpoint found nothing or little to copy; after a large one it
// looks again at once.
const checkpointEvery = 200 * time.Millisecond

// checkpointBusyPages: a checkpoint that copied at least this many pages
// suggests a write-heavy phase (bulk ingest); the checkpointer keeps up by
// not sleeping after it.
const checkpointBusyPages = 4000

type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done chan struct{}
	once sync.Once
	// what the last checkpoint reported: frames in the WAL and frames
	// copied so far (both count from the file's last restart)
	logged, copied int
}

// startCheckpointer opens its connection to path and starts checkpointing.
func startCheckpointer(ctx context.Context, path string) (*checkpointer, error) {
	db, err := sql.Open("sqlite", path+"?"+pragmas)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open checkpointer for %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open checkpointer for %s: %w", path, err)
	}
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	t := time.NewTimer(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		next := checkpointEvery
		if n, err := c.checkpoint(); err == nil && n >= checkpointBusyPages {
			next = 0
		}
		t.Reset(next)
	}
}

// checkpoint runs one PASSIVE checkpoint and returns the pages it copied.
// An error (the file briefly locked by another process) is left for the
// next round: nothing depends on one checkpoint.
func (c *checkpointer) checkpoint() (int, error) {
	var busy, logged, copied int
	if err := c.db.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logged, &copied); err != nil {
		return 0, err
	}
	n := copied
	if logged >= c.logged && copied >= c.copied {
		n = copied - c.copied // the same generation of the file
	}
	c.logged, c.copied = logged, copied
	return n, nil
}

// close stops the checkpointer and closes its connection; the caller then
// closes the others (the last close checkpoints everything).
func (c *checkpointer) close() error {
	c.once.Do(func() { close(c.stop) })
	<-c.done
	return c.db.Close()
}
