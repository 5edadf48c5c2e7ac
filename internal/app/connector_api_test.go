package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/audit"
)

// TestConnectorAPI drives the connector endpoints as operator
// administrators and others would: the secret goes in and never comes
// out, bad configurations are explained per field in the caller's
// language, and only operator administrators get anywhere.
func TestConnectorAPI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const secret = "department-secret-4711"
	good := `{"connector":{"name":"tax-live","department":"tax","enabled":true,"base_url":"http://127.0.0.1:9","auth":{"type":"hmac","key_id":"creditbridge","secret":"` + secret + `"},
		"request":{"path":"/api/tax/v1/enterprises/{credit_code}/items/{item}?from={from}&to={to}"},
		"response":{"records":"data.records","period":"period","num":"value"},
		"items":[{"code":"tax.vat_sales","remote":"vat_sales","num_scale":100}],"timeout":"1s","retries":2,"cache_ttl":"1m"},
		"base_version":0,"reason":"接入税务接口"}`
	noSecret := strings.Replace(strings.Replace(good, `,"secret":"`+secret+`"`, "", 1), `"timeout":"1s"`, `"timeout":"2s"`, 1)
	tests := []struct {
		name, who, method, path, body string
		lang                          string
		status                        int
		must, mustNot                 []string
	}{
		{"admin adds a connector", "operator_admin", "PUT", "/api/v1/connectors/tax-live", good, "", 201,
			[]string{`"version":1`, `"secret_set":true`, `"timeout":"1s"`, `"budget":"`}, []string{secret}},
		{"admin lists connectors", "operator_admin", "GET", "/api/v1/connectors", "", "", 200, []string{`"tax-live"`, `"total":1`}, []string{secret}},
		{"admin reads one", "operator_admin", "GET", "/api/v1/connectors/tax-live", "", "", 200, []string{`"key_id":"creditbridge"`}, []string{secret, `"secret":`}},
		{"a change without the secret keeps it", "operator_admin", "PUT", "/api/v1/connectors/tax-live", strings.Replace(noSecret, `"base_version":0`, `"base_version":1`, 1), "", 200,
			[]string{`"version":2`, `"secret_set":true`, `"timeout":"2s"`}, []string{secret}},
		{"versions", "operator_admin", "GET", "/api/v1/connectors/tax-live/versions", "", "", 200, []string{`"version":1`, `"version":2`, "接入税务接口"}, []string{secret}},
		{"a stale base is a conflict", "operator_admin", "PUT", "/api/v1/connectors/tax-live", good, "en", 409, []string{"connector.stale"}, nil},
		{"field errors in English", "operator_admin", "PUT", "/api/v1/connectors/tax-two",
			strings.NewReplacer(`"tax-live"`, `"tax-two"`, `http://127.0.0.1:9`, `ftp://x`, `{credit_code}`, `{code}`).Replace(good), "en", 400,
			[]string{"base URL", "Unknown placeholder {code}", "request.path"}, []string{secret}},
		{"field errors in Chinese", "operator_admin", "PUT", "/api/v1/connectors/tax-two",
			strings.NewReplacer(`"tax-live"`, `"tax-two"`, `"retries":2`, `"retries":9`).Replace(good), "zh-CN", 400, []string{"重试次数应为 0 至 5"}, nil},
		{"a new connector needs its secret", "operator_admin", "PUT", "/api/v1/connectors/tax-two", strings.Replace(noSecret, `"tax-live"`, `"tax-two"`, 1), "en", 400,
			[]string{"connector.secret_required"}, nil},
		{"name mismatch", "operator_admin", "PUT", "/api/v1/connectors/other", good, "en", 400, []string{"connector.name_mismatch"}, nil},
		{"unknown connector", "operator_admin", "GET", "/api/v1/connectors/nope", "", "en", 404, []string{"connector.not_found"}, nil},
		{"an analyst may not list", "operator_analyst", "GET", "/api/v1/connectors", "", "en", 403, []string{"connector.forbidden"}, []string{"tax-live"}},
		{"an institution may not read", "institution_officer", "GET", "/api/v1/connectors/tax-live", "", "en", 403, nil, []string{"127.0.0.1"}},
		{"an API key may not change", "apikey", "PUT", "/api/v1/connectors/tax-live", good, "en", 403, nil, nil},
		{"signed out", "", "GET", "/api/v1/connectors", "", "en", 401, nil, []string{"tax-live"}},
	}
	for _, tc := range tests {
		hdr := map[string]string{}
		if tc.lang != "" {
			hdr["Accept-Language"] = tc.lang
		}
		rec := do(t, w.h, tc.method, tc.path, w.actors[tc.who], tc.body, hdr)
		body := rec.Body.String()
		if rec.Code != tc.status {
			t.Errorf("%s: %s %s = %d %s, want %d", tc.name, tc.method, tc.path, rec.Code, truncate(body), tc.status)
			continue
		}
		for _, s := range tc.must {
			if !strings.Contains(body, s) {
				t.Errorf("%s: body lacks %q: %s", tc.name, s, truncate(body))
			}
		}
		for _, s := range tc.mustNot {
			if strings.Contains(body, s) {
				t.Errorf("%s: body shows %q: %s", tc.name, s, truncate(body))
			}
		}
	}
	es, err := w.n.Store.ListAudit(context.Background(), audit.Filter{Action: "connector.update"})
	if err != nil || len(es) != 2 {
		t.Fatalf("%d connector.update entries, %v; want 2", len(es), err)
	}
	for _, e := range es {
		if strings.Contains(e.Detail, secret) || e.ActorName != "operator_admin" {
			t.Fatalf("evidence %+v", e)
		}
	}
	// The node's registry runs the saved connector.
	if st := w.n.Live.Status(); len(st) != 1 || st[0].Name != "tax-live" || st[0].Version != 2 {
		t.Fatalf("registry status %+v, want tax-live v2", st)
	}
}
