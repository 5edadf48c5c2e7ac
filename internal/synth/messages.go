package synth

// Messages holds the English and Chinese templates of every error code this
// package returns; {name} placeholders are filled from the error's Params.
var Messages = map[string][2]string{
	"synth.enterprises": {
		"the number of enterprises must be between 1 and 100000000, got {got}",
		"企业数量应在 1 到 100000000 之间，实际为 {got}",
	},
	"synth.months": {
		"the number of months must be between 1 and 240, got {got}",
		"月份数应在 1 到 240 之间，实际为 {got}",
	},
	"synth.province": {
		"the province must be a known two-digit division code with divisions (for example 32), got {got}",
		"省份应为已知且含下级区划的两位行政区划代码（例如 32），实际为 {got}",
	},
	"synth.end_month": {
		"the end month must be the first day of a month at 00:00 UTC, got {got}",
		"截止月份应为某月 1 日 00:00（UTC），实际为 {got}",
	},
	"synth.end_month_range": {
		"the end month must fall in the years 2000 to 2045, got {got}",
		"截止月份应在 2000 年至 2045 年之间，实际为 {got}",
	},
	"synth.default_rate": {
		"the default rate must be between 0.01 and 0.2, got {got}",
		"违约率应在 0.01 到 0.2 之间，实际为 {got}",
	},
}
