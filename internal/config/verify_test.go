package config

import (
	"strings"
	"testing"
	"time"
)

func TestVerificationLimitSettings(t *testing.T) {
	t.Parallel()
	c, err := load(t, []string{"--verify-max-thresholds", "6"}, []string{"CREDITBRIDGE_VERIFY_WINDOW=168h", "CREDITBRIDGE_ATTESTATION_TTL=24h"})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if c.VerifyMaxThresholds != 6 || c.VerifyWindow != 7*24*time.Hour || c.AttestationTTL != 24*time.Hour ||
		c.VerifyMaxPerDay != 2000 || c.VerifyMaxPerEnterpriseDay != 30 {
		t.Fatalf("settings not applied or defaults lost: %+v", c)
	}
	for _, bad := range []struct{ flag, value string }{
		{"--verify-max-thresholds", "0"}, {"--verify-max-per-day", "-1"}, {"--verify-max-per-enterprise-day", "0"},
		{"--verify-window", "1h"}, {"--attestation-ttl", "9000h"},
	} {
		_, err := load(t, []string{bad.flag, bad.value}, nil)
		if err == nil || !strings.Contains(err.Error(), strings.ReplaceAll(strings.TrimPrefix(bad.flag, "--"), "-", "_")) {
			t.Errorf("%s %s: error %v does not name the setting", bad.flag, bad.value, err)
		}
	}
}
