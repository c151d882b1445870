#!/bin/bash
# scripts/fuzz_cov.sh - coverage of the kept fuzz corpora (`make fuzz-cov`):
# every coverage build in build/fuzzcov/ (source-based, -fprofile-instr-generate
# -fcoverage-mapping, no sanitizers) runs its kept corpus fuzz/corpus/<target>/
# once (-runs=0); the profiles are merged and llvm-cov reports line, region and
# function coverage for three groups of sources:
#   decoders        src/wire/ (SMB1, SMB2, NetBIOS codecs) and src/auth/der.c
#   server core     src/server/
#   authentication  src/auth/ (NTLMSSP, SPNEGO, the mechanism interface)
# and for each target alone (its own profile, over the sources it links).
# Writes build/fuzz-cov/report-<group>.txt (per file), build/fuzz-cov/targets.txt
# and build/fuzz-cov/summary.txt, and prints the summary.
# usage: scripts/fuzz_cov.sh [TARGET...]   (default: every target built)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
OUT=$ROOT/build/fuzz-cov
BC=$ROOT/build/fuzzcov
PROFDATA=$(command -v llvm-profdata || echo /usr/lib/llvm-14/bin/llvm-profdata)
COV=$(command -v llvm-cov || echo /usr/lib/llvm-14/bin/llvm-cov)
rm -rf "$OUT"
mkdir -p "$OUT/prof" "$OUT/logs"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || for t in "$BC"/fuzz_*; do [ -x "$t" ] && targets+=("$(basename "$t")"); done
objs=()
for n in "${targets[@]}"; do
    bin=$BC/$n
    [ -x "$bin" ] || { echo "$n: not built (make fuzz-cov)" >&2; exit 1; }
    corpus=$ROOT/fuzz/corpus/$n
    # one profile per process (%p): libFuzzer may fork nothing here, but be safe
    LLVM_PROFILE_FILE="$OUT/prof/$n.%p.profraw" "$bin" -runs=0 -timeout=30 -rss_limit_mb=2048 "$corpus" \
        >"$OUT/logs/$n.log" 2>&1 || echo "# $n: exit $?, see $OUT/logs/$n.log" >&2
    "$PROFDATA" merge -sparse "$OUT/prof/$n".*.profraw -o "$OUT/prof/$n.profdata" || exit 1
    objs+=(-object "$bin")
done
"$PROFDATA" merge -sparse "$OUT"/prof/*.profdata -o "$OUT/all.profdata" || exit 1
first=${objs[1]}
rest=("${objs[@]:2}")
"$COV" export -summary-only "$first" "${rest[@]}" -instr-profile="$OUT/all.profdata" >"$OUT/all.json" 2>/dev/null || exit 1
# groups of sources; per-file tables in report-<group>.txt
python3 - "$OUT" "${#targets[@]}" <<'PY' | tee "$OUT/summary.txt"
import json, os, sys, time
out, ntargets = sys.argv[1], sys.argv[2]
files = json.load(open(os.path.join(out, 'all.json')))['data'][0]['files']
root = os.getcwd() + '/'
groups = [('decoders', lambda f: f.startswith('src/wire/') or f == 'src/auth/der.c'),
          ('server-core', lambda f: f.startswith('src/server/')),
          ('authentication', lambda f: f.startswith('src/auth/')),
          ('all', lambda f: f.startswith('src/'))]
print('coverage of the kept corpora (%s targets), llvm-cov, %s' % (ntargets, time.strftime('%Y-%m-%d', time.gmtime())))
for g, want in groups:
    tot = {'lines': [0, 0], 'regions': [0, 0], 'functions': [0, 0]}
    rows = []
    for f in files:
        name = f['filename'][len(root):] if f['filename'].startswith(root) else f['filename']
        if not want(name) or name.endswith('.h'):
            continue
        s = f['summary']
        for k in tot:
            tot[k][0] += s[k]['covered']
            tot[k][1] += s[k]['count']
        rows.append('%-40s lines %5d of %5d %6.1f%%' % (name, s['lines']['covered'], s['lines']['count'], s['lines']['percent']))
    with open(os.path.join(out, 'report-%s.txt' % g), 'w') as fh:
        fh.write('\n'.join(sorted(rows)) + '\n')
    pc = lambda k: 100.0 * tot[k][0] / tot[k][1] if tot[k][1] else 0.0
    print('%-15s lines %6d of %6d %6.1f%%   regions %6.1f%%   functions %6.1f%%' % (g, tot['lines'][0], tot['lines'][1], pc('lines'), pc('regions'), pc('functions')))
PY
# per target: lines of the library that target's corpus reaches
for n in "${targets[@]}"; do
    "$COV" export -summary-only "$BC/$n" -instr-profile="$OUT/prof/$n.profdata" 2>/dev/null |
        python3 -c 'import json, sys; t = json.load(sys.stdin)["data"][0]["totals"]["lines"]; print("%-42s lines %6d covered of %6d linked" % (sys.argv[1], t["covered"], t["count"]))' "$n"
done >"$OUT/targets.txt"
echo "per file: $OUT/report-*.txt; per target: $OUT/targets.txt"
