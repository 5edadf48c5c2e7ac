package synth

import (
	"context"
	"runtime"
	"sync"
)

// Each generates enterprises 0 to Enterprises-1 and calls fn with each in
// index order. Generation runs ahead on worker goroutines, but at most a
// few bundles per worker are held at any time, so memory stays flat
// whatever the population. Each stops at the first error from fn, or when
// ctx is done, and returns that error (ctx.Err() for a cancellation); fn is
// never called concurrently, and no goroutine outlives the call.
func (g *Generator) Each(ctx context.Context, fn func(Bundle) error) error {
	return g.each(ctx, 0, g.cfg.Enterprises, fn)
}

func (g *Generator) each(parent context.Context, from, to int, fn func(Bundle) error) error {
	if err := parent.Err(); err != nil {
		return err
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), 8, to-from))
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	type job struct {
		i   int
		out chan Bundle
	}
	jobs := make(chan job)
	order := make(chan chan Bundle, 4*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.out <- g.enterprise(j.i) // buffered: never blocks
			}
		}()
	}
	go func() {
		defer close(order)
		defer close(jobs)
		for i := from; i < to; i++ {
			ch := make(chan Bundle, 1)
			select {
			case order <- ch:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- job{i, ch}:
			case <-ctx.Done():
				return
			}
		}
	}()
	var err error
	for ch := range order {
		var b Bundle
		select {
		case b = <-ch:
		case <-ctx.Done():
		}
		if parent.Err() != nil {
			err = parent.Err()
			break
		}
		if err = fn(b); err != nil {
			break
		}
	}
	cancel()
	for range order {
	}
	wg.Wait()
	if err == nil {
		err = parent.Err()
	}
	return err
}
