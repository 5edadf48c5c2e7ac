package api

import (
	"net/http"
	"strings"

	"github.com/creditbridge/creditbridge/internal/connector"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// Connectors to departments' interfaces are the operator administrators'
// business; the service checks the role. Secrets are write-only: they are
// accepted in a PUT and never appear in an answer (secret_set says whether
// one is stored).

func (a *API) listConnectors(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	vs, err := a.d.Connectors.List(r.Context(), id.Principal)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": vs, "total": len(vs)})
	return nil
}

func (a *API) getConnector(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	v, err := a.d.Connectors.Get(r.Context(), id.Principal, r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) connectorVersions(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	vs, err := a.d.Connectors.History(r.Context(), id.Principal, r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": vs})
	return nil
}

type connectorUpdate struct {
	Connector   connector.Config `json:"connector"`
	BaseVersion int64            `json:"base_version"`
	Reason      string           `json:"reason"`
}

func (a *API) putConnector(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	var in connectorUpdate
	if err := decode(r, &in); err != nil {
		return err
	}
	name := r.PathValue("name")
	if in.Connector.Name == "" {
		in.Connector.Name = name
	}
	if strings.TrimSpace(in.Connector.Name) != name {
		return fault.New(fault.Invalid, "connector.name_mismatch", "the connector name in the body differs from the path").With("name", in.Connector.Name)
	}
	if in.BaseVersion < 0 {
		return fault.New(fault.Invalid, "request.bad_param", "base_version must not be negative").With("name", "base_version")
	}
	v, err := a.d.Connectors.Save(r.Context(), id.Principal, in.Connector, in.BaseVersion, in.Reason)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if in.BaseVersion == 0 && v.Version == 1 {
		status = http.StatusCreated
	}
	writeJSON(w, status, v)
	return nil
}

// connectorSchemas are the OpenAPI schemas of connectors.
func connectorSchemas() obj {
	dur := func(desc string) obj {
		return obj{"type": "string", "description": desc + ` (Go duration, e.g. "2s", "150ms")`}
	}
	props := func(withSecret bool) obj {
		auth := obj{
			"type":   obj{"type": "string", "enum": []string{"api_key", "hmac"}},
			"header": str("Header carrying the API key (default X-API-Key)"),
			"key_id": str("HMAC key id sent as X-CB-Key-Id"),
		}
		if withSecret {
			auth["secret"] = obj{"type": "string", "format": "password", "writeOnly": true,
				"description": "API key or HMAC secret: write-only, sealed at rest, never returned; omit to keep the stored one"}
		}
		return obj{
			"name":       str("Connector name (2-64 of a-z, 0-9, -, _)"),
			"department": str("Department code (tax, hrss, samr, court, nr, pbc, ...)"),
			"enabled":    obj{"type": "boolean", "description": "Serves reads when true"},
			"base_url":   str("http(s)://host[:port][/prefix]"),
			"auth":       object([]string{"type"}, auth),
			"request": object([]string{"path"}, obj{"method": obj{"type": "string", "enum": []string{"GET", "POST"}},
				"path": str("Path template with {credit_code}, {item}, {from}, {to} (dates YYYY-MM-DD)"),
				"body": str("JSON body template for POST, placeholders inside strings")}),
			"response": object([]string{"period"}, obj{"records": str("Dotted path to the list of records; empty: the answer is the list"),
				"period": str("Field with the period or date"), "num": str("Field with the number"), "text": str("Field with the text"),
				"ref": str("Field with the reference"), "ends_on": str("Field with the end date"), "detail": str("Field with further detail (any JSON)")}),
			"items": arrayOf(object([]string{"code"}, obj{"code": str("Catalogue item code"), "remote": str("The department's name for it ({item})"),
				"num_scale": obj{"type": "integer", "minimum": 1, "maximum": 1000000, "description": "Multiplier into the item's unit (100: 元 → fen)"}})),
			"timeout":    dur("Per attempt"),
			"budget":     dur("Whole call, retries and waits included"),
			"retries":    obj{"type": "integer", "minimum": 0, "maximum": 5},
			"backoff":    object(nil, obj{"initial": dur("First wait"), "max": dur("Longest wait")}),
			"breaker":    object(nil, obj{"failures": obj{"type": "integer", "minimum": 1}, "cooldown": dur("Open for")}),
			"rate_limit": object(nil, obj{"per_second": obj{"type": "number", "minimum": 0}, "burst": obj{"type": "integer", "minimum": 0}}),
			"cache_ttl":  dur("Cache lifetime, capped by the item's grade: L1 24h, L2 1h, L3 5m, L4 none"),
		}
	}
	view := props(false)
	view["secret_set"] = obj{"type": "boolean", "description": "A secret is stored"}
	view["version"] = integer("Version 1, 2, ...")
	view["author_user_id"] = integer("Who made the version (0: the system)")
	view["author_name"] = str("Who made the version")
	view["reason"] = str("Why")
	view["created_at"] = obj{"type": "string", "format": "date-time"}
	return obj{
		"Connector":     object([]string{"name", "department", "base_url", "auth", "request", "response", "items"}, props(true)),
		"ConnectorView": object([]string{"name", "department", "enabled", "base_url", "auth", "request", "response", "items", "secret_set", "version", "reason", "created_at"}, view),
		"ConnectorUpdate": object([]string{"connector", "base_version", "reason"}, obj{"connector": ref("Connector"),
			"base_version": integer("The version the change is based on (0 to add a connector)"), "reason": str("Why (recorded with the version)")}),
	}
}

// connectorPaths are the OpenAPI paths of connectors.
func connectorPaths() obj {
	name := pathParam("name", "Connector name", obj{"type": "string", "maxLength": 64})
	return obj{
		"/api/v1/connectors": obj{"get": op("listConnectors", "Connectors to departments' interfaces, current versions (operator administrators; secrets never returned)",
			"connectors", nil, nil, "200", resp("Connectors", object([]string{"items", "total"}, obj{"items": arrayOf(ref("ConnectorView")), "total": obj{"type": "integer"}})), "401", "403")},
		"/api/v1/connectors/{name}": obj{
			"get": op("getConnector", "One connector, current version", "connectors", []obj{name}, nil, "200", resp("Connector", ref("ConnectorView")), "401", "403", "404"),
			"put": op("putConnector", "Change (or add, with base_version 0) a connector: validated, a new version with author and reason, in the evidence log; the secret is sealed with the node's data key",
				"connectors", []obj{name}, jsonBody(ref("ConnectorUpdate")), "200", resp("The new current version", ref("ConnectorView")), "201", "400", "401", "403", "409"),
		},
		"/api/v1/connectors/{name}/versions": obj{"get": op("listConnectorVersions", "Every version of a connector, oldest first", "connectors",
			[]obj{name}, nil, "200", resp("Versions", list(ref("ConnectorView"))), "401", "403", "404")},
	}
}
