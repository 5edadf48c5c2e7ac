package monitor

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts what the monitor does, for operators' dashboards and
// alerting: alerts by rule and severity, suspensions and rate-limited
// requests.
type Metrics struct {
	alerts      *prometheus.CounterVec
	suspensions *prometheus.CounterVec
	limited     *prometheus.CounterVec
	lag         prometheus.Gauge
}

// NewMetrics registers the monitor's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		alerts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "creditbridge_monitor_alerts_total", Help: "Security-monitoring alerts raised, by rule and severity.",
		}, []string{"rule", "severity"}),
		suspensions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "creditbridge_monitor_suspensions_total", Help: "Suspensions, by kind and whether the detector made them.",
		}, []string{"kind", "automatic"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "creditbridge_rate_limited_total", Help: "Requests refused by a rate limit, by the limit's kind.",
		}, []string{"limit"}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "creditbridge_monitor_last_seq", Help: "Last evidence sequence number the detector consumed.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.alerts, m.suspensions, m.limited, m.lag)
	}
	return m
}

func (m *Metrics) alert(rule, severity string) {
	if m != nil {
		m.alerts.WithLabelValues(rule, severity).Inc()
	}
}

func (m *Metrics) suspended(k Kind, auto bool) {
	if m != nil {
		m.suspensions.WithLabelValues(string(k), strconv.FormatBool(auto)).Inc()
	}
}

func (m *Metrics) rateLimited(limit string) {
	if m != nil {
		m.limited.WithLabelValues(limit).Inc()
	}
}

func (m *Metrics) position(seq int64) {
	if m != nil {
		m.lag.Set(float64(seq))
	}
}
