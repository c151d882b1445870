#!/bin/bash
# tests/interop/client_read_batch.sh - our client verifies the READ responses
# of its window in batches (issue 16), against our server:
#  - 2.1 (HMAC-SHA256), 3.0 (AES-CMAC), 3.1.1 (AES-GMAC): a 24 MiB signed
#    get is byte-identical and `session` reports responses verified in
#    batches (responses-batch-verified > 0, and not more than
#    responses-verified);
#  - through a relay (smb_mitm.py) that flips one data byte of the 11th
#    READ response: the get fails with STATUS_INVALID_SIGNATURE and the
#    local file keeps its old content (no .part left); twin: the same relay
#    unaltered (none), the get is byte-identical.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_lib.inc"
MITM="$(cd "$(dirname "$0")" && pwd)/smb_mitm.py"
srv_setup
head -c $((24 * 1024 * 1024)) /dev/urandom >"$SRV_DIR/share/big"
srv_start required || { not_ok "server starts"; test_cleanup; exit 1; }
cd "$SRV_DIR" || exit 1
cli() { # PORT DIALECT COMMANDS
    timeout 120 "$SMBSIGN" client "//127.0.0.1:$1/share" -U alice%secret1 -m "$2" -c "$3" 2>&1
}
field() { sed -nE "s/^$1 ([0-9]+)$/\\1/p" <<<"$2"; }
for d in 2.1 3.0 3.1.1; do
    rm -f got
    out=$(cli "$SRV_PORT" $d "get big got; session")
    check "$d: 24 MiB signed get is byte-identical" cmp -s share/big got
    bv=$(field responses-batch-verified "$out") rv=$(field responses-verified "$out")
    if [ -n "$bv" ] && [ "$bv" -gt 0 ] && [ "$bv" -le "$rv" ]; then
        ok "$d: $bv of $rv responses verified in batches"
    else
        not_ok "$d: responses verified in batches (got '$bv' of '$rv')"; echo "$out" | sed 's/^/#   /' | tail -5
    fi
done

relay_get() { # MODE DIALECT: sets OUT RC, relay log in mitm-MODE.log
    local lp mp
    for _ in 1 2 3; do
        lp=$(free_port)
        SMB_MITM_SKIP=10 $SRV_PY "$MITM" "$lp" "$SRV_PORT" "$1" 2>mitm-$1.log &
        mp=$!
        track_pid $mp
        wait_port 127.0.0.1 "$lp" 10 && kill -0 "$mp" 2>/dev/null && break
        kill "$mp" 2>/dev/null; wait "$mp" 2>/dev/null
    done
    OUT=$(cli "$lp" "$2" "get big local")
    RC=$?
    kill "$mp" 2>/dev/null; wait "$mp" 2>/dev/null
}
for d in 3.0 2.1; do
    printf 'precious local data\n' >local
    cp local local.orig
    relay_get flip $d
    check_match "$d relay flips the 11th READ response: relay tampered" "$(cat mitm-flip.log)" "tampered flip"
    check_match "$d relay flip: get refused (STATUS_INVALID_SIGNATURE)" "rc=$RC $(tr '\n' ' ' <<<"$OUT")" "rc=1.*STATUS_INVALID_SIGNATURE"
    if cmp -s local local.orig && [ ! -e local.part ]; then ok "$d relay flip: the local file is untouched"
    else not_ok "$d relay flip: the local file changed"; fi
    rm -f local
    relay_get none $d
    check_eq "$d twin: the same relay unaltered, the get succeeds" "$RC" 0
    check "$d twin: byte-identical through the relay" cmp -s share/big local
done
cd / && srv_stop
check "no sanitizer report in the server log" bash -c "! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' '$SRV_LOG'"
test_cleanup
