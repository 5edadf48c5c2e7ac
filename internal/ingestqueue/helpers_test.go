package ingestqueue_test

import (
	"strconv"

	"github.com/creditbridge/creditbridge/internal/audit"
)

func itoa(n int) string { return strconv.Itoa(n) }

func auditFilter(action string) audit.Filter { return audit.Filter{Action: action, Limit: 10} }
