package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// Format names the JSON export format.
const Format = "creditbridge.catalog/v1"

// Document is the JSON export: the current catalogue. Importing it into
// the catalogue it came from changes nothing.
type Document struct {
	Format     string         `json:"format"`
	ExportedAt time.Time      `json:"exported_at"`
	Items      []ExportedItem `json:"items"`
}

// ExportedItem is an item with the version it had when exported; the
// version is informational and ignored on import.
type ExportedItem struct {
	Item
	Version int64 `json:"version,omitempty"`
}

// ExportJSON returns the current catalogue as a Document.
func (s *Service) ExportJSON(ctx context.Context) ([]byte, error) {
	vs, err := s.List(ctx, "")
	if err != nil {
		return nil, err
	}
	doc := Document{Format: Format, ExportedAt: s.now().Truncate(time.Second), Items: make([]ExportedItem, len(vs))}
	for i, v := range vs {
		doc.Items[i] = ExportedItem{Item: v.Item, Version: v.Version}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("catalog: encode export: %w", err)
	}
	return buf.Bytes(), nil
}

func formatError(detail string) error {
	return fault.New(fault.Invalid, "catalog.import_format", "not a catalogue export").With("detail", detail)
}

// ImportJSON validates every item of a Document first, then stores the
// items that differ from the current catalogue as new versions, all in one
// transaction with one evidence entry. Items absent from the document stay
// as they are (items are retired with effective_to, never deleted).
func (s *Service) ImportJSON(ctx context.Context, p access.Principal, data []byte, reason string) (ImportResult, error) {
	if !canEdit(p) {
		return ImportResult{}, errForbidden
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc Document
	if err := dec.Decode(&doc); err != nil {
		return ImportResult{}, formatError(err.Error())
	}
	if doc.Format != Format {
		return ImportResult{}, formatError(fmt.Sprintf("format is %q, want %q", doc.Format, Format))
	}
	items := make([]Item, len(doc.Items))
	for i, e := range doc.Items {
		items[i] = e.Item
	}
	valid, err := validateAll(items, func(i int) string { return fmt.Sprintf("items[%d].", i) })
	if err != nil {
		return ImportResult{}, err
	}
	return s.apply(ctx, p, valid, reason, "json")
}

func asFields(err error, fe **fault.FieldsError) bool { return errors.As(err, fe) }
