#!/bin/sh
# ensure-chromium.sh installs what the browser end-to-end test
# (internal/app/e2e_browser_test.go) needs: Debian's chromium, and a CJK
# font so that Chinese pages render as text rather than empty boxes in the
# screenshots. Idempotent and quiet: it does nothing when both are present
# and exits non-zero if they cannot be installed.
set -eu

have_chromium() {
	if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ]; then
		return 0
	fi
	[ -x /usr/bin/chromium ]
}

have_cjk_font() {
	# fc-list comes with fontconfig, which chromium depends on.
	command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh-cn family 2>/dev/null | head -n 1)" ]
}

need=""
have_chromium || need="chromium"
have_cjk_font || need="$need fonts-noto-cjk"
if [ -z "$need" ]; then
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "ensure-chromium: need to install$need but this user cannot install packages" >&2
		exit 1
	fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "ensure-chromium: installing$need with apt-get" >&2
# shellcheck disable=SC2086 # $need is a list of package names
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need; } >"$log" 2>&1; then
	cat "$log" >&2
	echo "ensure-chromium: apt-get failed" >&2
	exit 1
fi

if ! have_chromium; then
	echo "ensure-chromium: apt-get finished but /usr/bin/chromium is still missing" >&2
	exit 1
fi
if ! have_cjk_font; then
	echo "ensure-chromium: warning: no Chinese font found; screenshots will show boxes for Chinese text" >&2
fi
echo "ensure-chromium: $(/usr/bin/chromium --version 2>/dev/null || echo chromium installed)" >&2
