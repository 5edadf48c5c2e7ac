package rights

import (
	"bytes"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
)

func TestAttachmentsAreCheckedAndDigested(t *testing.T) {
	t.Parallel()
	pdf := []byte("%PDF-1.4\n")
	cases := []struct {
		name     string
		in       []AttachmentInput
		code     string
		wantName string
		wantType string
	}{
		{name: "declared type kept, path stripped", in: []AttachmentInput{{Name: `C:\scans\回执.pdf`, ContentType: "application/pdf; x=1", Data: pdf}},
			wantName: "回执.pdf", wantType: "application/pdf"},
		{name: "type sniffed when absent", in: []AttachmentInput{{Name: "../../etc/a.txt", Data: []byte("hello")}},
			wantName: "a.txt", wantType: "text/plain; charset=utf-8"},
		{name: "control characters and quotes dropped", in: []AttachmentInput{{Name: "a\"b\r\n.txt", Data: []byte("x")}}, wantName: "ab.txt"},
		{name: "no name", in: []AttachmentInput{{Data: []byte("x")}}, wantName: "attachment-1"},
		{name: "empty file", in: []AttachmentInput{{Name: "a", Data: nil}}, code: "rights.attachment_empty"},
		{name: "too large", in: []AttachmentInput{{Name: "a", Data: bytes.Repeat([]byte("x"), MaxAttachmentBytes+1)}}, code: "rights.attachment_too_large"},
		{name: "too many", in: make([]AttachmentInput, MaxAttachments+1), code: "rights.too_many_attachments"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := attachments(c.in)
			if c.code != "" {
				if fe, ok := fault.As(err); !ok || fe.Code != c.code {
					t.Fatalf("err = %v, want %s", err, c.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got[0].Name != c.wantName || c.wantType != "" && got[0].ContentType != c.wantType || len(got[0].SHA256) != 64 ||
				got[0].Size != int64(len(c.in[0].Data)) {
				t.Fatalf("got %+v", got[0])
			}
		})
	}
}

func TestTextLimits(t *testing.T) {
	t.Parallel()
	if _, err := text("reason", " \n "); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("blank: %v", err)
	}
	if _, err := text("reason", strings.Repeat("异", MaxTextRunes+1)); fault.KindOf(err) != fault.Invalid {
		t.Fatalf("too long: %v", err)
	}
	if s, err := text("reason", strings.Repeat("异", MaxTextRunes)+"  "); err != nil || len([]rune(s)) != MaxTextRunes {
		t.Fatalf("at the limit: %v", err)
	}
}

func TestRepairable(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		it   catalog.Item
		want bool
	}{
		{catalog.Item{Category: catalog.CatPenalty, Shape: facts.Event}, true},
		{catalog.Item{Category: catalog.CatList, Shape: facts.Event}, true},
		{catalog.Item{Category: catalog.CatJudicial, Shape: facts.Event}, false},
		{catalog.Item{Category: catalog.CatTax, Shape: facts.Measure}, false},
	} {
		if got := Repairable(c.it); got != c.want {
			t.Errorf("Repairable(%s/%s) = %v", c.it.Category, c.it.Shape, got)
		}
	}
}
