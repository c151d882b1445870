#!/bin/bash
# scripts/fuzz_seeds_traffic.sh - real-traffic seed corpora for the fuzz targets
# that decode what a server sends (issue 18; docs/fuzzing.md, "Real-traffic
# seeds of the response decoders").
#
# Starts a private Samba smbd (server signing = mandatory, NT1 .. SMB3_11) on a
# free 127.0.0.1 high port with its state in a private temp dir, and records
# through tests/interop/frame_recorder.py the sessions of smbclient, impacket
# (/usr/bin/python3, scripts/fuzz_seeds_impacket.py) and our own client
# (build/smbsign client) at SMB1 (NT1), 2.0.2, 2.1, 3.0, 3.0.2 and 3.1.1, plus
# 3.1.1 sessions with encryption required. A few small sessions are also
# captured with tshark on lo (port filter) as pcap seeds of fuzz_trace_packet.
# scripts/fuzz_seeds_split.py cuts the recordings into each target's input
# format and writes fuzz/corpus/<target>/rt-<origin>-<what>-N (deduplicated, at
# most 40 new seeds per target). Needs root (a unix user for smbd).
#
# usage: scripts/fuzz_seeds_traffic.sh [CORPUS_ROOT]   (default fuzz/corpus)
#        KEEP=DIR keeps the recordings in DIR.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ROOT
. "$ROOT/tests/lib.sh"
CORPUS=${1:-$ROOT/fuzz/corpus}
BIN=${SMBSIGN_BIN:-$ROOT/build/smbsign}
PY=/usr/bin/python3
REC="$ROOT/tests/interop/frame_recorder.py"
die() { echo "fuzz_seeds_traffic: $*" >&2; exit 1; }
for tool in smbd smbclient smbpasswd useradd tshark; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (scripts/deps.sh)"
done
[ "$(id -u)" = 0 ] || die "needs root (a unix user for smbd)"
[ -x "$BIN" ] || die "$BIN not built (make)"

T=$(mk_tmpdir)
chmod 755 "$T"
PASS="pw-$RANDOM$RANDOM"
test_unix_user fsr || die "cannot create a unix user"
U=$TEST_USER
d=$T/smbd
P=$(free_port) || die "no free port"
samba_conf "$d" "$P" "  server signing = mandatory
  server min protocol = NT1
  server max protocol = SMB3_11
  ntlm auth = yes"
samba_user "$d" "$U" "$PASS"
samba_start "$d"
track_pid "$SAMBA_PID"
wait_port 127.0.0.1 "$P" 20 || { tail -20 "$d/smbd.out"; die "smbd did not start on port $P"; }
head -c 600 /dev/urandom | od -An -tx1 >"$T/small.txt" # ~1.8 KiB of text: READ/WRITE responses stay small
OUT=${KEEP:-$T/rec}
mkdir -p "$OUT"
FAILS=0

# record ORIGIN CMD...: run CMD with $LP set to a fresh recorder's port
record() {
    local origin=$1
    shift
    rm -f "$OUT/$origin.frames" "$OUT/$origin.frames.ready"
    $PY "$REC" 0 "$P" "$OUT/$origin.frames" &
    local rpid=$!
    track_pid $rpid
    for _ in $(seq 1 100); do [ -e "$OUT/$origin.frames.ready" ] && break; sleep 0.1; done
    LP=$(cat "$OUT/$origin.frames.ready" 2>/dev/null) || { echo "# $origin: recorder did not start"; FAILS=$((FAILS + 1)); return; }
    rm -f "$T/s.back"
    # a session counts when the file came back (the commands include
    # intended errors, which make the tools exit non-zero)
    { (cd "$T" && "$@") >"$OUT/$origin.out" 2>&1; cmp -s "$T/small.txt" "$T/s.back"; } || {
        echo "# $origin: session failed (kept what was recorded)"
        tail -3 "$OUT/$origin.out" | sed 's/^/#   /'
        FAILS=$((FAILS + 1))
    }
    # the recorder exits when the connection closes; one that got no connection is stopped
    for _ in $(seq 1 50); do kill -0 $rpid 2>/dev/null || break; sleep 0.1; done
    kill $rpid 2>/dev/null
    wait $rpid 2>/dev/null
    echo "$origin: $(grep -c . "$OUT/$origin.frames" 2>/dev/null || echo 0) frames"
}

smbc() { # PROTO [OPTIONS...]
    local proto=$1
    shift
    timeout 60 smbclient -p "$LP" //127.0.0.1/share -U "$U%$PASS" -m "$proto" --option='client signing=required' \
        --option="client min protocol=NT1" "$@" \
        -c "put small.txt s.txt; ls; allinfo s.txt; get s.txt s.back; mkdir d; rename s.txt d/t.txt; ls d/*; rm d/t.txt; rmdir d; get missing.txt m.back"
}
ours() { # DIALECT [OPTIONS...]
    local dl=$1
    shift
    if [ "$dl" = NT1 ]; then
        timeout 60 "$BIN" client "//127.0.0.1:$LP/share" -U "$U%$PASS" -m NT1 --signing required "$@" \
            -c 'put small.txt s.txt; ls; get s.txt s.back; echo; session'
    else
        timeout 60 "$BIN" client "//127.0.0.1:$LP/share" -U "$U%$PASS" -m "$dl" --signing required "$@" \
            -c 'put small.txt s.txt; ls; get s.txt s.back; stat s.txt; mkdir d; rename s.txt t.txt; rm t.txt; rmdir d; stat missing.txt; session'
    fi
}
impk() { timeout 60 $PY "$ROOT/scripts/fuzz_seeds_impacket.py" "$LP" share "$U" "$PASS" "$1" small.txt s.back; }

LP=
for v in NT1:NT1:nt1 SMB2_02:2.0.2:202 SMB2_10:2.1:21 SMB3_00:3.0:30 SMB3_02:3.0.2:302 SMB3_11:3.1.1:311; do
    IFS=: read -r proto dl tag <<<"$v"
    record "samba-smbclient-$tag" smbc "$proto"
    # impacket's SMBConnection offers no 3.0.2 alone
    [ "$dl" != 3.0.2 ] && record "samba-impacket-$tag" impk "$dl"
    [ "$proto" = NT1 ] && dl=NT1
    record "smbsign-samba-$tag" ours "$dl"
done
record samba-smbclient-311-enc smbc SMB3_11 --option='client smb encrypt=required'
record smbsign-samba-311-enc ours 3.1.1 --encrypt=required

# small pcaps for fuzz_trace_packet: one directory listing per run, straight to smbd
for v in NT1:nt1 SMB2_10:21 SMB3_11:311; do
    IFS=: read -r proto tag <<<"$v"
    tshark_start "$OUT/samba-smbclient-$tag-ls.pcap.tmp" "tcp port $P"
    smbclient -p "$P" //127.0.0.1/share -U "$U%$PASS" -m "$proto" --option='client signing=required' \
        --option="client min protocol=NT1" -c ls >/dev/null 2>&1 || FAILS=$((FAILS + 1))
    tshark_stop
    # pcap (not pcapng), as fuzz_trace_packet's libpcap reader takes both
    tshark -r "$OUT/samba-smbclient-$tag-ls.pcap.tmp" -F pcap -w "$OUT/samba-smbclient-$tag-ls.pcap" 2>/dev/null || FAILS=$((FAILS + 1))
    rm -f "$OUT/samba-smbclient-$tag-ls.pcap.tmp"
done

$PY "$ROOT/scripts/fuzz_seeds_split.py" "$CORPUS" "$OUT"/*.frames "$OUT"/*.pcap
echo "fuzz_seeds_traffic: $FAILS session(s) failed"
[ "$FAILS" = 0 ]
