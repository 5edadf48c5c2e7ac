package enterprise

// Messages are the user-facing texts of this package's error codes
// ({English, 中文}).
var Messages = map[string][2]string{
	"enterprise.not_found":          {"No enterprise is registered under this credit code.", "未找到使用该统一社会信用代码登记的企业。"},
	"enterprise.duplicate":          {"An enterprise with the credit code {code} is already registered.", "统一社会信用代码为 {code} 的企业已经登记。"},
	"enterprise.stale":              {"The record was changed by someone else; reload it and try again.", "该记录已被他人修改，请刷新后重试。"},
	"enterprise.division_unknown":   {"The division code {division} in the credit code is not a known region.", "信用代码中的行政区划代码 {division} 不是已知的地区。"},
	"enterprise.name":               {"The enterprise name must have 1 to 200 characters.", "企业名称应为 1 至 200 个字符。"},
	"enterprise.name_en":            {"The English name must have at most 300 characters.", "英文名称最多 300 个字符。"},
	"enterprise.unknown_status":     {"Unknown status \"{status}\".", "未知的登记状态“{status}”。"},
	"enterprise.capital":            {"Registered capital must not be negative.", "注册资本不能为负数。"},
	"enterprise.founded_on":         {"The founding date must be a date such as 2015-06-30, not \"{value}\".", "成立日期应为类似 2015-06-30 的日期，而不是“{value}”。"},
	"enterprise.founded_on_range":   {"The founding date must be between 1900 and today.", "成立日期应在 1900 年至今天之间。"},
	"enterprise.address":            {"The address must have at most 300 characters.", "地址最多 300 个字符。"},
	"enterprise.legal_rep_name":     {"The legal representative's name must have 1 to 100 characters.", "法定代表人姓名应为 1 至 100 个字符。"},
	"enterprise.register_forbidden": {"Your role may not register enterprises.", "您的角色无权登记企业。"},
	"enterprise.update_forbidden":   {"Only an operator administrator may change registry records.", "只有平台运营管理员可以修改登记信息。"},
	"enterprise.reason_required":    {"State the reason for the change.", "请说明修改原因。"},
	"enterprise.query_long":         {"The search text must have at most 100 characters.", "搜索内容最多 100 个字符。"},
	"enterprise.division_filter":    {"The region filter must be 2 to 6 digits of a division code.", "地区筛选条件应为 2 至 6 位行政区划代码。"},
}
