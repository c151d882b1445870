#!/bin/bash
# tests/interop/server_memory.sh - smbsign serve with a memory share
# (`backend = memory`, server/vfs_mem.c) used by smbclient with signing
# required: upload, rename, download, listing, mkdir/rmdir, delete, the
# `memory size` bound (STATUS_DISK_FULL), and that nothing reaches the disk.
# Each behaviour has its twin: the old name is gone after the rename, a
# non-empty directory is not removed, a file under the bound is accepted,
# and the same upload to the POSIX share does land on disk.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/server_lib.inc"

srv_setup
printf '[mem]\nbackend = memory\nmemory size = 1\nread only = no\n' >"$SRV_DIR/mem.conf"
head -c 300000 /dev/urandom >"$SRV_DIR/payload"
head -c 1500000 /dev/urandom >"$SRV_DIR/toobig"
srv_start required 127.0.0.1 "" -c "$SRV_DIR/mem.conf" || { not_ok "server starts with a memory share"; exit 1; }
ok "server starts with a memory share"

out=$(smbc SMB3_11 required "put payload a.bin; rename a.bin b.bin; get b.bin back.bin; ls" mem)
check "upload, rename, download: the bytes come back" cmp "$SRV_DIR/payload" "$SRV_DIR/back.bin"
check_match "listing shows the new name" "$out" "b\.bin +A +300000"
check_nomatch "listing no longer shows the old name" "$out" " a\.bin "
out=$(smbc SMB3_11 required "get a.bin none.bin" mem)
check_match "the old name is gone (OBJECT_NAME_NOT_FOUND)" "$out" "NT_STATUS_OBJECT_NAME_NOT_FOUND"

out=$(smbc SMB3_11 required "mkdir d; cd d; put payload in.bin; cd ..; rmdir d" mem)
check_match "a non-empty directory is not removed" "$out" "NT_STATUS_DIRECTORY_NOT_EMPTY"
out=$(smbc SMB3_11 required "del d\\in.bin; rmdir d; ls" mem)
check_nomatch "after the delete, rmdir works" "$out" "NT_STATUS_|  d  +D"

out=$(smbc SMB3_11 required "put toobig big.bin" mem)
check_match "past memory size: NT_STATUS_DISK_FULL" "$out" "NT_STATUS_DISK_FULL"
out=$(smbc SMB3_11 required "put payload ok.bin; allinfo ok.bin" mem)
check_match "under memory size: accepted" "$out" "stream: \[::\\\$DATA\], 300000 bytes"

out=$(smbc SMB3_00 required "get b.bin back30.bin" mem)
check "SMB 3.0 reads the same tree (shared by every connection)" cmp "$SRV_DIR/payload" "$SRV_DIR/back30.bin"

check_eq "nothing of the memory share reached the disk" "$(find "$SRV_DIR" -name 'b.bin' -o -name 'ok.bin' | wc -l)" "0"
out=$(smbc SMB3_11 required "put payload b.bin" share)
check "twin: the same upload to the POSIX share is on disk" cmp "$SRV_DIR/payload" "$SRV_DIR/share/b.bin"
check_match "the log names the memory share's tree connect" "$(cat "$SRV_LOG")" "connected to 'mem'"
out=$("$SMBSIGN" serve -c "$SRV_DIR/mem.conf" --users "$SRV_DIR/users" --check 2>&1)
check_match "--check: the memory share is a note, not an error" "$out" "share \[mem\] is held in memory \(backend = memory, 1 MiB\)"
check_nomatch "--check: no path is asked of a memory share" "$out" "\[mem\] has no path"
out=$("$SMBSIGN" serve -c "$SRV_DIR/mem.conf" --users "$SRV_DIR/users" --check-config 2>&1)
check_match "--check-config: share: mem -> (memory)" "$out" "share: mem -> \(memory\)"
printf '[p]\nbackend = posix\n' >"$SRV_DIR/nopath.conf"
check_exit 2 "twin: a POSIX share without a path is refused" "$SMBSIGN" serve -c "$SRV_DIR/nopath.conf" --users "$SRV_DIR/users" --check
srv_stop
exit 0
