// Package deptfiles writes a synthetic region (internal/synth bundles) as the
// files real departments send a financing credit service platform: the
// market regulator's registration snapshot in GB18030 CSV, the tax
// bureau's monthly XLSX with a title row, the grid's JSON lines, and so on,
// each in its department's own headers, units and date formats, with a
// small, documented share of dirty rows. The ingestion code is tested
// against these files; nothing else should need to know the synthetic
// generator exists.
//
// Output layout: one directory per department (its code: tax, hrss, ...),
// one file per department and period, and manifest.json at the root
// describing every file: format, encoding, title and header rows, every
// column with the field it holds, its unit and scale to the platform's unit
// (money in facts is fen; files use 元 or 万元), the key column, the row
// count, the SHA-256, and the list of dirty rows (physical row number, kind,
// column, clean value). The manifest says "synthetic": true.
//
// Beside them, interface/<department>/<item>.jsonl holds, for each of the
// six items shared only by interface call, the table that department
// would query to answer (see interface.go); they are listed in the
// manifest's interface_tables, not in files, since no department sends
// them and nothing ingests them (the department simulator serves them).
//
// The catalogue of files ({yyyymm}, {yyyy}, {yyyymmdd}, {lender} are the
// month, year, snapshot date and lending institution):
//
//	dept   file                                 period    format encoding   row     columns (unit)
//	samr   市场主体登记信息_{yyyymmdd}.csv        snapshot  CSV    GB18030    profile 统一社会信用代码, 企业名称, 英文名称, 法定代表人,
//	                                                                                法定代表人身份证号 (in full: personal data the platform
//	                                                                                seals), 法定代表人联系电话, 成立日期, 注册资本(万元),
//	                                                                                登记状态, 所属行政区划, 行业门类, 行业代码, 住所
//	samr   股东及出资信息_{yyyymmdd}.csv          snapshot  CSV    GB18030    holder  统一社会信用代码, 企业名称, 股东名称, 股东类型, 证照类型,
//	                                                                                证照号码, 认缴出资额(万元), 出资比例(%)
//	any    行政处罚信息_{yyyy}年度.xlsx            year      XLSX   -          fact    行政相对人名称, 统一社会信用代码, 行政处罚决定书文号,
//	                                                                                违法行为类型, 处罚依据, 罚款金额(万元), 处罚决定日期,
//	                                                                                公示期限(月), 公示截止期, 处罚机关, 备注
//	any    经营异常名录_{yyyy}年度.xlsx            year      XLSX   -          fact    统一社会信用代码, 企业名称, 列入决定书文号, 列入经营异常名录原因,
//	                                                                                列入日期, 作出决定机关, 移出日期, 移出原因, 备注
//	any    变更登记信息_{yyyy}年度.xlsx            year      XLSX   -          fact    统一社会信用代码, 企业名称, 核准文号, 变更事项, 变更前内容,
//	                                                                                变更后内容, 变更前注册资本(万元), 变更后注册资本(万元),
//	                                                                                变更日期, 登记机关, 备注
//	any    注销登记信息_{yyyy}年度.xlsx            year      XLSX   -          fact    统一社会信用代码, 企业名称, 注销核准文号, 注销原因, 注销日期,
//	                                                                                登记机关, 备注
//	any    吊销营业执照信息_{yyyy}年度.xlsx        year      XLSX   -          fact    统一社会信用代码, 企业名称, 吊销决定书文号, 处罚内容, 吊销原因,
//	                                                                                吊销日期, 作出决定机关, 备注
//	any    行政许可信息_{yyyy}年度.xlsx            year      XLSX   -          fact    行政相对人名称, 统一社会信用代码, 许可证书编号, 许可证书名称,
//	                                                                                许可决定日期, 有效期至, 许可机关, 备注
//	tax    纳税人申报信息_{yyyymm}.xlsx            month     XLSX   -          measure 统一社会信用代码, 纳税人名称, 所属期 (YYYY-MM), 增值税销售额(元),
//	                                                                                实缴税款合计(元), 增值税(元), 企业所得税(元), 欠税余额(元)
//	tax    纳税信用等级评价结果_{yyyy}.csv          year      CSV    GB18030    fact    统一社会信用代码, 纳税人名称, 信用级别, 评价得分 (分), 生效日期, 备注
//	hrss   单位参保缴费信息_{yyyymm}.csv          month     CSV    GB18030    measure 统一社会信用代码, 单位名称, 费款所属期 (YYYYMM), 参保人数 (人),
//	                                                                                缴费金额(元), 欠费金额(元)
//	hf     住房公积金缴存信息_{yyyymm}.csv         month     CSV    UTF-8 BOM  measure 统一社会信用代码, 单位名称, 汇缴年月 (YYYYMM), 缴存人数 (人),
//	                                                                                缴存金额(元), 欠缴金额(元)
//	grid   electricity_{yyyymm}.jsonl           month     JSONL  UTF-8      measure credit_code, customer_name, period (YYYY-MM), kwh, bill_yuan, arrears_yuan
//	water  用水信息_{yyyymm}.csv                  month     CSV    UTF-8      measure 统一社会信用代码, 用户名称, 抄表年月 (YYYY-MM), 用水量(立方米), 欠费金额(元)
//	gas    用气信息_{yyyymm}.csv                  month     CSV    UTF-8      measure 统一社会信用代码, 用户名称, 账期 (YYYY-MM), 用气量(立方米), 欠费金额(元)
//	court  court_cases_{yyyy}.jsonl             year      JSONL  UTF-8      fact    case_no, court, type (judgment / enforcement / dishonest),
//	                                                                                party_name, credit_code, role, date, ends_on, amount_yuan,
//	                                                                                cause, plaintiff, applicant_type, procedure, result, basis,
//	                                                                                enforcement_case, closed, removal, extra
//	sci    企业荣誉资质_{yyyy}.csv                year      CSV    UTF-8      fact    统一社会信用代码, 企业名称, 荣誉类型 (高新技术企业 / 专精特新中小企业),
//	                                                                                荣誉名称, 证书编号, 证书名称, 级别, 认定日期, 有效期至, 认定机关, 备注
//	fin    {lender}_贷款信息报送_{yyyy}.csv       year      CSV    UTF-8      loan    合同编号, 借款人名称, 借款人统一社会信用代码, 贷款机构, 合同金额(元),
//	                                                                                年利率(%), 期限(月), 担保方式, 起始日期 (YYYYMMDD), 到期日期,
//	                                                                                贷款状态, 最长逾期天数, 结清日期, 违约日期
//	any    其他信息_{yyyy}.csv                    year      CSV    UTF-8      fact    统一社会信用代码, 企业名称, 信息项, 形态, 日期, 截止日期, 数值, 文本,
//	                                                                                编号, 详情: any fact no file above carries (an item added
//	                                                                                later, or one from an unexpected department)
//
// "any" files go to the directory of the fact's Source department (a tax
// bureau's penalties land in tax/). Dates are YYYY-MM-DD unless shown. A
// file's generated-on date is when the department delivered its latest
// fact (facts.Fact.ReceivedAt), in Beijing time.
// GB18030 and BOM files end lines with CRLF (Windows exports), the others
// with LF. XLSX files have a merged title row ("国家税务总局江苏省税务局
// 纳税人申报信息（2026年10月）"), a generated-on row ("数据生成日期：2026-11-15
// 金额单位：元"), the header on row 3 and data from row 4; money in 元 is a
// numeric cell formatted 0.00, dates are text cells. A value corrected by a
// later version goes to a file with the same name plus "_更正" (a corrected
// measure) or "_更新" (an event updated: a list removal, a case closed).
// Events' Detail members go to their own columns; members every row shares
// ("synthetic": true) or that repeat a column (a penalty's amount_fen) are
// declared once in the manifest; whatever is left (a text with a line
// break, an unexpected key) goes, exactly, into the 备注 / extra column as
// a JSON object, so that every clean row converts back to the fact it
// came from.
//
// Dirty rows: a share of data rows (Options.DirtyRate, default 0.5 %),
// chosen by hashing (Seed, file, row), is spoiled in one of six ways:
// bad_check_char (wrong check character in the credit code),
// bad_code_letter (a 0 or 1 written as O or I), missing_required (a
// required value blank), duplicate (an exact copy of the row above),
// wrong_unit (万元 or fen in a 元 column, 元 in a 万元 column),
// bad_date_format (a date or month in another format). Each is listed in
// the manifest so that ingestion tests can assert it is caught.
//
// Streaming: Add writes each row at once; text files stay open with a
// small buffer; XLSX rows go to a compact spool and each workbook is built
// with excelize's StreamWriter at Close, one at a time, so memory stays
// flat however many months a region has. The output is a pure function of
// the bundles and Options: the same input gives the same bytes (XLSX
// document properties and zip entry times are the department's production
// date, never the clock).
//
// This package must never be used for real enterprise data, never write
// outside Options.Dir, and never hide a dirty row from the manifest.
package deptfiles
