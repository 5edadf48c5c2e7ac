package catalog

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// XLSXContentType is the media type of an XLSX workbook.
const XLSXContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// column is one column of the XLSX layout: the JSON field it holds, its
// header (Chinese and English, so either reader can use the sheet), how a
// cell is written and how it is read back into an item.
type column struct {
	key, zh, en string
	get         func(Version) string
	set         func(*Item, string) error
}

func (c column) header() string { return c.zh + " " + c.en }

func cellError(c column, value string) error {
	return fault.New(fault.Invalid, "catalog.import_cell", "cannot read the cell").With("value", value).With("column", c.header())
}

var columns = []column{
	{"code", "代码", "Code", func(v Version) string { return v.Code }, func(i *Item, s string) error { i.Code = s; return nil }},
	{"name_zh", "中文名称", "Chinese name", func(v Version) string { return v.NameZH }, func(i *Item, s string) error { i.NameZH = s; return nil }},
	{"name_en", "英文名称", "English name", func(v Version) string { return v.NameEN }, func(i *Item, s string) error { i.NameEN = s; return nil }},
	{"category", "类别", "Category", func(v Version) string { return string(v.Category) }, func(i *Item, s string) error { i.Category = Category(s); return nil }},
	{"department", "来源部门", "Source department", func(v Version) string { return v.Department }, func(i *Item, s string) error { i.Department = s; return nil }},
	{"shape", "数据形态", "Shape", func(v Version) string { return string(v.Shape) }, func(i *Item, s string) error { i.Shape = facts.Shape(s); return nil }},
	{"unit", "计量单位", "Unit", func(v Version) string { return v.Unit }, func(i *Item, s string) error { i.Unit = s; return nil }},
	{"frequency", "更新频率", "Update frequency", func(v Version) string { return v.Frequency }, func(i *Item, s string) error { i.Frequency = s; return nil }},
	{"modes", "共享方式", "Sharing modes", func(v Version) string {
		ms := make([]string, len(v.Modes))
		for i, m := range v.Modes {
			ms[i] = string(m)
		}
		return strings.Join(ms, ",")
	}, func(i *Item, s string) error {
		i.Modes = nil
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == ' ' }) {
			i.Modes = append(i.Modes, Mode(f))
		}
		return nil
	}},
	{"sharing", "共享属性", "Sharing", func(v Version) string { return string(v.Sharing) }, func(i *Item, s string) error { i.Sharing = Sharing(s); return nil }},
	{"disclosure", "公开属性", "Disclosure", func(v Version) string { return string(v.Disclosure) }, func(i *Item, s string) error { i.Disclosure = Disclosure(s); return nil }},
	{"grade", "数据分级", "Data grade", func(v Version) string { return "L" + strconv.Itoa(v.Grade) }, nil},
	{"personal", "含个人信息", "Personal information", func(v Version) string {
		if v.Personal {
			return "是 yes"
		}
		return "否 no"
	}, nil},
	{"legal_basis", "法律依据", "Legal basis", func(v Version) string { return v.LegalBasis }, func(i *Item, s string) error { i.LegalBasis = s; return nil }},
	{"effective_from", "生效日期", "Effective from", func(v Version) string { return v.EffectiveFrom }, func(i *Item, s string) error { i.EffectiveFrom = s; return nil }},
	{"effective_to", "失效日期", "Effective to", func(v Version) string { return v.EffectiveTo }, func(i *Item, s string) error { i.EffectiveTo = s; return nil }},
	{"note", "说明", "Note", func(v Version) string { return v.Note }, func(i *Item, s string) error { i.Note = s; return nil }},
	{"version", "版本", "Version", func(v Version) string { return strconv.FormatInt(v.Version, 10) }, func(*Item, string) error { return nil }},
}

func init() {
	for i := range columns {
		c := &columns[i]
		switch c.key {
		case "grade":
			col := *c
			c.set = func(it *Item, s string) error {
				n, err := strconv.Atoi(strings.TrimPrefix(strings.ToUpper(s), "L"))
				if err != nil {
					return cellError(col, s)
				}
				it.Grade = n
				return nil
			}
		case "personal":
			col := *c
			c.set = func(it *Item, s string) error {
				f := strings.ToLower(strings.Fields(s + " x")[0])
				switch f {
				case "是", "yes", "y", "true", "1":
					it.Personal = true
				case "否", "no", "n", "false", "0", "x":
					it.Personal = false
				default:
					return cellError(col, s)
				}
				return nil
			}
		}
	}
}

const sheetName = "共享清单 Catalogue"

// ExportXLSX returns the current catalogue as a workbook: one sheet, a
// header row naming each column in Chinese and English, one row per item.
func (s *Service) ExportXLSX(ctx context.Context) ([]byte, error) {
	vs, err := s.List(ctx, "")
	if err != nil {
		return nil, err
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		return nil, fmt.Errorf("catalog: xlsx: %w", err)
	}
	header := make([]any, len(columns))
	for i, c := range columns {
		header[i] = c.header()
	}
	if err := f.SetSheetRow(sheetName, "A1", &header); err != nil {
		return nil, fmt.Errorf("catalog: xlsx: %w", err)
	}
	for r, v := range vs {
		row := make([]any, len(columns))
		for i, c := range columns {
			row[i] = c.get(v)
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := f.SetSheetRow(sheetName, cell, &row); err != nil {
			return nil, fmt.Errorf("catalog: xlsx: %w", err)
		}
	}
	_ = f.SetPanes(sheetName, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("catalog: xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

// findColumn matches a header cell: "中文 English", either half, or the
// JSON field name.
func findColumn(h string) (column, bool) {
	h = strings.TrimSpace(h)
	for _, c := range columns {
		if strings.EqualFold(h, c.header()) || h == c.zh || strings.EqualFold(h, c.en) || strings.EqualFold(h, c.key) {
			return c, true
		}
	}
	return column{}, false
}

// ImportXLSX reads the first sheet of a workbook laid out as ExportXLSX
// writes it (columns may be in any order; the version column is ignored),
// validates every row first and reports problems by row number, then
// applies the changes as ImportJSON does.
func (s *Service) ImportXLSX(ctx context.Context, p access.Principal, data []byte, reason string) (ImportResult, error) {
	if !canEdit(p) {
		return ImportResult{}, errForbidden
	}
	// Limits keep a crafted archive (a zip bomb) from exhausting memory; a
	// real catalogue is a few hundred kilobytes unpacked.
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 64 << 20, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return ImportResult{}, formatError("not an XLSX workbook")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return ImportResult{}, formatError("the workbook has no sheet")
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		return ImportResult{}, formatError("the first sheet cannot be read")
	}
	if len(rows) == 0 {
		return ImportResult{}, formatError("the first sheet is empty")
	}
	cols := make([]*column, len(rows[0]))
	hasCode := false
	for i, h := range rows[0] {
		if c, ok := findColumn(h); ok {
			cols[i] = &c
			hasCode = hasCode || c.key == "code"
		}
	}
	if !hasCode {
		return ImportResult{}, formatError("the first row must name the columns, starting with 代码 Code")
	}
	var (
		items   []Item
		rowNums []int
		fs      fault.Fields
		// unreadable cells are reported once, as unreadable, not again
		// as invalid values.
		unreadable = map[string]bool{}
	)
	for r, row := range rows[1:] {
		if strings.TrimSpace(strings.Join(row, "")) == "" {
			continue
		}
		n := r + 2 // the sheet's own row number
		var it Item
		for i, cell := range row {
			if i >= len(cols) || cols[i] == nil {
				continue
			}
			if err := cols[i].set(&it, strings.TrimSpace(cell)); err != nil {
				field := fmt.Sprintf("row %d: %s", n, cols[i].key)
				fs.Add(field, err)
				unreadable[field] = true
			}
		}
		items = append(items, it)
		rowNums = append(rowNums, n)
	}
	valid, err := validateAll(items, func(i int) string { return fmt.Sprintf("row %d: ", rowNums[i]) })
	if err != nil || len(fs) > 0 {
		var fe *fault.FieldsError
		if asFields(err, &fe) {
			for _, f := range fe.Fields {
				if !unreadable[f.Field] {
					fs = append(fs, f)
				}
			}
		} else if err != nil && len(fs) == 0 {
			return ImportResult{}, err
		}
		return ImportResult{}, &fault.FieldsError{Base: fault.New(fault.Invalid, "catalog.import_invalid", fmt.Sprintf("the import has %d problems", len(fs))).
			With("count", strconv.Itoa(len(fs))), Fields: fs}
	}
	return s.apply(ctx, p, valid, reason, "xlsx")
}
