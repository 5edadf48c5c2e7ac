#!/bin/sh
# ensure-sklearn.sh installs the peer that `creditbridge bench model`
# compares our scorecard with: Debian's python3-sklearn, for Debian's own
# /usr/bin/python3. The bench itself installs nothing; run this once before
# it when you want the scikit-learn columns. Idempotent: does nothing when
# scikit-learn already imports there; exits non-zero if it cannot install.
set -eu

have_sklearn() {
	/usr/bin/python3 -c 'import sklearn' >/dev/null 2>&1
}

if have_sklearn; then
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
	else
		echo "ensure-sklearn: need to install python3-sklearn but this user cannot install packages" >&2
		exit 1
	fi
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "ensure-sklearn: installing python3-sklearn with apt-get" >&2
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-sklearn; } >"$log" 2>&1; then
	cat "$log" >&2
	echo "ensure-sklearn: apt-get failed" >&2
	exit 1
fi
if ! have_sklearn; then
	echo "ensure-sklearn: apt-get finished but /usr/bin/python3 still cannot import sklearn" >&2
	exit 1
fi
echo "ensure-sklearn: scikit-learn $(/usr/bin/python3 -c 'import sklearn; print(sklearn.__version__)')" >&2
