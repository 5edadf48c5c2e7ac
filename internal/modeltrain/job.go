package modeltrain

import (
	"context"
	"sync"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// Status is the state of the background training job, for a status line.
type Status struct {
	Running    bool      `json:"running"`
	Stage      string    `json:"stage,omitempty"` // outcomes, features, fitting
	Done       int       `json:"done"`
	Total      int       `json:"total"`
	By         string    `json:"by,omitempty"`
	StartedAt  time.Time `json:"started_at,omitzero"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	Result     *Result   `json:"result,omitempty"`
	// Err is the failure of the last run (logged in full by the caller;
	// this is its public form: a fault code, or "internal").
	Err error `json:"-"`
}

// Job runs one training at a time in the background (the "train a
// challenger" button).
type Job struct {
	Trainer Trainer
	// Context is the node's lifetime: a run stops when it ends.
	Context context.Context
	// OnError, when set, is told a run's failure (logging).
	OnError func(error)
	// Options are every run's options (the demo marks its runs synthetic).
	Options RunOptions

	mu sync.Mutex
	st Status
	wg sync.WaitGroup // the running training, joined by Wait
}

// Wait returns when no run started by Start is still going: the node calls
// it after cancelling Context and before closing the store.
func (j *Job) Wait() { j.wg.Wait() }

// Status returns the current or last run's state.
func (j *Job) Status() Status {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.st
}

// Start begins a run of j.Options for p unless one is running
// (fault.Conflict "model.training_running"). The run registers a
// challenger; it never promotes.
func (j *Job) Start(p access.Principal) error {
	o := j.Options
	o.Promote, o.Reason = false, ""
	if err := canTrain(p); err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.st.Running {
		return fault.New(fault.Conflict, "model.training_running", "a training run is in progress")
	}
	j.st = Status{Running: true, Stage: "outcomes", By: p.ActorName(), StartedAt: time.Now().UTC()}
	ctx := j.Context
	if ctx == nil {
		ctx = context.Background()
	}
	tr := j.Trainer
	tr.Builder.Progress = func(stage string, done, total int) {
		j.mu.Lock()
		j.st.Stage, j.st.Done, j.st.Total = stage, done, total
		if stage == "features" && done == total {
			j.st.Stage = "fitting"
		}
		j.mu.Unlock()
	}
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		res, err := tr.Run(ctx, p, o)
		j.mu.Lock()
		defer j.mu.Unlock()
		j.st.Running, j.st.FinishedAt = false, time.Now().UTC()
		if err != nil {
			j.st.Err = err
			if j.OnError != nil {
				j.OnError(err)
			}
			return
		}
		j.st.Result = &res
	}()
	return nil
}
