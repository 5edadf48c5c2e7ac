package catalog

import (
	"testing"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// TestImportXLSXRefusesWhatIsNotAWorkbook checks the format is checked
// before anything is read or stored (the service needs no store for it).
func TestImportXLSXRefusesWhatIsNotAWorkbook(t *testing.T) {
	t.Parallel()
	s := &Service{}
	admin := access.Principal{UserID: 1, Username: "admin", Role: "operator_admin"}
	_, err := s.ImportXLSX(t.Context(), admin, []byte("PK\x03\x04 not really"), "x")
	if fe, ok := fault.As(err); !ok || fe.Code != "catalog.import_format" {
		t.Fatalf("ImportXLSX(garbage) = %v, want catalog.import_format", err)
	}
	_, err = s.ImportXLSX(t.Context(), access.Principal{UserID: 2, Role: "operator_analyst"}, nil, "x")
	if fe, ok := fault.As(err); !ok || fe.Code != "catalog.edit_forbidden" {
		t.Fatalf("ImportXLSX by an analyst = %v, want catalog.edit_forbidden", err)
	}
	_, err = s.ImportJSON(t.Context(), admin, []byte(`{"format":"creditbridge.catalog/v1","items":[]}`), "x")
	if fe, ok := fault.As(err); !ok || fe.Code != "catalog.import_empty" {
		t.Fatalf("ImportJSON(no items) = %v, want catalog.import_empty", err)
	}
}
