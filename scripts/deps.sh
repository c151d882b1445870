#!/bin/sh
# scripts/deps.sh - install the Debian packages smbsign needs to build and test.
# As root: installs what is missing (apt-get update first). Otherwise: prints the
# exact apt-get line to run and exits non-zero if anything is missing.
set -e
PKGS="build-essential clang llvm libclang-rt-14-dev pkg-config libssl-dev openssl libcmocka-dev
libinih-dev libjson-c-dev libpcap-dev samba samba-common-bin smbclient samba-testsuite python3 python3-impacket nmap tshark
iproute2 procps psmisc netcat-openbsd samba-ad-dc samba-ad-provision
libkrb5-dev libgssapi-krb5-2 krb5-user faketime
dpkg-dev debhelper lintian systemd util-linux"
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "smbsign: missing Debian packages:$missing" >&2
    echo "run: sudo apt-get update && sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "smbsign: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
