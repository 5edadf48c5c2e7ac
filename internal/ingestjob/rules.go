package ingestjob

import (
	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// Who may do what. Departments send their own data only; the operator's
// administrators may send any department's (e.g. a file handed over on a
// disk); analysts and auditors watch. An API key acts for its
// organisation and needs the data:write scope.

// CanDefine reports whether p may register or replace dataset definitions.
func CanDefine(p access.Principal) error {
	if p.APIKeyID == 0 && p.IsOperator() && p.IsAdmin() {
		return nil
	}
	return fault.New(fault.Forbidden, "ingestjob.define_forbidden", "only operator administrators register datasets")
}

// CanSubmit reports whether p may submit a batch of department's data.
func CanSubmit(p access.Principal, department, dataset string) error {
	all, own, err := submitter(p)
	if err != nil {
		return err
	}
	if all || own == department {
		return nil
	}
	return otherDepartment(own, department, dataset)
}

// Visible says which batches p may see: all, or one department's.
func Visible(p access.Principal) (all bool, department string, err error) {
	if p.APIKeyID != 0 {
		if !p.HasScope(account.ScopeDataWrite) {
			return false, "", fault.New(fault.Forbidden, "ingestjob.scope_missing", "the API key lacks the data:write scope")
		}
		if p.OrgKind == account.KindDepartment && p.Department != "" {
			return false, p.Department, nil
		}
		return false, "", readForbidden()
	}
	switch p.Role {
	case account.RoleOperatorAdmin, account.RoleOperatorAnalyst, account.RoleAuditor:
		return true, "", nil
	case account.RoleDepartmentOfficer:
		if p.Department != "" {
			return false, p.Department, nil
		}
	}
	return false, "", readForbidden()
}

// CanRead reports whether p may see a batch of department's data.
func CanRead(p access.Principal, department, dataset string) error {
	all, own, err := Visible(p)
	if err != nil {
		return err
	}
	if all || own == department {
		return nil
	}
	return otherDepartment(own, department, dataset)
}

// CanSubmitAny reports whether p may submit batches at all (to show the
// upload form).
func CanSubmitAny(p access.Principal) bool { return Submitter(p) == nil }

// Submitter returns why p may not submit any batch, or nil.
func Submitter(p access.Principal) error {
	_, _, err := submitter(p)
	return err
}

func submitter(p access.Principal) (all bool, department string, err error) {
	if p.APIKeyID != 0 {
		if !p.HasScope(account.ScopeDataWrite) {
			return false, "", fault.New(fault.Forbidden, "ingestjob.scope_missing", "the API key lacks the data:write scope")
		}
		if p.OrgKind == account.KindDepartment && p.Department != "" {
			return false, p.Department, nil
		}
		return false, "", submitForbidden()
	}
	switch {
	case p.Role == account.RoleOperatorAdmin:
		return true, "", nil
	case p.Role == account.RoleDepartmentOfficer && p.Department != "":
		return false, p.Department, nil
	}
	return false, "", submitForbidden()
}

func submitForbidden() error {
	return fault.New(fault.Forbidden, "ingestjob.submit_forbidden", "only departments and operator administrators submit data")
}

func readForbidden() error {
	return fault.New(fault.Forbidden, "ingestjob.read_forbidden", "only departments, operator staff and auditors see submitted batches")
}

func otherDepartment(own, department, dataset string) error {
	return fault.New(fault.Forbidden, "ingestjob.other_department", "the dataset belongs to another department").
		With("own", own).With("department", department).With("dataset", dataset)
}

// Messages are the texts of this package's codes ({English, 中文}).
var Messages = map[string][2]string{
	"ingestjob.define_forbidden":  {"Only operator administrators may register or change dataset definitions.", "只有平台运营管理员可以登记或修改数据集定义。"},
	"ingestjob.submit_forbidden":  {"Only department officers, a department's systems (API key with the data:write scope) and operator administrators may submit data.", "只有数据提供部门的报送人员、部门系统（具备 data:write 权限范围的 API 密钥）和平台运营管理员可以报送数据。"},
	"ingestjob.read_forbidden":    {"Only the sending department, operator staff and auditors may see submitted batches.", "只有报送部门、平台运营人员和审计人员可以查看报送批次。"},
	"ingestjob.scope_missing":     {"This API key lacks the data:write scope; ask your administrator for a key with that scope.", "该 API 密钥没有 data:write 权限范围，请向管理员申请具备该范围的密钥。"},
	"ingestjob.other_department":  {"Your organisation reports data for department \"{own}\"; the dataset {dataset} belongs to department \"{department}\".", "贵单位只能报送“{own}”部门的数据，数据集 {dataset} 属于“{department}”部门。"},
	"ingestjob.dataset_not_found": {"No dataset named {name} is registered; ask the platform operator to register it.", "未登记名为 {name} 的数据集，请联系平台运营方登记。"},
	"ingestjob.batch_not_found":   {"No submitted batch {id}.", "未找到报送批次 {id}。"},
	"ingestjob.job_exists":        {"A submitted batch with this id already exists.", "已存在相同编号的报送批次。"},
	"ingestjob.job_final":         {"The batch has already ended.", "该批次已处理完毕。"},
	"ingestjob.dataset_required":  {"Name the dataset the file belongs to (the dataset parameter).", "请指明文件所属的数据集（dataset 参数）。"},
	"ingestjob.dataset_name":      {"A dataset name has 1 to 100 characters (letters, digits, Chinese characters, '.', '_', '-', '/'); got \"{name}\".", "数据集名称应为 1 至 100 个字符（字母、数字、汉字、“.”、“_”、“-”、“/”），收到“{name}”。"},
	"ingestjob.name_mismatch":     {"The dataset name in the body ({name}) differs from the address ({path}).", "请求体中的数据集名称（{name}）与地址中的（{path}）不一致。"},
	"ingestjob.batch_id":          {"A batch id has 1 to 100 characters: letters, digits, '.', '_' or '-'; got \"{id}\".", "批次号应为 1 至 100 个字符，仅限字母、数字、“.”、“_”或“-”，收到“{id}”。"},
	"ingestjob.content_type":      {"Send the file as text/csv, application/x-ndjson, an XLSX workbook or multipart/form-data (got {got}).", "请以 text/csv、application/x-ndjson、XLSX 工作簿或 multipart/form-data 格式提交文件（收到 {got}）。"},
	"ingestjob.file_required":     {"Choose the file to submit.", "请选择要报送的文件。"},
	"ingestjob.upload":            {"The upload could not be read completely; please send the file again.", "上传的文件未能完整接收，请重新提交。"},
	"ingestjob.empty_file":        {"The file is empty.", "文件为空。"},
	"ingestjob.too_large":         {"The file is larger than the {limit} bytes the platform accepts; split it into several batches.", "文件超过平台接受的 {limit} 字节上限，请拆分为多个批次报送。"},
	"ingestjob.format_mismatch":   {"The dataset {dataset} takes {want} files, but this file is {got}.", "数据集 {dataset} 接收 {want} 文件，而该文件是 {got}。"},
	"ingestjob.report_not_ready":  {"The batch has not ended yet (state: {state}); its error report is ready when it ends.", "该批次尚未处理完成（状态：{state}），完成后方可下载错误报告。"},
	"ingestjob.report_format":     {"The error report comes as csv or xlsx.", "错误报告可下载为 csv 或 xlsx 格式。"},
	"ingestjob.interrupted":       {"The run was interrupted; nothing of the batch was stored.", "处理被中断，该批次未导入任何数据。"},
	"ingestjob.internal":          {"The batch could not be processed because of an internal error; nothing was stored. Please try again or contact the operator.", "由于内部错误，该批次未能处理，未导入任何数据。请重试或联系平台运营方。"},
}
