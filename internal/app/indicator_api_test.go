package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/indicator"
	"github.com/creditbridge/creditbridge/internal/server"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
)

// indicatorBody is the default system changed into a new version: another
// label and, when broken, weights that do not sum to 100 and a feature
// the feature set lacks.
func indicatorBody(t *testing.T, version string, broken bool) string {
	t.Helper()
	sys, err := indicator.Default()
	if err != nil {
		t.Fatal(err)
	}
	sys.Version = version
	sys.Dimensions[0].Weight, sys.Dimensions[1].Weight = 20, 30 // still 100
	if broken {
		sys.Dimensions[1].Weight = 40
		sys.Dimensions[2].Indicators[0].Feature = "tax_grade_letter"
	}
	b, err := json.Marshal(sys)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type indicatorVersion struct {
	ID      int64           `json:"id"`
	Version string          `json:"version"`
	Active  bool            `json:"active"`
	Author  string          `json:"author_name"`
	Reason  string          `json:"reason"`
	Digest  string          `json:"digest"`
	System  json.RawMessage `json:"system"`
}

// TestIndicatorSystemImportAndActivate runs the operator's workflow over
// the API on every backend: the default is stored and active on the first
// start, a broken import is refused field by field in the caller's
// language, a good one is stored inactive, activation switches what
// scoring gets, and every change is in the evidence log.
func TestIndicatorSystemImportAndActivate(t *testing.T) {
	for _, backendName := range scratch.Backends(t) {
		t.Run(backendName, func(t *testing.T) {
			w := newAuthzWorld(t, backendName)
			ctx := context.Background()
			var list struct {
				Items []indicatorVersion `json:"items"`
				Total int                `json:"total"`
			}
			w.call(t, "admin", "GET", "/api/v1/indicator-systems", "", http.StatusOK, &list)
			if list.Total != 1 || !list.Items[0].Active || list.Items[0].Version != "gbt23794-style/v1" || list.Items[0].Author != "system" ||
				list.Items[0].System != nil {
				t.Fatalf("after the first start: %+v", list)
			}
			def := list.Items[0]
			sys, err := w.n.Indicators.Active(ctx)
			if err != nil || sys.Version != "gbt23794-style/v1" {
				t.Fatalf("Active = %v, %v", sys, err)
			}

			// Who may see and change it.
			w.call(t, "auditor", "GET", "/api/v1/indicator-systems", "", http.StatusOK, nil)
			for _, who := range []string{"bank", "ent", "bankkey"} {
				w.call(t, who, "GET", "/api/v1/indicator-systems", "", http.StatusForbidden, nil)
				w.call(t, who, "GET", "/api/v1/indicator-systems/1", "", http.StatusForbidden, nil)
			}
			w.call(t, "auditor", "POST", "/api/v1/indicator-systems?reason=try", indicatorBody(t, "x/v2", false), http.StatusForbidden, nil)

			// A broken system: every problem, in the caller's language.
			for lang, want := range map[string][]string{
				"en":    {"The dimensions' weights sum to 110; they must sum to 100.", "The feature set has no feature named tax_grade_letter."},
				"zh-CN": {"各维度权重之和为 110，应为 100。", "特征集中没有名为 tax_grade_letter 的特征。"},
			} {
				rec := do(t, w.h, "POST", "/api/v1/indicator-systems?reason=broken", w.actors["admin"], indicatorBody(t, "x/v2", true),
					map[string]string{"Accept-Language": lang})
				if rec.Code != http.StatusBadRequest {
					t.Fatalf("broken import (%s) = %d %s", lang, rec.Code, rec.Body)
				}
				var p struct {
					Errors []struct{ Field, Code, Detail string } `json:"errors"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
					t.Fatal(err)
				}
				got := map[string]string{}
				for _, e := range p.Errors {
					got[e.Code] = e.Field + ": " + e.Detail
				}
				if got["indicator.dimension_weights_sum"] != "dimensions: "+want[0] ||
					got["indicator.feature_unknown"] != "dimensions[2].indicators[0].feature: "+want[1] {
					t.Errorf("broken import (%s) problems = %v", lang, got)
				}
			}
			w.call(t, "admin", "POST", "/api/v1/indicator-systems", indicatorBody(t, "x/v2", false), http.StatusBadRequest, nil) // no reason

			// A good one: stored, not active until activated.
			var v2 indicatorVersion
			w.call(t, "admin", "POST", "/api/v1/indicator-systems?reason="+strings.ReplaceAll("re-weigh identity", " ", "%20"),
				indicatorBody(t, "x/v2", false), http.StatusCreated, &v2)
			if v2.Active || v2.Version != "x/v2" || v2.Reason != "re-weigh identity" || v2.Author != "admin" || len(v2.System) == 0 {
				t.Fatalf("imported %+v", v2)
			}
			w.call(t, "admin", "POST", "/api/v1/indicator-systems?reason=again", indicatorBody(t, "x/v2", false), http.StatusConflict, nil)
			if sys, _ := w.n.Indicators.Active(ctx); sys.Version != "gbt23794-style/v1" {
				t.Fatalf("an import without activate changed the active system to %s", sys.Version)
			}
			var got indicatorVersion
			w.call(t, "auditor", "GET", "/api/v1/indicator-systems/"+strconv.FormatInt(v2.ID, 10), "", http.StatusOK, &got)
			stored, err := indicator.Parse(got.System)
			if err != nil || stored.Dimensions[0].Weight != 20 || got.Digest != indicator.Digest(got.System) {
				t.Fatalf("stored system: %v (weight %v), digest %s", err, stored.Dimensions[0].Weight, got.Digest)
			}

			// Activation.
			w.call(t, "admin", "POST", "/api/v1/indicator-systems/"+strconv.FormatInt(v2.ID, 10)+"/activate", `{}`, http.StatusBadRequest, nil) // no reason
			w.call(t, "auditor", "POST", "/api/v1/indicator-systems/"+strconv.FormatInt(v2.ID, 10)+"/activate", `{"reason":"x"}`, http.StatusForbidden, nil)
			w.call(t, "admin", "POST", "/api/v1/indicator-systems/999/activate", `{"reason":"x"}`, http.StatusNotFound, nil)
			w.call(t, "admin", "POST", "/api/v1/indicator-systems/"+strconv.FormatInt(v2.ID, 10)+"/activate", `{"reason":"board decision 7"}`, http.StatusOK, &got)
			if !got.Active {
				t.Fatalf("activated: %+v", got)
			}
			w.call(t, "admin", "GET", "/api/v1/indicator-systems", "", http.StatusOK, &list)
			var active []string
			for _, v := range list.Items {
				if v.Active {
					active = append(active, v.Version)
				}
			}
			if list.Total != 2 || len(active) != 1 || active[0] != "x/v2" {
				t.Fatalf("after activation: total %d, active %v", list.Total, active)
			}
			if sys, err := w.n.Indicators.Active(ctx); err != nil || sys.Version != "x/v2" || sys.Dimensions[0].Weight != 20 {
				t.Fatalf("Active after activation = %v, %v", sys, err)
			}

			// The evidence log holds every change, and nothing for refusals.
			es, err := w.n.Store.ListAudit(ctx, audit.Filter{Action: "indicator.", Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, e := range es {
				actions = append(actions, e.Action+" "+e.ActorName)
			}
			want := []string{"indicator.activate admin", "indicator.import admin", "indicator.load_default system"}
			if strings.Join(actions, ", ") != strings.Join(want, ", ") {
				t.Fatalf("evidence %v, want %v", actions, want)
			}
			if !strings.Contains(es[0].Detail, "replaces gbt23794-style/v1 (id "+strconv.FormatInt(def.ID, 10)+"): board decision 7") ||
				!strings.Contains(es[1].Detail, v2.Digest) {
				t.Errorf("evidence details: %q / %q", es[0].Detail, es[1].Detail)
			}

			// The operator page: the table for staff, the forms for admins.
			for who, wantStatus := range map[string]int{"admin": 200, "auditor": 200, "bank": 403, "ent": 403} {
				rec := do(t, w.h, "GET", "/indicators", w.actors[who], "", map[string]string{"Accept-Language": "en"})
				if rec.Code != wantStatus {
					t.Fatalf("%s GET /indicators = %d", who, rec.Code)
				}
				body := rec.Body.String()
				if wantStatus == 200 && (!strings.Contains(body, "Identity and stability") || !strings.Contains(body, "tax_credit_grade") ||
					!strings.Contains(body, "x/v2")) {
					t.Errorf("%s: the page lacks the system's table", who)
				}
				if hasForm := strings.Contains(body, `action="/indicators/import"`); hasForm != (who == "admin") {
					t.Errorf("%s: import form shown = %v", who, hasForm)
				}
			}
			rec := do(t, w.h, "GET", "/indicators?id="+strconv.FormatInt(def.ID, 10), w.actors["auditor"], "", map[string]string{"Accept-Language": "zh-CN"})
			if rec.Code != 200 || !strings.Contains(rec.Body.String(), "身份与稳定性") || !strings.Contains(rec.Body.String(), "缺失时：计 30 分") {
				t.Errorf("GET /indicators?id=%d (zh) = %d", def.ID, rec.Code)
			}

			// The download is the stored canonical JSON, digest and all.
			rec = do(t, w.h, "GET", "/indicators/"+strconv.FormatInt(v2.ID, 10)+"/system.json", w.actors["auditor"], "", nil)
			if rec.Code != 200 || indicator.Digest(rec.Body.Bytes()) != v2.Digest {
				t.Fatalf("download = %d, digest %s, want %s", rec.Code, indicator.Digest(rec.Body.Bytes()), v2.Digest)
			}
			if rec := do(t, w.h, "GET", "/indicators/"+strconv.FormatInt(v2.ID, 10)+"/system.json", w.actors["bank"], "", nil); rec.Code != http.StatusForbidden {
				t.Fatalf("bank download = %d", rec.Code)
			}

			// The page's forms: a broken file lists its problems, a good
			// one is imported and activated at once, the default is
			// activated back with its button.
			rec = postIndicatorForm(t, w.h, w.actors["admin"], "/indicators/import", indicatorBody(t, "x/v3", true), "from the page", true)
			if body := rec.Body.String(); rec.Code != http.StatusBadRequest || !strings.Contains(body, "2 problems") ||
				!strings.Contains(body, "dimensions[2].indicators[0].feature: The feature set has no feature named tax_grade_letter.") {
				t.Fatalf("web import of a broken file = %d", rec.Code)
			}
			rec = postIndicatorForm(t, w.h, w.actors["admin"], "/indicators/import", indicatorBody(t, "x/v3", false), "from the page", true)
			if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/indicators?done=imported" {
				t.Fatalf("web import = %d %s", rec.Code, rec.Header().Get("Location"))
			}
			if sys, _ := w.n.Indicators.Active(ctx); sys.Version != "x/v3" {
				t.Fatalf("after the web import with activate: active %s, want x/v3", sys.Version)
			}
			rec = do(t, w.h, "POST", "/indicators/"+strconv.FormatInt(def.ID, 10)+"/activate", w.actors["admin"], "", nil)
			if rec.Code == http.StatusSeeOther {
				t.Fatal("activation without a reason was accepted")
			}
			rec = postIndicatorActivation(t, w.h, w.actors["admin"], "/indicators/"+strconv.FormatInt(def.ID, 10)+"/activate", "reason=back+to+the+default")
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("web activate = %d %s", rec.Code, rec.Body)
			}
			if sys, _ := w.n.Indicators.Active(ctx); sys.Version != "gbt23794-style/v1" {
				t.Fatalf("after the web activation: active %s", sys.Version)
			}
		})
	}
}

// postIndicatorForm submits the page's import form as a browser does.
func postIndicatorForm(t *testing.T, h http.Handler, a actor, path, file, reason string, activate bool) *httptest.ResponseRecorder {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf_token", a.csrf)
	_ = mw.WriteField("reason", reason)
	if activate {
		_ = mw.WriteField("activate", "on")
	}
	fw, err := mw.CreateFormFile("file", "system.json")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(fw, file)
	_ = mw.Close()
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", "en")
	req.AddCookie(&http.Cookie{Name: server.SessionCookie, Value: a.cookie})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// postIndicatorActivation submits a URL-encoded form with the actor's session.
func postIndicatorActivation(t *testing.T, h http.Handler, a actor, path, form string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(form+"&csrf_token="+a.csrf))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: server.SessionCookie, Value: a.cookie})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
