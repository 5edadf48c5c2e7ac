package ingest

// Messages are the texts of this package's error and row-problem codes
// ({English, 中文}); {column}, {value}, {format}, {row}, {encoding} and
// {detail} are filled from the problem.
var Messages = map[string][2]string{
	"ingest.bad_code":          {"The credit code \"{value}\" is not valid (check character or alphabet).", "统一社会信用代码“{value}”无效（校验码或字符错误）。"},
	"ingest.not_registered":    {"Enterprise not registered: no enterprise has the credit code {value}.", "企业未登记：没有统一社会信用代码为 {value} 的企业。"},
	"ingest.missing":           {"The required column {column} is blank.", "必填列“{column}”为空。"},
	"ingest.bad_date":          {"\"{value}\" in {column} is not a date in the format {format}.", "“{column}”中的“{value}”不是 {format} 格式的日期。"},
	"ingest.bad_number":        {"\"{value}\" in {column} is not a number in the column's unit.", "“{column}”中的“{value}”不是该列单位下的有效数值。"},
	"ingest.out_of_range":      {"{value} in {column} is outside the accepted range ({detail}).", "“{column}”中的 {value} 超出允许范围（{detail}）。"},
	"ingest.unit_suspect":      {"{value} in {column} is about 10,000 times off the enterprise's own recent values ({detail}).", "“{column}”中的 {value} 与该企业近期数值相差约一万倍（{detail}），疑似单位错误。"},
	"ingest.unit_fen":          {"{value} in {column} looks like fen (分) written in a 元 column: {detail}.", "“{column}”中的 {value} 疑似以“分”填入“元”列：{detail}。"},
	"ingest.suspect_low_vat":   {"Stored, but please confirm {value} in {column}: the row's VAT payable is only {detail} % of it, far below any VAT levy (1 % for small-scale taxpayers, 3–13 % less input VAT for others); sales written in fen (分) in a 元 column give this.", "已入库，但请核实“{column}”中的 {value}：本行应纳增值税仅为其 {detail}%，远低于任何增值税征收率（小规模纳税人 1%，一般纳税人 3%–13% 抵扣进项后），疑似以“分”填入“元”列。"},
	"ingest.suspect_high_vat":  {"Stored, but please confirm {value} in {column}: it is {detail} % of the row's VAT sales, above the highest VAT rate (13 % of sales); VAT written in fen (分) in a 元 column gives this.", "已入库，但请核实“{column}”中的 {value}：其为本行增值税销售额的 {detail}%，高于最高增值税税率（销售额的 13%），疑似以“分”填入“元”列。"},
	"ingest.unit_ratio":        {"{value} in {column} is a power of ten off what it should be ({detail}); a unit error?", "“{column}”中的 {value} 与应有数值相差整数量级（{detail}），疑似单位错误。"},
	"ingest.duplicate_key":     {"{value} already appears on row {row} of this batch with other values; skipped.", "{value} 已在本批次第 {row} 行出现且内容不同，已跳过。"},
	"ingest.division_mismatch": {"The division {value} in {column} is not the credit code's ({detail}).", "“{column}”中的行政区划 {value} 与统一社会信用代码中的（{detail}）不符。"},
	"ingest.bad_person_id":     {"The identity number {value} in {column} is not valid ({detail}).", "“{column}”中的身份证号 {value} 无效（{detail}）。"},
	"ingest.loan_conflict":     {"Contract {value} of this lender is already on record with other terms; a loan is not rewritten by ingestion.", "该机构的合同 {value} 已有不同内容的记录；归集不会改写已有贷款。"},
	"ingest.no_registry":       {"Rows of kind {detail} need the enterprise registry service, which this caller did not provide.", "{detail} 类数据行需要企业登记服务，调用方未提供。"},
	"ingest.bad_enum":          {"\"{value}\" is not an accepted value of {column}.", "“{value}”不是“{column}”的可选值。"},
	"ingest.bad_json":          {"{column} does not hold a valid JSON object: {detail}.", "“{column}”不是有效的 JSON 对象：{detail}。"},
	"ingest.duplicate":         {"Duplicate of row {row} in this batch; skipped.", "与本批次第 {row} 行重复，已跳过。"},
	"ingest.columns":           {"The row has {value} cells; the header has {detail}.", "该行有 {value} 个单元格，表头有 {detail} 列。"},
	"ingest.unknown_key":       {"The key {value} is not a column of this dataset.", "键“{value}”不是该数据集的列。"},
	"ingest.encoding":          {"Row {row} does not decode as {encoding}: the file is in another encoding; nothing was stored.", "第 {row} 行无法按 {encoding} 解码：文件编码与声明不符，未导入任何数据。"},
	"ingest.header":            {"The header on row {row} does not match the dataset: {detail}.", "第 {row} 行的表头与数据集不符：{detail}。"},
	"ingest.damaged":           {"The file is damaged or truncated: {detail}.", "文件已损坏或不完整：{detail}。"},
	"ingest.xlsx_too_large":    {"The workbook unpacks to more than {limit} MB; split it into smaller files or send it as CSV.", "工作簿解压后超过 {limit} MB，请拆分为较小的文件或改用 CSV 上传。"},
	"ingest.unsupported":       {"This kind of file cannot be ingested yet: {detail}.", "暂不支持导入此类文件：{detail}。"},
	"ingest.dataset":           {"The dataset definition is invalid: {detail}.", "数据集定义无效：{detail}。"},
	"ingest.dataset_not_found": {"No dataset in the manifest matches {value}.", "清单中没有与 {value} 匹配的数据集。"},
}
