/*
 * smbsign/status.h - the one status enum of libsmbsign.
 *
 * Contract: every fallible function returns an smb_status; SMB_OK (0) is
 * success, anything else an error whose NTSTATUS / Win32 name comes from
 * the single table in src/base/status.c (smb_status_name). Values of this
 * enum are internal and may change between releases; the NTSTATUS and Win32
 * codes returned by smb_status_ntstatus / smb_status_win32 are stable wire
 * values.
 */
#ifndef SMBSIGN_STATUS_H
#define SMBSIGN_STATUS_H

#include "smbsign/export.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * X(enum, name, ntstatus, win32, description)
 * ntstatus 0 with a non-zero win32 means a Win32-only error; both 0 (other
 * than SMB_OK) means an smbsign-internal condition with its own name.
 */
#define SMB_STATUS_TABLE(X)                                                                        \
    X(SMB_OK, "STATUS_SUCCESS", 0x00000000u, 0, "success")                                        \
    /* smbsign-internal conditions (input, usage, environment) */                                   \
    X(SMB_E_TRUNCATED, "SMBSIGN_E_TRUNCATED", 0, 0, "input ends before the structure it holds")     \
    X(SMB_E_OVERFLOW, "SMBSIGN_E_OVERFLOW", 0, 0, "output does not fit in the buffer")            \
    X(SMB_E_MALFORMED, "SMBSIGN_E_MALFORMED", 0, 0, "malformed message")                          \
    X(SMB_E_BAD_HEX, "SMBSIGN_E_BAD_HEX", 0, 0, "invalid hexadecimal text")                       \
    X(SMB_E_BAD_ARGUMENT, "SMBSIGN_E_BAD_ARGUMENT", 0, 0, "invalid argument")                     \
    X(SMB_E_UNSUPPORTED, "SMBSIGN_E_UNSUPPORTED", 0, 0, "not supported")                          \
    X(SMB_E_IO, "SMBSIGN_E_IO", 0, 0, "input/output error")                                       \
    X(SMB_E_CRYPTO, "SMBSIGN_E_CRYPTO", 0, 0, "cryptographic library failure")                    \
    X(SMB_E_NOMEM, "STATUS_NO_MEMORY", 0xC0000017u, 8, "out of memory")                            \
    X(SMB_E_FILE_LOCK_CONFLICT, "STATUS_FILE_LOCK_CONFLICT", 0xC0000054u, 33, "file lock conflict")  \
    X(SMB_E_LOCK_NOT_GRANTED, "STATUS_LOCK_NOT_GRANTED", 0xC0000055u, 33, "lock not granted")      \
    X(SMB_E_RANGE_NOT_LOCKED, "STATUS_RANGE_NOT_LOCKED", 0xC000007Eu, 158, "range not locked")     \
    X(SMB_E_TIMEOUT, "STATUS_IO_TIMEOUT", 0xC00000B5u, 1460, "timed out")                          \
    X(SMB_E_INVALID_LOCK_RANGE, "STATUS_INVALID_LOCK_RANGE", 0xC00001A1u, 307, "invalid lock range") \
    X(SMB_E_CONNECTION_REFUSED, "STATUS_CONNECTION_REFUSED", 0xC0000236u, 1225, "connection refused") \
    X(SMB_E_CONNECTION_RESET, "STATUS_CONNECTION_RESET", 0xC000020Du, 10054, "connection reset")   \
    X(SMB_E_CONNECTION_DISCONNECTED, "STATUS_CONNECTION_DISCONNECTED", 0xC000020Cu, 64,            \
      "connection closed by peer")                                                                  \
    /* signing outcomes */                                                                          \
    X(SMB_E_INVALID_SIGNATURE, "STATUS_INVALID_SIGNATURE", 0xC000A000u, 0, "invalid signature")   \
    X(SMB_E_UNSIGNED, "SMBSIGN_E_UNSIGNED", 0, 0, "message must be signed but is not")            \
    X(SMB_E_NO_SIGNING_ALGORITHM_OVERLAP, "STATUS_SMB_NO_SIGNING_ALGORITHM_OVERLAP", 0xC05D0002u,  \
      0, "no common signing algorithm")                                                             \
    X(SMB_E_NO_PREAUTH_INTEGRITY_HASH_OVERLAP, "STATUS_SMB_NO_PREAUTH_INTEGRITY_HASH_OVERLAP",    \
      0xC05D0000u, 0, "no common preauth integrity hash")                                           \
    X(SMB_E_LOGIN_WKSTA_RESTRICTION, "ERROR_LOGIN_WKSTA_RESTRICTION", 0, 1240,                     \
      "the account is not authorized to log in from this station")                                  \
    /* NTSTATUS values seen on the wire */                                                          \
    X(SMB_E_PENDING, "STATUS_PENDING", 0x00000103u, 997, "operation pending")                       \
    X(SMB_E_NOTIFY_CLEANUP, "STATUS_NOTIFY_CLEANUP", 0x0000010Bu, 745, "notify cleanup")            \
    X(SMB_E_MORE_PROCESSING_REQUIRED, "STATUS_MORE_PROCESSING_REQUIRED", 0xC0000016u, 234,        \
      "more processing required")                                                                   \
    X(SMB_E_BUFFER_OVERFLOW, "STATUS_BUFFER_OVERFLOW", 0x80000005u, 234, "buffer overflow")        \
    X(SMB_E_NO_MORE_FILES, "STATUS_NO_MORE_FILES", 0x80000006u, 18, "no more files")               \
    X(SMB_E_NOT_IMPLEMENTED, "STATUS_NOT_IMPLEMENTED", 0xC0000002u, 1, "not implemented")          \
    X(SMB_E_INVALID_INFO_CLASS, "STATUS_INVALID_INFO_CLASS", 0xC0000003u, 87, "invalid info class") \
    X(SMB_E_INFO_LENGTH_MISMATCH, "STATUS_INFO_LENGTH_MISMATCH", 0xC0000004u, 24,                   \
      "info length mismatch")                                                                       \
    X(SMB_E_INVALID_HANDLE, "STATUS_INVALID_HANDLE", 0xC0000008u, 6, "invalid handle")             \
    X(SMB_E_INVALID_PARAMETER, "STATUS_INVALID_PARAMETER", 0xC000000Du, 87, "invalid parameter")   \
    X(SMB_E_NO_SUCH_FILE, "STATUS_NO_SUCH_FILE", 0xC000000Fu, 2, "no such file")                    \
    X(SMB_E_INVALID_DEVICE_REQUEST, "STATUS_INVALID_DEVICE_REQUEST", 0xC0000010u, 1,               \
      "invalid device request")                                                                     \
    X(SMB_E_END_OF_FILE, "STATUS_END_OF_FILE", 0xC0000011u, 38, "end of file")                     \
    X(SMB_E_ACCESS_DENIED, "STATUS_ACCESS_DENIED", 0xC0000022u, 5, "access denied")                \
    X(SMB_E_BUFFER_TOO_SMALL, "STATUS_BUFFER_TOO_SMALL", 0xC0000023u, 122, "buffer too small")     \
    X(SMB_E_OBJECT_NAME_INVALID, "STATUS_OBJECT_NAME_INVALID", 0xC0000033u, 123,                    \
      "object name invalid")                                                                        \
    X(SMB_E_OBJECT_NAME_NOT_FOUND, "STATUS_OBJECT_NAME_NOT_FOUND", 0xC0000034u, 2,                  \
      "object name not found")                                                                      \
    X(SMB_E_OBJECT_NAME_COLLISION, "STATUS_OBJECT_NAME_COLLISION", 0xC0000035u, 183,                \
      "object name collision")                                                                      \
    X(SMB_E_OBJECT_PATH_NOT_FOUND, "STATUS_OBJECT_PATH_NOT_FOUND", 0xC000003Au, 3,                  \
      "object path not found")                                                                      \
    X(SMB_E_SHARING_VIOLATION, "STATUS_SHARING_VIOLATION", 0xC0000043u, 32, "sharing violation")   \
    X(SMB_E_DELETE_PENDING, "STATUS_DELETE_PENDING", 0xC0000056u, 5, "delete pending")             \
    X(SMB_E_NO_SUCH_USER, "STATUS_NO_SUCH_USER", 0xC0000064u, 1317, "no such user")                 \
    X(SMB_E_WRONG_PASSWORD, "STATUS_WRONG_PASSWORD", 0xC000006Au, 86, "wrong password")            \
    X(SMB_E_LOGON_FAILURE, "STATUS_LOGON_FAILURE", 0xC000006Du, 1326, "logon failure")             \
    X(SMB_E_ACCOUNT_DISABLED, "STATUS_ACCOUNT_DISABLED", 0xC0000072u, 1331, "account disabled")    \
    X(SMB_E_DISK_FULL, "STATUS_DISK_FULL", 0xC000007Fu, 112, "disk full")                           \
    X(SMB_E_INSUFFICIENT_RESOURCES, "STATUS_INSUFFICIENT_RESOURCES", 0xC000009Au, 1450,            \
      "insufficient resources")                                                                     \
    X(SMB_E_MEDIA_WRITE_PROTECTED, "STATUS_MEDIA_WRITE_PROTECTED", 0xC00000A2u, 19,                 \
      "media write protected")                                                                      \
    X(SMB_E_BAD_IMPERSONATION_LEVEL, "STATUS_BAD_IMPERSONATION_LEVEL", 0xC00000A5u, 1346,         \
      "bad impersonation level")                                                                    \
    X(SMB_E_FILE_IS_A_DIRECTORY, "STATUS_FILE_IS_A_DIRECTORY", 0xC00000BAu, 5,                      \
      "file is a directory")                                                                        \
    X(SMB_E_NOT_SUPPORTED, "STATUS_NOT_SUPPORTED", 0xC00000BBu, 50, "not supported")               \
    X(SMB_E_INVALID_NETWORK_RESPONSE, "STATUS_INVALID_NETWORK_RESPONSE", 0xC00000C3u, 64,          \
      "invalid network response")                                                                   \
    X(SMB_E_NETWORK_NAME_DELETED, "STATUS_NETWORK_NAME_DELETED", 0xC00000C9u, 64,                   \
      "network name deleted")                                                                       \
    X(SMB_E_BAD_NETWORK_NAME, "STATUS_BAD_NETWORK_NAME", 0xC00000CCu, 67, "bad network name")      \
    X(SMB_E_REQUEST_NOT_ACCEPTED, "STATUS_REQUEST_NOT_ACCEPTED", 0xC00000D0u, 71,                   \
      "request not accepted")                                                                       \
    X(SMB_E_NOT_SAME_DEVICE, "STATUS_NOT_SAME_DEVICE", 0xC00000D4u, 17, "not same device")         \
    X(SMB_E_INTERNAL_ERROR, "STATUS_INTERNAL_ERROR", 0xC00000E5u, 1359, "internal error")          \
    X(SMB_E_DIRECTORY_NOT_EMPTY, "STATUS_DIRECTORY_NOT_EMPTY", 0xC0000101u, 145,                    \
      "directory not empty")                                                                        \
    X(SMB_E_NOT_A_DIRECTORY, "STATUS_NOT_A_DIRECTORY", 0xC0000103u, 267, "not a directory")        \
    X(SMB_E_CANCELLED, "STATUS_CANCELLED", 0xC0000120u, 1223, "cancelled")                          \
    X(SMB_E_CANNOT_DELETE, "STATUS_CANNOT_DELETE", 0xC0000121u, 5, "cannot delete")                \
    X(SMB_E_FILE_CLOSED, "STATUS_FILE_CLOSED", 0xC0000128u, 6, "file closed")                       \
    X(SMB_E_USER_SESSION_DELETED, "STATUS_USER_SESSION_DELETED", 0xC0000203u, 64,                   \
      "user session deleted")                                                                       \
    X(SMB_E_INVALID_BUFFER_SIZE, "STATUS_INVALID_BUFFER_SIZE", 0xC0000206u, 1784,                   \
      "invalid buffer size")                                                                        \
    X(SMB_E_NOT_FOUND, "STATUS_NOT_FOUND", 0xC0000225u, 1168, "not found")                          \
    X(SMB_E_NETWORK_SESSION_EXPIRED, "STATUS_NETWORK_SESSION_EXPIRED", 0xC000035Cu, 64,             \
      "network session expired")                                                 \
    X(SMB_E_INVALID_OPLOCK_PROTOCOL, "STATUS_INVALID_OPLOCK_PROTOCOL", 0xC00000E3u, 301,            \
      "invalid oplock protocol")                                                                    \
    X(SMB_E_INVALID_DEVICE_STATE, "STATUS_INVALID_DEVICE_STATE", 0xC0000184u, 1006,                 \
      "invalid device state")                                                                       \
    X(SMB_E_UNSUCCESSFUL, "STATUS_UNSUCCESSFUL", 0xC0000001u, 31, "unsuccessful")                 \
    X(SMB_E_REQUEST_OUT_OF_SEQUENCE, "STATUS_REQUEST_OUT_OF_SEQUENCE", 0xC000042Au, 1359,           \
      "request out of sequence")

typedef enum smb_status {
#define SMB_STATUS_ENUM_(e, name, nt, w32, desc) e,
    SMB_STATUS_TABLE(SMB_STATUS_ENUM_)
#undef SMB_STATUS_ENUM_
    SMB_STATUS_COUNT_
} smb_status;

/* Name such as "STATUS_ACCESS_DENIED" or "ERROR_LOGIN_WKSTA_RESTRICTION". */
SMB_API const char *smb_status_name(smb_status st);
/* Short human description. */
SMB_API const char *smb_status_desc(smb_status st);
/* NTSTATUS wire value (0 for Win32-only or internal conditions). */
SMB_API uint32_t smb_status_ntstatus(smb_status st);
/* Win32 error code (0 when none is defined). */
SMB_API uint32_t smb_status_win32(smb_status st);
/* Map an NTSTATUS from the wire to the enum; unknown values give
 * SMB_E_INTERNAL_ERROR and *known (if non-NULL) is set to 0. */
SMB_API SMB_WUR smb_status smb_status_from_ntstatus(uint32_t ntstatus, int *known);
/* Look up by name (case-sensitive); returns 0 if unknown. */
SMB_API int smb_status_from_name(const char *name, smb_status *out);

#ifdef __cplusplus
}
#endif
#endif
