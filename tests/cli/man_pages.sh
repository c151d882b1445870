#!/bin/bash
# tests/cli/man_pages.sh - every verb the binary offers has its page
# man/smbsign-VERB.1 and is listed in the overview man/smbsign.1.
. "$(dirname "$0")/../lib.sh"
verbs=$("$SMBSIGN" help | awk '/^Verbs:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
[ -n "$verbs" ] || not_ok "smbsign help lists verbs"
for v in $verbs; do
    check "man page for '$v' exists" test -f "$ROOT/man/smbsign-$v.1"
    check_match "smbsign(1) lists '$v'" "$(cat "$ROOT/man/smbsign.1")" "^\\.B $v\$"
done
for f in "$ROOT"/man/*.1; do
    # cheap roff sanity without needing man-db: a title line and a NAME section
    check "$(basename "$f") has .TH and .SH NAME" sh -c 'grep -q "^\.TH " "$1" && grep -q "^\.SH NAME" "$1"' _ "$f"
done
exit 0
