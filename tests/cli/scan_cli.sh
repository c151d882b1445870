#!/bin/bash
# tests/cli/scan_cli.sh - `smbsign scan` input contract: bad targets, ports and
# option values give a clear message and exit 2 before anything is sent.
. "$(dirname "$0")/../lib.sh"
T=$(mk_tmpdir)

# A listener that counts connections: nothing may reach it on bad input.
port=$(free_port)
/usr/bin/python3 "$ROOT/tests/interop/fake_smb.py" count "$port" "$T/count" &
track_pid $!
wait_port 127.0.0.1 "$port" 10 || not_ok "counting listener did not start"
# wait_port's own probe connection is counted too: wait until the listener has
# recorded it, then reset the count (otherwise the write can land after the rm).
for _ in $(seq 1 50); do [ -s "$T/count" ] && break; sleep 0.1; done
sleep 0.2
rm -f "$T/count"

bad() { # NAME EXPECTED-MESSAGE-REGEX ARGS...
    local name=$1 re=$2 out rc
    shift 2
    out=$("$SMBSIGN" scan -p "$port" "$@" 2>&1 </dev/null)
    rc=$?
    if [ "$rc" = 2 ]; then ok "exit 2: $name"; else not_ok "exit 2: $name (got $rc)"; echo "$out" | sed 's/^/#   /'; fi
    check_match "message: $name" "$out" "$re"
}
bad "no targets" "no targets given"
bad "IPv4 octet over 255 (next to a good target)" "'10\.0\.0\.300': not a valid IPv4 address" 127.0.0.1 10.0.0.300
bad "prefix over 32" "prefix length must be 0\.\.32" 10.0.0.0/33
bad "block over 2^24 addresses" "block too large" 10.0.0.0/7
bad "IPv6 block too large" "block too large" fd00::/64
bad "range end before start" "range end is before its start" 10.0.0.9-3
bad "range end over 255" "range end must be" 10.0.0.1-256
bad "bad IPv6" "not a valid IPv6 address" 2001:db8::zz
bad "not a name" "not an address, CIDR block, range or host name" 'bad*name'
bad "missing @FILE" "cannot open target file" @/nonexistent/targets.txt
bad "exclusion with a name" "exclusions take addresses" 127.0.0.1 -x localhost
bad "bad exclusion" "--exclude: '1\.2\.3\.4/99'" 127.0.0.1 -x 1.2.3.4/99
bad "port 0" "--ports: '0' is not a port number" 127.0.0.1 -p 0
bad "port 70000" "--ports: '70000' is not a port number" 127.0.0.1 -p 70000
bad "port not a number" "--ports: 'smb' is not a port number" 127.0.0.1 -p smb
bad "duplicate port" "port 445 given twice" 127.0.0.1 -p 445,445
bad "empty port list" "--ports" 127.0.0.1 -p ,
bad "negative rate" "--rate: expected a non-negative integer" 127.0.0.1 --rate -5
bad "concurrency 0" "--concurrency: must be at least 1" 127.0.0.1 --concurrency 0
bad "timeout not a number" "--timeout: invalid value 'soon'" 127.0.0.1 --timeout soon
bad "retries over the cap" "--retries: invalid value '11'" 127.0.0.1 --retries 11
bad "both probe restrictions" "exclude each other" 127.0.0.1 --smb2-only --smb1-only
bad "unknown option" "unknown option '--frobnicate'" 127.0.0.1 --frobnicate
bad "option without value" "needs a value" 127.0.0.1 --rate
bad "unwritable output" "cannot write" 127.0.0.1 -o /nonexistent/dir/out.json
# shards, seeds, resume and merge: refused before anything is sent
bad "shard over N" "--shard '5/4': shards are numbered 1\.\.4" 127.0.0.1 --seed 1 --shard 5/4
bad "shard 0" "--shard '0/4': shards are numbered 1\.\.4" 127.0.0.1 --seed 1 --shard 0/4
bad "zero shards" "--shard '1/0': N must be" 127.0.0.1 --seed 1 --shard 1/0
bad "shard not I/N" "--shard 'a/b': expected I/N" 127.0.0.1 --seed 1 --shard a/b
bad "negative shard" "--shard '-1/4': expected I/N" 127.0.0.1 --seed 1 --shard -1/4
bad "two shard specs in one process" "--shard given twice" 127.0.0.1 --seed 1 --shard 1/4 --shard 2/4
bad "shards without a seed" "--shard 2/4 needs --seed" 127.0.0.1 --shard 2/4
bad "seed not a number" "--seed: invalid value 'x'" 127.0.0.1 --seed x
bad "unknown format" "--format: 'yaml' is not one of" 127.0.0.1 --format yaml
bad "HOST:PORT with port 0" "'127\.0\.0\.1:0': port must be 1\.\.65535" 127.0.0.1:0
bad "HOST:PORT with port 65536" "port must be 1\.\.65535" 127.0.0.1:65536
bad "[IPv6] without ]" "'\[::1': '\[' without '\]'" '[::1'
bad "IPv4 in brackets" "brackets are for IPv6" '[127.0.0.1]:445'
bad "exclusion with a port" "exclusions take no port" 127.0.0.1 -x 127.0.0.1:445
bad "--merge without files" "--merge: no files given" --merge
bad "--merge of a missing file" "--merge: cannot open" --merge /nonexistent.jsonl
printf '{"host":"127.0.0.1","name":null,"port":445,"status":"refused","relay_target":false,"verdict":"unknown"}\nnot json\n' >"$T/m.jsonl"
bad "--merge: a bad record names file and line" "--merge: .*m\.jsonl:2: not JSON" --merge "$T/m.jsonl"
bad "--merge with scan options" "--merge takes only --relay-list" --merge --seed 1 "$T/m.jsonl"
bad "--resume with XML" "--resume cannot append to one XML document" 127.0.0.1 --format xml --resume "$T/ck"
printf 'smbsign-scan-checkpoint 1\norder shuffle\nseed 1\nshard 1/1\ntargets 0123456789abcdef\nsteps 1\nnext 1\npending 0 0\nend\n' >"$T/ck.bad"
bad "corrupt checkpoint: repeated pending step" "--resume: .*ck\.bad: pending step 0 listed twice" 127.0.0.1 --seed 1 --resume "$T/ck.bad"
printf 'smbsign-scan-checkpoint 1\norder shuffle\nseed 1\nsteps x\n' >"$T/ck.bad2"
bad "corrupt checkpoint names file and line" "--resume: .*ck\.bad2:4: bad value for 'steps'" 127.0.0.1 --seed 1 --resume "$T/ck.bad2"
printf 'smbsign-scan-checkpoint 1\norder shuffle\nseed 1\n' >"$T/ck.cut"
bad "checkpoint cut short" "--resume: .*ck\.cut:3: '.*' missing" 127.0.0.1 --seed 1 --resume "$T/ck.cut"
printf 'hello\n' >"$T/ck.other"
bad "not a checkpoint" "ck\.other:1: not an smbsign scan checkpoint" 127.0.0.1 --resume "$T/ck.other"
# a checkpoint of another scan (seed 2, not 1): refused, not silently restarted
printf 'smbsign-scan-checkpoint 1\norder shuffle\nseed 2\nshard 1/1\ntargets 0123456789abcdef\nsteps 1\nnext 0\nend\n' >"$T/ck.seed2"
bad "checkpoint of another seed" "belongs to another scan \(seed: 2 there, 1 here\)" 127.0.0.1 --seed 1 --resume "$T/ck.seed2"
printf '127.0.0.1\n# fine\n10.0.0.256\n' >"$T/t.txt"
bad "bad line in @FILE names file and line" "t\.txt:3: '10\.0\.0\.256'" "@$T/t.txt"
check_eq "no connection was made for any bad input" "$(cat "$T/count" 2>/dev/null || echo 0)" 0

# the listener is reachable: a good run does connect (so the zero above means something)
"$SMBSIGN" scan --retries 0 --timeout 500 -p "$port" 127.0.0.1 >/dev/null 2>&1
check "a valid scan reaches the listener" test "$(cat "$T/count" 2>/dev/null || echo 0)" -ge 1

# --list-targets: the scan order, without any traffic
count_before=$(cat "$T/count" 2>/dev/null || echo 0)
lt() { "$SMBSIGN" scan --list-targets "$@" </dev/null; }
lt --seed 7 127.0.0.0/16 | sort >"$T/full"
for i in 1 2 3 4; do lt --seed 7 --shard $i/4 127.0.0.0/16 >"$T/s$i"; done
check_eq "4 shards of a /16: 65536 targets in all" "$(cat "$T"/s[1-4] | wc -l)" 65536
check_eq "4 shards: no target in two shards" "$(cat "$T"/s[1-4] | sort | uniq -d | wc -l)" 0
check_eq "4 shards: their union is the whole /16" "$(cat "$T"/s[1-4] | sort | cmp - "$T/full" && echo same)" same
check "each shard has a quarter (16384)" test "$(wc -l <"$T/s1")" = 16384 -a "$(wc -l <"$T/s4")" = 16384
lt --seed 7 --shard 1/4 127.0.0.0/16 >"$T/s1b"
check_eq "the same seed gives the same order (another host, another run)" "$(cmp "$T/s1" "$T/s1b" && echo same)" same
lt --seed 8 --shard 1/4 127.0.0.0/16 >"$T/s1c"
check "a different seed gives a different order" test "$(cmp -s "$T/s1" "$T/s1c" || echo differ)" = differ
lt --seed 8 --shard 2/4 127.0.0.0/16 >"$T/s2c"
check "negative twin: shards with different seeds overlap" test "$(cat "$T/s1" "$T/s2c" | sort | uniq -d | wc -l)" -gt 0
check_eq "no --seed: input order" "$(lt 127.0.0.1-3 | tr '\n' ' ')" "127.0.0.1:445 127.0.0.2:445 127.0.0.3:445 "
check "--seed: not the input order" test "$(lt --seed 1 127.0.0.0/24 | head -20 | tr -d '\n')" != "$(lt 127.0.0.0/24 | head -20 | tr -d '\n')"
check_eq "HOST:PORT and [IPv6]:PORT keep their own port" "$(lt -p 1,2 127.0.0.5:4445 '[::1]:4446' 127.0.0.6 | tr '\n' ' ')" \
    "127.0.0.5:4445 [::1]:4446 127.0.0.6:1 127.0.0.6:2 "
check_eq "--exclude applies to the shards" "$(for i in 1 2 3; do lt --seed 5 --shard $i/3 127.0.0.0/24 -x 127.0.0.0/25; done | sort -u | wc -l)" 128
# built-in exclusion of reserved blocks inside a larger block; a reserved block given on purpose is scanned
check_eq "default excludes: 169.254/16 skipped inside 169.254.0.0/15" "$(lt 169.254.0.0/15 | grep -c '^169\.254\.')" 0
check_eq "default excludes: the other half is kept" "$(lt 169.254.0.0/15 | wc -l)" 65536
check_eq "--no-default-excludes: the reserved half too" "$(lt --no-default-excludes 169.254.0.0/15 | wc -l)" 131072
check_eq "a reserved block asked for on purpose (127.0.0.0/24) is scanned" "$(lt 127.0.0.0/24 | wc -l)" 256
# a /8 target set: no per-address allocation, starts at once
# "SECONDS MAXRSS_KIB" of one command, its stdout to a file (python3, not /usr/bin/time: not a dependency)
timed() { # TIMEFILE OUTFILE CMD...
    python3 -c 'import resource, subprocess, sys, time
t = time.monotonic()
with open(sys.argv[2], "w") as out:
    subprocess.run(sys.argv[3:], stdout=out)
e = time.monotonic() - t
open(sys.argv[1], "w").write("%.3f %d\n" % (e, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))' "$@"
}
timed "$T/time8" "$T/l8" "$SMBSIGN" scan --list-targets --seed 1 --shard 1/65536 10.0.0.0/8
check_eq "a /8 in 65536 shards: 256 targets in shard 1" "$(wc -l <"$T/l8")" 256
check "a /8 target set is ready within 1 s" awk '{ exit !($1 < 1.0) }' "$T/time8"
check "a /8 target set takes under 64 MiB" awk '{ exit !($2 < 65536) }' "$T/time8"
check_eq "no connection was made by --list-targets" "$(cat "$T/count" 2>/dev/null || echo 0)" "$count_before"

out=$("$SMBSIGN" scan --help)
check_match "--help shows examples" "$out" "Examples:"
check_match "--help explains exit status" "$out" "Exit status"
check_exit 0 "--help exits 0" "$SMBSIGN" scan --help
exit 0
