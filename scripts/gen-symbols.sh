#!/bin/sh
# scripts/gen-symbols.sh LIB VERSION - print a dpkg symbols file
# (deb-symbols(5)) for LIB: every defined dynamic symbol, tagged with the
# version that introduced it. "make debian-symbols" writes it to
# debian/libsmbsign0.symbols; dh_makeshlibs -c4 then fails the package build
# on any difference, so a change of the exported API is always deliberate.
#
# Symbols already in debian/libsmbsign0.symbols keep their version; new ones
# get VERSION.
set -e
lib=$1
ver=$2
old=$(dirname "$0")/../debian/libsmbsign0.symbols
[ -n "$lib" ] && [ -n "$ver" ] || { echo "usage: $0 LIB VERSION" >&2; exit 2; }
soname=$(objdump -p "$lib" | awk '$1 == "SONAME" {print $2}')
[ -n "$soname" ] || { echo "$0: $lib has no SONAME" >&2; exit 2; }
echo "$soname libsmbsign0 #MINVER#"
echo "* Build-Depends-Package: libsmbsign-dev"
[ -f "$old" ] || old=/dev/null
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDRBVWiu]$/ {print $3}' | LC_ALL=C sort -u |
    awk -v ver="$ver" 'NR == FNR { if ($1 ~ /@Base$/) had[$1] = $2; next }
        { s = $1 "@Base"; print " " s " " ((s in had) ? had[s] : ver) }' "$old" -
