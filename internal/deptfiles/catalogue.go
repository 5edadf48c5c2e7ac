package deptfiles

import (
	"github.com/creditbridge/creditbridge/internal/facts"
)

// File formats and encodings.
const (
	formatCSV   = "csv"
	formatXLSX  = "xlsx"
	formatJSONL = "jsonl"

	encGB18030 = "gb18030"
	encUTF8    = "utf-8"
	encUTF8BOM = "utf-8-bom"
)

// Row kinds (File.RowKind).
const (
	rowMeasure     = "measure"
	rowFact        = "fact"
	rowProfile     = "profile"
	rowShareholder = "shareholder"
	rowLoan        = "loan"
)

// partition says which period one file covers.
type partition int

const (
	byMonth    partition = iota // one file per month of fact.Period
	byYear                      // one file per year of fact.Period (loans: of the start date)
	bySnapshot                  // one file for the whole region, as of its last day
)

// spec is one kind of department file: the catalogue entry doc.go lists.
type spec struct {
	dataset string // File.Dataset
	// dept is the department that sends the file; "" means the fact's
	// Source (events and attributes any department may report).
	dept  string
	kind  string      // row kind
	item  string      // single-item fact files
	shape facts.Shape // shape of the facts in fact and measure files
	part  partition
	// name is the file name pattern: {yyyymm}, {yyyy}, {yyyymmdd} and
	// {lender} are replaced.
	name     string
	format   string
	encoding string
	crlf     bool
	// title is what the file holds, used in the XLSX title row and as the
	// sheet name ("纳税人申报信息").
	title string
	// unitNote is appended to the XLSX generated-on row ("金额单位：元").
	unitNote string
	// lagDays is how long after the period's end the department produces
	// the file.
	lagDays int
	// detailDefaults are Detail members every fact of the file carries
	// (the generator's "synthetic": true): left out of the rows, declared
	// once in the manifest.
	detailDefaults map[string]any
	columns        []Column
}

// syntheticDetail is what the generator adds to every event's Detail.
var syntheticDetail = map[string]any{"synthetic": true}

// Common columns.
func codeCol(name string) Column {
	return Column{Name: name, Field: "enterprise.code", Type: "code", Required: true}
}

func nameCol(name string) Column {
	return Column{Name: name, Field: "enterprise.name", Type: "text", Required: true}
}

func monthCol(name, format string) Column {
	return Column{Name: name, Field: "fact.period", Type: "month", Format: format, Required: true}
}

func dateCol(name, field, format string, required bool) Column {
	return Column{Name: name, Field: field, Type: "date", Format: format, Required: required}
}

func yuanCol(name, field, item string) Column {
	return Column{Name: name, Field: field, Item: item, Type: "money", Unit: "元", Scale: 100}
}

func wanCol(name, field, item string) Column {
	return Column{Name: name, Field: field, Item: item, Type: "money", Unit: "万元", Scale: 1000000}
}

func intCol(name, field, item, unit string) Column {
	return Column{Name: name, Field: field, Item: item, Type: "integer", Unit: unit}
}

func textCol(name, field string) Column {
	return Column{Name: name, Field: field, Type: "text"}
}

func extraCol(name string) Column {
	return Column{Name: name, Field: "fact.extra", Type: "json"}
}

// measureSpecs are the monthly files of periodic measures, one per
// department; a row is one enterprise and month.
var measureSpecs = []*spec{
	{
		dataset: "tax.returns", dept: "tax", kind: rowMeasure, shape: facts.Measure, part: byMonth,
		name: "纳税人申报信息_{yyyymm}.xlsx", format: formatXLSX, encoding: encUTF8,
		title: "纳税人申报信息", unitNote: "金额单位：元", lagDays: 15,
		columns: []Column{
			codeCol("统一社会信用代码"),
			nameCol("纳税人名称"),
			monthCol("所属期", "YYYY-MM"),
			yuanCol("增值税销售额(元)", "fact.num", "tax.vat_sales"),
			yuanCol("实缴税款合计(元)", "fact.num", "tax.paid_total"),
			yuanCol("增值税(元)", "fact.num", "tax.vat_paid"),
			yuanCol("企业所得税(元)", "fact.num", "tax.cit_paid"),
			yuanCol("欠税余额(元)", "fact.num", "tax.arrears"),
		},
	},
	{
		dataset: "hrss.contributions", dept: "hrss", kind: rowMeasure, shape: facts.Measure, part: byMonth,
		name: "单位参保缴费信息_{yyyymm}.csv", format: formatCSV, encoding: encGB18030, crlf: true,
		title: "单位参保缴费信息", lagDays: 20,
		columns: []Column{
			codeCol("统一社会信用代码"),
			nameCol("单位名称"),
			monthCol("费款所属期", "YYYYMM"),
			intCol("参保人数", "fact.num", "si.insured_headcount", "人"),
			yuanCol("缴费金额(元)", "fact.num", "si.contributions"),
			yuanCol("欠费金额(元)", "fact.num", "si.arrears"),
		},
	},
	{
		dataset: "hf.deposits", dept: "hf", kind: rowMeasure, shape: facts.Measure, part: byMonth,
		name: "住房公积金缴存信息_{yyyymm}.csv", format: formatCSV, encoding: encUTF8BOM, crlf: true,
		title: "住房公积金缴存信息", lagDays: 10,
		columns: []Column{
			codeCol("统一社会信用代码"),
			nameCol("单位名称"),
			monthCol("汇缴年月", "YYYYMM"),
			intCol("缴存人数", "fact.num", "hf.headcount", "人"),
			yuanCol("缴存金额(元)", "fact.num", "hf.contributions"),
			yuanCol("欠缴金额(元)", "fact.num", "hf.arrears"),
		},
	},
	{
		dataset: "grid.electricity", dept: "grid", kind: rowMeasure, shape: facts.Measure, part: byMonth,
		name: "electricity_{yyyymm}.jsonl", format: formatJSONL, encoding: encUTF8,
		title: "企业用电信息", lagDays: 10,
		columns: []Column{
			codeCol("credit_code"),
			nameCol("customer_name"),
			monthCol("period", "YYYY-MM"),
			intCol("kwh", "fact.num", "util.electricity_kwh", "千瓦时"),
			yuanCol("bill_yuan", "fact.num", "util.electricity_bill"),
			yuanCol("arrears_yuan", "fact.num", "util.arrears"),
		},
	},
	{
		dataset: "water.usage", dept: "water", kind: rowMeasure, shape: facts.Measure, part: byMonth,
		name: "用水信息_{yyyymm}.csv", format: formatCSV, encoding: encUTF8,
		title: "企业用水信息", lagDays: 10,
		columns: []Column{
			codeCol("统一社会信用代码"),
			nameCol("用户名称"),
			monthCol("抄表年月", "YYYY-MM"),
			intCol("用水量(立方米)", "fact.num", "util.water_m3", "立方米"),
			yuanCol("欠费金额(元)", "fact.num", "util.arrears"),
		},
	},
	{
		dataset: "gas.usage", dept: "gas", kind: rowMeasure, shape: facts.Measure, part: byMonth,
		name: "用气信息_{yyyymm}.csv", format: formatCSV, encoding: encUTF8,
		title: "企业用气信息", lagDays: 10,
		columns: []Column{
			codeCol("统一社会信用代码"),
			nameCol("用户名称"),
			monthCol("账期", "YYYY-MM"),
			intCol("用气量(立方米)", "fact.num", "util.gas_m3", "立方米"),
			yuanCol("欠费金额(元)", "fact.num", "util.arrears"),
		},
	},
}

// Court case types as written (judicial file "type").
var courtTypes = map[string]string{
	"judgment":    "judicial.judgment",
	"enforcement": "judicial.enforcement",
	"dishonest":   "judicial.dishonest",
}

// Honour types as written (science and industry file 荣誉类型) and levels.
var (
	honourTypes = map[string]string{
		"高新技术企业":   "honour.high_tech",
		"专精特新中小企业": "honour.specialized",
	}
	honourLevels = map[string]string{"国家级": "national", "省级": "provincial", "市级": "municipal"}
)

// Registration change subjects as written (变更事项).
var changeFields = map[string]string{
	"法定代表人变更": "legal_representative",
	"住所变更":    "address",
	"注册资本变更":  "registered_capital",
	"股东变更":    "shareholders",
	"名称变更":    "name",
	"经营范围变更":  "business_scope",
}

// detailCol is a column holding the string <key> of an event's Detail.
func detailCol(name, key string) Column {
	return Column{Name: name, Field: "fact.detail." + key, Type: "text"}
}

// also marks a column whose value the fact's Detail repeats under key.
func also(c Column, key string) Column {
	c.DetailKey = key
	return c
}

// factSpecs are the files of events and attributes. A spec with dept ""
// goes to the directory of the fact's Source.
var factSpecs = []*spec{
	{
		dataset: "tax.credit_grades", dept: "tax", kind: rowFact, item: "tax.credit_grade", shape: facts.Attribute, part: byYear,
		name: "纳税信用等级评价结果_{yyyy}.csv", format: formatCSV, encoding: encGB18030, crlf: true,
		title: "纳税信用等级评价结果", lagDays: 10,
		columns: []Column{
			codeCol("统一社会信用代码"),
			nameCol("纳税人名称"),
			{Name: "信用级别", Field: "fact.text", Type: "text", Required: true},
			intCol("评价得分", "fact.num", "", "分"),
			dateCol("生效日期", "fact.period", "YYYY-MM-DD", true),
			extraCol("备注"),
		},
	},
	{
		dataset: "penalties", kind: rowFact, item: "penalty.administrative", shape: facts.Event, part: byYear, detailDefaults: syntheticDetail,
		name: "行政处罚信息_{yyyy}年度.xlsx", format: formatXLSX, encoding: encUTF8,
		title: "行政处罚信息", unitNote: "金额单位：万元", lagDays: 10,
		columns: []Column{
			nameCol("行政相对人名称"),
			codeCol("统一社会信用代码"),
			{Name: "行政处罚决定书文号", Field: "fact.ref", Type: "text", Required: true},
			also(textCol("违法行为类型", "fact.text"), "cause"),
			detailCol("处罚依据", "basis"),
			also(wanCol("罚款金额(万元)", "fact.num", ""), "amount_fen"),
			dateCol("处罚决定日期", "fact.period", "YYYY-MM-DD", true),
			{Name: "公示期限(月)", Field: "fact.detail.publicity_months", Type: "integer", Unit: "月"},
			dateCol("公示截止期", "fact.ends_on", "YYYY-MM-DD", false),
			detailCol("处罚机关", "authority"),
			extraCol("备注"),
		},
	},
	{
		dataset: "abnormal_operation", kind: rowFact, item: "list.abnormal_operation", shape: facts.Event, part: byYear, detailDefaults: syntheticDetail,
		name: "经营异常名录_{yyyy}年度.xlsx", format: formatXLSX, encoding: encUTF8,
		title: "经营异常名录", lagDays: 10,
		columns: []Column{
			codeCol("统一社会信用代码"),
			nameCol("企业名称"),
			{Name: "列入决定书文号", Field: "fact.ref", Type: "text"},
			also(textCol("列入经营异常名录原因", "fact.text"), "cause"),
			dateCol("列入日期", "fact.period", "YYYY-MM-DD", true),
			detailCol("作出决定机关", "authority"),
			dateCol("移出日期", "fact.ends_on", "YYYY-MM-DD", false),
			detailCol("移出原因", "removal_cause"),
			extraCol("备注"),
		},
	},
	{
		dataset: "registration_changes", kind: rowFact, item: "registration.change", shape: facts.Event, part: byYear, detailDefaults: syntheticDetail,
		name: "变更登记信息_{yyyy}年度.xlsx", format: formatXLSX, encoding: encUTF8,
		title: "变更登记信息", lagDays: 10,
		columns: []Column{
			codeCol("统一社会信用代码"),
			nameCol("企业名称"),
			{Name: "核准文号", Field: "fact.ref", Type: "text"},
			also(Column{Name: "变更事项", Field: "fact.text", Type: "enum", Values: changeFields}, "field"),
			detailCol("变更前内容", "old"),
			detailCol("变更后内容", "new"),
			// Capital changes carry the amounts as numbers.
			{Name: "变更前注册资本(万元)", Field: "fact.detail.old", Type: "money", Unit: "万元", Scale: 1000000,
				DetailConst: map[string]any{"unit": "fen"}},
			{Name: "变更后注册资本(万元)", Field: "fact.num", Type: "money", Unit: "万元", Scale: 1000000, BlankZero: true, DetailKey: "new"},
			dateCol("变更日期", "fact.period", "YYYY-MM-DD", true),
			detailCol("登记机关", "authority"),
			extraCol("备注"),
		},
	},
	{
		dataset: "deregistrations", kind: rowFact, item: "registration.deregistered", shape: facts.Event, part: byYear, detailDefaults: syntheticDetail,
		name: "注销登记信息_{yyyy}年度.xlsx", format: formatXLSX, encoding: encUTF8,
		title: "注销登记信息", lagDays: 10,
		columns: []Column{
			codeCol("统一社会信用代码"),
			nameCol("企业名称"),
			{Name: "注销核准文号", Field: "fact.ref", Type: "text"},
			also(textCol("注销原因", "fact.text"), "cause"),
			dateCol("注销日期", "fact.period", "YYYY-MM-DD", true),
			detailCol("登记机关", "authority"),
			extraCol("备注"),
		},
	},
	{
		dataset: "revocations", kind: rowFact, item: "registration.revoked", shape: facts.Event, part: byYear, detailDefaults: syntheticDetail,
		name: "吊销营业执照信息_{yyyy}年度.xlsx", format: formatXLSX, encoding: encUTF8,
		title: "吊销营业执照信息", lagDays: 10,
		columns: []Column{
			codeCol("统一社会信用代码"),
			nameCol("企业名称"),
			{Name: "吊销决定书文号", Field: "fact.ref", Type: "text"},
			textCol("处罚内容", "fact.text"),
			detailCol("吊销原因", "cause"),
			dateCol("吊销日期", "fact.period", "YYYY-MM-DD", true),
			detailCol("作出决定机关", "authority"),
			extraCol("备注"),
		},
	},
	{
		dataset: "licences", kind: rowFact, item: "licence.permit", shape: facts.Event, part: byYear, detailDefaults: syntheticDetail,
		name: "行政许可信息_{yyyy}年度.xlsx", format: formatXLSX, encoding: encUTF8,
		title: "行政许可信息", lagDays: 10,
		columns: []Column{
			nameCol("行政相对人名称"),
			codeCol("统一社会信用代码"),
			{Name: "许可证书编号", Field: "fact.ref", Type: "text"},
			also(textCol("许可证书名称", "fact.text"), "type"),
			dateCol("许可决定日期", "fact.period", "YYYY-MM-DD", true),
			dateCol("有效期至", "fact.ends_on", "YYYY-MM-DD", false),
			detailCol("许可机关", "authority"),
			extraCol("备注"),
		},
	},
	{
		dataset: "court_cases", kind: rowFact, shape: facts.Event, part: byYear, detailDefaults: syntheticDetail,
		name: "court_cases_{yyyy}.jsonl", format: formatJSONL, encoding: encUTF8,
		title: "涉企案件信息", lagDays: 10,
		columns: []Column{
			{Name: "case_no", Field: "fact.ref", Type: "text", Required: true},
			detailCol("court", "court"),
			{Name: "type", Field: "fact.item", Type: "enum", Required: true, Values: courtTypes},
			nameCol("party_name"),
			codeCol("credit_code"),
			detailCol("role", "role"),
			dateCol("date", "fact.period", "YYYY-MM-DD", true),
			dateCol("ends_on", "fact.ends_on", "YYYY-MM-DD", false),
			also(yuanCol("amount_yuan", "fact.num", ""), "amount_fen"),
			also(textCol("cause", "fact.text"), "cause"),
			detailCol("plaintiff", "plaintiff"),
			detailCol("applicant_type", "applicant_type"),
			detailCol("procedure", "procedure"),
			detailCol("result", "result"),
			detailCol("basis", "basis"),
			detailCol("enforcement_case", "enforcement_case"),
			detailCol("closed", "closed"),
			detailCol("removal", "removal"),
			extraCol("extra"),
		},
	},
	{
		dataset: "honours", kind: rowFact, shape: facts.Event, part: byYear, detailDefaults: syntheticDetail,
		name: "企业荣誉资质_{yyyy}.csv", format: formatCSV, encoding: encUTF8,
		title: "企业荣誉资质", lagDays: 10,
		columns: []Column{
			codeCol("统一社会信用代码"),
			nameCol("企业名称"),
			{Name: "荣誉类型", Field: "fact.item", Type: "enum", Required: true, Values: honourTypes},
			textCol("荣誉名称", "fact.text"),
			{Name: "证书编号", Field: "fact.ref", Type: "text"},
			detailCol("证书名称", "name"),
			{Name: "级别", Field: "fact.detail.level", Type: "enum", Values: honourLevels},
			dateCol("认定日期", "fact.period", "YYYY-MM-DD", true),
			dateCol("有效期至", "fact.ends_on", "YYYY-MM-DD", false),
			detailCol("认定机关", "authority"),
			extraCol("备注"),
		},
	},
}

// genericSpec carries any fact no other spec takes (an item added to the
// catalogue later, or one reported by an unexpected department), so that
// nothing generated is lost; a test asserts the generator's items never
// land here.
var genericSpec = &spec{
	dataset: "other", kind: rowFact, part: byYear,
	name: "其他信息_{yyyy}.csv", format: formatCSV, encoding: encUTF8,
	title: "其他信息", lagDays: 10,
	columns: []Column{
		codeCol("统一社会信用代码"),
		nameCol("企业名称"),
		{Name: "信息项", Field: "fact.item", Type: "text", Required: true},
		{Name: "形态", Field: "fact.shape", Type: "text", Required: true},
		dateCol("日期", "fact.period", "YYYY-MM-DD", true),
		dateCol("截止日期", "fact.ends_on", "YYYY-MM-DD", false),
		intCol("数值", "fact.num", "", ""),
		textCol("文本", "fact.text"),
		textCol("编号", "fact.ref"),
		extraCol("详情"),
	},
}

// Registration status as written (SAMR 登记状态).
var statusValues = map[string]string{
	"存续（在营、开业、在册）": "operating",
	"注销":           "deregistered",
	"吊销，未注销":       "revoked",
	"停业":           "suspended",
}

var profileSpec = &spec{
	dataset: "registrations", dept: "samr", kind: rowProfile, part: bySnapshot,
	name: "市场主体登记信息_{yyyymmdd}.csv", format: formatCSV, encoding: encGB18030, crlf: true,
	title: "市场主体登记信息", lagDays: 1,
	columns: []Column{
		{Name: "统一社会信用代码", Field: "profile.code", Type: "code", Required: true},
		{Name: "企业名称", Field: "profile.name_zh", Type: "text", Required: true},
		{Name: "英文名称", Field: "profile.name_en", Type: "text"},
		{Name: "法定代表人", Field: "profile.legal_rep_name", Type: "text", Required: true},
		{Name: "法定代表人身份证号", Field: "profile.legal_rep_id", Type: "text"},
		{Name: "法定代表人联系电话", Field: "profile.legal_rep_phone", Type: "text"},
		{Name: "成立日期", Field: "profile.founded_on", Type: "date", Format: "YYYY-MM-DD", Required: true},
		{Name: "注册资本(万元)", Field: "profile.registered_capital", Type: "money", Unit: "万元", Scale: 1000000},
		{Name: "登记状态", Field: "profile.status", Type: "enum", Required: true, Values: statusValues},
		{Name: "所属行政区划", Field: "profile.division", Type: "text"},
		{Name: "行业门类", Field: "profile.industry", Type: "text"},
		{Name: "行业代码", Field: "profile.industry_division", Type: "text"},
		{Name: "住所", Field: "profile.address", Type: "text"},
	},
}

// Shareholder kinds and identity document types as written.
var (
	holderKinds = map[string]string{"自然人股东": "natural", "企业法人": "legal"}
	holderIDs   = map[string]string{"居民身份证": "natural", "统一社会信用代码": "legal"}
)

var shareholderSpec = &spec{
	dataset: "shareholders", dept: "samr", kind: rowShareholder, part: bySnapshot,
	name: "股东及出资信息_{yyyymmdd}.csv", format: formatCSV, encoding: encGB18030, crlf: true,
	title: "股东及出资信息", lagDays: 1,
	columns: []Column{
		codeCol("统一社会信用代码"),
		nameCol("企业名称"),
		{Name: "股东名称", Field: "shareholder.name", Type: "text", Required: true},
		{Name: "股东类型", Field: "shareholder.natural", Type: "enum", Values: holderKinds},
		{Name: "证照类型", Field: "shareholder.id_type", Type: "enum", Values: holderIDs},
		{Name: "证照号码", Field: "shareholder.id_number", Type: "text"},
		{Name: "认缴出资额(万元)", Field: "shareholder.capital", Type: "money", Unit: "万元", Scale: 1000000},
		{Name: "出资比例(%)", Field: "shareholder.share", Type: "decimal", Unit: "%", Scale: 100},
	},
}

// Loan guarantee and status values as written by lenders.
var (
	guaranteeValues = map[string]string{"信用": "credit", "保证": "guarantee", "抵押": "mortgage", "质押": "pledge"}
	loanStatuses    = map[string]string{
		"正常": string(facts.LoanCurrent), "结清": string(facts.LoanRepaid),
		"逾期": string(facts.LoanOverdue), "违约": string(facts.LoanDefaulted),
	}
)

var loanSpec = &spec{
	dataset: "loans", dept: "fin", kind: rowLoan, part: byYear,
	name: "{lender}_贷款信息报送_{yyyy}.csv", format: formatCSV, encoding: encUTF8,
	title: "贷款信息报送", lagDays: 10,
	columns: []Column{
		{Name: "合同编号", Field: "loan.contract_no", Type: "text", Required: true},
		{Name: "借款人名称", Field: "enterprise.name", Type: "text", Required: true},
		codeCol("借款人统一社会信用代码"),
		{Name: "贷款机构", Field: "loan.lender", Type: "text", Required: true},
		{Name: "合同金额(元)", Field: "loan.amount", Type: "money", Unit: "元", Scale: 100},
		{Name: "年利率(%)", Field: "loan.rate", Type: "decimal", Unit: "%", Scale: 100},
		{Name: "期限(月)", Field: "loan.term_months", Type: "integer", Unit: "月"},
		{Name: "担保方式", Field: "loan.guarantee", Type: "enum", Values: guaranteeValues},
		{Name: "起始日期", Field: "loan.start_on", Type: "date", Format: "YYYYMMDD", Required: true},
		{Name: "到期日期", Field: "loan.maturity_on", Type: "date", Format: "YYYYMMDD"},
		{Name: "贷款状态", Field: "loan.status", Type: "enum", Required: true, Values: loanStatuses},
		{Name: "最长逾期天数", Field: "loan.max_days_overdue", Type: "integer", Unit: "天"},
		{Name: "结清日期", Field: "loan.repaid_on", Type: "date", Format: "YYYYMMDD"},
		{Name: "违约日期", Field: "loan.defaulted_on", Type: "date", Format: "YYYYMMDD"},
	},
}

// catalogue routes facts to specs.
type catalogue struct {
	measures map[[2]string]measureSlot // (department, item) → column of a measure spec
	events   map[string]*spec          // item → fact spec
}

type measureSlot struct {
	spec *spec
	col  int
}

func newCatalogue() *catalogue {
	c := &catalogue{measures: map[[2]string]measureSlot{}, events: map[string]*spec{}}
	for _, s := range measureSpecs {
		for i, col := range s.columns {
			if col.Item != "" {
				c.measures[[2]string{s.dept, col.Item}] = measureSlot{s, i}
			}
		}
	}
	for _, s := range factSpecs {
		if s.item != "" {
			c.events[s.item] = s
			continue
		}
		for _, col := range s.columns {
			for _, item := range col.Values {
				c.events[item] = s
			}
		}
	}
	return c
}

// factSpec returns the spec carrying an event or attribute, or genericSpec.
func (c *catalogue) factSpec(f *facts.Fact) *spec {
	s, ok := c.events[f.Item]
	if !ok || s.shape != f.Shape || (s.dept != "" && s.dept != f.Source) {
		return genericSpec
	}
	return s
}

// allSpecs lists every spec, for documentation and tests.
func allSpecs() []*spec {
	out := append([]*spec{profileSpec, shareholderSpec}, measureSpecs...)
	out = append(out, factSpecs...)
	return append(out, loanSpec, genericSpec)
}
