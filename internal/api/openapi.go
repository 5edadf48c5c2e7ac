package api

import (
	"encoding/json"
	"net/http"
	"strings"
)

// obj is a JSON object in the OpenAPI document.
type obj = map[string]any

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func str(desc string) obj { return obj{"type": "string", "description": desc} }

func integer(desc string) obj { return obj{"type": "integer", "format": "int64", "description": desc} }

func object(required []string, props obj) obj {
	o := obj{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func arrayOf(item obj) obj { return obj{"type": "array", "items": item} }

func list(item obj) obj { return object([]string{"items"}, obj{"items": arrayOf(item)}) }

func jsonBody(schema obj) obj {
	return obj{"required": true, "content": obj{"application/json": obj{"schema": schema}}}
}

func resp(desc string, schema obj) obj {
	if schema == nil {
		return obj{"description": desc}
	}
	return obj{"description": desc, "content": obj{"application/json": obj{"schema": schema}}}
}

var problemResp = obj{"description": "Problem (RFC 9457), message in the caller's language",
	"content": obj{"application/problem+json": obj{"schema": ref("Problem")}}}

func queryParam(name, desc string, schema obj) obj {
	return obj{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
}

func pathParam(name, desc string, schema obj) obj {
	return obj{"name": name, "in": "path", "required": true, "description": desc, "schema": schema}
}

var (
	codeParam     = pathParam("code", "Unified social credit code (GB 32100-2015)", obj{"type": "string", "minLength": 18, "maxLength": 18})
	itemCodeParam = pathParam("code", "Catalogue item code, e.g. tax.vat_sales", obj{"type": "string", "maxLength": 64})
	idParam       = pathParam("id", "Numeric id", obj{"type": "integer", "format": "int64", "minimum": 1})
	purposeParam  = queryParam("purpose", "Purpose of the read, recorded as evidence (institutions must state one)",
		obj{"type": "string", "enum": []string{"platform_operation", "self_query", "audit", "loan_application", "data_matching", "post_loan_monitoring", "credit_line_review", "guarantee", "credit_evaluation"}})
	limitParam = queryParam("limit", "Page size", obj{"type": "integer", "minimum": 0, "maximum": 500})
	afterParam = queryParam("after", "Keyset: items with id greater than this", obj{"type": "integer", "format": "int64", "minimum": 0})
)

func op(id, summary, tag string, params []obj, body obj, okStatus string, ok obj, errs ...string) obj {
	o := obj{"operationId": id, "summary": summary, "tags": []string{tag}}
	if len(params) > 0 {
		o["parameters"] = params
	}
	if body != nil {
		o["requestBody"] = body
	}
	responses := obj{okStatus: ok, "default": problemResp}
	for _, e := range errs {
		responses[e] = problemResp
	}
	o["responses"] = responses
	return o
}

func schemas() obj {
	enterpriseProps := obj{
		"code": str("Unified social credit code"), "name_zh": str("Registered Chinese name"), "name_en": str("English name"),
		"division": str("GB/T 2260 division code"), "region_zh": str("Region name in Chinese"), "region_en": str("Region name in English"),
		"industry": str("GB/T 4754 section letter"), "industry_zh": str("Industry section, Chinese"), "industry_en": str("Industry section, English"),
		"size":                        obj{"type": "string", "enum": []string{"", "micro", "small", "medium", "large"}},
		"status":                      obj{"type": "string", "enum": []string{"operating", "suspended", "revoked", "deregistered"}},
		"registered_capital_fen":      integer("Registered capital in fen (0.01 CNY)"),
		"founded_on":                  str("Founding date, YYYY-MM-DD"),
		"address":                     str("Registered address"),
		"legal_representative_masked": str("Legal representative, masked (personal information)"),
		"created_at":                  obj{"type": "string", "format": "date-time"},
		"updated_at":                  obj{"type": "string", "format": "date-time"},
		"version":                     integer("Record version for optimistic updates"),
	}
	input := object([]string{"code", "name_zh", "legal_representative"}, obj{
		"code": str("Unified social credit code"), "name_zh": str("Chinese name"), "name_en": str("English name"),
		"industry": str("GB/T 4754 section letter A-T"), "size": str("micro, small, medium or large"),
		"status": str("operating (default), suspended, revoked or deregistered"), "registered_capital_fen": integer("fen"),
		"founded_on": str("YYYY-MM-DD"), "address": str("Address"),
		"legal_representative": object([]string{"name"}, obj{"name": str("Name"), "id_number": str("Resident identity number (GB 11643)")}),
	})
	tm := obj{"type": "string", "format": "date-time"}
	date := func(desc string) obj { return obj{"type": "string", "format": "date", "description": desc} }
	itemProps := func() obj {
		return obj{
			"code": str("Item code, e.g. tax.vat_sales"), "name_zh": str("Chinese name"), "name_en": str("English name"),
			"category": obj{"type": "string", "enum": []string{"registration", "licence", "penalty", "judicial", "list", "honour", "tax",
				"social_insurance", "housing_fund", "utilities", "customs", "property", "ip_rd", "financing"}},
			"department":  str("Source department code (tax, hrss, hf, grid, water, gas, court, samr, sci, customs, nr, ipo, fin, ...)"),
			"shape":       obj{"type": "string", "enum": []string{"attribute", "measure", "event"}},
			"unit":        str("Unit of a value: fen, persons, kWh, m3, points; empty if unused"),
			"frequency":   obj{"type": "string", "enum": []string{"realtime", "daily", "monthly", "quarterly", "yearly", "event"}},
			"modes":       arrayOf(obj{"type": "string", "enum": []string{"physical", "interface", "verification"}}),
			"sharing":     obj{"type": "string", "enum": []string{"unconditional", "conditional", "not_shared"}},
			"disclosure":  obj{"type": "string", "enum": []string{"public", "on_application", "not_public"}},
			"grade":       obj{"type": "integer", "minimum": 1, "maximum": 4, "description": "Data grade L1 public … L4 highly sensitive"},
			"personal":    obj{"type": "boolean", "description": "Records contain personal information"},
			"legal_basis": str("Legal basis (instruments by name)"), "effective_from": date("In force from"),
			"effective_to": date("In force until; absent while in force"), "note": str("How values are used"),
		}
	}
	itemRequired := []string{"code", "name_zh", "name_en", "category", "department", "shape", "frequency", "modes", "sharing",
		"disclosure", "grade", "personal", "legal_basis", "effective_from"}
	versionProps := itemProps()
	versionProps["version"] = integer("Version of the item, 1, 2, ...")
	versionProps["author_user_id"] = integer("Who made the version (0: the system)")
	versionProps["author_name"] = str("Who made the version")
	versionProps["reason"] = str("Why")
	versionProps["created_at"] = tm
	exportedProps := itemProps()
	exportedProps["version"] = integer("Version when exported; ignored on import")
	return obj{
		"CatalogItem":    object(itemRequired, itemProps()),
		"CatalogVersion": object(append(append([]string{}, itemRequired...), "version", "reason", "created_at"), versionProps),
		"CatalogList":    object([]string{"items", "total"}, obj{"items": arrayOf(ref("CatalogVersion")), "total": obj{"type": "integer"}}),
		"CatalogUpdate": object([]string{"item", "base_version", "reason"}, obj{"item": ref("CatalogItem"),
			"base_version": integer("The version the change is based on (0 to add an item)"), "reason": str("Why (recorded with the version)")}),
		"CatalogExport": object([]string{"format", "items"}, obj{"format": obj{"type": "string", "enum": []string{"creditbridge.catalog/v1"}},
			"exported_at": tm, "items": arrayOf(object(itemRequired, exportedProps))}),
		"CatalogImportResult": object([]string{"added", "changed", "unchanged"}, obj{"added": arrayOf(str("Code")),
			"changed": arrayOf(str("Code")), "unchanged": obj{"type": "integer"}}),
		"Problem": obj{"type": "object", "required": []string{"type", "title", "status", "detail", "code"}, "properties": obj{
			"type": str("URI naming the problem type"), "title": str("Short, localized"), "status": obj{"type": "integer"},
			"detail": str("Localized explanation a user can act on"), "instance": str("Request path"), "code": str("Stable error code"),
			"request_id": str("Request id for support"),
			"errors":     arrayOf(object([]string{"field", "code", "detail"}, obj{"field": str("Field"), "code": str("Code"), "detail": str("Localized")})),
		}},
		"Enterprise":      object([]string{"code", "name_zh", "division", "status", "version"}, enterpriseProps),
		"EnterpriseInput": input,
		"EnterprisePage": object([]string{"items", "total", "limit", "offset"}, obj{"items": arrayOf(ref("Enterprise")),
			"total": obj{"type": "integer"}, "limit": obj{"type": "integer"}, "offset": obj{"type": "integer"}}),
		"EnterpriseUpdate": object([]string{"version", "reason", "record"}, obj{"version": integer("Version read"), "reason": str("Why"), "record": ref("EnterpriseInput")}),
		"EnterpriseData": object([]string{"credit_code", "name", "purpose", "values"}, obj{"credit_code": str("Unified social credit code"), "name": str("Name"),
			"purpose": str("Purpose recorded"), "known_at": tm, "truncated": obj{"type": "boolean", "description": "More stored values exist than were returned (10,000)"},
			"values": list(object([]string{"item", "shape", "period", "num", "source", "received_at", "version", "via"}, obj{
				"item": str("Catalogue item"), "shape": str("attribute, measure or event"), "period": str("Period, effective or event date"),
				"ends_on": str("End of an event's effect"), "num": obj{"type": "integer", "description": "Value in the item's unit (fen, persons, kWh...)"},
				"text": str("Categorical value or label"), "ref": str("Source reference (decision or case number)"), "detail": obj{"type": "object"},
				"source": str("Department"), "batch": str("Batch that brought it (live:<connector> for interface calls)"),
				"source_row": integer("Row in the source file"), "received_at": tm, "version": integer("Version (corrections count up)"),
				"via": obj{"type": "string", "enum": []string{"physical", "interface"}}, "masked": obj{"type": "boolean"}})),
			"interface_calls": list(object([]string{"item", "source"}, obj{"item": str("Item"), "source": str("Department"), "connector": str("Connector"),
				"cached": obj{"type": "boolean"}, "attempts": integer("Calls made"), "ms": obj{"type": "number"}, "values": integer("Values returned"), "error": str("Error code")}))}),
		"Change": object([]string{"field", "old_value", "new_value", "changed_at"}, obj{"field": str("Attribute"), "old_value": str("Before (personal data masked)"),
			"new_value": str("After"), "changed_at": tm, "actor_user_id": integer("Who"), "reason": str("Why")}),
		"SignIn": object([]string{"username", "password"}, obj{"username": str("Username"), "password": obj{"type": "string", "format": "password"}}),
		"Me": object([]string{"org_id", "org_kind", "org_name"}, obj{"user_id": integer("User"), "username": str("Username"), "display_name": str("Name"),
			"role": str("Role"), "org_id": integer("Organisation"), "org_kind": str("Organisation kind"), "org_name": str("Organisation name"),
			"enterprise_id": integer("Enterprise of an enterprise account"), "api_key": str("Prefix of the API key used"),
			"csrf_token": str("Send as X-CSRF-Token on state-changing requests"), "expires_at": tm}),
		"Org": object([]string{"id", "kind", "name", "status"}, obj{"id": integer("Id"), "kind": obj{"type": "string", "enum": []string{"operator", "department", "institution", "enterprise", "auditor"}},
			"name": str("Name"), "name_en": str("English name"), "enterprise_id": integer("Linked enterprise"), "access_tier": obj{"type": "integer", "minimum": 0, "maximum": 4},
			"department": str("Department code of a department organisation (tax, hrss, grid, ...)"), "status": str("active or suspended"), "created_at": tm}),
		"OrgInput": object([]string{"kind", "name"}, obj{"kind": str("Organisation kind"), "name": str("Name"), "name_en": str("English name"),
			"enterprise_id": integer("For enterprise organisations"), "access_tier": obj{"type": "integer", "minimum": 0, "maximum": 4},
			"department": str("Department code, required for department organisations (tax, hrss, grid, ...)")}),
		"User": object([]string{"id", "org_id", "username", "role", "status"}, obj{"id": integer("Id"), "org_id": integer("Organisation"), "username": str("Username"),
			"display_name": str("Name"), "role": obj{"type": "string", "enum": []string{"operator_admin", "operator_analyst", "department_officer", "institution_officer", "enterprise_admin", "auditor"}},
			"status": str("active or suspended"), "created_at": tm, "last_login_at": tm}),
		"UserInput": object([]string{"org_id", "username", "role", "password"}, obj{"org_id": integer("Organisation"), "username": str("Username"),
			"display_name": str("Name"), "role": str("Role"), "password": obj{"type": "string", "format": "password", "minLength": 10}}),
		"Status": object([]string{"status"}, obj{"status": obj{"type": "string", "enum": []string{"active", "suspended"}}}),
		"APIKey": object([]string{"id", "org_id", "prefix", "name", "scopes", "created_at"}, obj{"id": integer("Id"), "org_id": integer("Organisation"),
			"prefix": str("Public prefix"), "name": str("Name"), "scopes": arrayOf(str("Scope")), "created_at": tm, "expires_at": tm,
			"revoked_at": tm, "last_used_at": tm, "secret": str("Shown only once, in the creating response")}),
		"APIKeyInput": object([]string{"name", "scopes"}, obj{"name": str("Name"),
			"scopes":     arrayOf(obj{"type": "string", "enum": []string{"enterprise:read", "data:write", "audit:read"}}),
			"expires_at": obj{"type": "string", "format": "date-time"}}),
		"AuditEntry": object([]string{"seq", "time", "actor_name", "action", "outcome", "hash", "prev_hash"}, obj{"seq": integer("Sequence"), "time": tm,
			"actor_user_id": integer("User"), "actor_name": str("Actor"), "org_id": integer("Organisation"), "action": str("Action"),
			"enterprise_id": integer("Subject enterprise"), "items": arrayOf(str("Catalogue item")), "purpose": str("Purpose"),
			"authorization_id": str("Authorization"), "outcome": obj{"type": "string", "enum": []string{"ok", "denied", "failed"}},
			"detail": str("Detail"), "prev_hash": str("Hash of the previous entry"), "hash": str("SHA-256 of this entry")}),
		"AuditVerify": object([]string{"ok", "entries", "checkpoints"}, obj{"ok": obj{"type": "boolean"}, "entries": integer("Entries checked"),
			"checkpoints": obj{"type": "integer"}, "head_seq": integer("Head"), "head_hash": str("Head hash"), "last_signed_seq": integer("Covered by a checkpoint"),
			"problem_seq": integer("First bad entry"), "problem": str("What is wrong")}),
	}
}

// Document builds the OpenAPI 3.1 description of the API.
func Document() obj {
	e4 := []string{"400", "401", "403", "404"}
	paths := obj{
		"/api/v1/openapi.json": obj{"get": op("getOpenAPI", "This document", "meta", nil, nil, "200", resp("OpenAPI 3.1 document", obj{"type": "object"}))},
		"/api/v1/auth/sign-in": obj{"post": op("signIn", "Sign in with username and password; sets the session cookie", "auth", nil,
			jsonBody(ref("SignIn")), "200", resp("Signed in", ref("Me")), "400", "401", "403", "429")},
		"/api/v1/auth/sign-out": obj{"post": op("signOut", "End the session", "auth", nil, nil, "204", resp("Signed out", nil), "401", "403")},
		"/api/v1/me":            obj{"get": op("getMe", "Who am I", "auth", nil, nil, "200", resp("Identity", ref("Me")), "401")},
		"/api/v1/enterprises": obj{
			"get": op("searchEnterprises", "Search the registry by name (Chinese or English), code prefix, region, industry, status", "enterprises",
				[]obj{queryParam("q", "Name substring or code prefix", obj{"type": "string", "maxLength": 100}),
					queryParam("division", "Division code prefix (2-6 digits)", obj{"type": "string"}),
					queryParam("industry", "GB/T 4754 section", obj{"type": "string"}),
					queryParam("status", "Registration status", obj{"type": "string"}),
					limitParam, queryParam("offset", "Offset", obj{"type": "integer", "minimum": 0}), purposeParam},
				nil, "200", resp("One page", ref("EnterprisePage")), "400", "401", "403"),
			"post": op("registerEnterprise", "Register an enterprise", "enterprises", nil, jsonBody(ref("EnterpriseInput")), "201",
				resp("Registered", ref("Enterprise")), "400", "401", "403", "409", "413"),
		},
		"/api/v1/enterprises/{code}": obj{
			"get": op("getEnterprise", "Read one enterprise's registry record (an evidence entry records the read)", "enterprises",
				[]obj{codeParam, purposeParam}, nil, "200", resp("Record", ref("Enterprise")), e4...),
			"patch": op("updateEnterprise", "Change registered attributes (history and evidence recorded)", "enterprises",
				[]obj{codeParam}, jsonBody(ref("EnterpriseUpdate")), "200", resp("Updated", ref("Enterprise")), "400", "401", "403", "404", "409"),
		},
		"/api/v1/enterprises/{code}/history": obj{"get": op("getEnterpriseHistory", "Attribute change history", "enterprises",
			[]obj{codeParam, purposeParam}, nil, "200", resp("Changes", list(ref("Change"))), e4...)},
		"/api/v1/enterprises/{code}/data": obj{"get": op("getEnterpriseData", "Shared data items of one enterprise, read through the access decision point: copied-in values with provenance, interface items fetched live from the department (each call in the evidence log)", "enterprises",
			[]obj{codeParam, purposeParam,
				queryParam("items", "Comma-separated catalogue item codes or category prefixes ending in a dot (tax.); default every item", obj{"type": "string"}),
				queryParam("from", "First period, YYYY-MM or YYYY-MM-DD", obj{"type": "string"}),
				queryParam("to", "Last period, YYYY-MM or YYYY-MM-DD", obj{"type": "string"}),
				queryParam("known_at", "Point in time: what the platform knew then (RFC 3339, or a date meaning its end)", obj{"type": "string"}),
				queryParam("versions", "latest (default) or all: every version, corrections included", obj{"type": "string", "enum": []string{"latest", "all"}}),
				queryParam("authorization", "The enterprise's authorization an institution reads under (az_...); default: a covering one. Institutions' reads are clipped to its data date range", obj{"type": "string"})},
			nil, "200", resp("Values", ref("EnterpriseData")), "400", "401", "403", "404", "503")},
		"/api/v1/catalog": obj{"get": op("listCatalog", "The catalogue of shared information: current version of every item, by category", "catalog",
			[]obj{queryParam("category", "Keep one category", obj{"type": "string"})}, nil, "200", resp("Items", ref("CatalogList")), "400", "401")},
		"/api/v1/catalog/{code}": obj{
			"get": op("getCatalogItem", "One catalogue item, current version", "catalog", []obj{itemCodeParam}, nil, "200",
				resp("Item", ref("CatalogVersion")), "401", "404"),
			"put": op("putCatalogItem", "Change (or add, with base_version 0) a catalogue item: a new version with author and reason, in the evidence log",
				"catalog", []obj{itemCodeParam}, jsonBody(ref("CatalogUpdate")), "200", resp("The new current version", ref("CatalogVersion")),
				"201", "400", "401", "403", "409"),
		},
		"/api/v1/catalog/{code}/versions": obj{"get": op("listCatalogVersions", "Every version of an item, oldest first", "catalog",
			[]obj{itemCodeParam}, nil, "200", resp("Versions", list(ref("CatalogVersion"))), "401", "404")},
		"/api/v1/catalog/export": obj{"get": op("exportCatalog", "Export the current catalogue as JSON or XLSX", "catalog",
			[]obj{queryParam("format", "json (default) or xlsx", obj{"type": "string", "enum": []string{"json", "xlsx"}})}, nil, "200",
			obj{"description": "The catalogue", "content": obj{"application/json": obj{"schema": ref("CatalogExport")},
				"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": obj{"schema": obj{"type": "string", "format": "binary"}}}},
			"400", "401")},
		"/api/v1/catalog/import": obj{"post": op("importCatalog", "Import a catalogue export (JSON or XLSX): validated first, applied atomically; changed items become new versions, unchanged ones are skipped",
			"catalog", []obj{queryParam("reason", "Why (recorded with every new version)", obj{"type": "string"})},
			obj{"required": true, "content": obj{"application/json": obj{"schema": ref("CatalogExport")},
				"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": obj{"schema": obj{"type": "string", "format": "binary"}}}},
			"200", resp("What changed", ref("CatalogImportResult")), "400", "401", "403", "409", "413")},
		"/api/v1/orgs": obj{
			"get": op("listOrgs", "List organisations", "accounts", []obj{queryParam("kind", "Kind", obj{"type": "string"}), limitParam, afterParam},
				nil, "200", resp("Organisations", list(ref("Org"))), "400", "401", "403"),
			"post": op("createOrg", "Create an organisation", "accounts", nil, jsonBody(ref("OrgInput")), "201", resp("Created", ref("Org")), "400", "401", "403"),
		},
		"/api/v1/users": obj{
			"get": op("listUsers", "List users", "accounts", []obj{queryParam("q", "Username or name substring", obj{"type": "string"}),
				queryParam("org_id", "Organisation", obj{"type": "integer", "format": "int64"}), limitParam, afterParam},
				nil, "200", resp("Users", list(ref("User"))), "400", "401", "403"),
			"post": op("createUser", "Create a user", "accounts", nil, jsonBody(ref("UserInput")), "201", resp("Created", ref("User")), "400", "401", "403", "404", "409"),
		},
		"/api/v1/users/{id}/status": obj{"post": op("setUserStatus", "Suspend or reinstate a user", "accounts", []obj{idParam},
			jsonBody(ref("Status")), "204", resp("Done", nil), e4...)},
		"/api/v1/orgs/{id}/api-keys": obj{
			"get": op("listAPIKeys", "List an organisation's API keys", "accounts", []obj{idParam}, nil, "200", resp("Keys", list(ref("APIKey"))), e4...),
			"post": op("createAPIKey", "Issue an API key (the secret is shown once)", "accounts", []obj{idParam}, jsonBody(ref("APIKeyInput")),
				"201", resp("Issued", ref("APIKey")), e4...),
		},
		"/api/v1/api-keys/{id}": obj{"delete": op("revokeAPIKey", "Revoke an API key", "accounts", []obj{idParam}, nil, "204", resp("Revoked", nil), e4...)},
		"/api/v1/audit": obj{"get": op("listAudit", "Evidence log entries, newest first", "audit",
			[]obj{queryParam("enterprise_id", "Subject enterprise", obj{"type": "integer", "format": "int64"}),
				queryParam("actor_user_id", "Actor", obj{"type": "integer", "format": "int64"}),
				queryParam("action", "Action, or prefix ending in '.'", obj{"type": "string"}),
				queryParam("before", "Entries with seq below this", obj{"type": "integer", "format": "int64"}), limitParam},
			nil, "200", resp("Entries", list(ref("AuditEntry"))), "400", "401", "403")},
		"/api/v1/audit/verify": obj{"get": op("verifyAudit", "Verify the hash chain and signed checkpoints", "audit", nil, nil, "200",
			resp("Verification report", ref("AuditVerify")), "401", "403")},
		"/api/v1/audit/export": obj{"get": op("exportAudit", "Export the evidence about an institution, an enterprise or a time range with its chain proof (JSON lines; verify offline with `creditbridge audit verify --export FILE`); auditors and operator staff, recorded as evidence", "audit",
			[]obj{queryParam("institution", "Acting organisation id", obj{"type": "integer", "format": "int64"}),
				queryParam("enterprise", "Subject enterprise id", obj{"type": "integer", "format": "int64"}),
				queryParam("from", "Start, RFC 3339 or YYYY-MM-DD (inclusive)", obj{"type": "string"}),
				queryParam("to", "End, RFC 3339 (exclusive) or YYYY-MM-DD (that whole day)", obj{"type": "string"})},
			nil, "200", obj{"description": "The export: header, entries, checkpoints, end line", "content": obj{"application/x-ndjson": obj{"schema": obj{"type": "string"}}}},
			"400", "401", "403")},
	}
	for k, v := range qualityPaths() {
		paths[k] = v
	}
	for k, v := range featurePaths() {
		paths[k] = v
	}
	for k, v := range ingestPaths() {
		paths[k] = v
	}
	components := schemas()
	for k, v := range ingestSchemas() {
		components[k] = v
	}
	for k, v := range connectorPaths() {
		paths[k] = v
	}
	for k, v := range connectorSchemas() {
		components[k] = v
	}
	for k, v := range verifyPaths() {
		paths[k] = v
	}
	for k, v := range verifySchemas() {
		components[k] = v
	}
	for k, v := range rightsPaths() {
		paths[k] = v
	}
	for k, v := range rightsSchemas() {
		components[k] = v
	}
	for k, v := range monitorPaths() {
		paths[k] = v
	}
	for k, v := range authzPaths() {
		paths[k] = v
	}
	for k, v := range authzSchemas() {
		components[k] = v
	}
	for k, v := range monitorSchemas() {
		components[k] = v
	}
	for k, v := range indicatorPaths() {
		paths[k] = v
	}
	for k, v := range indicatorSchemas() {
		components[k] = v
	}
	for k, v := range modelPaths() {
		paths[k] = v
	}
	for k, v := range modelSchemas() {
		components[k] = v
	}
	for k, v := range scorePaths() {
		paths[k] = v
	}
	for k, v := range scoreSchemas() {
		components[k] = v
	}
	return obj{
		"openapi": "3.1.0",
		"info": obj{"title": "CreditBridge API", "version": "1.0.0",
			"description": "Financing credit service platform (融资信用服务平台). Every read of enterprise data is decided by one access point and recorded in a tamper-evident evidence log. Errors are RFC 9457 problem documents in the caller's language (Accept-Language: zh-CN or en)."},
		"servers": []obj{{"url": "/"}},
		"paths":   paths,
		"components": obj{
			"schemas": components,
			"securitySchemes": obj{
				"session": obj{"type": "apiKey", "in": "cookie", "name": "cb_session", "description": "Session cookie from sign-in; state-changing requests also need X-CSRF-Token"},
				"apiKey":  obj{"type": "http", "scheme": "bearer", "description": "API key issued to an institution or department (cbk_...)"},
			},
		},
		"security": []obj{{"session": []string{}}, {"apiKey": []string{}}},
	}
}

func (a *API) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(a.doc)
	return nil
}

func marshalDocument() []byte {
	b, err := json.MarshalIndent(Document(), "", "  ")
	if err != nil { // the document holds only maps, slices and strings
		panic(err)
	}
	return b
}

// Operations lists "METHOD path" for every documented operation.
func Operations() []string {
	var out []string
	for p, item := range Document()["paths"].(obj) {
		for m := range item.(obj) {
			out = append(out, strings.ToUpper(m)+" "+p)
		}
	}
	return out
}
