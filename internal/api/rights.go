package api

import (
	"context"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/rights"
)

// The data subject's rights (DOMAIN.md §6): objections (异议) and credit
// repair (信用修复). The service decides who sees and decides what; these
// handlers only translate.

type attachmentJSON struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	URL         string `json:"url"`
}

type recordValueJSON struct {
	Num  int64  `json:"num"`
	Text string `json:"text,omitempty"`
}

type objectionJSON struct {
	ID               int64            `json:"id"`
	CreditCode       string           `json:"credit_code"`
	EnterpriseName   string           `json:"enterprise_name"`
	Item             string           `json:"item"`
	Period           string           `json:"period"`
	Ref              string           `json:"ref,omitempty"`
	Department       string           `json:"department"`
	Version          int              `json:"version"`
	Value            recordValueJSON  `json:"value"`
	Reason           string           `json:"reason"`
	Status           string           `json:"status"`
	FiledBy          string           `json:"filed_by"`
	FiledAt          time.Time        `json:"filed_at"`
	DueAt            time.Time        `json:"due_at"`
	EscalatedAt      *time.Time       `json:"escalated_at,omitempty"`
	DecidedBy        string           `json:"decided_by,omitempty"`
	DecidedAt        *time.Time       `json:"decided_at,omitempty"`
	DecisionReason   string           `json:"decision_reason,omitempty"`
	CorrectedVersion int              `json:"corrected_version,omitempty"`
	Attachments      []attachmentJSON `json:"attachments,omitempty"`
}

type repairJSON struct {
	ID             int64            `json:"id"`
	CreditCode     string           `json:"credit_code"`
	EnterpriseName string           `json:"enterprise_name"`
	Item           string           `json:"item"`
	Period         string           `json:"period"`
	Ref            string           `json:"ref,omitempty"`
	Department     string           `json:"department"`
	Version        int              `json:"version"`
	Evidence       string           `json:"evidence"`
	Status         string           `json:"status"`
	FiledBy        string           `json:"filed_by"`
	FiledAt        time.Time        `json:"filed_at"`
	DecidedBy      string           `json:"decided_by,omitempty"`
	DecidedAt      *time.Time       `json:"decided_at,omitempty"`
	DecisionReason string           `json:"decision_reason,omitempty"`
	Attachments    []attachmentJSON `json:"attachments,omitempty"`
}

type notificationJSON struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	RefID     int64     `json:"ref_id"`
	Status    string    `json:"status"`
	Item      string    `json:"item"`
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

func attachmentsOf(base string, as []rights.Attachment) []attachmentJSON {
	out := make([]attachmentJSON, len(as))
	for i, x := range as {
		out[i] = attachmentJSON{ID: x.ID, Name: x.Name, ContentType: x.ContentType, Size: x.Size, SHA256: x.SHA256,
			URL: base + "/attachments/" + strconv.FormatInt(x.ID, 10)}
	}
	return out
}

func objectionOf(o rights.Objection) objectionJSON {
	return objectionJSON{ID: o.ID, CreditCode: o.EnterpriseCode, EnterpriseName: o.EnterpriseName, Item: o.Item,
		Period: o.Period.Format(time.DateOnly), Ref: o.Ref, Department: o.Department, Version: o.FactVersion,
		Value: recordValueJSON{Num: o.ValueNum, Text: o.ValueText}, Reason: o.Reason, Status: string(o.Status),
		FiledBy: o.FiledBy, FiledAt: o.FiledAt, DueAt: o.DueAt, EscalatedAt: timeOrNil(o.EscalatedAt), DecidedBy: o.DecidedBy,
		DecidedAt: timeOrNil(o.DecidedAt), DecisionReason: o.DecisionReason, CorrectedVersion: o.CorrectedVersion,
		Attachments: attachmentsOf("/api/v1/objections/"+strconv.FormatInt(o.ID, 10), o.Attachments)}
}

func repairOf(r rights.Repair) repairJSON {
	return repairJSON{ID: r.ID, CreditCode: r.EnterpriseCode, EnterpriseName: r.EnterpriseName, Item: r.Item,
		Period: r.Period.Format(time.DateOnly), Ref: r.Ref, Department: r.Department, Version: r.FactVersion,
		Evidence: r.Evidence, Status: string(r.Status), FiledBy: r.FiledBy, FiledAt: r.FiledAt, DecidedBy: r.DecidedBy,
		DecidedAt: timeOrNil(r.DecidedAt), DecisionReason: r.DecisionReason,
		Attachments: attachmentsOf("/api/v1/repairs/"+strconv.FormatInt(r.ID, 10), r.Attachments)}
}

type attachmentIn struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Content     []byte `json:"content"` // base64 in JSON
}

func attachmentInputs(in []attachmentIn) []rights.AttachmentInput {
	out := make([]rights.AttachmentInput, len(in))
	for i, a := range in {
		out[i] = rights.AttachmentInput{Name: a.Name, ContentType: a.ContentType, Data: a.Content}
	}
	return out
}

type fileIn struct {
	CreditCode  string         `json:"credit_code"`
	Item        string         `json:"item"`
	Period      string         `json:"period"`
	Ref         string         `json:"ref"`
	Reason      string         `json:"reason"`
	Evidence    string         `json:"evidence"`
	Attachments []attachmentIn `json:"attachments"`
}

func (in fileIn) period() (time.Time, error) {
	if in.Period == "" {
		return time.Time{}, fault.New(fault.Invalid, "rights.period_required", "the record's period is required")
	}
	return periodParam(in.Period, "period", false)
}

// rightsKind is one kind of the subject's filings (objections, repair
// applications): the same five operations (file, list, get, decide,
// download an attachment) over the service's calls for that kind. T is
// the kind's record in the service.
type rightsKind[T any] struct {
	base   string // "/api/v1/objections"
	owner  string // attachment owner: rights.OwnerObjection, rights.OwnerRepair
	unused string // the fileIn field this kind does not take ("evidence", "reason")
	// valueless: decisions carry no corrected value (repairs).
	valueless bool
	file      func(ctx context.Context, p access.Principal, in fileIn, period time.Time) (T, error)
	list      func(ctx context.Context, p access.Principal, queue string, limit int) ([]T, error)
	get       func(ctx context.Context, p access.Principal, id int64) (T, error)
	decide    func(ctx context.Context, p access.Principal, id int64, d rights.Decision) (T, error)
	id        func(T) int64
	json      func(T) any
}

// objections: POST/GET /api/v1/objections, GET /api/v1/objections/{id},
// POST .../decision, GET .../attachments/{attachment}.
func (a *API) objections() rightsKind[rights.Objection] {
	return rightsKind[rights.Objection]{base: "/api/v1/objections", owner: rights.OwnerObjection, unused: "evidence",
		file: func(ctx context.Context, p access.Principal, in fileIn, period time.Time) (rights.Objection, error) {
			return a.d.Rights.FileObjection(ctx, p, rights.ObjectionInput{Code: in.CreditCode, Item: in.Item, Period: period,
				Ref: in.Ref, Reason: in.Reason, Attachments: attachmentInputs(in.Attachments)})
		},
		list: a.d.Rights.ListObjections, get: a.d.Rights.GetObjection, decide: a.d.Rights.DecideObjection,
		id: func(o rights.Objection) int64 { return o.ID }, json: func(o rights.Objection) any { return objectionOf(o) }}
}

// repairs: the same operations under /api/v1/repairs.
func (a *API) repairs() rightsKind[rights.Repair] {
	return rightsKind[rights.Repair]{base: "/api/v1/repairs", owner: rights.OwnerRepair, unused: "reason", valueless: true,
		file: func(ctx context.Context, p access.Principal, in fileIn, period time.Time) (rights.Repair, error) {
			return a.d.Rights.FileRepair(ctx, p, rights.RepairInput{Code: in.CreditCode, Item: in.Item, Period: period,
				Ref: in.Ref, Evidence: in.Evidence, Attachments: attachmentInputs(in.Attachments)})
		},
		list: a.d.Rights.ListRepairs, get: a.d.Rights.GetRepair, decide: a.d.Rights.DecideRepair,
		id: func(r rights.Repair) int64 { return r.ID }, json: func(r rights.Repair) any { return repairOf(r) }}
}

// fileOne: POST base (the enterprise's own users).
func (k rightsKind[T]) fileOne(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	var in fileIn
	if err := decode(r, &in); err != nil {
		return err
	}
	if other := map[string]string{"evidence": in.Evidence, "reason": in.Reason}[k.unused]; other != "" {
		return fault.New(fault.Invalid, "request.bad_json", "unknown field").With("detail", `unknown field "`+k.unused+`"`)
	}
	p, err := in.period()
	if err != nil {
		return err
	}
	x, err := k.file(r.Context(), id.Principal, in, p)
	if err != nil {
		return err
	}
	w.Header().Set("Location", k.base+"/"+strconv.FormatInt(k.id(x), 10))
	writeJSON(w, http.StatusCreated, k.json(x))
	return nil
}

// listAll: GET base?queue=&limit=.
func (k rightsKind[T]) listAll(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return err
	}
	xs, err := k.list(r.Context(), id.Principal, r.URL.Query().Get("queue"), limit)
	if err != nil {
		return err
	}
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = k.json(x)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

// getOne: GET base/{id}.
func (k rightsKind[T]) getOne(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	n, err := pathID(r, "id")
	if err != nil {
		return err
	}
	x, err := k.get(r.Context(), id.Principal, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, k.json(x))
	return nil
}

type decisionIn struct {
	Decision string  `json:"decision"`
	Reason   string  `json:"reason"`
	Num      *int64  `json:"num"`
	Text     *string `json:"text"`
}

// decideOne: POST base/{id}/decision.
func (k rightsKind[T]) decideOne(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	n, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in decisionIn
	if err := decode(r, &in); err != nil {
		return err
	}
	if k.valueless && (in.Num != nil || in.Text != nil) {
		return fault.New(fault.Invalid, "request.bad_json", "unknown field").With("detail", "a repair decision carries no value")
	}
	x, err := k.decide(r.Context(), id.Principal, n, rights.Decision{Action: in.Decision, Reason: in.Reason, Num: in.Num, Text: in.Text})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, k.json(x))
	return nil
}

// attachmentOf sends a filed file as a download (never rendered inline:
// its content is the filer's, not the platform's): GET
// base/{id}/attachments/{attachment}.
func (k rightsKind[T]) attachmentOf(a *API) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error { return a.attachment(w, r, k.owner) }
}

func (a *API) attachment(w http.ResponseWriter, r *http.Request, owner string) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	ownerID, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := pathID(r, "attachment")
	if err != nil {
		return err
	}
	x, err := a.d.Rights.Attachment(r.Context(), id.Principal, owner, ownerID, n)
	if err != nil {
		return err
	}
	writeAttachment(w, x)
	return nil
}

// writeAttachment sends a filed file as a download.
func writeAttachment(w http.ResponseWriter, x rights.Attachment) {
	h := w.Header()
	ct := x.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": x.Name}))
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(x.Data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(x.Data)
}

func (a *API) listNotifications(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return err
	}
	ns, err := a.d.Rights.Notifications(r.Context(), id.Principal, limit)
	if err != nil {
		return err
	}
	out := make([]notificationJSON, len(ns))
	for i, n := range ns {
		out[i] = notificationJSON{ID: n.ID, Kind: n.Kind, RefID: n.RefID, Status: n.Status, Item: n.Item, Reason: n.Reason, CreatedAt: n.CreatedAt}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

// rightsPaths documents the objection and repair operations.
func rightsPaths() obj {
	queue := queryParam("queue", "pending (open and escalated), escalated (the operator's queue of overdue objections); empty: all you may see",
		obj{"type": "string", "enum": []string{"", "pending", "escalated"}})
	attParam := pathParam("attachment", "Attachment id", obj{"type": "integer", "format": "int64", "minimum": 1})
	download := obj{"description": "The file, as a download (Content-Disposition: attachment)",
		"content": obj{"application/octet-stream": obj{"schema": obj{"type": "string", "format": "binary"}}}}
	return obj{
		"/api/v1/objections": obj{
			"get": op("listObjections", "Objections (异议) you may see: an enterprise its own, a department its queue, operators and auditors all; one evidence entry",
				"rights", []obj{queue, limitParam}, nil, "200", resp("Objections, newest first", list(ref("Objection"))), "400", "401", "403"),
			"post": op("fileObjection", "File an objection to one of your enterprise's stored records (enterprise users): routed to the item's source department with a deadline (objection_deadline); the record is flagged under objection wherever it is shown or shared",
				"rights", nil, jsonBody(ref("ObjectionInput")), "201", resp("The objection", ref("Objection")), "400", "401", "403", "404", "409", "413"),
		},
		"/api/v1/objections/{id}": obj{"get": op("getObjection", "One objection with its attachments (recorded as evidence)", "rights",
			[]obj{idParam}, nil, "200", resp("The objection", ref("Objection")), "401", "404")},
		"/api/v1/objections/{id}/decision": obj{"post": op("decideObjection", "Confirm, correct (a new version of the record, provenance \"objection <id>\") or reject with a reason: the source department, or an operator administrator once escalated; the enterprise is notified",
			"rights", []obj{idParam}, jsonBody(ref("ObjectionDecision")), "200", resp("The decided objection", ref("Objection")), "400", "401", "403", "404", "409")},
		"/api/v1/objections/{id}/attachments/{attachment}": obj{"get": op("getObjectionAttachment", "Download an attachment of an objection (recorded as evidence)",
			"rights", []obj{idParam, attParam}, nil, "200", download, "401", "404")},
		"/api/v1/repairs": obj{
			"get": op("listRepairs", "Credit-repair applications (信用修复) you may see: an enterprise its own, operators and auditors all",
				"rights", []obj{queryParam("queue", "pending: undecided applications", obj{"type": "string", "enum": []string{"", "pending"}}), limitParam},
				nil, "200", resp("Applications, newest first", list(ref("Repair"))), "400", "401", "403"),
			"post": op("fileRepair", "Apply for the repair of a penalty or list entry of your enterprise, with evidence (enterprise users)",
				"rights", nil, jsonBody(ref("RepairInput")), "201", resp("The application", ref("Repair")), "400", "401", "403", "404", "409", "413"),
		},
		"/api/v1/repairs/{id}": obj{"get": op("getRepair", "One credit-repair application with its attachments", "rights",
			[]obj{idParam}, nil, "200", resp("The application", ref("Repair")), "401", "404")},
		"/api/v1/repairs/{id}/decision": obj{"post": op("decideRepair", "Approve or reject (with a reason) a repair application (operator administrators): a repaired record is no longer shown or shared to institutions or other departments, and its enterprise is queued for recomputation",
			"rights", []obj{idParam}, jsonBody(ref("RepairDecision")), "200", resp("The decided application", ref("Repair")), "400", "401", "403", "404", "409")},
		"/api/v1/repairs/{id}/attachments/{attachment}": obj{"get": op("getRepairAttachment", "Download an attachment of a repair application (recorded as evidence)",
			"rights", []obj{idParam, attParam}, nil, "200", download, "401", "404")},
		"/api/v1/notifications": obj{"get": op("listNotifications", "Outcomes of your enterprise's objections and repair applications (enterprise users)",
			"rights", []obj{limitParam}, nil, "200", resp("Notifications, newest first", list(ref("Notification"))), "401", "403")},
	}
}

// rightsSchemas are the components rightsPaths refers to.
func rightsSchemas() obj {
	tm := obj{"type": "string", "format": "date-time"}
	att := object([]string{"id", "name", "content_type", "size", "sha256", "url"}, obj{"id": integer("Attachment id"), "name": str("File name"),
		"content_type": str("Media type"), "size": integer("Bytes"), "sha256": str("Hex SHA-256 of the content"), "url": str("Download path")})
	attIn := object([]string{"content"}, obj{"name": str("File name"), "content_type": str("Media type (sniffed when absent)"),
		"content": obj{"type": "string", "contentEncoding": "base64", "description": "The file, base64; at most 1 MiB, at most 5 files"}})
	statusObj := obj{"type": "string", "enum": []string{"open", "escalated", "confirmed", "corrected", "rejected"}}
	return obj{
		"ObjectionInput": object([]string{"credit_code", "item", "period", "reason"}, obj{
			"credit_code": str("Your enterprise's unified social credit code"), "item": str("Catalogue item code"),
			"period": str("The record's period or date, YYYY-MM-DD (YYYY-MM: its first day)"), "ref": str("The event's reference (decision or case number), if any"),
			"reason": str("Why the record is wrong (at most 2000 characters)"), "attachments": arrayOf(attIn)}),
		"Objection": object([]string{"id", "credit_code", "item", "period", "department", "version", "value", "reason", "status", "filed_at", "due_at"}, obj{
			"id": integer("Objection id"), "credit_code": str("Enterprise"), "enterprise_name": str("Enterprise name"), "item": str("Catalogue item"),
			"period": str("Record period, YYYY-MM-DD"), "ref": str("Record reference"), "department": str("Source department (whose queue)"),
			"version": integer("The version disputed"), "value": object([]string{"num"}, obj{"num": integer("Value in the item's unit"), "text": str("Text value")}),
			"reason": str("The enterprise's reason"), "status": statusObj, "filed_by": str("Who filed"), "filed_at": tm,
			"due_at": tm, "escalated_at": tm, "decided_by": str("Who decided"), "decided_at": tm, "decision_reason": str("Decision reason"),
			"corrected_version": integer("The version the correction stored"), "attachments": arrayOf(att)}),
		"ObjectionDecision": object([]string{"decision"}, obj{
			"decision": obj{"type": "string", "enum": []string{"confirm", "correct", "reject"}},
			"reason":   str("Required to reject"), "num": integer("Corrected value (correct)"), "text": str("Corrected text (correct)")}),
		"RepairInput": object([]string{"credit_code", "item", "period", "evidence"}, obj{
			"credit_code": str("Your enterprise's unified social credit code"), "item": str("A penalty or list item"),
			"period": str("The record's date, YYYY-MM-DD"), "ref": str("The decision number"),
			"evidence": str("What was done to correct the conduct (at most 2000 characters)"), "attachments": arrayOf(attIn)}),
		"Repair": object([]string{"id", "credit_code", "item", "period", "department", "version", "evidence", "status", "filed_at"}, obj{
			"id": integer("Application id"), "credit_code": str("Enterprise"), "enterprise_name": str("Enterprise name"), "item": str("Catalogue item"),
			"period": str("Record date"), "ref": str("Record reference"), "department": str("Source department"), "version": integer("Version at filing"),
			"evidence": str("The enterprise's evidence"), "status": obj{"type": "string", "enum": []string{"pending", "approved", "rejected"}},
			"filed_by": str("Who applied"), "filed_at": tm, "decided_by": str("Who decided"), "decided_at": tm,
			"decision_reason": str("Decision reason"), "attachments": arrayOf(att)}),
		"RepairDecision": object([]string{"decision"}, obj{
			"decision": obj{"type": "string", "enum": []string{"approve", "reject"}}, "reason": str("Required to reject")}),
		"Notification": object([]string{"id", "kind", "ref_id", "status", "item", "created_at"}, obj{
			"id": integer("Notification id"), "kind": obj{"type": "string", "enum": []string{"objection", "repair"}},
			"ref_id": integer("The objection's or application's id"), "status": str("The state it reached"), "item": str("Catalogue item"),
			"reason": str("The decider's reason"), "created_at": tm}),
	}
}
