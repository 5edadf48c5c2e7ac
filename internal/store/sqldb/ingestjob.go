package sqldb

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/ingestjob"
)

// ---- dataset definitions

const datasetCols = `name, department, spec, version, updated_by, updated_at`

func scanDataset(row scanner) (ingestjob.Definition, error) {
	var d ingestjob.Definition
	err := row.Scan(&d.Name, &d.Department, &d.Spec, &d.Version, &d.UpdatedBy, scanTime(&d.UpdatedAt))
	return d, err
}

// SaveDataset inserts d or replaces the definition of its name, counting
// versions from 1.
func (s *Store) SaveDataset(ctx context.Context, d *ingestjob.Definition) error {
	at := d.UpdatedAt
	if at.IsZero() {
		at = s.stamp()
	}
	at = ts(at)
	var v int64
	err := s.w.QueryRow(ctx, `INSERT INTO ingest_datasets (`+datasetCols+`) VALUES ($1, $2, $3, 1, $4, $5)
		ON CONFLICT (name) DO UPDATE SET department = excluded.department, spec = excluded.spec,
			version = ingest_datasets.version + 1, updated_by = excluded.updated_by, updated_at = excluded.updated_at
		RETURNING version`, d.Name, d.Department, d.Spec, d.UpdatedBy, at).Scan(&v)
	if err != nil {
		return s.dbErr("save dataset", err)
	}
	d.Version, d.UpdatedAt = v, at
	return nil
}

// DatasetByName returns the definition or fault.NotFound
// "ingestjob.dataset_not_found".
func (s *Store) DatasetByName(ctx context.Context, name string) (ingestjob.Definition, error) {
	d, err := scanDataset(s.r.QueryRow(ctx, `SELECT `+datasetCols+` FROM ingest_datasets WHERE name = $1`, name))
	return d, s.notFound("dataset", err, fault.New(fault.NotFound, "ingestjob.dataset_not_found", "dataset not registered").With("name", name))
}

// ListDatasets lists the definitions of a department ("" for all) by name.
func (s *Store) ListDatasets(ctx context.Context, department string) ([]ingestjob.Definition, error) {
	q := `SELECT ` + datasetCols + ` FROM ingest_datasets`
	var a args
	if department != "" {
		q += ` WHERE department = ` + a.add(department)
	}
	rows, err := s.r.Query(ctx, q+` ORDER BY name`, a...)
	if err != nil {
		return nil, s.dbErr("list datasets", err)
	}
	defer rows.Close()
	var out []ingestjob.Definition
	for rows.Next() {
		d, err := scanDataset(rows)
		if err != nil {
			return nil, s.dbErr("list datasets", err)
		}
		out = append(out, d)
	}
	return out, s.dbErr("list datasets", rows.Err())
}

// ---- jobs

const jobCols = `id, batch, dataset, department, spec, file_name, size, sha256, state, rows, rows_ok, rows_bad, facts,
	problems_dropped, error_code, error_params, submitted_by, org_id, user_id, submitted_at, started_at, finished_at, attempts, warnings`

func scanJob(row scanner) (ingestjob.Job, error) {
	var (
		j      ingestjob.Job
		state  string
		params string
	)
	err := row.Scan(&j.ID, &j.Batch, &j.Dataset, &j.Department, &j.Spec, &j.FileName, &j.Size, &j.SHA256, &state,
		&j.Rows, &j.OK, &j.Bad, &j.Facts, &j.ProblemsDropped, &j.ErrorCode, &params, &j.SubmittedBy, &j.OrgID, &j.UserID,
		scanTime(&j.SubmittedAt), scanTime(&j.StartedAt), scanTime(&j.FinishedAt), &j.Attempts, &j.Warnings)
	if err != nil {
		return j, err
	}
	j.State = ingestjob.State(state)
	if params != "" && params != "{}" {
		if err := json.Unmarshal([]byte(params), &j.ErrorParams); err != nil {
			return j, fmt.Errorf("decode error params of job %s: %w", j.ID, err)
		}
	}
	return j, nil
}

func errJobNotFound(id string) *fault.Error {
	return fault.New(fault.NotFound, "ingestjob.batch_not_found", "submitted batch not found").With("id", id)
}

var errJobFinal = fault.New(fault.Conflict, "ingestjob.job_final", "the batch has already ended")

func paramsText(p map[string]string) (string, error) {
	if len(p) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("encode error params: %w", err)
	}
	return string(b), nil
}

// CreateJob records a submitted batch.
func (s *Store) CreateJob(ctx context.Context, j *ingestjob.Job) error {
	if j.SubmittedAt.IsZero() {
		j.SubmittedAt = s.stamp()
	}
	j.SubmittedAt = ts(j.SubmittedAt)
	if j.State == "" {
		j.State = ingestjob.Queued
	}
	params, err := paramsText(j.ErrorParams)
	if err != nil {
		return err
	}
	_, err = s.w.Exec(ctx, `INSERT INTO ingest_jobs (`+jobCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)`,
		j.ID, j.Batch, j.Dataset, j.Department, j.Spec, j.FileName, j.Size, j.SHA256, string(j.State), j.Rows, j.OK, j.Bad, j.Facts,
		j.ProblemsDropped, j.ErrorCode, params, j.SubmittedBy, j.OrgID, j.UserID, j.SubmittedAt, nullTS(j.StartedAt), nullTS(j.FinishedAt),
		int64(j.Attempts), j.Warnings)
	return s.dbErr("create job", err, fault.New(fault.Conflict, "ingestjob.job_exists", "a submitted batch with this id exists").With("id", j.ID))
}

// JobByID returns a job or fault.NotFound "ingestjob.batch_not_found".
func (s *Store) JobByID(ctx context.Context, id string) (ingestjob.Job, error) {
	j, err := scanJob(s.r.QueryRow(ctx, `SELECT `+jobCols+` FROM ingest_jobs WHERE id = $1`, id))
	return j, s.notFound("job", err, errJobNotFound(id))
}

// ListJobs returns jobs newest first; a filter asking only for non-final
// states lists oldest first.
func (s *Store) ListJobs(ctx context.Context, f ingestjob.Filter) ([]ingestjob.Job, error) {
	var (
		a     args
		conds []string
	)
	if f.Department != "" {
		conds = append(conds, `department = `+a.add(f.Department))
	}
	order := ` ORDER BY submitted_at DESC, id DESC`
	if len(f.States) > 0 {
		ph := make([]string, len(f.States))
		pending := true
		for i, st := range f.States {
			ph[i] = a.add(string(st))
			pending = pending && !st.Final()
		}
		conds = append(conds, `state IN (`+strings.Join(ph, ", ")+`)`)
		if pending {
			order = ` ORDER BY submitted_at, id`
		}
	}
	q := `SELECT ` + jobCols + ` FROM ingest_jobs` + where(conds) + order + ` LIMIT ` + a.add(int64(pageLimit(f.Limit)))
	rows, err := s.r.Query(ctx, q, a...)
	if err != nil {
		return nil, s.dbErr("list jobs", err)
	}
	defer rows.Close()
	var out []ingestjob.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, s.dbErr("list jobs", err)
		}
		out = append(out, j)
	}
	return out, s.dbErr("list jobs", rows.Err())
}

// endedOrMissing explains why an update of a pending job matched nothing.
func (s *Store) endedOrMissing(ctx context.Context, id string) error {
	if _, err := s.JobByID(ctx, id); err != nil {
		return err
	}
	return errJobFinal
}

// StartJob moves a pending job to running and counts the attempt.
func (s *Store) StartJob(ctx context.Context, id string, at time.Time) error {
	n, err := s.w.Exec(ctx, `UPDATE ingest_jobs SET state = 'running', started_at = $2, attempts = attempts + 1
		WHERE id = $1 AND state IN ('queued', 'running')`, id, ts(at))
	if err != nil {
		return s.dbErr("start job", err)
	}
	if n == 0 {
		return s.endedOrMissing(ctx, id)
	}
	return nil
}

// problemCols are the columns of a stored error report row.
var problemCols = []string{"job_id", "seq", "row_num", "col", "value", "code", "detail", "format", "of_row", "params"}

// FinishJob stores a job's end and replaces its error report, atomically.
func (s *Store) FinishJob(ctx context.Context, j *ingestjob.Job, ps []ingestjob.Problem) error {
	if !j.State.Final() {
		return fault.New(fault.Invalid, "store.check", "a finished job needs a final state").With("state", string(j.State))
	}
	if j.FinishedAt.IsZero() {
		j.FinishedAt = s.stamp()
	}
	j.FinishedAt = ts(j.FinishedAt)
	params, err := paramsText(j.ErrorParams)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *Store) error {
		n, err := tx.w.Exec(ctx, `UPDATE ingest_jobs SET state = $2, batch = $3, rows = $4, rows_ok = $5, rows_bad = $6, facts = $7,
			problems_dropped = $8, error_code = $9, error_params = $10, finished_at = $11, warnings = $12
			WHERE id = $1 AND state IN ('queued', 'running')`,
			j.ID, string(j.State), j.Batch, j.Rows, j.OK, j.Bad, j.Facts, j.ProblemsDropped, j.ErrorCode, params, j.FinishedAt, j.Warnings)
		if err != nil {
			return tx.dbErr("finish job", err)
		}
		if n == 0 {
			return tx.endedOrMissing(ctx, j.ID)
		}
		if _, err := tx.w.Exec(ctx, `DELETE FROM ingest_problems WHERE job_id = $1`, j.ID); err != nil {
			return tx.dbErr("finish job", err)
		}
		pps := make([]string, len(ps))
		for i, p := range ps {
			if pps[i], err = paramsText(p.Params); err != nil {
				return err
			}
		}
		err = tx.bulkInsert(ctx, "ingest_problems", problemCols, len(ps), func(i int, dst []any) {
			p := ps[i]
			dst[0], dst[1], dst[2], dst[3], dst[4] = j.ID, int64(i+1), p.Row, p.Column, p.Value
			dst[5], dst[6], dst[7], dst[8], dst[9] = p.Code, p.Detail, p.Format, p.Of, pps[i]
		})
		if err != nil {
			return tx.dbErr("store error report", err)
		}
		return nil
	})
}

// JobProblems pages through a job's error report.
func (s *Store) JobProblems(ctx context.Context, id string, after int64, limit int) ([]ingestjob.Problem, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.r.Query(ctx, `SELECT seq, row_num, col, value, code, detail, format, of_row, params FROM ingest_problems
		WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, id, after, int64(limit))
	if err != nil {
		return nil, s.dbErr("read error report", err)
	}
	defer rows.Close()
	var out []ingestjob.Problem
	for rows.Next() {
		var (
			p      ingestjob.Problem
			params string
		)
		if err := rows.Scan(&p.Seq, &p.Row, &p.Column, &p.Value, &p.Code, &p.Detail, &p.Format, &p.Of, &params); err != nil {
			return nil, s.dbErr("read error report", err)
		}
		if params != "" && params != "{}" {
			if err := json.Unmarshal([]byte(params), &p.Params); err != nil {
				return nil, fmt.Errorf("decode problem params of job %s: %w", id, err)
			}
		}
		out = append(out, p)
	}
	return out, s.dbErr("read error report", rows.Err())
}
