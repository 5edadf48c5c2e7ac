package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
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
// It cannot start the file over that way, though: SQLite restarts the WAL
// only when a write begins with every frame copied, and under steady
// writes a commit always lands while a checkpoint runs. Left to the
// writer's own automatic checkpoint, the commit that takes the file to
// writerAutoCheckpoint pages copies whatever the checkpointer has not yet
// reached (thousands of pages under steady writes: 20-35 ms, measured,
// several times a second, while every request queued behind it waited).
// So the checkpointer starts the file over itself: once the WAL holds
// restartPages, it catches up beside the writer until only a few pages
// are left, then takes the writer's connection for a moment (no commit
// can land) and copies those, so that the next write starts the file
// over. The writer's automatic checkpoint stays, at writerAutoCheckpoint
// pages, as the bound for when the checkpointer does not start it over (a
// bulk load, whose copies would hold the writer long; a reader holding old
// pages). Closing the last connection still checkpoints everything, as
// before.

// writerAutoCheckpoint is the WAL size in pages (4 KiB) at which the
// writer's commit checkpoints (SQLite's default is 1000).
const writerAutoCheckpoint = 16000

// restartPages is the WAL size in pages at which the checkpointer starts
// the file over (below writerAutoCheckpoint, so that it gets there first).
const restartPages = writerAutoCheckpoint / 2

// restartLeft is how few pages may be left uncopied before the
// checkpointer takes the writer's connection to copy them.
const restartLeft = 256

// checkpointEvery is how often the checkpointer looks at the WAL when the
// last checkpoint found little to copy; after a large one it looks again
// at once, after a moderate one sooner (checkpointActive).
const (
	checkpointEvery      = 100 * time.Millisecond
	checkpointActive     = 20 * time.Millisecond
	checkpointBusyPages  = 4000 // bulk writes: do not sleep
	checkpointSomePages  = 200  // steady writes: look again at checkpointActive
	restartCatchUpRounds = 8    // PASSIVE rounds to catch up before giving up until the next look
)

type checkpointer struct {
	db     *sql.DB
	file   *os.File // the database file, read-only: synced between restart rounds
	writer *sql.DB  // the node's writer, taken briefly to start the WAL over
	// ctx ends when close is called, cancelling a checkpoint or a wait
	// for the writer in progress.
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	// what the last checkpoint reported: frames in the WAL and frames
	// copied so far (both count from the file's last restart)
	logged, copied int
	restarts       atomic.Int64 // times the checkpointer started the WAL over
}

// startCheckpointer opens its connection to path and starts checkpointing
// beside writer.
func startCheckpointer(ctx context.Context, path string, writer *sql.DB) (*checkpointer, error) {
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
	f, err := os.Open(path)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open checkpointer for %s: %w", path, err)
	}
	c := &checkpointer{db: db, file: f, writer: writer, done: make(chan struct{})}
	c.ctx, c.cancel = context.WithCancel(context.WithoutCancel(ctx))
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	ctx := c.ctx
	t := time.NewTimer(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		next := checkpointEvery
		n, err := c.checkpoint(ctx)
		switch {
		case err != nil:
		case n >= checkpointBusyPages:
			// A bulk load: copy on at once; starting the file over
			// would only hold the writer for a long copy (and the
			// rounds' syncs would compete with its writes), so the
			// writer's own checkpoint bounds the file meanwhile.
			next = 0
		case c.logged >= restartPages:
			c.restart(ctx)
			next = checkpointActive
		case n >= checkpointSomePages:
			next = checkpointActive
		}
		t.Reset(next)
	}
}

// restart catches up with the writer until a round copies at most
// restartLeft pages, then copies the rest holding the writer's connection,
// so that no commit lands in between and the writer's next transaction
// starts the WAL over. Errors are left for the next round.
func (c *checkpointer) restart(ctx context.Context) {
	// A checkpoint that copies the WAL's last frame ends by syncing the
	// database file (seen with strace), which flushes every page the
	// earlier rounds copied (tens of megabytes: 8-10 ms, measured). The
	// file is synced here instead, before each round, while the writer
	// goes on; the rounds shrink until one copies at most restartLeft
	// pages.
	caughtUp := false
	for range restartCatchUpRounds {
		_ = c.file.Sync()
		n, err := c.checkpoint(ctx)
		if err != nil {
			return
		}
		if caughtUp = n <= restartLeft; caughtUp {
			break
		}
	}
	if !caughtUp {
		// Writes outrun the copies (a bulk load): holding the writer
		// now would stall it for a long copy; the next round tries
		// again, and the writer's own checkpoint bounds the file.
		return
	}
	_ = c.file.Sync()
	w, err := c.writer.Conn(ctx)
	if err != nil {
		return
	}
	defer w.Close()
	if _, err := c.checkpoint(ctx); err == nil && c.logged == c.copied {
		c.restarts.Add(1)
	}
}

// checkpoint runs one PASSIVE checkpoint and returns the pages it copied.
// An error (the file briefly locked by another process) is left for the
// next round: nothing depends on one checkpoint.
func (c *checkpointer) checkpoint(ctx context.Context) (int, error) {
	var busy, logged, copied int
	if err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logged, &copied); err != nil {
		return 0, err
	}
	if logged < 0 || copied < 0 {
		return 0, nil // another connection was checkpointing
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
	c.cancel()
	<-c.done
	return errors.Join(c.file.Close(), c.db.Close())
}
