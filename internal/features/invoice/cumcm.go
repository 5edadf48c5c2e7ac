package invoice

import (
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// CUMCM invoice files (see ../shared/datasets/cumcm2020c-sme-invoices):
// gzip CSV with the header 企业代号, 发票号码, 开票日期, 销方单位代号 or
// 购方单位代号, 金额, 税额, 价税合计, 发票状态; dates Y/M/D without zero
// padding; 发票状态 有效发票 (valid) or 作废发票 (void).
const (
	CUMCMSales     = "credit_history_enterprise_output_invoice.csv.gz"
	CUMCMPurchases = "credit_history_enterprise_input_invoice.csv.gz"
	CUMCMLabels    = "enterprises_123_labels.csv"
	statusValid    = "有效发票"
	statusVoid     = "作废发票"
)

// ReadCUMCM streams the invoices of a CUMCM file (gzip if the name ends in
// .gz) to fn, in file order, holding one row at a time. Errors name the
// file and the row (1 is the header).
func ReadCUMCM(path string, fn func(Record) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	return readCUMCM(r, filepath.Base(path), fn)
}

func readCUMCM(r io.Reader, name string, fn func(Record) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 8
	cr.ReuseRecord = true
	// Some fields carry a leading space (" 作废发票" in 47 rows of E23).
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %w", name, err)
	}
	if strings.TrimPrefix(head[0], "\ufeff") != "企业代号" || head[2] != "开票日期" || head[7] != "发票状态" {
		return fmt.Errorf("%s: header %q is not a CUMCM invoice file", name, head)
	}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		inv, err := parseRow(rec)
		if err != nil {
			return fmt.Errorf("%s row %d: %w", name, row, err)
		}
		if err := fn(inv); err != nil {
			return err
		}
	}
}

func parseRow(rec []string) (Record, error) {
	ymd := strings.Split(rec[2], "/")
	if len(ymd) != 3 {
		return Record{}, fmt.Errorf("date %q is not Y/M/D", rec[2])
	}
	y, err1 := strconv.Atoi(ymd[0])
	m, err2 := strconv.Atoi(ymd[1])
	d, err3 := strconv.Atoi(ymd[2])
	amount, err4 := strconv.ParseFloat(rec[4], 64)
	tax, err5 := strconv.ParseFloat(rec[5], 64)
	total, err6 := strconv.ParseFloat(rec[6], 64)
	if err := errors.Join(err1, err2, err3, err4, err5, err6); err != nil {
		return Record{}, err
	}
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return Record{}, fmt.Errorf("date %q out of range", rec[2])
	}
	status := strings.TrimSpace(rec[7])
	if status != statusValid && status != statusVoid {
		return Record{}, fmt.Errorf("status %q: want %s or %s", rec[7], statusValid, statusVoid)
	}
	return Record{Firm: rec[0], Number: rec[1], Year: y, Month: m, Day: d, Party: rec[3],
		Amount: amount, Tax: tax, Total: total, Void: status == statusVoid}, nil
}

// Sides reads a CUMCM invoice file into one accumulator per firm.
func Sides(path string) (map[string]*Side, error) {
	out := map[string]*Side{}
	err := ReadCUMCM(path, func(r Record) error {
		s := out[r.Firm]
		if s == nil {
			s = NewSide()
			out[r.Firm] = s
		}
		s.Add(r)
		return nil
	})
	return out, err
}

// CUMCM is the labelled firms' invoice data: per firm the sales and
// purchase sides, and End, the month after the last invoice of any firm
// (early 2020), as of which features are computed.
type CUMCM struct {
	Sales, Purchases map[string]*Side
	End              int
}

// LoadCUMCM streams the two invoice files of the 123 labelled firms in dir.
func LoadCUMCM(dir string) (*CUMCM, error) {
	sales, err := Sides(filepath.Join(dir, CUMCMSales))
	if err != nil {
		return nil, err
	}
	purchases, err := Sides(filepath.Join(dir, CUMCMPurchases))
	if err != nil {
		return nil, err
	}
	c := &CUMCM{Sales: sales, Purchases: purchases}
	for _, m := range []map[string]*Side{sales, purchases} {
		for _, s := range m {
			c.End = max(c.End, s.last+1)
		}
	}
	return c, nil
}

// Firm returns a firm's features as of End.
func (c *CUMCM) Firm(id string) Firm { return FirmFeatures(c.Sales[id], c.Purchases[id], c.End) }
