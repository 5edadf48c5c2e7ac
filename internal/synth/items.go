package synth

import "github.com/creditbridge/creditbridge/internal/facts"

// Item codes the generator emits.
const (
	ItemVATSales           = "tax.vat_sales"
	ItemVATPaid            = "tax.vat_paid"
	ItemTaxPaid            = "tax.paid_total"
	ItemTaxArrears         = "tax.arrears"
	ItemCITPaid            = "tax.cit_paid"
	ItemTaxGrade           = "tax.credit_grade"
	ItemSIHeadcount        = "si.insured_headcount"
	ItemSIContributions    = "si.contributions"
	ItemSIArrears          = "si.arrears"
	ItemHFHeadcount        = "hf.headcount"
	ItemHFContributions    = "hf.contributions"
	ItemHFArrears          = "hf.arrears"
	ItemElectricityKWh     = "util.electricity_kwh"
	ItemElectricityBill    = "util.electricity_bill"
	ItemWaterM3            = "util.water_m3"
	ItemGasM3              = "util.gas_m3"
	ItemUtilArrears        = "util.arrears"
	ItemPenalty            = "penalty.administrative"
	ItemJudgment           = "judicial.judgment"
	ItemEnforcement        = "judicial.enforcement"
	ItemDishonest          = "judicial.dishonest"
	ItemAbnormal           = "list.abnormal_operation"
	ItemLicencePermit      = "licence.permit"
	ItemHonourHighTech     = "honour.high_tech"
	ItemHonourSpecialized  = "honour.specialized"
	ItemRegistrationChange = "registration.change"
	ItemDeregistered       = "registration.deregistered"
	ItemRevoked            = "registration.revoked"
)

// Frequencies of items.
const (
	Monthly   = "monthly"
	Quarterly = "quarterly"
	Yearly    = "yearly"
	OnEvent   = "event"
)

// ItemInfo describes an item the generator emits: the seed of the
// catalogue of shared information.
type ItemInfo struct {
	Code       string      `json:"code"`
	Shape      facts.Shape `json:"shape"`
	Unit       string      `json:"unit"` // unit of Num: fen, persons, kWh, m3, points; "" if Num is unused
	Department string      `json:"department"`
	NameZH     string      `json:"name_zh"`
	NameEN     string      `json:"name_en"`
	Frequency  string      `json:"frequency"`
	// Note says how Num, Text, Ref, EndsOn and Detail are used.
	Note string `json:"note"`
	// Personal is set when records of the item contain personal
	// information (masked names of natural persons).
	Personal bool `json:"personal,omitempty"`
}

var items = []ItemInfo{
	{ItemVATSales, facts.Measure, "fen", DeptTax, "增值税应税销售额", "VAT taxable sales", Monthly, "declared for the month (所属期); zero declarations are reported as 0", false},
	{ItemVATPaid, facts.Measure, "fen", DeptTax, "增值税应纳税额", "VAT payable", Monthly, "VAT due for the month; small-scale taxpayers under the monthly exemption threshold pay 0", false},
	{ItemTaxPaid, facts.Measure, "fen", DeptTax, "实缴税款合计", "Total tax paid", Monthly, "all taxes paid for the month (VAT, surcharges, withheld income tax, stamp duty, corporate income tax in the quarter's last month), including arrears settled; 0 when the firm did not pay", false},
	{ItemCITPaid, facts.Measure, "fen", DeptTax, "企业所得税预缴税额", "Corporate income tax prepaid", Quarterly, "Period is the quarter's first month; declared after the quarter", false},
	{ItemTaxArrears, facts.Measure, "fen", DeptTax, "欠税余额", "Tax arrears", Monthly, "balance at the month's end; reported only while positive", false},
	{ItemTaxGrade, facts.Attribute, "points", DeptTax, "纳税信用等级", "Tax credit grade", Yearly, "Text is the grade A/B/M/C/D, Num the score 0-100 (0 for M); effective 1 April for the previous year", false},
	{ItemSIHeadcount, facts.Measure, "persons", DeptHRSS, "社会保险参保人数", "Insured headcount", Monthly, "employees insured in the month", false},
	{ItemSIContributions, facts.Measure, "fen", DeptHRSS, "社会保险缴费额", "Social insurance contributions paid", Monthly, "employer and employee contributions paid for the month; 0 when unpaid", false},
	{ItemSIArrears, facts.Measure, "fen", DeptHRSS, "社会保险欠费余额", "Social insurance arrears", Monthly, "balance at the month's end; reported only while positive", false},
	{ItemHFHeadcount, facts.Measure, "persons", DeptHF, "住房公积金缴存人数", "Housing fund headcount", Monthly, "many micro firms have no housing fund account", false},
	{ItemHFContributions, facts.Measure, "fen", DeptHF, "住房公积金缴存额", "Housing fund contributions paid", Monthly, "0 when unpaid", false},
	{ItemHFArrears, facts.Measure, "fen", DeptHF, "住房公积金欠缴余额", "Housing fund arrears", Monthly, "balance at the month's end; reported only while positive", false},
	{ItemElectricityKWh, facts.Measure, "kWh", DeptGrid, "用电量", "Electricity use", Monthly, "metered use in the month", false},
	{ItemElectricityBill, facts.Measure, "fen", DeptGrid, "电费", "Electricity bill", Monthly, "amount billed for the month", false},
	{ItemUtilArrears, facts.Measure, "fen", DeptGrid, "电费欠费余额", "Utility arrears", Monthly, "unpaid electricity bills at the month's end; reported only while positive", false},
	{ItemWaterM3, facts.Measure, "m3", DeptWater, "用水量", "Water use", Monthly, "metered use in the month", false},
	{ItemGasM3, facts.Measure, "m3", DeptGas, "用气量", "Gas use", Monthly, "metered use in the month; only firms with a gas account (kitchens, some manufacturing)", false},
	{ItemPenalty, facts.Event, "fen", DeptSAMR, "行政处罚", "Administrative penalty", OnEvent, "Num the fine, Text the cause, Ref the decision number, EndsOn the end of publicity; Detail authority (market regulation, tax, environment, fire, ...), cause, basis, amount_fen", false},
	{ItemJudgment, facts.Event, "fen", DeptCourt, "裁判文书", "Civil judgment", OnEvent, "the firm as defendant; Num the amount awarded, Text the cause, Ref the case number; Detail court, cause, plaintiff (lenders), amount_fen", false},
	{ItemEnforcement, facts.Event, "fen", DeptCourt, "被执行人", "Enforcement case", OnEvent, "Num the amount to enforce, Ref the case number; version 2 sets EndsOn when the case is closed", false},
	{ItemDishonest, facts.Event, "fen", DeptCourt, "失信被执行人", "Dishonest judgment debtor", OnEvent, "Ref the enforcement case number; version 2 sets EndsOn on removal", false},
	{ItemAbnormal, facts.Event, "", DeptSAMR, "经营异常名录", "Abnormal operation list", OnEvent, "Text the cause, Ref the decision number; version 2 sets EndsOn on removal", false},
	{ItemLicencePermit, facts.Event, "", DeptSAMR, "行政许可", "Administrative licence", OnEvent, "Text the licence type, Ref the licence number, Period the issue date, EndsOn the expiry; Detail authority", false},
	{ItemHonourHighTech, facts.Event, "", DeptSci, "高新技术企业", "High-tech enterprise", OnEvent, "Ref the certificate number, EndsOn the end of the three-year validity", false},
	{ItemHonourSpecialized, facts.Event, "", DeptSci, "专精特新中小企业", "Specialised and innovative SME", OnEvent, "Ref the announcement number, EndsOn the end of the three-year validity", false},
	{ItemRegistrationChange, facts.Event, "fen", DeptSAMR, "变更登记", "Registration change", OnEvent, "Text the field (legal_representative, address, registered_capital); Detail old and new (names masked); Num the new capital for capital changes", true},
	{ItemDeregistered, facts.Event, "", DeptSAMR, "注销登记", "Deregistration", OnEvent, "Text the cause", false},
	{ItemRevoked, facts.Event, "", DeptSAMR, "吊销营业执照", "Business licence revoked", OnEvent, "Text the penalty, Ref the decision number", false},
}

// Items lists every item the generator emits.
func Items() []ItemInfo { return append([]ItemInfo(nil), items...) }
