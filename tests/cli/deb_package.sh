#!/bin/bash
# tests/cli/deb_package.sh - the Debian packages (docs/packaging.md), from a
# clean clone of the committed tree: dpkg-buildpackage -b builds smbsign,
# libsmbsign0 and libsmbsign-dev (running the unit tier through
# dh_auto_test); dpkg -c lists what each must ship (and not what it must
# not); lintian reports no error; the packages unpacked into a throwaway root
# link a program through pkg-config; the packaged smbsign checks the packaged
# config; systemd-analyze verifies the units.
# Skips (visibly, counting nothing as passed) only when dpkg-buildpackage or
# debhelper is missing.
source "$(dirname "$0")/../lib.sh"

if ! command -v dpkg-buildpackage >/dev/null || ! command -v dh >/dev/null; then
    echo "# SKIP deb_package: dpkg-buildpackage/debhelper not installed (apt-get install dpkg-dev debhelper)"
    exit 0
fi
T=$(mk_tmpdir)
[ -n "$T" ] && [ -d "$T" ] || { not_ok "mk_tmpdir"; exit 1; }

# a clean clone: only what is committed goes into the packages
if ! git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    not_ok "source tree is a git checkout (needed for a clean clone)"
    exit 1
fi
git clone -q "$ROOT" "$T/src" 2>&1 | sed 's/^/#   /'
git -C "$T/src" checkout -q "$(git -C "$ROOT" rev-parse HEAD)"
start=$(date +%s)
(cd "$T/src" && DEB_BUILD_OPTIONS="parallel=2 noautodbgsym" dpkg-buildpackage -b -us -uc) >"$T/build.log" 2>&1
rc=$?
check_eq "dpkg-buildpackage -b -us -uc from a clean clone ($(($(date +%s) - start)) s)" "$rc" "0"
[ "$rc" != 0 ] && { tail -40 "$T/build.log" | sed 's/^/#   /'; exit 1; }
check_match "dh_auto_test ran the unit tier" "$(grep -cE '^ok - build/tests/test_' "$T/build.log")" "^[1-9][0-9]*$"
check_nomatch "no unit test failed in the package build" "$(cat "$T/build.log")" "^not ok - build/tests/"
check_nomatch "dpkg-gensymbols: the symbols file matches the library" "$(cat "$T/build.log")" "dpkg-gensymbols: (warning|error)"

ver=$(awk -F'[()]' 'NR == 1 {print $2}' "$ROOT/debian/changelog")
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
BIN=$T/smbsign_${ver}_$arch.deb
LIB=$T/libsmbsign0_${ver}_$arch.deb
DEV=$T/libsmbsign-dev_${ver}_$arch.deb
for d in "$BIN" "$LIB" "$DEV"; do check "built ${d##*/}" test -f "$d"; done

lst_bin=$(dpkg -c "$BIN" | awk '{print $6}')
lst_lib=$(dpkg -c "$LIB" | awk '{print $6}')
lst_dev=$(dpkg -c "$DEV" | awk '{print $6}')
for f in ./usr/bin/smbsign ./usr/share/man/man1/smbsign.1.gz ./usr/share/man/man1/smbsign-serve.1.gz \
    ./lib/systemd/system/smbsign-serve.service ./lib/systemd/system/smbsign-serve@.service \
    ./etc/smbsign/smbsign.conf ./usr/share/bash-completion/completions/smbsign; do
    check_match "smbsign ships $f" "$lst_bin" "^${f//./\\.}$"
done
check_match "libsmbsign0 ships /usr/lib/$ma/libsmbsign.so.0" "$lst_lib" "^\./usr/lib/$ma/libsmbsign\.so\.0$"
for f in ./usr/include/smbsign/sign.h ./usr/lib/$ma/pkgconfig/smbsign.pc ./usr/lib/$ma/libsmbsign.so ./usr/lib/$ma/libsmbsign.a; do
    check_match "libsmbsign-dev ships $f" "$lst_dev" "^${f//./\\.}$"
done
# negative twins: nothing lands in the wrong package
check_nomatch "libsmbsign0 ships no headers, no .so link, no binary" "$lst_lib" "include/|libsmbsign\.so$|bin/"
check_nomatch "smbsign ships no library and no headers" "$lst_bin" "libsmbsign\.so|include/"
check_match "libsmbsign0 has a symbols control file" "$(dpkg-deb -I "$LIB" symbols 2>&1 | head -2)" "^libsmbsign\.so\.0 libsmbsign0 "
check_match "smbsign depends on adduser (postinst makes the service user)" "$(dpkg-deb -f "$BIN" Depends)" "adduser"

# lintian: no error tags
if command -v lintian >/dev/null; then
    lint=$(lintian --no-cfg "$BIN" "$LIB" "$DEV" 2>&1)
    echo "$lint" | grep -E '^[EWI]:' | sed 's/^/#   lintian: /'
    check_nomatch "lintian: no errors" "$lint" "^E: "
    # negative twin: the same check catches an error lintian reports on a
    # deliberately broken copy (no Description in the control file)
    mkdir -p "$T/broken"
    dpkg-deb -R "$LIB" "$T/broken/pkg"
    sed -i '/^Description:/,$d' "$T/broken/pkg/DEBIAN/control"
    dpkg-deb -b "$T/broken/pkg" "$T/broken/libsmbsign0_${ver}_$arch.deb" >/dev/null 2>&1
    check_match "lintian reports an error on a broken package (the check can fail)" \
        "$(lintian --no-cfg "$T/broken/libsmbsign0_${ver}_$arch.deb" 2>&1)" "^E: "
else
    not_ok "lintian is installed (apt-get install lintian)"
fi

# a throwaway root: the packages unpacked (no maintainer scripts run)
R=$T/root
for d in "$BIN" "$LIB" "$DEV"; do dpkg -x "$d" "$R"; done
pcdir=$R/usr/lib/$ma/pkgconfig
check_match "the .pc file has the package version" "$(cat "$pcdir/smbsign.pc")" "^Version: $ver$"
check_eq "smbsign --version is the package version" "$(LD_LIBRARY_PATH=$R/usr/lib/$ma "$R/usr/bin/smbsign" --version)" "smbsign $ver"
check_match "the man pages carry the version" "$(zcat "$R/usr/share/man/man1/smbsign-serve.1.gz" | head -1)" "\"smbsign $ver\""
printf '%s\n' '#include <smbsign/sign.h>' '#include <smbsign/status.h>' '#include <smbsign/types.h>' '#include <stdio.h>' \
    'int main(void) { printf("%s %s\n", smb_status_name(SMB_E_ACCESS_DENIED), smb_alg_name(SMB_ALG_AES_CMAC)); return 0; }' \
    >"$T/p.c"
flags=$(PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$R pkg-config --cflags --libs smbsign)
check_match "pkg-config --cflags --libs smbsign points into the throwaway root" "$flags" "-I$R/usr/include .*-L$R/usr/lib/$ma .*-lsmbsign"
# shellcheck disable=SC2086
check "a program links through pkg-config --cflags --libs smbsign" cc "$T/p.c" $flags -o "$T/p"
check_match "and runs against the packaged shared library" "$(LD_LIBRARY_PATH=$R/usr/lib/$ma "$T/p" 2>&1)" "^STATUS_ACCESS_DENIED aes-cmac$|ACCESS_DENIED aes-cmac$"
check_match "the program uses libsmbsign.so.0 from the root" "$(LD_LIBRARY_PATH=$R/usr/lib/$ma ldd "$T/p")" "libsmbsign\.so\.0 => $R/usr/lib/$ma/libsmbsign\.so\.0"
check_exit 1 "negative twin: without the pkg-config flags it does not link" cc "$T/p.c" -I"$R/usr/include" -o "$T/p2"

# the packaged smbsign against the packaged config. The config names
# /etc/smbsign/users (created by postinst, which dpkg -x does not run):
# --users points at a fresh empty 0600 file instead.
conf=$R/etc/smbsign/smbsign.conf
install -m 0600 /dev/null "$T/users"
NS=()
if unshare -rn true 2>/dev/null; then NS=(unshare -rn); elif unshare -n true 2>/dev/null; then NS=(unshare -n); fi
out=$("${NS[@]}" "$R/usr/bin/smbsign" serve -c "$conf" --users "$T/users" --check 2>&1)
rc=$?
check_eq "smbsign serve --check accepts the shipped config (${NS[*]:-host network namespace})" "$rc" "0"
[ "$rc" != 0 ] && echo "$out" | sed 's/^/#   /'
check_match "the shipped config requires signing" "$out" "effective server signing: required"
chmod 0644 "$T/users"
out=$("${NS[@]}" "$R/usr/bin/smbsign" serve -c "$conf" --users "$T/users" --check --quiet 2>&1)
check_match "a world-readable users file is reported (readable by others, chmod 600)" "$out" "readable by others.*chmod 600"
check_match "... and fails the check (the server would refuse it)" "$out" "the server would not start"
chmod 0600 "$T/users"
{ cat "$conf"; printf 'server signing = sometimes\n'; } >"$T/broken.conf"
line=$(wc -l <"$T/broken.conf")
out=$("$R/usr/bin/smbsign" serve -c "$T/broken.conf" --users "$T/users" --check 2>&1)
rc=$?
check_eq "a broken config exits 2" "$rc" "2"
check_match "and names FILE:LINE" "$out" "broken\.conf:$line: server signing: 'sometimes'"

# units: systemd-analyze verify in a root holding the packaged files, the
# binaries the units start and the targets they name
if command -v systemd-analyze >/dev/null; then
    V=$T/vroot
    dpkg -x "$BIN" "$V"
    mkdir -p "$V/bin"
    cp /bin/kill "$V/bin/kill"
    cp -n /lib/systemd/system/*.target "$V/lib/systemd/system/" 2>/dev/null
    for u in smbsign-serve.service smbsign-serve@test.service; do
        out=$(systemd-analyze verify --man=no --root="$V" "lib/systemd/system/${u/@test/@}" 2>&1)
        rc=$?
        check_eq "systemd-analyze verify $u" "$rc:$out" "0:"
    done
    sed 's|^ExecStart=/usr/bin/smbsign|ExecStart=/usr/bin/no-such-smbsign|' "$V/lib/systemd/system/smbsign-serve.service" \
        >"$V/lib/systemd/system/smbsign-broken.service"
    check_exit 1 "negative twin: verify fails on a unit whose binary is missing" \
        systemd-analyze verify --man=no --root="$V" lib/systemd/system/smbsign-broken.service
    sec=$(systemd-analyze security --offline=true --root="$V" lib/systemd/system/smbsign-serve.service 2>&1)
    echo "$sec" | tail -1 | sed 's/^/#   /'
    check_match "systemd-analyze security: exposure OK or better" "$sec" "Overall exposure level for smbsign-serve.service: [0-9.]+ (OK|SAFE)"
else
    not_ok "systemd-analyze is installed (apt-get install systemd)"
fi
exit 0
