package ingest

import "github.com/creditbridge/creditbridge/internal/fault"

func faultAs(err error) (string, bool) {
	fe, ok := fault.As(err)
	if !ok {
		return "", false
	}
	return fe.Code, true
}
