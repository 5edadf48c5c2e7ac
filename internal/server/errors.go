package server

import (
	"github.com/creditbridge/creditbridge/internal/fault"
	"net/http"
)

// Status maps an error kind to an HTTP status.
func Status(k fault.Kind) int {
	switch k {
	case fault.Invalid:
		return http.StatusBadRequest
	case fault.NotFound:
		return http.StatusNotFound
	case fault.Conflict:
		return http.StatusConflict
	case fault.Unauthenticated:
		return http.StatusUnauthorized
	case fault.Forbidden:
		return http.StatusForbidden
	case fault.TooMany:
		return http.StatusTooManyRequests
	case fault.TooLarge:
		return http.StatusRequestEntityTooLarge
	case fault.Unavailable:
		return http.StatusServiceUnavailable
	case fault.Canceled:
		return 499 // client closed request; never logged as a failure
	default:
		return http.StatusInternalServerError
	}
}

// Public describes an error as a client may see it: a stable code, the
// message key and its parameters. Internal errors become "internal" with no
// detail.
func Public(err error) (code string, params map[string]string, kind fault.Kind) {
	kind = fault.KindOf(err)
	if fe, ok := fault.As(err); ok && kind != fault.Internal {
		return fe.Code, fe.Params, kind
	}
	switch kind {
	case fault.Canceled:
		return "request.canceled", nil, kind
	case fault.Unavailable:
		return "request.unavailable", nil, kind
	}
	return "internal", nil, fault.Internal
}

// Messages are the texts of the edge's own codes.
var Messages = map[string][2]string{
	"internal":             {"Something went wrong on our side. The problem has been logged; please try again later.", "服务器内部出错，问题已记录，请稍后重试。"},
	"request.canceled":     {"The request was canceled.", "请求已取消。"},
	"request.unavailable":  {"The service is temporarily unavailable; please try again shortly.", "服务暂时不可用，请稍后重试。"},
	"request.too_large":    {"The request body is larger than {limit} bytes.", "请求内容超过 {limit} 字节的上限。"},
	"request.bad_json":     {"The request body is not valid JSON: {detail}", "请求内容不是有效的 JSON：{detail}"},
	"request.csrf":         {"The form or request is missing a valid anti-forgery token; reload the page and try again.", "请求缺少有效的防伪令牌，请刷新页面后重试。"},
	"request.cross_origin": {"Cross-site requests are refused.", "拒绝跨站请求。"},
	"request.not_found":    {"There is nothing at this address.", "该地址不存在。"},
	"request.method":       {"This method is not allowed here.", "此地址不支持该请求方法。"},
	"request.bad_param":    {"The parameter {name} is invalid.", "参数 {name} 无效。"},
	"request.forbidden":    {"You are not allowed to do this.", "您无权执行此操作。"},
}
