package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/connector"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/features"
	"github.com/creditbridge/creditbridge/internal/i18n"
	"github.com/creditbridge/creditbridge/internal/indicator"
	"github.com/creditbridge/creditbridge/internal/ingestqueue"
	"github.com/creditbridge/creditbridge/internal/modelreg"
	"github.com/creditbridge/creditbridge/internal/monitor"
	"github.com/creditbridge/creditbridge/internal/quality"
	"github.com/creditbridge/creditbridge/internal/rights"
	"github.com/creditbridge/creditbridge/internal/scoring"
	"github.com/creditbridge/creditbridge/internal/server"
	"github.com/creditbridge/creditbridge/internal/sharing"
	"github.com/creditbridge/creditbridge/internal/verify"
)

// Deps are the services the API calls.
type Deps struct {
	Catalog      *i18n.Catalog
	Accounts     *account.Service
	Enterprises  *enterprise.Service
	Audit        *audit.Service
	Items        *catalog.Service
	Connectors   *connector.Service
	Ingest       *ingestqueue.Service
	Quality      *quality.Service
	Sharing      *sharing.Service
	Verify       *verify.Service
	Rights       *rights.Service
	Monitor      *monitor.Service
	Authz        *authz.Service
	Indicators   *indicator.Service
	Models       *modelreg.Service // the model registry (nil: its routes answer 404)
	Scoring      *scoring.Service  // stored credit scores (nil: its routes answer 404)
	Features     *features.Set     // credit feature definitions (nil: features.DefaultSet)
	Problems     ProblemWriter
	CookieSecure bool
}

// API serves /api/v1.
type API struct {
	d   Deps
	doc []byte // the OpenAPI document, rendered once
}

// New builds the API.
func New(d Deps) *API { return &API{d: d, doc: marshalDocument()} }

// Route is one registered operation; the OpenAPI test checks that every
// route is documented and every documented operation is routed.
type Route struct {
	Method, Path string
	handler      func(http.ResponseWriter, *http.Request) error
}

// Routes lists the API's operations.
func (a *API) Routes() []Route {
	return []Route{
		{"GET", "/api/v1/openapi.json", a.openAPI},
		{"POST", "/api/v1/auth/sign-in", a.signIn},
		{"POST", "/api/v1/auth/sign-out", a.signOut},
		{"GET", "/api/v1/me", a.me},
		{"GET", "/api/v1/enterprises", a.searchEnterprises},
		{"POST", "/api/v1/enterprises", a.registerEnterprise},
		{"GET", "/api/v1/enterprises/{code}", a.getEnterprise},
		{"PATCH", "/api/v1/enterprises/{code}", a.updateEnterprise},
		{"GET", "/api/v1/enterprises/{code}/history", a.enterpriseHistory},
		{"GET", "/api/v1/enterprises/{code}/data", a.enterpriseData},
		{"GET", "/api/v1/catalog", a.listCatalog},
		{"GET", "/api/v1/catalog/export", a.exportCatalog},
		{"POST", "/api/v1/catalog/import", a.importCatalog},
		{"GET", "/api/v1/catalog/{code}", a.getCatalogItem},
		{"PUT", "/api/v1/catalog/{code}", a.putCatalogItem},
		{"GET", "/api/v1/catalog/{code}/versions", a.catalogVersions},
		{"GET", "/api/v1/connectors", a.listConnectors},
		{"GET", "/api/v1/connectors/{name}", a.getConnector},
		{"PUT", "/api/v1/connectors/{name}", a.putConnector},
		{"GET", "/api/v1/connectors/{name}/versions", a.connectorVersions},
		{"GET", "/api/v1/quality", a.getQuality},
		{"GET", "/api/v1/features", a.listFeatures},
		{"POST", "/api/v1/quality/runs", a.startQualityRun},
		{"GET", "/api/v1/quality/rules", a.getQualityRules},
		{"PUT", "/api/v1/quality/rules", a.putQualityRules},
		{"GET", "/api/v1/ingest/datasets", a.listIngestDatasets},
		{"GET", "/api/v1/ingest/datasets/{name}", a.getIngestDataset},
		{"PUT", "/api/v1/ingest/datasets/{name}", a.putIngestDataset},
		{"POST", "/api/v1/ingest/batches", a.submitBatch},
		{"GET", "/api/v1/ingest/batches", a.listBatches},
		{"GET", "/api/v1/ingest/batches/{id}", a.getBatch},
		{"GET", "/api/v1/ingest/batches/{id}/errors.csv", a.batchErrorsCSV},
		{"GET", "/api/v1/ingest/batches/{id}/errors.xlsx", a.batchErrorsXLSX},
		{"POST", "/api/v1/verifications", a.askVerification},
		{"GET", "/api/v1/verifications/variables", a.verificationVariables},
		{"GET", "/api/v1/authorizations", a.listAuthorizations},
		{"POST", "/api/v1/authorizations", a.requestAuthorization},
		{"GET", "/api/v1/authorizations/{id}", a.getAuthorization},
		{"GET", "/api/v1/authorizations/{id}/artefact", a.authorizationArtefact},
		{"POST", "/api/v1/authorizations/{id}/approve", a.authorizationAction("approve")},
		{"POST", "/api/v1/authorizations/{id}/reject", a.authorizationAction("reject")},
		{"POST", "/api/v1/authorizations/{id}/pause", a.authorizationAction("pause")},
		{"POST", "/api/v1/authorizations/{id}/resume", a.authorizationAction("resume")},
		{"POST", "/api/v1/authorizations/{id}/revoke", a.authorizationAction("revoke")},
		{"GET", "/api/v1/authorizations/{id}/consents", authzList(a.d.Authz.Consents)},
		{"POST", "/api/v1/authorizations/{id}/consents", a.giveConsent},
		{"GET", "/api/v1/authorizations/{id}/consent-invitations", authzList(a.d.Authz.Invitations)},
		{"POST", "/api/v1/authorizations/{id}/consent-invitations", a.inviteConsent},
		{"GET", "/api/v1/consent/{token}", a.openInvitation},
		{"POST", "/api/v1/consent/{token}", a.answerInvitation},
		{"GET", "/api/v1/webhook-deliveries", a.listDeliveries},
		{"POST", "/api/v1/webhook-deliveries/{id}/replay", a.replayDelivery},
		{"GET", "/.well-known/jwks.json", a.jwks},
		{"GET", "/api/v1/objections", a.objections().listAll},
		{"POST", "/api/v1/objections", a.objections().fileOne},
		{"GET", "/api/v1/objections/{id}", a.objections().getOne},
		{"POST", "/api/v1/objections/{id}/decision", a.objections().decideOne},
		{"GET", "/api/v1/objections/{id}/attachments/{attachment}", a.objections().attachmentOf(a)},
		{"GET", "/api/v1/repairs", a.repairs().listAll},
		{"POST", "/api/v1/repairs", a.repairs().fileOne},
		{"GET", "/api/v1/repairs/{id}", a.repairs().getOne},
		{"POST", "/api/v1/repairs/{id}/decision", a.repairs().decideOne},
		{"GET", "/api/v1/repairs/{id}/attachments/{attachment}", a.repairs().attachmentOf(a)},
		{"GET", "/api/v1/notifications", a.listNotifications},
		{"GET", "/api/v1/orgs", a.listOrgs},
		{"POST", "/api/v1/orgs", a.createOrg},
		{"GET", "/api/v1/users", a.listUsers},
		{"POST", "/api/v1/users", a.createUser},
		{"POST", "/api/v1/users/{id}/status", a.setUserStatus},
		{"GET", "/api/v1/orgs/{id}/api-keys", a.listAPIKeys},
		{"POST", "/api/v1/orgs/{id}/api-keys", a.createAPIKey},
		{"DELETE", "/api/v1/api-keys/{id}", a.revokeAPIKey},
		{"GET", "/api/v1/audit", a.listAudit},
		{"GET", "/api/v1/audit/verify", a.verifyAudit},
		{"GET", "/api/v1/monitor/alerts", a.listAlerts},
		{"GET", "/api/v1/monitor/alerts/{id}", a.getAlert},
		{"GET", "/api/v1/monitor/suspensions", a.listSuspensions},
		{"POST", "/api/v1/monitor/suspensions", a.suspend},
		{"DELETE", "/api/v1/monitor/suspensions/{id}", a.reinstate},
		{"GET", "/api/v1/audit/export", a.exportAudit},
		{"GET", "/api/v1/indicator-systems", a.listIndicatorSystems},
		{"POST", "/api/v1/indicator-systems", a.importIndicatorSystem},
		{"GET", "/api/v1/indicator-systems/{id}", a.getIndicatorSystem},
		{"POST", "/api/v1/indicator-systems/{id}/activate", a.activateIndicatorSystem},
		{"GET", "/api/v1/models", a.listModels},
		{"POST", "/api/v1/models", a.registerModel},
		{"GET", "/api/v1/models/{id}", a.getModel},
		{"POST", "/api/v1/models/{id}/promote", a.promoteModel},
		{"GET", "/api/v1/enterprises/{code}/score", a.enterpriseScore},
		{"GET", "/api/v1/scoring/runs", a.listScoreRuns},
		{"POST", "/api/v1/scoring/runs", a.startScoreRun},
		{"GET", "/api/v1/scoring/runs/{id}", a.getScoreRun},
	}
}

// Register adds every route to mux, plus a JSON 404 for unknown API paths.
func (a *API) Register(mux *http.ServeMux) {
	for _, rt := range a.Routes() {
		h := rt.handler
		mux.HandleFunc(rt.Method+" "+rt.Path, func(w http.ResponseWriter, r *http.Request) {
			if err := h(w, r); err != nil {
				a.d.Problems.Write(w, r, err)
			}
		})
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		a.d.Problems.Write(w, r, fault.New(fault.NotFound, "request.not_found", "no such API path"))
	})
}

func identity(r *http.Request) (server.Identity, error) { return server.Require(r) }

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fault.New(fault.Invalid, "request.bad_param", "bad id").With("name", name)
	}
	return id, nil
}

func queryInt(r *http.Request, name string, def int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fault.New(fault.Invalid, "request.bad_param", "bad integer").With("name", name)
	}
	return n, nil
}

func queryInt64(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fault.New(fault.Invalid, "request.bad_param", "bad integer").With("name", name)
	}
	return n, nil
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
