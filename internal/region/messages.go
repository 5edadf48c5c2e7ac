package region

// Messages holds the English and Chinese templates of every error code this
// package returns; {name} placeholders are filled from the error's Params.
var Messages = map[string][2]string{
	"region.malformed": {
		"an administrative division code has 6 digits, got {code}",
		"行政区划代码应为 6 位数字，实际为 {code}",
	},
	"region.unknown": {
		"no province is known for administrative division code {code}",
		"行政区划代码 {code} 对应的省级行政区不存在",
	},
}
