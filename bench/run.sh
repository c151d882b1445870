#!/bin/bash
# bench/run.sh - every benchmark, one section each (run by `make bench`).
# Benchmarks print ratios against a peer or a physical limit measured in the
# same run; timings never live in tests.
cd "$(dirname "$0")/.." || exit 2
section() { printf '\n== %s\n' "$1"; }

section "scan: hosts/s and peak memory vs nmap smb2-security-mode (bench/scan_bench.sh)"
bench/scan_bench.sh
