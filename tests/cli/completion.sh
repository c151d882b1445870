#!/bin/bash
# tests/cli/completion.sh - dist/bash-completion/smbsign completes verbs and a
# verb's options from the command's own --help. bash-completion's helpers
# (_init_completion, _filedir) are stubbed so the test needs no package.
source "$(dirname "$0")/../lib.sh"

_init_completion() {
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
}
_filedir() { COMPREPLY=(FILE); }
complete() { :; }
# shellcheck source=../../dist/bash-completion/smbsign
source "$ROOT/dist/bash-completion/smbsign"

comp() { # comp WORD...: complete the last word
    COMP_WORDS=("$SMBSIGN" "$@")
    COMP_CWORD=$#
    COMPREPLY=()
    _smbsign "$SMBSIGN" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf '%s\n' "${COMPREPLY[@]}"
}
check_eq "verb: 'se' completes to serve" "$(comp se)" "serve"
check_match "verb: '' lists every verb" "$(comp '' | tr '\n' ' ')" "demo .*serve .*passwd"
check_eq "verb: an unknown prefix completes to nothing" "$(comp zz)" ""
check_eq "serve options: --ch" "$(comp serve --ch | tr '\n' ' ')" "--check --check-config "
check_match "serve options: --fail-on is offered" "$(comp serve --fa)" "^--fail-on$"
check_eq "a file after -c" "$(comp serve -c '')" "FILE"
check_nomatch "scan options do not include serve's" "$(comp scan --ch)" "--check-config"
exit 0
