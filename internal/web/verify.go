package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/i18n"
	"github.com/creditbridge/creditbridge/internal/server"
	"github.com/creditbridge/creditbridge/internal/verify"
)

// The verification page (数据核验): an institution's officer (or the
// operator) picks an enterprise, writes or picks questions, states the
// purpose, and gets true / false / unknown or a band per question, never a
// value, each with its signed attestation to download. The questions go
// through verify.Service like the API's, so the access decision point,
// the limits and the evidence log apply alike; a refusal is shown in the
// reader's language.

// verifyVar is one variable as the page lists it.
type verifyVar struct {
	Name, Kind, Unit, Desc string
}

// Keys of the words the page shows for answers, scales, kinds and units.
var (
	verifyAnswerKeys = map[string]string{verify.True: "ui.verify.answer.true", verify.False: "ui.verify.answer.false",
		verify.Unknown: "ui.verify.answer.unknown"}
	verifyBandKeys = map[string]string{"yuan": "ui.verify.band.yuan", "persons": "ui.verify.band.persons", "years": "ui.verify.band.years"}
	verifyKindKeys = map[string]string{"number": "ui.verify.kind.number", "bool": "ui.verify.kind.bool", "text": "ui.verify.kind.text",
		"band": "ui.verify.kind.band"}
	verifyUnitKeys = map[string]string{"yuan": "ui.verify.unit.yuan", "persons": "ui.verify.unit.persons", "years": "ui.verify.unit.years"}
)

// word translates key, or returns fallback when there is no key.
func (u *UI) word(r *http.Request, keys map[string]string, v string, params ...string) string {
	if k, ok := keys[v]; ok {
		return u.t(r, k, params...)
	}
	return v
}

// verifyAnswer is one answer as the page shows it.
type verifyAnswer struct {
	verify.Answer
	Known bool   // a definite answer (not unknown)
	Label string // the answer in the reader's words
}

type verifyData struct {
	Code, Questions, Purpose, AsOf string
	Purposes                       []option
	Vars                           []verifyVar
	Examples                       []string
	Error                          string
	AsOfAnswered                   string
	Answers                        []verifyAnswer
}

// verifyExamples are questions the page offers to pick.
var verifyExamples = []string{
	"tax_paid_12m >= 1000000",
	"insured_headcount between 10 and 50",
	"has_enforcement_case == false",
	`tax_credit_grade in ["A", "B"]`,
	"arrears_any_12m == false",
	"band(tax_paid_12m)",
	"band(insured_headcount)",
}

func (u *UI) requireVerifier(r *http.Request) (server.Identity, error) {
	if u.d.Verify == nil {
		return server.Identity{}, errNotFound
	}
	id, err := server.Require(r)
	if err != nil {
		return id, err
	}
	if k := id.Principal.OrgKind; k != account.KindInstitution && k != account.KindOperator {
		return id, fault.New(fault.Forbidden, "verify.not_institution", "only institutions may ask verification questions")
	}
	return id, nil
}

func (u *UI) verifyFormData(r *http.Request, d verifyData) verifyData {
	lang := server.LangFrom(r.Context())
	// An institution states one of its purposes; the operator verifies for
	// its own operation.
	purposes := access.InstitutionPurposes
	if id, ok := server.IdentityFrom(r.Context()); ok && id.Principal.OrgKind == account.KindOperator {
		purposes = []string{access.PurposeOperation}
	}
	if d.Purpose == "" {
		d.Purpose = purposes[0]
	}
	for _, p := range purposes {
		d.Purposes = append(d.Purposes, option{Value: p, Label: u.t(r, "ui.purpose."+p), Selected: p == d.Purpose})
	}
	vars := make([]verify.Variable, 0, len(verify.Variables)+2)
	for _, v := range verify.Variables {
		vars = append(vars, *v)
	}
	vars = append(vars, verify.LegalRepDoc, verify.BandDoc)
	for _, v := range vars {
		desc := v.ZH
		if lang == i18n.EN {
			desc = v.EN
		}
		vv := verifyVar{Name: v.Name, Kind: u.word(r, verifyKindKeys, string(v.Kind)), Desc: desc}
		if v.Unit != "" {
			vv.Unit = u.word(r, verifyUnitKeys, v.Unit)
		}
		d.Vars = append(d.Vars, vv)
	}
	d.Examples = verifyExamples
	return d
}

func (u *UI) verifyPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := u.requireVerifier(r); err != nil {
		return err
	}
	d := verifyData{Code: strings.TrimSpace(r.URL.Query().Get("code")), Questions: r.URL.Query().Get("q")}
	u.render(w, r, http.StatusOK, "verify", "ui.verify.title", u.verifyFormData(r, d))
	return nil
}

// verifyAsk answers the posted questions (one per line).
func (u *UI) verifyAsk(w http.ResponseWriter, r *http.Request) error {
	id, err := u.requireVerifier(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.New(fault.Invalid, "request.bad_param", "unreadable form").With("name", "form")
	}
	d := verifyData{Code: strings.TrimSpace(r.PostFormValue("credit_code")), Questions: r.PostFormValue("questions"),
		Purpose: r.PostFormValue("purpose"), AsOf: strings.TrimSpace(r.PostFormValue("as_of"))}
	var qs []string
	for _, line := range strings.Split(d.Questions, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			qs = append(qs, line)
		}
	}
	resp, err := u.d.Verify.Ask(r.Context(), id.Principal, verify.Request{CreditCode: d.Code, Questions: qs, Purpose: d.Purpose, AsOf: d.AsOf})
	if err != nil {
		code, params, kind := server.Public(err)
		if kind == fault.Internal || kind == fault.Unavailable || kind == fault.Canceled || kind == fault.Unauthenticated {
			return err
		}
		d.Error = u.d.Catalog.TMap(server.LangFrom(r.Context()), code, params)
		var fields *fault.FieldsError
		if errors.As(err, &fields) {
			var msgs []string
			for _, x := range fields.Fields {
				msgs = append(msgs, u.d.Catalog.TMap(server.LangFrom(r.Context()), x.Err.Code, x.Err.Params))
			}
			d.Error = strings.Join(msgs, " ")
		}
		u.render(w, r, server.Status(kind), "verify", "ui.verify.title", u.verifyFormData(r, d))
		return nil
	}
	d.AsOfAnswered = resp.AsOf
	for _, a := range resp.Answers {
		va := verifyAnswer{Answer: a, Known: a.Answer != verify.Unknown}
		if a.Band != "" && a.Answer != verify.Unknown {
			va.Label = u.word(r, verifyBandKeys, a.Band, "band", a.Answer)
		} else {
			va.Label = u.word(r, verifyAnswerKeys, a.Answer)
		}
		d.Answers = append(d.Answers, va)
	}
	u.render(w, r, http.StatusOK, "verify", "ui.verify.title", u.verifyFormData(r, d))
	return nil
}

// verifyDownload returns a posted attestation as a file, after checking
// that this node signed it: the page cannot be used to serve other
// content.
func (u *UI) verifyDownload(w http.ResponseWriter, r *http.Request) error {
	if _, err := u.requireVerifier(r); err != nil {
		return err
	}
	tok := strings.TrimSpace(r.PostFormValue("attestation"))
	c, err := verify.Verify(tok, u.d.Verify.Signer.JWKS(), time.Now())
	if err != nil {
		return err
	}
	name := "attestation-" + c.Subject + "-" + safeFileID(c.ID) + ".jws"
	h := w.Header()
	h.Set("Content-Type", "application/jose; charset=us-ascii")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(tok + "\n"))
	return nil
}

// safeFileID keeps the characters of a base64url id.
func safeFileID(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return -1
	}, s)
}
