/* smbsign/export.h - which symbols the shared library exports.
 *
 * The library is built with -fvisibility=hidden; only declarations marked
 * SMB_API (the public headers in include/smbsign/) are exported from
 * libsmbsign.so. Everything else (wire codecs, server internals) stays inside
 * the library. tests/cli/install.sh checks that `nm -D` of the shared library
 * lists exactly the SMB_API functions of these headers. */
#ifndef SMBSIGN_EXPORT_H
#define SMBSIGN_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define SMB_API __attribute__((visibility("default")))
#else
#define SMB_API
#endif

/* On every function that returns an smb_status: a caller that drops the
 * status gets a compiler warning (an error under CI's -Werror). Note that a
 * (void) cast does not silence GCC here: handle the status. */
#if defined(__GNUC__) || defined(__clang__)
#define SMB_WUR __attribute__((warn_unused_result))
#else
#define SMB_WUR
#endif

#endif
