package web

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/i18n"
	"github.com/creditbridge/creditbridge/internal/rights"
	"github.com/creditbridge/creditbridge/internal/server"
	"github.com/creditbridge/creditbridge/internal/sharing"
)

// The "Objections and repair / 异议与修复" pages (DOMAIN.md §6): an
// enterprise files objections and repair applications about its own
// records (from its data page) and follows them; a department works its
// queue; the operator works the escalated queue and decides repairs;
// auditors read everything. The rights service decides who sees and
// decides what; these handlers translate.

// RightsPath is the page's address.
const RightsPath = "/rights"

var (
	objectionStatusKeys = map[string]string{string(rights.ObjectionOpen): "ui.rights.status.open",
		string(rights.ObjectionEscalated): "ui.rights.status.escalated", string(rights.ObjectionConfirmed): "ui.rights.status.confirmed",
		string(rights.ObjectionCorrected): "ui.rights.status.corrected", string(rights.ObjectionRejected): "ui.rights.status.rejected"}
	repairStatusKeys = map[string]string{string(rights.RepairPending): "ui.rights.status.pending",
		string(rights.RepairApproved): "ui.rights.status.approved", string(rights.RepairRejected): "ui.rights.status.rejected"}
	doneKeys = map[string]string{"objection": "ui.rights.done.objection", "repair": "ui.rights.done.repair",
		"decided": "ui.rights.done.decided"}
)

type rightsAttachment struct {
	Name string
	Size int64
	URL  string
}

// filing is what an objection row and a repair row share, shown by the
// one "filing_cells" template: the record, the filer's statement and
// files, the status.
type filing struct {
	ItemName    string
	StatusLabel string
	Pending     bool
	CanDecide   bool
	Files       []rightsAttachment
	Statement   string // the objection's reason, the repair's evidence
	RecordNote  string // what else identifies the record (the version and value disputed)
}

type objectionRow struct {
	rights.Objection
	filing
	CSRF string // for the decision form
}

type repairRow struct {
	rights.Repair
	filing
}

type notificationRow struct {
	rights.Notification
	ItemName    string
	StatusLabel string
	KindLabel   string
}

type rightsData struct {
	Enterprise    bool // the viewer is the enterprise itself
	Department    bool
	Operator      bool
	Done          string // translated confirmation of what was just done
	DataURL       string // the enterprise's data page, where records are filed from
	Escalated     []objectionRow
	Objections    []objectionRow
	Repairs       []repairRow
	Notifications []notificationRow
}

func (u *UI) rightsPage(w http.ResponseWriter, r *http.Request) error {
	id, err := u.rightsCaller(r)
	if err != nil {
		return err
	}
	p := id.Principal
	if p.OrgKind == account.KindInstitution {
		return fault.New(fault.Forbidden, "rights.objections_forbidden", "objections are not shown to institutions")
	}
	lang := server.LangFrom(r.Context())
	names := u.itemNames(r, lang)
	d := rightsData{Enterprise: p.OrgKind == account.KindEnterprise, Department: p.OrgKind == account.KindDepartment, Operator: p.IsOperator()}
	if k, ok := doneKeys[r.URL.Query().Get("done")]; ok {
		d.Done = u.t(r, k)
	}
	ctx := r.Context()
	objRow := func(o rights.Objection) objectionRow {
		note := u.t(r, "ui.rights.version", "n", strconv.Itoa(o.FactVersion)) + " · " + o.ValueText
		if o.ValueNum != 0 {
			note += " " + groupDigits(strconv.FormatInt(o.ValueNum, 10))
		}
		row := objectionRow{Objection: o, filing: filing{ItemName: names(o.Item), StatusLabel: u.qlabel(r, objectionStatusKeys, string(o.Status)),
			Pending: o.Status.Pending(), Files: rightsFiles(rights.OwnerObjection, o.ID, o.Attachments), Statement: o.Reason, RecordNote: note}, CSRF: id.CSRF}
		row.CanDecide = row.Pending && (p.OrgKind == account.KindDepartment && p.Department == o.Department ||
			p.IsOperator() && p.IsAdmin() && o.Status == rights.ObjectionEscalated)
		return row
	}
	if d.Operator {
		esc, err := u.d.Rights.ListObjections(ctx, p, rights.QueueEscalated, 200)
		if err != nil {
			return err
		}
		for _, o := range esc {
			d.Escalated = append(d.Escalated, objRow(o))
		}
	}
	if d.Enterprise || d.Department || d.Operator || p.OrgKind == account.KindAuditor {
		os, err := u.d.Rights.ListObjections(ctx, p, rights.QueueAll, 200)
		if err != nil {
			return err
		}
		for _, o := range os {
			if d.Operator && o.Status == rights.ObjectionEscalated {
				continue // shown in the escalated queue above
			}
			d.Objections = append(d.Objections, objRow(o))
		}
	}
	if d.Enterprise || d.Operator || p.OrgKind == account.KindAuditor {
		rs, err := u.d.Rights.ListRepairs(ctx, p, rights.QueueAll, 200)
		if err != nil {
			return err
		}
		for _, x := range rs {
			pending := x.Status == rights.RepairPending
			row := repairRow{Repair: x, filing: filing{ItemName: names(x.Item), StatusLabel: u.qlabel(r, repairStatusKeys, string(x.Status)),
				Pending: pending, CanDecide: pending && p.IsOperator() && p.IsAdmin(), Files: rightsFiles(rights.OwnerRepair, x.ID, x.Attachments),
				Statement: x.Evidence}}
			d.Repairs = append(d.Repairs, row)
		}
	}
	if d.Enterprise {
		if rec, err := u.d.Enterprises.GetByID(ctx, p, p.EnterpriseID, access.PurposeSelf); err == nil {
			d.DataURL = "/enterprises/" + url.PathEscape(rec.Code) + "/data"
		}
		ns, err := u.d.Rights.Notifications(ctx, p, 50)
		if err != nil {
			return err
		}
		for _, n := range ns {
			keys := objectionStatusKeys
			kind := "ui.rights.kind.objection"
			if n.Kind == rights.OwnerRepair {
				keys, kind = repairStatusKeys, "ui.rights.kind.repair"
			}
			d.Notifications = append(d.Notifications, notificationRow{Notification: n, ItemName: names(n.Item),
				StatusLabel: u.qlabel(r, keys, n.Status), KindLabel: u.t(r, kind)})
		}
	}
	u.render(w, r, http.StatusOK, "rights", "ui.rights.title", d)
	return nil
}

// rightsCaller is the signed-in caller of a rights page or form; the
// pages do not exist on a node without the rights service.
func (u *UI) rightsCaller(r *http.Request) (server.Identity, error) {
	id, err := server.Require(r)
	if err != nil {
		return server.Identity{}, err
	}
	if u.d.Rights == nil {
		return server.Identity{}, errNotFound
	}
	return id, nil
}

// itemNames returns a function naming catalogue items in lang.
func (u *UI) itemNames(r *http.Request, lang i18n.Lang) func(string) string {
	byCode := map[string]catalog.Item{}
	if snap, err := u.d.Items.Current(r.Context()); err == nil {
		byCode = snap.ByCode
	}
	return func(code string) string {
		if it, ok := byCode[code]; ok {
			return pick(lang, it.NameZH, it.NameEN)
		}
		return code
	}
}

// rightsFiles links an owner's attachments.
func rightsFiles(owner string, ownerID int64, as []rights.Attachment) []rightsAttachment {
	out := make([]rightsAttachment, len(as))
	for i, a := range as {
		out[i] = rightsAttachment{Name: a.Name, Size: a.Size,
			URL: RightsPath + "/" + owner + "s/" + strconv.FormatInt(ownerID, 10) + "/attachments/" + strconv.FormatInt(a.ID, 10)}
	}
	return out
}

// rightsForm is one filing form on the record's page: an objection or a
// repair application (one template, rights_file.html, for both).
type rightsForm struct {
	URL     string
	Title   string // locale keys
	Note    string
	Label   string
	Submit  string
	Field   string // the statement's form field: "reason" or "evidence"
	FilesID string
}

type rightsFileData struct {
	Forms        []rightsForm
	Code, Name   string
	Item         string
	ItemName     string
	Period       string
	Ref          string
	Value        string
	Text         string
	Version      int
	Repairable   bool
	UnderObj     bool
	Repaired     bool
	MaxFiles     int
	MaxKiB       int
	BackURL      string
	ObjectionURL string
	RepairURL    string
}

// rightsFileForm shows one of the enterprise's own records with the
// forms to object to it and, for penalties and list entries, to apply for
// its repair (GET /rights/file?item=&period=&ref=). The record is read
// through the sharing service, so the read is decided and recorded.
func (u *UI) rightsFileForm(w http.ResponseWriter, r *http.Request) error {
	id, err := u.rightsCaller(r)
	if err != nil {
		return err
	}
	p := id.Principal
	if p.OrgKind != account.KindEnterprise || p.EnterpriseID == 0 {
		return fault.New(fault.Forbidden, "rights.enterprise_only", "only an enterprise files objections and repairs")
	}
	lang := server.LangFrom(r.Context())
	q := r.URL.Query()
	period, err := time.Parse(time.DateOnly, q.Get("period"))
	if err != nil {
		return fault.New(fault.Invalid, "rights.period_required", "the record's period is required")
	}
	item, ref := q.Get("item"), q.Get("ref")
	res, err := u.d.Sharing.Read(r.Context(), p, sharing.Query{EnterpriseID: p.EnterpriseID, Items: []string{item}, From: period, To: period})
	if err != nil {
		return err
	}
	var v *sharing.Value
	for i := range res.Values {
		if res.Values[i].Item == item && res.Values[i].Ref == ref {
			v = &res.Values[i]
		}
	}
	if v == nil {
		return fault.New(fault.NotFound, "rights.record_not_found", "no such stored record").With("item", item).With("period", q.Get("period"))
	}
	var it catalog.Item
	if len(res.Items) > 0 {
		it = res.Items[0]
	}
	d := rightsFileData{Code: res.Code, Name: res.Name, Item: item, ItemName: pick(lang, it.NameZH, it.NameEN), Period: v.Period, Ref: v.Ref,
		Value: u.formatValue(lang, it.Unit, v.Num), Text: v.Text, Version: v.Version, Repairable: rights.Repairable(it),
		UnderObj: v.Objection != nil, Repaired: v.Repaired, MaxFiles: rights.MaxAttachments, MaxKiB: rights.MaxAttachmentBytes >> 10,
		BackURL: "/enterprises/" + url.PathEscape(res.Code) + "/data", ObjectionURL: RightsPath + "/objections", RepairURL: RightsPath + "/repairs"}
	if !d.UnderObj {
		d.Forms = append(d.Forms, rightsForm{URL: d.ObjectionURL, Title: "ui.rights.objection_form", Note: "ui.rights.objection_note",
			Label: "ui.rights.reason", Submit: "ui.rights.file_objection", Field: "reason", FilesID: "o-files"})
	}
	if d.Repairable && !d.Repaired {
		d.Forms = append(d.Forms, rightsForm{URL: d.RepairURL, Title: "ui.rights.repair_form", Note: "ui.rights.repair_note",
			Label: "ui.rights.evidence", Submit: "ui.rights.file_repair", Field: "evidence", FilesID: "r-files"})
	}
	u.render(w, r, http.StatusOK, "rights_file", "ui.rights.file_title", d)
	return nil
}

// uploaded reads the form's files (the middleware has parsed the
// multipart body within max_body_bytes to check its CSRF field).
func uploaded(r *http.Request) ([]rights.AttachmentInput, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []rights.AttachmentInput
	for _, fh := range r.MultipartForm.File["attachments"] {
		if fh.Filename == "" && fh.Size == 0 {
			continue // the browser sends an empty part when no file is chosen
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(io.LimitReader(f, rights.MaxAttachmentBytes+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, rights.AttachmentInput{Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: b})
	}
	return out, nil
}

func (u *UI) parseRightsForm(r *http.Request) error {
	err := r.ParseMultipartForm(64 << 10)
	if errors.Is(err, http.ErrNotMultipart) {
		err = r.ParseForm()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fault.New(fault.TooLarge, "request.too_large", "request body too large").With("limit", strconv.FormatInt(mbe.Limit, 10))
	}
	if err != nil {
		return fault.New(fault.Invalid, "request.bad_param", "bad form").With("name", "form").Wrap(err)
	}
	return nil
}

// fileRights files an objection (POST /rights/objections) or a repair
// application (POST /rights/repairs) from the form.
func (u *UI) fileRights(kind string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := u.rightsCaller(r)
		if err != nil {
			return err
		}
		if err := u.parseRightsForm(r); err != nil {
			return err
		}
		p := id.Principal
		period, err := time.Parse(time.DateOnly, r.PostFormValue("period"))
		if err != nil {
			return fault.New(fault.Invalid, "rights.period_required", "the record's period is required")
		}
		files, err := uploaded(r)
		if err != nil {
			return err
		}
		code, item, ref := r.PostFormValue("credit_code"), r.PostFormValue("item"), r.PostFormValue("ref")
		if kind == rights.OwnerObjection {
			_, err = u.d.Rights.FileObjection(r.Context(), p, rights.ObjectionInput{Code: code, Item: item, Period: period, Ref: ref,
				Reason: r.PostFormValue("reason"), Attachments: files})
		} else {
			_, err = u.d.Rights.FileRepair(r.Context(), p, rights.RepairInput{Code: code, Item: item, Period: period, Ref: ref,
				Evidence: r.PostFormValue("evidence"), Attachments: files})
		}
		if err != nil {
			return err
		}
		http.Redirect(w, r, RightsPath+"?done="+kind, http.StatusSeeOther)
		return nil
	}
}

// decideRights records a decision from the queue's form.
func (u *UI) decideRights(kind string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := u.rightsCaller(r)
		if err != nil {
			return err
		}
		n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || n <= 0 {
			return errNotFound
		}
		if err := u.parseRightsForm(r); err != nil {
			return err
		}
		d := rights.Decision{Action: r.PostFormValue("decision"), Reason: r.PostFormValue("reason")}
		if kind == rights.OwnerObjection {
			if s := strings.TrimSpace(r.PostFormValue("num")); s != "" {
				v, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					return fault.New(fault.Invalid, "request.bad_param", "bad integer").With("name", "num")
				}
				d.Num = &v
			}
			if s, ok := r.PostForm["text"]; ok && strings.TrimSpace(s[0]) != "" {
				d.Text = &s[0]
			}
			_, err = u.d.Rights.DecideObjection(r.Context(), id.Principal, n, d)
		} else {
			_, err = u.d.Rights.DecideRepair(r.Context(), id.Principal, n, d)
		}
		if err != nil {
			return err
		}
		http.Redirect(w, r, RightsPath+"?done=decided", http.StatusSeeOther)
		return nil
	}
}

// rightsAttachmentDownload sends a filed file (never rendered inline).
func (u *UI) rightsAttachmentDownload(owner string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := u.rightsCaller(r)
		if err != nil {
			return err
		}
		ownerID, err1 := strconv.ParseInt(r.PathValue("id"), 10, 64)
		n, err2 := strconv.ParseInt(r.PathValue("attachment"), 10, 64)
		if err1 != nil || err2 != nil {
			return errNotFound
		}
		x, err := u.d.Rights.Attachment(r.Context(), id.Principal, owner, ownerID, n)
		if err != nil {
			return err
		}
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
		_, _ = w.Write(x.Data)
		return nil
	}
}

// fileLink is where the data page sends the enterprise to object to (or
// ask to repair) one of its records; empty for everyone else.
func fileLink(p access.Principal, v sharing.Value) string {
	if p.OrgKind != account.KindEnterprise || v.Via != catalog.ModePhysical {
		return ""
	}
	q := url.Values{"item": {v.Item}, "period": {v.Period}}
	if v.Ref != "" {
		q.Set("ref", v.Ref)
	}
	return RightsPath + "/file?" + q.Encode()
}
