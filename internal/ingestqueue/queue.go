package ingestqueue

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/ingest"
	"github.com/creditbridge/creditbridge/internal/ingestjob"
	"github.com/creditbridge/creditbridge/internal/store"
)

// DefaultMaxUpload bounds an upload when Service.MaxUpload is zero.
const DefaultMaxUpload = 1 << 30

// maxAttempts bounds the runs of a batch that keeps failing for internal
// reasons (the database going away mid-batch); it then ends failed.
const maxAttempts = 3

// Service keeps definitions and runs submitted batches.
type Service struct {
	Store store.Store
	// Enterprises is the registry service registration files (profile
	// rows) are applied through; without it they fail with
	// ingest.no_registry.
	Enterprises *enterprise.Service
	// Dir is the spool directory (created on demand): uploads wait here
	// until their batch ends.
	Dir string
	// MaxUpload bounds an upload in bytes (DefaultMaxUpload when zero).
	MaxUpload int64
	Log       *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Tune, when set, adjusts each batch's ingest options (tests use a
	// small ChunkRows to see progress on a small file).
	Tune func(*ingest.Options)
	// AfterLoad, when set, is called after a batch loaded (outside its
	// transaction), e.g. to run the data-quality rules of its dataset.
	AfterLoad func(ctx context.Context, j ingestjob.Job)

	once sync.Once
	wake chan struct{}
	mu   sync.Mutex
	live map[string]ingest.Progress // running batch → counts so far
	// uploading names the spool files of submissions in progress, which
	// CleanSpool must leave alone.
	uploading map[string]bool
}

func (s *Service) init() {
	s.once.Do(func() {
		s.wake = make(chan struct{}, 1)
		s.live = map[string]ingest.Progress{}
		s.uploading = map[string]bool{}
		if s.Log == nil {
			s.Log = slog.New(slog.DiscardHandler)
		}
	})
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// UploadLimit is the largest file Submit accepts, in bytes.
func (s *Service) UploadLimit() int64 { return s.maxUpload() }

func (s *Service) maxUpload() int64 {
	if s.MaxUpload > 0 {
		return s.MaxUpload
	}
	return DefaultMaxUpload
}

// ---- dataset definitions

// ValidName reports whether name can name a dataset: 1-100 characters,
// letters (any script), digits, '.', '_', '-' and '/'.
func ValidName(name string) bool {
	if name == "" || len([]rune(name)) > 100 || strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") {
		return false
	}
	for _, r := range name {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-/", r)) {
			return false
		}
	}
	return true
}

func errName(name string) error {
	return fault.New(fault.Invalid, "ingestjob.dataset_name", "bad dataset name").With("name", name)
}

// SaveDataset registers or replaces the definition name from its JSON
// (an ingest.Dataset; unknown fields are refused, the name may be left
// out), with an evidence entry.
func (s *Service) SaveDataset(ctx context.Context, p access.Principal, name string, spec []byte) (ingestjob.Definition, error) {
	if err := ingestjob.CanDefine(p); err != nil {
		return ingestjob.Definition{}, err
	}
	if !ValidName(name) {
		return ingestjob.Definition{}, errName(name)
	}
	var ds ingest.Dataset
	dec := json.NewDecoder(bytes.NewReader(spec))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ds); err != nil {
		return ingestjob.Definition{}, fault.New(fault.Invalid, "ingest.dataset", "dataset JSON").With("detail", jsonDetail(err))
	}
	if dec.More() {
		return ingestjob.Definition{}, fault.New(fault.Invalid, "ingest.dataset", "dataset JSON").With("detail", "trailing data after the definition")
	}
	if ds.Name == "" {
		ds.Name = name
	}
	if ds.Name != name {
		return ingestjob.Definition{}, fault.New(fault.Invalid, "ingestjob.name_mismatch", "name differs from path").
			With("name", ds.Name).With("path", name)
	}
	if err := ds.Validate(); err != nil {
		return ingestjob.Definition{}, err
	}
	return s.saveDataset(ctx, p.ActorName(), p, ds)
}

// RegisterDataset stores a definition the platform derives itself (the
// demo's datasets, from its department files' manifest).
func (s *Service) RegisterDataset(ctx context.Context, ds ingest.Dataset) (ingestjob.Definition, error) {
	if !ValidName(ds.Name) {
		return ingestjob.Definition{}, errName(ds.Name)
	}
	if err := ds.Validate(); err != nil {
		return ingestjob.Definition{}, err
	}
	return s.saveDataset(ctx, access.System.ActorName(), access.System, ds)
}

func (s *Service) saveDataset(ctx context.Context, actor string, p access.Principal, ds ingest.Dataset) (ingestjob.Definition, error) {
	b, err := json.Marshal(ds)
	if err != nil {
		return ingestjob.Definition{}, fmt.Errorf("ingestqueue: encode dataset: %w", err)
	}
	d := ingestjob.Definition{Name: ds.Name, Department: ds.Department, Spec: string(b), UpdatedBy: actor}
	err = s.Store.InTx(ctx, func(tx store.Store) error {
		if err := tx.SaveDataset(ctx, &d); err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]any{"dataset": d.Name, "department": d.Department, "version": d.Version})
		return tx.AppendAudit(ctx, &audit.Entry{ActorUserID: p.UserID, ActorName: actor, OrgID: p.OrgID, Action: "ingest.dataset.save",
			Outcome: audit.OK, Detail: string(detail), RemoteAddr: p.RemoteAddr})
	})
	return d, err
}

// signedIn refuses the anonymous.
func signedIn(p access.Principal) error {
	if p.OrgID == 0 && p.Username != "system" {
		return fault.New(fault.Unauthenticated, "auth.required", "sign in first")
	}
	return nil
}

// Dataset returns one definition; any signed-in principal may read
// definitions (they describe files, they hold no data).
func (s *Service) Dataset(ctx context.Context, p access.Principal, name string) (ingestjob.Definition, error) {
	if err := signedIn(p); err != nil {
		return ingestjob.Definition{}, err
	}
	return s.Store.DatasetByName(ctx, name)
}

// Datasets lists definitions of a department ("" for all).
func (s *Service) Datasets(ctx context.Context, p access.Principal, department string) ([]ingestjob.Definition, error) {
	if err := signedIn(p); err != nil {
		return nil, err
	}
	return s.Store.ListDatasets(ctx, department)
}

// Submittable lists the definitions p may submit batches of.
func (s *Service) Submittable(ctx context.Context, p access.Principal) ([]ingestjob.Definition, error) {
	if !ingestjob.CanSubmitAny(p) {
		return nil, nil
	}
	all, err := s.Store.ListDatasets(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []ingestjob.Definition
	for _, d := range all {
		if ingestjob.CanSubmit(p, d.Department, d.Name) == nil {
			out = append(out, d)
		}
	}
	return out, nil
}

// Spec decodes a definition's dataset.
func Spec(d string) (ingest.Dataset, error) {
	var ds ingest.Dataset
	if err := json.Unmarshal([]byte(d), &ds); err != nil {
		return ds, fmt.Errorf("ingestqueue: stored dataset: %w", err)
	}
	return ds, nil
}

func jsonDetail(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("JSON syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q must be %s", te.Field, te.Type)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends early"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	return "invalid JSON"
}

// ---- submitting

// Submission is one file offered as a batch.
type Submission struct {
	Dataset  string
	Batch    string // optional batch id
	FileName string
	Body     io.Reader
}

// ValidBatchID reports whether id can name a batch.
func ValidBatchID(id string) bool {
	if id == "" || len(id) > 100 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Submit spools the upload and queues its batch. The caller may submit
// only its own department's datasets (operator administrators any); the
// file must be non-empty, within MaxUpload and of the dataset's format
// (an XLSX file is a zip; a text file is not). Nothing is kept when the
// submission is refused.
func (s *Service) Submit(ctx context.Context, p access.Principal, in Submission) (ingestjob.Job, error) {
	s.init()
	if in.Dataset == "" {
		return ingestjob.Job{}, fault.New(fault.Invalid, "ingestjob.dataset_required", "dataset required")
	}
	if !ValidName(in.Dataset) {
		return ingestjob.Job{}, errName(in.Dataset)
	}
	if in.Batch != "" && !ValidBatchID(in.Batch) {
		return ingestjob.Job{}, fault.New(fault.Invalid, "ingestjob.batch_id", "bad batch id").With("id", in.Batch)
	}
	if err := ingestjob.Submitter(p); err != nil {
		return ingestjob.Job{}, err
	}
	def, err := s.Store.DatasetByName(ctx, in.Dataset)
	if err != nil {
		return ingestjob.Job{}, err
	}
	if err := ingestjob.CanSubmit(p, def.Department, def.Name); err != nil {
		return ingestjob.Job{}, err
	}
	ds, err := Spec(def.Spec)
	if err != nil {
		return ingestjob.Job{}, err
	}
	if err := os.MkdirAll(s.Dir, 0o750); err != nil {
		return ingestjob.Job{}, fmt.Errorf("ingestqueue: spool directory: %w", err)
	}
	tmp, size, sum, head, err := s.spool(in.Body)
	if err != nil {
		return ingestjob.Job{}, err
	}
	defer s.release(filepath.Base(tmp))
	keep := false
	defer func() {
		if !keep {
			os.Remove(tmp)
		}
	}()
	if err := checkFormat(def.Name, ds.Format, head); err != nil {
		return ingestjob.Job{}, err
	}
	now := s.now()
	j := ingestjob.Job{ID: newID(now), Batch: in.Batch, Dataset: def.Name, Department: def.Department, Spec: def.Spec,
		FileName: cleanFileName(in.FileName), Size: size, SHA256: sum, State: ingestjob.Queued, SubmittedBy: p.ActorName(),
		OrgID: p.OrgID, UserID: p.UserID, SubmittedAt: now}
	if j.Batch == "" {
		j.Batch = def.Department + "-" + sum[:16] // as ingest.File names it
	}
	if j.FileName == "" {
		j.FileName = j.ID + "." + ds.Format
	}
	final := s.spoolPath(j.ID)
	s.hold(filepath.Base(final))
	defer s.release(filepath.Base(final))
	if err := os.Rename(tmp, final); err != nil {
		return ingestjob.Job{}, fmt.Errorf("ingestqueue: spool: %w", err)
	}
	tmp = final
	err = s.Store.InTx(ctx, func(tx store.Store) error {
		if err := tx.CreateJob(ctx, &j); err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]any{"id": j.ID, "batch": j.Batch, "dataset": j.Dataset, "file": j.FileName,
			"size": j.Size, "sha256": j.SHA256})
		return tx.AppendAudit(ctx, &audit.Entry{ActorUserID: p.UserID, ActorName: p.ActorName(), OrgID: p.OrgID, Action: "ingest.submit",
			Outcome: audit.OK, Detail: string(detail), RemoteAddr: p.RemoteAddr})
	})
	if err != nil {
		return ingestjob.Job{}, err
	}
	keep = true
	s.Wake()
	return j, nil
}

// spool copies body to a temporary file in Dir, hashing it, and returns
// its path, size, SHA-256 and first bytes. Bodies beyond MaxUpload and
// empty ones are refused (and removed).
func (s *Service) spool(body io.Reader) (path string, size int64, sum string, head []byte, err error) {
	name := ".incoming-" + strings.ToLower(rand.Text())
	s.hold(name) // released by Submit once the file has its final name, or here on error
	tmp := filepath.Join(s.Dir, name)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", 0, "", nil, fmt.Errorf("ingestqueue: spool: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
			s.release(name)
		}
	}()
	h := sha256.New()
	hd := &headWriter{max: 8}
	limit := s.maxUpload()
	n, err := io.Copy(io.MultiWriter(f, h, hd), io.LimitReader(body, limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return "", 0, "", nil, tooLarge(mbe.Limit)
		}
		return "", 0, "", nil, fault.New(fault.Invalid, "ingestjob.upload", "the upload could not be read").Wrap(err)
	}
	if n > limit {
		return "", 0, "", nil, tooLarge(limit)
	}
	if n == 0 {
		return "", 0, "", nil, fault.New(fault.Invalid, "ingestjob.empty_file", "empty file")
	}
	if err := f.Sync(); err != nil {
		return "", 0, "", nil, fmt.Errorf("ingestqueue: spool: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", 0, "", nil, fmt.Errorf("ingestqueue: spool: %w", err)
	}
	return tmp, n, hex.EncodeToString(h.Sum(nil)), hd.b, nil
}

func tooLarge(limit int64) error {
	return fault.New(fault.TooLarge, "ingestjob.too_large", "upload too large").With("limit", strconv.FormatInt(limit, 10))
}

func (s *Service) hold(name string) {
	s.mu.Lock()
	s.uploading[name] = true
	s.mu.Unlock()
}

func (s *Service) release(name string) {
	s.mu.Lock()
	delete(s.uploading, name)
	s.mu.Unlock()
}

func (s *Service) held(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uploading[name]
}

type headWriter struct {
	b   []byte
	max int
}

func (h *headWriter) Write(p []byte) (int, error) {
	if n := h.max - len(h.b); n > 0 {
		h.b = append(h.b, p[:min(n, len(p))]...)
	}
	return len(p), nil
}

var zipMagic = []byte("PK\x03\x04")

// checkFormat refuses a zip (XLSX) for a text dataset and a text file for
// an XLSX dataset, at once, instead of queueing a batch that must fail.
func checkFormat(dataset, format string, head []byte) error {
	isZip := bytes.HasPrefix(head, zipMagic)
	got := "CSV/JSON lines"
	if isZip {
		got = "XLSX"
	}
	want := map[string]string{"csv": "CSV", "jsonl": "JSON lines", "xlsx": "XLSX"}[format]
	if (format == "xlsx") != isZip {
		return fault.New(fault.Invalid, "ingestjob.format_mismatch", "file format differs from the dataset's").
			With("dataset", dataset).With("want", want).With("got", got)
	}
	return nil
}

// cleanFileName keeps the base name of what the client called the file.
func cleanFileName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = name[strings.LastIndexByte(name, '/')+1:]
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if len(name) > 200 {
		name = name[:200]
	}
	return strings.TrimSpace(name)
}

// newID names a submission: its UTC submission second and 8 random
// characters, so ids sort by time and never collide in practice.
func newID(now time.Time) string {
	return "sub-" + now.Format("20060102-150405") + "-" + strings.ToLower(rand.Text()[:8])
}

func (s *Service) spoolPath(id string) string { return filepath.Join(s.Dir, id+".upload") }

// ---- reading batches

// Job returns a batch p may see, with its live counts while it runs.
func (s *Service) Job(ctx context.Context, p access.Principal, id string) (ingestjob.Job, error) {
	s.init()
	j, err := s.Store.JobByID(ctx, id)
	if err != nil {
		return j, err
	}
	if _, _, err := ingestjob.Visible(p); err != nil {
		return ingestjob.Job{}, err
	}
	if err := ingestjob.CanRead(p, j.Department, j.Dataset); err != nil {
		// Another department's batch: as if it did not exist.
		return ingestjob.Job{}, fault.New(fault.NotFound, "ingestjob.batch_not_found", "submitted batch not found").With("id", id)
	}
	return s.withLive(j), nil
}

// Jobs lists the newest batches p may see.
func (s *Service) Jobs(ctx context.Context, p access.Principal, limit int) ([]ingestjob.Job, error) {
	s.init()
	all, dept, err := ingestjob.Visible(p)
	if err != nil {
		return nil, err
	}
	if all {
		dept = ""
	}
	js, err := s.Store.ListJobs(ctx, ingestjob.Filter{Department: dept, Limit: limit})
	for i := range js {
		js[i] = s.withLive(js[i])
	}
	return js, err
}

func (s *Service) withLive(j ingestjob.Job) ingestjob.Job {
	if j.State != ingestjob.Running {
		return j
	}
	s.mu.Lock()
	pr, ok := s.live[j.ID]
	s.mu.Unlock()
	if ok {
		j.Rows, j.OK, j.Bad, j.Warnings = pr.Rows, pr.OK, pr.Bad, pr.Warnings
	}
	return j
}

// Report streams a finished batch's error report as "csv" or "xlsx" into
// w, and records the read in the evidence log: the report repeats values
// of the department's file.
func (s *Service) Report(ctx context.Context, p access.Principal, id, format string, w io.Writer) (ingestjob.Job, error) {
	if format != "csv" && format != "xlsx" {
		return ingestjob.Job{}, fault.New(fault.Invalid, "ingestjob.report_format", "report format")
	}
	j, err := s.Job(ctx, p, id)
	if err != nil {
		return j, err
	}
	if !j.State.Final() {
		return j, fault.New(fault.Conflict, "ingestjob.report_not_ready", "batch still running").With("state", string(j.State))
	}
	detail, _ := json.Marshal(map[string]any{"id": j.ID, "batch": j.Batch, "dataset": j.Dataset, "format": format, "bad_rows": j.Bad})
	if err := s.Store.AppendAudit(ctx, &audit.Entry{ActorUserID: p.UserID, ActorName: p.ActorName(), OrgID: p.OrgID,
		Action: "ingest.report.read", Outcome: audit.OK, Detail: string(detail), RemoteAddr: p.RemoteAddr}); err != nil {
		return j, err
	}
	seq := s.problems(ctx, j.ID)
	if format == "xlsx" {
		return j, ingest.StreamReportXLSX(w, seq)
	}
	return j, ingest.StreamReportCSV(w, seq)
}

// problems pages through a stored report.
func (s *Service) problems(ctx context.Context, id string) iter.Seq2[ingest.Problem, error] {
	return func(yield func(ingest.Problem, error) bool) {
		var after int64
		for {
			page, err := s.Store.JobProblems(ctx, id, after, 2000)
			if err != nil {
				yield(ingest.Problem{}, err)
				return
			}
			for _, p := range page {
				if !yield(ingest.Problem{Row: int(p.Row), Column: p.Column, Value: p.Value, Code: p.Code, Detail: p.Detail,
					Format: p.Format, Of: int(p.Of), Params: p.Params}, nil) {
					return
				}
			}
			if len(page) == 0 {
				return
			}
			after = page[len(page)-1].Seq
		}
	}
}
