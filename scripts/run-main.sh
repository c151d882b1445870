#!/bin/sh
# scripts/run-main.sh - the project's main job on its embedded default (make run).
# The live matrix when it is built in; otherwise the documented matrix; otherwise the demo.
B=${SMBSIGN:-build/smbsign}
if $B matrix --help 2>/dev/null | grep -q -- '--live'; then
    exec $B matrix --live --family all
elif $B matrix --help >/dev/null 2>&1; then
    $B demo || exit $?
    exec $B matrix --family all
else
    exec $B demo
fi
