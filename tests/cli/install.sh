#!/bin/bash
# tests/cli/install.sh - `make install` honours PREFIX/DESTDIR and the installed
# library, headers and pkg-config file build and run a C program.
. "$(dirname "$0")/../lib.sh"
T=$(mk_tmpdir)
cd "$ROOT" || exit 2
check "make install DESTDIR PREFIX=/opt/sb" make -s install DESTDIR="$T/root" PREFIX=/opt/sb
for f in bin/smbsign lib/libsmbsign.a lib/libsmbsign.so.0 lib/pkgconfig/smbsign.pc include/smbsign/sign.h \
    include/smbsign/policy.h include/smbsign/client.h share/man/man1/smbsign.1 share/man/man1/smbsign-scan.1; do
    check "installed $f" test -e "$T/root/opt/sb/$f"
done
check_match "pkg-config file names the prefix" "$(cat "$T/root/opt/sb/lib/pkgconfig/smbsign.pc")" '^prefix=/opt/sb$'
cat >"$T/p.c" <<'EOC'
#include <smbsign/status.h>
#include <smbsign/types.h>
#include <stdio.h>
int main(void)
{
    printf("%s %s\n", smb_status_name(SMB_E_LOGIN_WKSTA_RESTRICTION), smb_alg_name(SMB_ALG_AES_GMAC));
    return 0;
}
EOC
PC="PKG_CONFIG_PATH=$T/root/opt/sb/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$T/root"
flags=$(env PKG_CONFIG_PATH="$T/root/opt/sb/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$T/root" pkg-config --cflags --libs smbsign)
check "a program builds with pkg-config --cflags --libs smbsign ($PC)" cc "$T/p.c" $flags -o "$T/p"
check_eq "and runs against the installed shared library" \
    "$(LD_LIBRARY_PATH=$T/root/opt/sb/lib "$T/p" 2>&1)" "ERROR_LOGIN_WKSTA_RESTRICTION aes-gmac"
# negative twin: without the library flags the same program does not link
check_exit 1 "without -lsmbsign the program does not link" cc "$T/p.c" -I"$T/root/opt/sb/include" -o "$T/p2"
# The shared library exports exactly the public API: the SMB_API declarations of
# include/smbsign/*.h (built with -fvisibility=hidden), nothing of the internals.
api=$(grep -h '^SMB_API' "$ROOT"/include/smbsign/*.h | sed -E 's/\(.*//; s/.*[ *]([A-Za-z_][A-Za-z0-9_]*)$/\1/' | sort -u)
exported=$(nm -D --defined-only "$T/root/opt/sb/lib/libsmbsign.so.0" | awk '$2 ~ /^[TWiV]$/ {print $3}' | sort -u)
check_eq "libsmbsign.so exports exactly the SMB_API functions of the public headers ($(echo "$api" | wc -l))" \
    "$(comm -3 <(echo "$api") <(echo "$exported") | tr -d '\t' | tr '\n' ' ')" ""
check_nomatch "no internal symbol (rd_/wr_/srv_/der_/jw_) is exported" "$exported" '^(rd_|wr_|srv_|der_|jw_)'
# twin: the internals still exist in the static library, so the check above
# is about visibility, not about missing code
check_match "the static library still holds internal symbols (srv_conn_input)" \
    "$(nm --defined-only "$T/root/opt/sb/lib/libsmbsign.a" 2>/dev/null | awk '{print $3}')" '^srv_conn_input$'
check_match "installed smbsign runs" "$("$T/root/opt/sb/bin/smbsign" --version)" '^smbsign [0-9]'
