package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/ingest"
	"github.com/creditbridge/creditbridge/internal/ingestjob"
	"github.com/creditbridge/creditbridge/internal/ingestqueue"
	"github.com/creditbridge/creditbridge/internal/server"
)

// SubmitPath is the data-submission page (数据报送); a POST to it uploads
// a department file as a batch.
const SubmitPath = "/submissions"

// The submission pages: department officers upload their files (operator
// administrators any department's), everyone allowed by ingestjob's rules
// follows the batches. A running batch's page refreshes itself (a meta
// refresh: the UI has no JavaScript).

type batchRow struct {
	ingestjob.Job
	Badge    string
	StateKey string // catalogue key of the state's name
}

var stateKeys = map[ingestjob.State]string{
	ingestjob.Queued:        "ui.batch_state.queued",
	ingestjob.Running:       "ui.batch_state.running",
	ingestjob.Loaded:        "ui.batch_state.loaded",
	ingestjob.Failed:        "ui.batch_state.failed",
	ingestjob.AlreadyLoaded: "ui.batch_state.already_loaded",
}

func rowOf(j ingestjob.Job) batchRow {
	return batchRow{Job: j, Badge: badgeOf(j.State), StateKey: stateKeys[j.State]}
}

func badgeOf(s ingestjob.State) string {
	switch s {
	case ingestjob.Loaded:
		return "badge-outcome-ok"
	case ingestjob.Failed:
		return "badge-outcome-failed"
	case ingestjob.AlreadyLoaded:
		return "badge-grade-2"
	}
	return "badge-suspended"
}

type submissionsData struct {
	CanSubmit bool
	Datasets  []option
	Batch     string
	Error     string
	MaxUpload string
	Items     []batchRow
}

func (u *UI) submissionsPage(w http.ResponseWriter, r *http.Request, status int, dataset, batch, msg string) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	q := u.d.Ingest
	js, err := q.Jobs(r.Context(), id.Principal, 50)
	if err != nil {
		return err
	}
	d := submissionsData{Batch: batch, Error: msg, MaxUpload: groupDigits(strconv.FormatInt(q.UploadLimit(), 10))}
	if ingestjob.CanSubmitAny(id.Principal) {
		defs, err := q.Submittable(r.Context(), id.Principal)
		if err != nil {
			return err
		}
		d.CanSubmit = len(defs) > 0
		for _, def := range defs {
			d.Datasets = append(d.Datasets, option{Value: def.Name, Label: def.Name, Selected: def.Name == dataset})
		}
	}
	for _, j := range js {
		d.Items = append(d.Items, rowOf(j))
	}
	u.render(w, r, status, "submissions", "ui.submissions.title", d)
	return nil
}

func (u *UI) submissions(w http.ResponseWriter, r *http.Request) error {
	if u.d.Ingest == nil {
		return errNotFound
	}
	return u.submissionsPage(w, r, http.StatusOK, r.URL.Query().Get("dataset"), "", "")
}

// submit takes the upload form (multipart: dataset, batch, file). A
// refused upload shows the form again with the reason.
func (u *UI) submit(w http.ResponseWriter, r *http.Request) error {
	if u.d.Ingest == nil {
		return errNotFound
	}
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	if r.MultipartForm == nil {
		// The node parses upload forms before authentication (see
		// internal/app); this covers a UI mounted without that.
		if err := r.ParseMultipartForm(64 << 10); err != nil {
			return u.submitRefused(w, r, "", "", fault.New(fault.Invalid, "ingestjob.file_required", "no upload form"))
		}
	}
	defer r.MultipartForm.RemoveAll()
	dataset := strings.TrimSpace(r.PostFormValue("dataset"))
	batch := strings.TrimSpace(r.PostFormValue("batch"))
	fhs := r.MultipartForm.File["file"]
	if len(fhs) == 0 || fhs[0].Size == 0 && fhs[0].Filename == "" {
		return u.submitRefused(w, r, dataset, batch, fault.New(fault.Invalid, "ingestjob.file_required", "no file"))
	}
	f, err := fhs[0].Open()
	if err != nil {
		return err
	}
	defer f.Close()
	j, err := u.d.Ingest.Submit(r.Context(), id.Principal, ingestqueue.Submission{Dataset: dataset, Batch: batch, FileName: fhs[0].Filename, Body: f})
	if err != nil {
		return u.submitRefused(w, r, dataset, batch, err)
	}
	http.Redirect(w, r, SubmitPath+"/"+url.PathEscape(j.ID), http.StatusSeeOther)
	return nil
}

func (u *UI) submitRefused(w http.ResponseWriter, r *http.Request, dataset, batch string, err error) error {
	code, params, kind := server.Public(err)
	switch kind {
	case fault.Internal, fault.Unavailable, fault.Canceled, fault.Unauthenticated:
		return err
	}
	msg := u.d.Catalog.TMap(server.LangFrom(r.Context()), code, params)
	return u.submissionsPage(w, r, server.Status(kind), dataset, batch, msg)
}

type submissionData struct {
	batchRow
	Refresh bool
	Error   string
	Seconds string
	Base    string
}

func (u *UI) submission(w http.ResponseWriter, r *http.Request) error {
	if u.d.Ingest == nil {
		return errNotFound
	}
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	j, err := u.d.Ingest.Job(r.Context(), id.Principal, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := submissionData{batchRow: rowOf(j), Refresh: !j.State.Final(),
		Base: SubmitPath + "/" + url.PathEscape(j.ID)}
	if j.ErrorCode != "" {
		d.Error = u.d.Catalog.TMap(server.LangFrom(r.Context()), j.ErrorCode, j.ErrorParams)
	}
	switch {
	case !j.StartedAt.IsZero() && !j.FinishedAt.IsZero():
		d.Seconds = strconv.FormatFloat(j.FinishedAt.Sub(j.StartedAt).Seconds(), 'f', 1, 64)
	case j.State == ingestjob.Running && !j.StartedAt.IsZero():
		d.Seconds = strconv.FormatFloat(time.Since(j.StartedAt).Seconds(), 'f', 1, 64)
	}
	u.render(w, r, http.StatusOK, "submission", "ui.submission.title", d)
	return nil
}

// submissionReport downloads a finished batch's error report.
func (u *UI) submissionReport(format string) handler {
	ct := map[string]string{"csv": "text/csv; charset=utf-8", "xlsx": ingest.ReportXLSXType}[format]
	return func(w http.ResponseWriter, r *http.Request) error {
		if u.d.Ingest == nil {
			return errNotFound
		}
		id, err := server.Require(r)
		if err != nil {
			return err
		}
		batch := r.PathValue("id")
		dw := &download{w: w, set: func(h http.Header) {
			h.Set("Content-Type", ct)
			h.Set("Content-Disposition", `attachment; filename="`+batch+`-errors.`+format+`"`)
			h.Set("Cache-Control", "no-store")
		}}
		if _, err := u.d.Ingest.Report(r.Context(), id.Principal, batch, format, dw); err != nil {
			if dw.started {
				panic(http.ErrAbortHandler) // cut the download rather than append an error page
			}
			return err
		}
		return nil
	}
}

// download sets its headers on the first byte, so an error before it gets
// the error page.
type download struct {
	w       http.ResponseWriter
	set     func(http.Header)
	started bool
}

func (d *download) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		d.set(d.w.Header())
	}
	return d.w.Write(p)
}
