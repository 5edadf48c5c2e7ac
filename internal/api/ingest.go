package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
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

// Physical aggregation over the API: dataset definitions (operators),
// batch submission (departments), progress and error reports. The rules
// of who may do what are ingestjob's; the queue enforces them.

type datasetJSON struct {
	Name       string          `json:"name"`
	Department string          `json:"department"`
	Version    int64           `json:"version"`
	UpdatedBy  string          `json:"updated_by"`
	UpdatedAt  time.Time       `json:"updated_at"`
	Definition json.RawMessage `json:"definition"`
}

func datasetOf(d ingestjob.Definition) datasetJSON {
	return datasetJSON{Name: d.Name, Department: d.Department, Version: d.Version, UpdatedBy: d.UpdatedBy, UpdatedAt: d.UpdatedAt,
		Definition: json.RawMessage(d.Spec)}
}

func (a *API) listIngestDatasets(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	ds, err := a.d.Ingest.Datasets(r.Context(), id.Principal, r.URL.Query().Get("department"))
	if err != nil {
		return err
	}
	out := make([]datasetJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, datasetOf(d))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

func (a *API) getIngestDataset(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	d, err := a.d.Ingest.Dataset(r.Context(), id.Principal, r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, datasetOf(d))
	return nil
}

// putIngestDataset registers or replaces a definition: the body is the
// ingest.Dataset JSON itself.
func (a *API) putIngestDataset(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return fault.New(fault.Invalid, "request.content_type", "send the body as application/json").With("got", ct)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return jsonError(err)
	}
	d, err := a.d.Ingest.SaveDataset(r.Context(), id.Principal, r.PathValue("name"), body)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if d.Version == 1 {
		status = http.StatusCreated
	}
	writeJSON(w, status, datasetOf(d))
	return nil
}

type batchError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type batchLinks struct {
	Self       string `json:"self"`
	ErrorsCSV  string `json:"errors_csv"`
	ErrorsXLSX string `json:"errors_xlsx"`
}

type batchJSON struct {
	ID              string      `json:"id"`
	Batch           string      `json:"batch"`
	Dataset         string      `json:"dataset"`
	Department      string      `json:"department"`
	FileName        string      `json:"file_name"`
	Size            int64       `json:"size"`
	SHA256          string      `json:"sha256"`
	State           string      `json:"state"`
	Rows            int64       `json:"rows"`
	OK              int64       `json:"ok"`
	Bad             int64       `json:"bad"`
	Warnings        int64       `json:"warnings"` // rows stored with a value to confirm (part of ok)
	Facts           int64       `json:"facts"`
	ProblemsDropped int64       `json:"problems_not_listed,omitempty"`
	Error           *batchError `json:"error,omitempty"`
	SubmittedBy     string      `json:"submitted_by"`
	SubmittedAt     time.Time   `json:"submitted_at"`
	StartedAt       *time.Time  `json:"started_at,omitempty"`
	FinishedAt      *time.Time  `json:"finished_at,omitempty"`
	Seconds         *float64    `json:"seconds,omitempty"`
	Attempts        int         `json:"attempts"`
	Links           batchLinks  `json:"links"`
}

// BatchPath is the API address of a submitted batch.
func BatchPath(id string) string { return "/api/v1/ingest/batches/" + url.PathEscape(id) }

func (a *API) batchOf(r *http.Request, j ingestjob.Job) batchJSON {
	self := BatchPath(j.ID)
	b := batchJSON{ID: j.ID, Batch: j.Batch, Dataset: j.Dataset, Department: j.Department, FileName: j.FileName, Size: j.Size,
		SHA256: j.SHA256, State: string(j.State), Rows: j.Rows, OK: j.OK, Bad: j.Bad, Warnings: j.Warnings, Facts: j.Facts, ProblemsDropped: j.ProblemsDropped,
		SubmittedBy: j.SubmittedBy, SubmittedAt: j.SubmittedAt, StartedAt: timeOrNil(j.StartedAt), FinishedAt: timeOrNil(j.FinishedAt),
		Attempts: j.Attempts, Links: batchLinks{Self: self, ErrorsCSV: self + "/errors.csv", ErrorsXLSX: self + "/errors.xlsx"}}
	if j.ErrorCode != "" {
		b.Error = &batchError{Code: j.ErrorCode, Message: a.d.Catalog.TMap(server.LangFrom(r.Context()), j.ErrorCode, j.ErrorParams)}
	}
	switch {
	case !j.StartedAt.IsZero() && !j.FinishedAt.IsZero():
		s := j.FinishedAt.Sub(j.StartedAt).Seconds()
		b.Seconds = &s
	case j.State == ingestjob.Running && !j.StartedAt.IsZero():
		s := time.Since(j.StartedAt).Seconds()
		b.Seconds = &s
	}
	return b
}

// uploadTypes are the media types a batch body may have besides
// multipart/form-data.
var uploadTypes = map[string]bool{"text/csv": true, "application/x-ndjson": true, "application/jsonl": true,
	"application/json-lines": true, ingest.ReportXLSXType: true, "application/octet-stream": true, "text/plain": true}

// submitBatch takes a file as the body (or as the "file" part of a
// multipart form, after any "dataset" and "batch" parts) and queues it.
func (a *API) submitBatch(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	in := ingestqueue.Submission{Dataset: q.Get("dataset"), Batch: q.Get("batch"), FileName: q.Get("file_name")}
	ct := r.Header.Get("Content-Type")
	mt, params, _ := mime.ParseMediaType(ct)
	switch {
	case mt == "multipart/form-data":
		return a.submitMultipart(w, r, id, in, params["boundary"])
	case uploadTypes[mt]:
		if in.FileName == "" {
			if _, p, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
				in.FileName = p["filename"]
			}
		}
		in.Body = r.Body
	default:
		return fault.New(fault.Invalid, "ingestjob.content_type", "unsupported upload type").With("got", ct)
	}
	return a.queued(w, r, id, in)
}

func (a *API) queued(w http.ResponseWriter, r *http.Request, id server.Identity, in ingestqueue.Submission) error {
	j, err := a.d.Ingest.Submit(r.Context(), id.Principal, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", BatchPath(j.ID))
	writeJSON(w, http.StatusAccepted, a.batchOf(r, j))
	return nil
}

func (a *API) submitMultipart(w http.ResponseWriter, r *http.Request, id server.Identity, in ingestqueue.Submission, boundary string) error {
	if r.MultipartForm != nil { // parsed (to disk) before authentication, for a form's CSRF token
		if v := r.MultipartForm.Value["dataset"]; in.Dataset == "" && len(v) > 0 {
			in.Dataset = v[0]
		}
		if v := r.MultipartForm.Value["batch"]; in.Batch == "" && len(v) > 0 {
			in.Batch = v[0]
		}
		fhs := r.MultipartForm.File["file"]
		if len(fhs) == 0 {
			return fault.New(fault.Invalid, "ingestjob.file_required", "no file part")
		}
		f, err := fhs[0].Open()
		if err != nil {
			return err
		}
		defer f.Close()
		if in.FileName == "" {
			in.FileName = fhs[0].Filename
		}
		in.Body = f
		return a.queued(w, r, id, in)
	}
	if boundary == "" {
		return fault.New(fault.Invalid, "ingestjob.content_type", "multipart without boundary").With("got", r.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(r.Body, boundary)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return fault.New(fault.Invalid, "ingestjob.file_required", "no file part")
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return fault.New(fault.TooLarge, "ingestjob.too_large", "upload too large").With("limit", itoa64(mbe.Limit))
			}
			return fault.New(fault.Invalid, "ingestjob.upload", "bad multipart body").Wrap(err)
		}
		switch part.FormName() {
		case "file":
			if in.FileName == "" {
				in.FileName = part.FileName()
			}
			in.Body = part
			return a.queued(w, r, id, in)
		case "dataset", "batch":
			b, err := io.ReadAll(io.LimitReader(part, 1024))
			if err != nil {
				return fault.New(fault.Invalid, "ingestjob.upload", "bad multipart body").Wrap(err)
			}
			if part.FormName() == "dataset" && in.Dataset == "" {
				in.Dataset = strings.TrimSpace(string(b))
			}
			if part.FormName() == "batch" && in.Batch == "" {
				in.Batch = strings.TrimSpace(string(b))
			}
		}
	}
}

func (a *API) listBatches(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 50)
	if err != nil {
		return err
	}
	js, err := a.d.Ingest.Jobs(r.Context(), id.Principal, limit)
	if err != nil {
		return err
	}
	out := make([]batchJSON, 0, len(js))
	for _, j := range js {
		out = append(out, a.batchOf(r, j))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

func (a *API) getBatch(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	j, err := a.d.Ingest.Job(r.Context(), id.Principal, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !j.State.Final() {
		w.Header().Set("Retry-After", "2")
	}
	writeJSON(w, http.StatusOK, a.batchOf(r, j))
	return nil
}

func (a *API) batchErrorsCSV(w http.ResponseWriter, r *http.Request) error {
	return a.batchErrors(w, r, "csv", "text/csv; charset=utf-8")
}

func (a *API) batchErrorsXLSX(w http.ResponseWriter, r *http.Request) error {
	return a.batchErrors(w, r, "xlsx", ingest.ReportXLSXType)
}

// batchErrors streams a finished batch's error report.
func (a *API) batchErrors(w http.ResponseWriter, r *http.Request, format, ct string) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	return serveReport(w, r, a.d.Ingest, id, r.PathValue("id"), format, ct)
}

// serveReport writes a batch's error report as a download. Errors before the first byte are returned; a
// failure after it can only cut the download short.
func serveReport(w http.ResponseWriter, r *http.Request, q *ingestqueue.Service, id server.Identity, batch, format, ct string) error {
	rw := &lazyHeader{w: w, set: func(h http.Header) {
		h.Set("Content-Type", ct)
		h.Set("Content-Disposition", `attachment; filename="`+batch+`-errors.`+format+`"`)
		h.Set("Cache-Control", "no-store")
	}}
	_, err := q.Report(r.Context(), id.Principal, batch, format, rw)
	if err != nil && rw.started {
		panic(http.ErrAbortHandler) // the client sees a cut download, not a 200 with a problem appended
	}
	return err
}

// lazyHeader sets the download headers on the first write, so an error
// before any byte still gets its own status and problem document.
type lazyHeader struct {
	w       http.ResponseWriter
	set     func(http.Header)
	started bool
}

func (l *lazyHeader) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.set(l.w.Header())
	}
	return l.w.Write(p)
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// ---- OpenAPI

func ingestSchemas() obj {
	tm := obj{"type": "string", "format": "date-time"}
	return obj{
		"IngestDataset": object([]string{"name", "department", "version", "definition"}, obj{
			"name": str("Dataset name, e.g. tax/tax.returns"), "department": str("Sending department code"),
			"version": integer("1 when registered, +1 on every replacement"), "updated_by": str("Who"), "updated_at": tm,
			"definition": obj{"type": "object", "description": "The dataset definition (see IngestDatasetDefinition)"}}),
		"IngestDatasetDefinition": obj{"type": "object", "required": []string{"department", "format", "row_kind", "key_column", "columns"},
			"description": "How to read one kind of department file (internal/ingest.Dataset): format, encoding, header row, and what every column means",
			"properties": obj{
				"name": str("Dataset name (defaults to the address)"), "department": str("Sender's department code (tax, hrss, hf, grid, ...)"),
				"format":     obj{"type": "string", "enum": []string{"csv", "xlsx", "jsonl"}},
				"encoding":   str("utf-8, utf-8-bom, gb18030 or gbk (text files)"),
				"sheet":      str("Worksheet (XLSX)"),
				"header_row": obj{"type": "integer", "minimum": 0, "description": "1-based header row; rows above are titles (0 for JSON lines)"},
				"row_kind":   str("measure or fact"), "item": str("Catalogue item of a single-item fact dataset"),
				"shape": str("measure, attribute or event"), "version": obj{"type": "integer", "minimum": 0},
				"key_column": str("Column holding the unified social credit code"),
				"columns": arrayOf(obj{"type": "object", "required": []string{"name", "field", "type"}, "properties": obj{
					"name": str("Header text"), "field": str("enterprise.code, fact.period, fact.num, fact.item, ..."),
					"item": str("Catalogue item"), "type": str("code, text, date, month, money, integer, decimal, enum, json"),
					"unit": str("Unit"), "scale": integer("Stored value = file value × scale"), "format": str("Date format"),
					"required": obj{"type": "boolean"}, "blank_zero": obj{"type": "boolean"}, "values": obj{"type": "object"},
					"closed": obj{"type": "boolean"}, "detail_key": str("Detail key"), "detail_const": obj{"type": "object"}}}),
				"detail_defaults": obj{"type": "object"},
			}},
		"IngestBatch": object([]string{"id", "batch", "dataset", "department", "state", "rows", "ok", "bad", "submitted_at", "links"}, obj{
			"id": str("Submission id (address of the batch)"), "batch": str("Ingest batch id: as given, or department and file digest"),
			"dataset": str("Dataset"), "department": str("Department"), "file_name": str("File name as sent"),
			"size": integer("Bytes"), "sha256": str("SHA-256 of the file"),
			"state": obj{"type": "string", "enum": []string{"queued", "running", "loaded", "failed", "already_loaded"},
				"description": "already_loaded: the batch id or the same content was loaded before; nothing changed"},
			"rows": integer("Data rows read so far"), "ok": integer("Rows stored"), "bad": integer("Rows refused (in the error report)"), "warnings": integer("Rows stored with a suspect value to confirm (part of ok; in the error report, severity warning)"),
			"facts": integer("Facts stored"), "problems_not_listed": integer("Bad rows beyond the report's cap"),
			"error":        object([]string{"code", "message"}, obj{"code": str("Stable code"), "message": str("Why nothing was stored, in the caller's language")}),
			"submitted_by": str("Who"), "submitted_at": tm, "started_at": tm, "finished_at": tm,
			"seconds": obj{"type": "number", "description": "Run time (so far, while running)"}, "attempts": obj{"type": "integer"},
			"links": object([]string{"self", "errors_csv", "errors_xlsx"}, obj{"self": str("This batch"),
				"errors_csv": str("Error report, CSV"), "errors_xlsx": str("Error report, XLSX")})}),
	}
}

func ingestPaths() obj {
	nameParam := pathParam("name", "Dataset name; escape '/' as %2F (tax%2Ftax.returns)", obj{"type": "string", "maxLength": 300})
	batchParam := pathParam("id", "Submission id", obj{"type": "string", "maxLength": 100})
	fileTypes := obj{}
	for _, t := range []string{"text/csv", "application/x-ndjson", ingest.ReportXLSXType, "application/octet-stream"} {
		fileTypes[t] = obj{"schema": obj{"type": "string", "format": "binary"}}
	}
	fileTypes["multipart/form-data"] = obj{"schema": object([]string{"file"}, obj{"dataset": str("Dataset (or ?dataset=); before the file part"),
		"batch": str("Batch id (or ?batch=); before the file part"), "file": obj{"type": "string", "format": "binary"}})}
	report := func(id, format, ct string) obj {
		return obj{"get": op(id, "The batch's error report ("+format+"): row, column, value, code, reason in Chinese and English; the read is recorded as evidence",
			"ingest", []obj{batchParam}, nil, "200", obj{"description": "Error report", "content": obj{ct: obj{"schema": obj{"type": "string", "format": "binary"}}}},
			"401", "403", "404", "409")}
	}
	return obj{
		"/api/v1/ingest/datasets": obj{"get": op("listIngestDatasets", "Registered dataset definitions", "ingest",
			[]obj{queryParam("department", "Keep one department", obj{"type": "string"})}, nil, "200", resp("Definitions", list(ref("IngestDataset"))), "401")},
		"/api/v1/ingest/datasets/{name}": obj{
			"get": op("getIngestDataset", "One dataset definition", "ingest", []obj{nameParam}, nil, "200", resp("Definition", ref("IngestDataset")), "401", "404"),
			"put": op("putIngestDataset", "Register or replace a dataset definition (operator administrators; recorded as evidence)", "ingest",
				[]obj{nameParam}, jsonBody(ref("IngestDatasetDefinition")), "200", resp("Replaced", ref("IngestDataset")), "201", "400", "401", "403"),
		},
		"/api/v1/ingest/batches": obj{
			"post": op("submitBatch", "Submit a department file as one batch: spooled, queued and loaded in the background. A department (user or API key with data:write) submits only its own datasets; operator administrators any. The same batch id or content again ends already_loaded",
				"ingest", []obj{queryParam("dataset", "Dataset name", obj{"type": "string"}), queryParam("batch", "Batch id (default: department and file digest)", obj{"type": "string"}),
					queryParam("file_name", "File name to record", obj{"type": "string"})},
				obj{"required": true, "content": fileTypes}, "202", resp("Queued; poll the Location", ref("IngestBatch")), "400", "401", "403", "404", "413"),
			"get": op("listBatches", "Submitted batches, newest first (a department sees its own)", "ingest", []obj{limitParam}, nil, "200",
				resp("Batches", list(ref("IngestBatch"))), "400", "401", "403"),
		},
		"/api/v1/ingest/batches/{id}": obj{"get": op("getBatch", "A batch's state and counts so far (progress while running)", "ingest",
			[]obj{batchParam}, nil, "200", resp("Batch", ref("IngestBatch")), "401", "403", "404")},
		"/api/v1/ingest/batches/{id}/errors.csv":  report("getBatchErrorsCSV", "CSV, UTF-8 with BOM", "text/csv"),
		"/api/v1/ingest/batches/{id}/errors.xlsx": report("getBatchErrorsXLSX", "XLSX", ingest.ReportXLSXType),
	}
}
