package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/i18n"
	"github.com/creditbridge/creditbridge/internal/server"
)

// Problem is an RFC 9457 problem document with CreditBridge extensions.
type Problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail"`
	Instance  string         `json:"instance,omitempty"`
	Code      string         `json:"code"`
	RequestID string         `json:"request_id,omitempty"`
	Errors    []FieldProblem `json:"errors,omitempty"`
}

// FieldProblem is one invalid field.
type FieldProblem struct {
	Field  string `json:"field"`
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// ProblemWriter renders errors as problem documents.
type ProblemWriter struct {
	Catalog *i18n.Catalog
	Log     *slog.Logger
}

// Write maps err once: status from its kind, text from the catalogue in
// the request's language; internal errors are logged with the request id
// and shown only as "internal".
func (p ProblemWriter) Write(w http.ResponseWriter, r *http.Request, err error) {
	code, params, kind := server.Public(err)
	status := server.Status(kind)
	rid := server.RequestIDFrom(r.Context())
	switch kind {
	case fault.Internal, fault.Unavailable:
		p.Log.Error("request failed", "request_id", rid, "path", r.URL.Path, "error", err.Error())
	case fault.Canceled:
		p.Log.Debug("request canceled", "request_id", rid, "path", r.URL.Path)
	}
	lang := server.LangFrom(r.Context())
	pr := Problem{
		Type:      "urn:creditbridge:problem:" + code,
		Title:     p.Catalog.T(lang, "problem.title."+kind.String()),
		Status:    status,
		Detail:    p.Catalog.TMap(lang, code, params),
		Instance:  r.URL.Path,
		Code:      code,
		RequestID: rid,
	}
	var fe *fault.FieldsError
	if errors.As(err, &fe) {
		for _, f := range fe.Fields {
			pr.Errors = append(pr.Errors, FieldProblem{Field: f.Field, Code: f.Err.Code, Detail: p.Catalog.TMap(lang, f.Err.Code, f.Err.Params)})
		}
	}
	if kind == fault.Unauthenticated {
		w.Header().Set("WWW-Authenticate", `Bearer realm="creditbridge"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(pr)
}

// decode reads one JSON object into v, strictly: unknown fields, trailing
// data, wrong types and oversize bodies are clear 4xx errors.
func decode(r *http.Request, v any) error {
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(ct, "application/json") {
		return fault.New(fault.Invalid, "request.content_type", "send the body as application/json").With("got", ct)
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		if err == nil {
			return fault.New(fault.Invalid, "request.bad_json", "the body must hold exactly one JSON object").With("detail", "trailing data")
		}
		return jsonError(err)
	}
	return nil
}

func jsonError(err error) error {
	var mbe *http.MaxBytesError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return fault.New(fault.TooLarge, "request.too_large", "request body too large").With("limit", fmt.Sprint(mbe.Limit))
	case errors.Is(err, io.EOF):
		return fault.New(fault.Invalid, "request.bad_json", "empty body").With("detail", "empty body")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fault.New(fault.Invalid, "request.bad_json", "truncated JSON").With("detail", "unexpected end of input")
	case errors.As(err, &se):
		return fault.New(fault.Invalid, "request.bad_json", "syntax error").With("detail", fmt.Sprintf("syntax error at byte %d", se.Offset))
	case errors.As(err, &te):
		return fault.New(fault.Invalid, "request.bad_json", "wrong type").With("detail", fmt.Sprintf("field %q must be %s", te.Field, te.Type))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fault.New(fault.Invalid, "request.bad_json", "unknown field").With("detail", strings.TrimPrefix(err.Error(), "json: "))
	}
	return fault.New(fault.Invalid, "request.bad_json", "invalid JSON").With("detail", "invalid JSON")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// Messages are the texts of this package's codes.
var Messages = map[string][2]string{
	"request.content_type":            {"Send the body as application/json (got {got}).", "请求内容须为 application/json 格式（收到 {got}）。"},
	"request.import_content_type":     {"Send the catalogue as application/json or as an XLSX workbook (got {got}).", "请以 application/json 或 XLSX 工作簿格式提交共享清单（收到 {got}）。"},
	"problem.title.invalid":           {"Invalid request", "请求无效"},
	"problem.title.not_found":         {"Not found", "未找到"},
	"problem.title.conflict":          {"Conflict", "冲突"},
	"problem.title.unauthenticated":   {"Sign-in required", "需要登录"},
	"problem.title.forbidden":         {"Forbidden", "禁止访问"},
	"problem.title.too_many_requests": {"Too many requests", "请求过多"},
	"problem.title.too_large":         {"Request too large", "请求过大"},
	"problem.title.unavailable":       {"Service unavailable", "服务不可用"},
	"problem.title.canceled":          {"Request canceled", "请求已取消"},
	"problem.title.internal":          {"Internal error", "内部错误"},
}
