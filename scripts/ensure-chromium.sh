#!/bin/sh
# ensure-chromium.sh installs Chromium for the browser end-to-end test
# (internal/app/e2e_browser_test.go) when it is not already present.
# Idempotent and quiet; exits non-zero if Chromium cannot be installed.
set -eu

if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ]; then
	exit 0
fi
if [ -x /usr/bin/chromium ]; then
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "ensure-chromium: /usr/bin/chromium is missing and this user cannot install packages" >&2
		exit 1
	fi
fi

echo "ensure-chromium: installing chromium with apt-get" >&2
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null

if [ ! -x /usr/bin/chromium ]; then
	echo "ensure-chromium: apt-get finished but /usr/bin/chromium is still missing" >&2
	exit 1
fi
echo "ensure-chromium: $(/usr/bin/chromium --version 2>/dev/null || echo chromium installed)" >&2
