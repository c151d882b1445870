/*
 * policy/outcome.c - the negotiated signing outcome and the decisions a live
 * client or server engine applies (policy.h section 4).
 *
 * Sources: seed 004 "The Basics of SMB Signing" (the three tables), KB887429
 * (seed 003: SecurityMode 3/7/15, the two legacy failure scenarios), MS-SMB
 * 3.2.1.1 (Client.MessageSigningPolicy: a current-era "disabled" side behaves
 * as "Declined": it signs when the peer requires), MS-SMB2 3.2.5.2 / 3.3.5.4
 * (SMB2: only SIGNING_REQUIRED matters). The outcome is computed by running
 * the decisions below against each other; see docs/policy.md for the mixed-era
 * reasoning.
 */
#include <string.h>
#include <strings.h>

#include "smbsign/policy.h"

const char *smb_family_name(smb_family f)
{
    switch (f) {
    case SMB_FAMILY_SMB2: return "smb2";
    case SMB_FAMILY_SMB1: return "smb1";
    case SMB_FAMILY_SMB1_LEGACY: return "smb1-legacy";
    }
    return "?";
}

int smb_family_parse(const char *s, smb_family *out)
{
    if (!s)
        return -1;
    if (!strcasecmp(s, "smb2") || !strcasecmp(s, "smb3")) {
        *out = SMB_FAMILY_SMB2;
        return 0;
    }
    if (!strcasecmp(s, "smb1")) {
        *out = SMB_FAMILY_SMB1;
        return 0;
    }
    if (!strcasecmp(s, "smb1-legacy")) {
        *out = SMB_FAMILY_SMB1_LEGACY;
        return 0;
    }
    return -1;
}

const char *smb_outcome_name(smb_outcome_kind k)
{
    switch (k) {
    case SMB_OUTCOME_SIGNED: return "signed";
    case SMB_OUTCOME_NOT_SIGNED: return "not-signed";
    case SMB_OUTCOME_FAILS: return "fails";
    case SMB_OUTCOME_ENCRYPTED: return "encrypted";
    }
    return "?";
}

const char *smb_fail_point_name(smb_fail_point p)
{
    switch (p) {
    case SMB_FAIL_NONE: return NULL;
    case SMB_FAIL_NEGOTIATE: return "negotiate";
    case SMB_FAIL_SESSION_SETUP: return "session-setup";
    case SMB_FAIL_TREE_CONNECT: return "tree-connect";
    }
    return NULL;
}

const char *smb_era_name(smb_era e) { return e == SMB_ERA_LEGACY ? "legacy" : "current"; }

static bool valid_side(smb_side s)
{
    return (s.level == SMB_LEVEL_DISABLED || s.level == SMB_LEVEL_ENABLED || s.level == SMB_LEVEL_REQUIRED) &&
           (s.era == SMB_ERA_CURRENT || s.era == SMB_ERA_LEGACY);
}

smb_status smb_policy_client_decide(smb_proto proto, smb_side client, uint16_t server_security_mode,
                                    smb_client_decision *out)
{
    if (!out || !valid_side(client) || (proto != SMB_PROTO_SMB1 && proto != SMB_PROTO_SMB2))
        return SMB_E_BAD_ARGUMENT;
    memset(out, 0, sizeof *out);
    out->error = SMB_OK;
    if (proto == SMB_PROTO_SMB2) {
        /* MS-SMB2 3.2.5.2: SIGNING_REQUIRED from the server sets Connection.RequireSigning;
         * EnableSecuritySignature plays no part (seed 004). */
        bool server_req = (server_security_mode & SMB2_NEGOTIATE_SIGNING_REQUIRED) != 0;
        out->sign = client.level == SMB_LEVEL_REQUIRED || server_req;
        out->must_verify = out->sign;
        out->guest_allowed = !out->sign;
        out->smb2_security_mode = smb_policy_smb2_secmode(client.level);
        return SMB_OK;
    }
    smb_sign_level srv = smb_policy_level_from_smb1_secmode((uint8_t)server_security_mode);
    switch (client.level) {
    case SMB_LEVEL_REQUIRED:
        if (srv == SMB_LEVEL_DISABLED && client.era == SMB_ERA_LEGACY) {
            /* KB887429: the TCP session is closed gracefully after the dialect
             * negotiation; the client reports 1240. */
            out->hang_up = true;
            out->error = SMB_E_LOGIN_WKSTA_RESTRICTION;
            return SMB_OK;
        }
        /* Current era (seed 004: client required / server disabled = signed): go on
         * and ask for signing; a current "disabled" server signs when asked. */
        out->sign = true;
        out->smb1_flags2 = SMB1_FLAGS2_SECURITY_SIGNATURE | SMB1_FLAGS2_SECURITY_SIGNATURE_REQUIRED;
        break;
    case SMB_LEVEL_ENABLED:
        out->sign = srv >= SMB_LEVEL_ENABLED;
        out->smb1_flags2 = SMB1_FLAGS2_SECURITY_SIGNATURE;
        break;
    case SMB_LEVEL_DISABLED:
        /* MS-SMB 3.2.1.1 "Declined": signs only when the server requires it.
         * Legacy "Disabled" never signs (seed 004 old table: fails to connect). */
        out->sign = client.era == SMB_ERA_CURRENT && srv == SMB_LEVEL_REQUIRED;
        out->smb1_flags2 = out->sign ? SMB1_FLAGS2_SECURITY_SIGNATURE : 0;
        break;
    }
    out->must_verify = out->sign;
    out->guest_allowed = client.level != SMB_LEVEL_REQUIRED && srv != SMB_LEVEL_REQUIRED;
    out->smb2_security_mode = smb_policy_smb2_secmode(client.level);
    return SMB_OK;
}

smb_status smb_policy_server_decide(smb_proto proto, smb_side server, uint16_t client_signals,
                                    smb_server_decision *out)
{
    if (!out || !valid_side(server) || (proto != SMB_PROTO_SMB1 && proto != SMB_PROTO_SMB2))
        return SMB_E_BAD_ARGUMENT;
    memset(out, 0, sizeof *out);
    out->deny_status = SMB_OK;
    if (proto == SMB_PROTO_SMB2) {
        /* MS-SMB2 3.3.5.4 / 3.3.5.5: signing is required on the session when the
         * server requires it or the client's SecurityMode says SIGNING_REQUIRED. */
        bool client_req = (client_signals & SMB2_NEGOTIATE_SIGNING_REQUIRED) != 0;
        out->security_mode = smb_policy_smb2_secmode(server.level);
        out->sign = server.level == SMB_LEVEL_REQUIRED || client_req;
        out->guest_allowed = !out->sign;
        /* An unsigned request on a signing session is refused (MS-SMB2 3.3.5.2.4). */
        out->deny_status = SMB_E_ACCESS_DENIED;
        return SMB_OK;
    }
    bool client_signs = (client_signals & SMB1_FLAGS2_SECURITY_SIGNATURE) != 0;
    bool client_req = (client_signals & SMB1_FLAGS2_SECURITY_SIGNATURE_REQUIRED) != 0;
    out->security_mode = smb_policy_smb1_secmode(server.level); /* KB887429: 3, 7, 15 */
    switch (server.level) {
    case SMB_LEVEL_REQUIRED:
        out->sign = client_signs;
        if (!client_signs) {
            /* KB887429: STATUS_ACCESS_DENIED in the response to TREE_CONNECT or
             * TRANS2 for DFS referrals. */
            out->deny_tree_connect = true;
            out->deny_status = SMB_E_ACCESS_DENIED;
        }
        break;
    case SMB_LEVEL_ENABLED:
        out->sign = client_signs;
        break;
    case SMB_LEVEL_DISABLED:
        /* Current era: "disabled" = Declined (signs when the client requires);
         * legacy: never signs. */
        out->sign = server.era == SMB_ERA_CURRENT && client_req;
        break;
    }
    out->guest_allowed = server.level != SMB_LEVEL_REQUIRED && !client_req;
    return SMB_OK;
}

smb_status smb_policy_outcome(smb_proto proto, smb_side client, smb_side server, smb_outcome *out)
{
    smb_server_decision s0, sd;
    smb_client_decision cd;
    smb_status st;
    if (!out)
        return SMB_E_BAD_ARGUMENT;
    if ((st = smb_policy_server_decide(proto, server, 0, &s0)) != SMB_OK)
        return st;
    if ((st = smb_policy_client_decide(proto, client, s0.security_mode, &cd)) != SMB_OK)
        return st;
    memset(out, 0, sizeof *out);
    out->error = SMB_OK;
    if (cd.hang_up) {
        out->kind = SMB_OUTCOME_FAILS;
        out->fail_at = SMB_FAIL_NEGOTIATE;
        out->error = cd.error;
        out->why = "legacy client requires signing and the server's SecurityMode says signing is "
                   "disabled: it closes the TCP session after NEGOTIATE (KB887429)";
        return SMB_OK;
    }
    uint16_t signals = proto == SMB_PROTO_SMB1 ? cd.smb1_flags2 : cd.smb2_security_mode;
    if ((st = smb_policy_server_decide(proto, server, signals, &sd)) != SMB_OK)
        return st;
    if (sd.deny_tree_connect) {
        out->kind = SMB_OUTCOME_FAILS;
        out->fail_at = SMB_FAIL_TREE_CONNECT;
        out->error = sd.deny_status;
        out->why = "server requires signing and the legacy client with signing disabled does not sign: "
                   "TREE_CONNECT (or TRANS2 DFS referral) gets STATUS_ACCESS_DENIED (KB887429)";
        return SMB_OK;
    }
    if (cd.sign && !sd.sign) {
        out->kind = SMB_OUTCOME_FAILS;
        out->fail_at = SMB_FAIL_SESSION_SETUP;
        out->error = SMB_E_LOGIN_WKSTA_RESTRICTION;
        out->why = "current client requires signing but the legacy server has signing disabled and "
                   "never signs: the client drops the unsigned session (mixed era, docs/policy.md)";
        return SMB_OK;
    }
    if (cd.sign && sd.sign) {
        out->kind = SMB_OUTCOME_SIGNED;
        if (client.level == SMB_LEVEL_REQUIRED || server.level == SMB_LEVEL_REQUIRED)
            out->why = "one side requires signing and the other signs";
        else
            out->why = "both sides have signing enabled";
        return SMB_OK;
    }
    out->kind = SMB_OUTCOME_NOT_SIGNED;
    out->why = proto == SMB_PROTO_SMB2 ? "neither side requires signing (SMB2 signs only when required)"
                                       : "neither side requires signing and at least one has it disabled";
    return SMB_OK;
}

smb_status smb_policy_outcome_family(smb_family f, smb_sign_level client, smb_sign_level server,
                                     smb_outcome *out)
{
    smb_era era = f == SMB_FAMILY_SMB1_LEGACY ? SMB_ERA_LEGACY : SMB_ERA_CURRENT;
    smb_proto proto = f == SMB_FAMILY_SMB2 ? SMB_PROTO_SMB2 : SMB_PROTO_SMB1;
    if (f != SMB_FAMILY_SMB2 && f != SMB_FAMILY_SMB1 && f != SMB_FAMILY_SMB1_LEGACY)
        return SMB_E_BAD_ARGUMENT;
    smb_side c = {client, era}, s = {server, era};
    return smb_policy_outcome(proto, c, s, out);
}

const char *smb_session_kind_name(smb_session_kind k)
{
    switch (k) {
    case SMB_SESSION_USER: return "user";
    case SMB_SESSION_GUEST: return "guest";
    case SMB_SESSION_ANONYMOUS: return "anonymous";
    }
    return "?";
}

const char *smb_encryption_name(smb_encryption e)
{
    switch (e) {
    case SMB_ENCRYPTION_NONE: return "none";
    case SMB_ENCRYPTION_DESIRED: return "desired";
    case SMB_ENCRYPTION_REQUIRED: return "required";
    }
    return "?";
}

smb_encryption smb_policy_server_encryption(int8_t encrypt_data, int8_t reject_unencrypted)
{
    if (encrypt_data != 1)
        return SMB_ENCRYPTION_NONE;
    /* RejectUnencryptedAccess defaults to 1 on Windows (undefined counts as 1) */
    return reject_unencrypted == 0 ? SMB_ENCRYPTION_DESIRED : SMB_ENCRYPTION_REQUIRED;
}

static void fail(smb_outcome *o, smb_fail_point at, smb_status st, const char *why)
{
    memset(o, 0, sizeof *o);
    o->kind = SMB_OUTCOME_FAILS;
    o->fail_at = at;
    o->error = st;
    o->why = why;
}

smb_status smb_policy_outcome_ex(smb_proto proto, smb_side client, smb_side server, const smb_pair_extra *x,
                                 smb_outcome *out, smb_encryption *enc)
{
    static const smb_pair_extra none = {SMB_SESSION_USER, SMB_VALUE_UNDEFINED, NULL, false, SMB_ENCRYPTION_NONE,
                                        SMB_DIALECT_NONE};
    if (!x)
        x = &none;
    if (!out || (unsigned)x->session > SMB_SESSION_ANONYMOUS || (unsigned)x->server_encryption > SMB_ENCRYPTION_REQUIRED)
        return SMB_E_BAD_ARGUMENT;
    bool hardened = x->path && x->path->require_integrity == 1;
    if (hardened)
        client.level = SMB_LEVEL_REQUIRED; /* MS15-011: RequireIntegrity forces signing for the path */
    smb_status st = smb_policy_outcome(proto, client, server, out);
    if (st != SMB_OK)
        return st;
    bool can_encrypt = proto == SMB_PROTO_SMB2 &&
                       (x->dialect == SMB_DIALECT_300 || x->dialect == SMB_DIALECT_302 || x->dialect == SMB_DIALECT_311);
    smb_encryption demand = x->client_require_encryption ? SMB_ENCRYPTION_REQUIRED : x->server_encryption;
    if (enc)
        *enc = demand;
    if (out->kind == SMB_OUTCOME_FAILS && out->fail_at == SMB_FAIL_NEGOTIATE)
        return SMB_OK; /* nothing later happens */
    if (x->client_require_encryption && !can_encrypt) {
        fail(out, SMB_FAIL_NEGOTIATE, SMB_E_ACCESS_DENIED,
             "the client requires encryption (RequireEncryption) and the dialect is below SMB 3.0: it refuses "
             "the server (the status is not documented by Microsoft; see docs/policy.md)");
        return SMB_OK;
    }
    if (x->session != SMB_SESSION_USER) {
        if (x->session == SMB_SESSION_GUEST && proto == SMB_PROTO_SMB2 && x->client_insecure_guest == 0) {
            fail(out, SMB_FAIL_SESSION_SETUP, SMB_E_LOGON_FAILURE,
                 "insecure guest logons are disabled (AllowInsecureGuestAuth = 0): the client rejects the guest "
                 "session, 0x80070035 'The network path was not found', event 31017 'Rejected an insecure guest "
                 "logon' (KB4046019)");
            out->error_name = "ERROR_BAD_NETPATH";
            out->error_code = 0x80070035u;
            out->event_id = 31017;
            return SMB_OK;
        }
        if (client.level == SMB_LEVEL_REQUIRED) {
            fail(out, SMB_FAIL_SESSION_SETUP, SMB_E_INVALID_SIGNATURE,
                 hardened ? "a guest or anonymous session has no key and cannot sign, and the hardened path "
                            "(RequireIntegrity=1) requires signing: STATUS_INVALID_SIGNATURE (MS15-011)"
                          : "a guest or anonymous session has no key and cannot sign, and the client requires "
                            "signing: STATUS_INVALID_SIGNATURE 0xc000a000 (Control SMB signing behavior)");
            return SMB_OK;
        }
        if (demand == SMB_ENCRYPTION_REQUIRED) {
            fail(out, SMB_FAIL_TREE_CONNECT, SMB_E_ACCESS_DENIED,
                 "encryption is required and a guest or anonymous session has no key to encrypt with: "
                 "TREE_CONNECT gets STATUS_ACCESS_DENIED (MS-SMB2 3.3.5.2.11, 3.2.4.1.8)");
            return SMB_OK;
        }
        memset(out, 0, sizeof *out);
        out->kind = SMB_OUTCOME_NOT_SIGNED;
        out->error = SMB_OK;
        out->why = "a guest or anonymous session has no key: it is not signed (a server's signing requirement "
                   "does not apply to it, MS-SMB2 3.3.5.5.3)";
        return SMB_OK;
    }
    if (x->server_encryption == SMB_ENCRYPTION_REQUIRED && !can_encrypt) {
        fail(out, SMB_FAIL_TREE_CONNECT, SMB_E_ACCESS_DENIED,
             "the server requires encryption (EncryptData + RejectUnencryptedAccess) and the dialect is below "
             "SMB 3.0: TREE_CONNECT gets STATUS_ACCESS_DENIED (MS-SMB2 3.3.5.2.11)");
        return SMB_OK;
    }
    if (out->kind != SMB_OUTCOME_FAILS && demand != SMB_ENCRYPTION_NONE && can_encrypt) {
        out->kind = SMB_OUTCOME_ENCRYPTED;
        out->why = x->client_require_encryption ? "SMB 3.x and the client requires encryption"
                   : demand == SMB_ENCRYPTION_REQUIRED ? "SMB 3.x and the server requires encryption"
                                                       : "SMB 3.x and the server encrypts (EncryptData)";
        return SMB_OK;
    }
    if (hardened && out->kind == SMB_OUTCOME_SIGNED)
        out->why = "the hardened path (RequireIntegrity=1) makes the client require signing (MS15-011)";
    return SMB_OK;
}
