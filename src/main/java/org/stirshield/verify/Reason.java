package org.stirshield.verify;

import org.stirshield.passport.ParseFailure;

/**
 * Why a call did not verify: the fine-grained reason classes of docs/requirements.md (response codes) with the
 * SIP status code and reason phrase of RFC 8224 §6.2.2 / §13 and ATIS-1000074 §5.3.2.
 * {@link #code()} is the stable token written to the CLI output, the STIR_REASON channel variable and
 * the audit record.
 */
public enum Reason {
    // 403 Stale Date (TIM-01, TIM-02, PPT-07)
    STALE_IAT("stale_iat", 403, false),
    FUTURE_IAT("future_iat", 403, false),

    // 428 Use Identity Header (HDR-06, HDR-08)
    MISSING_IDENTITY("missing_identity", 428, false),
    UNSUPPORTED_PPT_IGNORED("unsupported_ppt_ignored", 428, false),

    // 436 Bad Identity Info (HDR-01, PPT-04, CRT-01, CRT-02)
    BAD_INFO("bad_info", 436, false),
    X5U_INFO_MISMATCH("x5u_info_mismatch", 436, false),
    /** The certificate fetch did not finish within the call's decision deadline (docs/asterisk.md, the decision deadline). */
    X5U_TIMEOUT("x5u_timeout", 436, true),
    /** The cert server could not be reached: connect/TLS failure, 5xx. */
    X5U_UNREACHABLE("x5u_unreachable", 436, true),
    UNPARSEABLE_CREDENTIAL("unparseable_credential", 436, false),

    // 437 Unsupported Credential (CRT-03..08, PPT-17)
    UNTRUSTED_CHAIN("untrusted_chain", 437, false),
    PATH_INVALID("path_invalid", 437, false),
    CERT_EXPIRED("cert_expired", 437, false),
    CERT_NOT_YET_VALID("cert_not_yet_valid", 437, false),
    CERT_REVOKED("cert_revoked", 437, false),
    /** The CRL could not be obtained and revocation checking fails closed (CRT-05; docs/requirements.md, open points). */
    REVOCATION_UNAVAILABLE("revocation_unavailable", 437, true),
    /** The CRL fetch did not finish within the call's decision deadline (and revocation checking fails closed). */
    CRL_TIMEOUT("crl_timeout", 437, true),
    TNAUTHLIST_MISSING("tnauthlist_missing", 437, false),
    TNAUTHLIST_MALFORMED("tnauthlist_malformed", 437, false),
    BAD_KEY_USAGE("bad_key_usage", 437, false),
    UNSUPPORTED_KEY("unsupported_key", 437, false),

    // 438 Invalid Identity Header (HDR-*, PPT-*, SHK-*, TN-*, CRT-09)
    BAD_SIGNATURE("bad_signature", 438, false),
    ORIG_MISMATCH("orig_mismatch", 438, false),
    DEST_MISMATCH("dest_mismatch", 438, false),
    MISSING_CLAIM("missing_claim", 438, false),
    INVALID_CLAIM("invalid_claim", 438, false),
    PPT_MISMATCH("ppt_mismatch", 438, false),
    UNSUPPORTED_ALG("unsupported_alg", 438, false),
    BAD_TYP("bad_typ", 438, false),
    MALFORMED_TOKEN("malformed_token", 438, false),
    MALFORMED_JSON("malformed_json", 438, false),
    DUPLICATE_MEMBER("duplicate_member", 438, false),
    CRIT_UNSUPPORTED("crit_unsupported", 438, false),
    TN_NOT_AUTHORIZED("tn_not_authorized", 438, false),
    COMPACT_FORM_NOT_ALLOWED("compact_form_not_allowed", 438, false),
    OVERSIZE("oversize", 438, false),
    NO_VALID_IDENTITY("no_valid_identity", 438, false),
    ALG_MISMATCH("alg_mismatch", 438, false),
    MALFORMED_IDENTITY("malformed_identity", 438, false),
    MISSING_HEADER_PARAM("missing_header_param", 438, false),

    // 438 Invalid Identity Header for a retargeted call (DIV-01; RFC 8946 §4 updates RFC 8224 §6.2): the
    // SHAKEN PASSporT's dest does not hold the called TN and no valid chain of div PASSporTs leads to it.
    /** No chain of div PASSporTs links the SHAKEN PASSporT's dest to the called TN (a link is missing). */
    DIV_CHAIN_BROKEN("div_chain_broken", 438, false),
    /** A div PASSporT of the chain names another caller (orig) than the SHAKEN PASSporT. */
    DIV_ORIG_MISMATCH("div_orig_mismatch", 438, false),
    /** A div PASSporT's certificate holds TN entries that do not cover the diverting number (div.tn). */
    DIV_NOT_AUTHORIZED("div_not_authorized", 438, false),
    /** The chain's diverting numbers are not those of the History-Info (RFC 7044) / Diversion (RFC 5806) headers. */
    DIV_HISTORY_MISMATCH("div_history_mismatch", 438, false),
    /** A div chain was needed but the dialplan passed no History-Info or Diversion header to check it against. */
    DIV_HISTORY_MISSING("div_history_missing", 438, false),

    /** A bug or resource failure inside StirShield; never a stack trace to Asterisk. */
    INTERNAL_ERROR("internal_error", 500, true),

    // The decision deadline passed while the decision still waited (the watchdog's fail-safe answer names what on).
    /** Waiting for the shared (replay) store past the decision deadline. */
    STORE_TIMEOUT("store_timeout", 500, true),
    /** The decision itself (CPU, a pause, a lock) outlasted the decision deadline. */
    DECISION_TIMEOUT("decision_timeout", 500, true),

    // What Asterisk sent could not be read as a call (docs/asterisk.md, "Bounds"): the call is decided
    // without verification (policy applies to these reasons) and recorded.
    /** One AGI line (an argument, or a header read with GET FULL VARIABLE) longer than the line bound. */
    HEADER_TOO_LARGE("header_too_large", 438, false),
    /** The environment block exceeds its bound in lines or bytes. */
    REQUEST_TOO_LARGE("request_too_large", 500, true),
    /** The environment block is not {@code name: value} lines, or names no script. */
    MALFORMED_REQUEST("malformed_request", 500, true),
    /** The environment block never ended: the peer went silent or closed the connection first. */
    INCOMPLETE_REQUEST("incomplete_request", 500, true),
    /** The AGI URL names a script other than {@code verify} or {@code sign}. */
    UNKNOWN_SCRIPT("unknown_script", 500, true),
    /** Asterisk answered one of the server's commands with an error (510, 511, 520) or something unreadable. */
    AGI_COMMAND_FAILED("agi_command_failed", 500, true);

    private final String code;
    private final int sipCode;
    private final boolean infrastructure;

    Reason(String code, int sipCode, boolean infrastructure) {
        this.code = code;
        this.sipCode = sipCode;
        this.infrastructure = infrastructure;
    }

    /** The stable reason token, e.g. {@code stale_iat}. */
    public String code() {
        return code;
    }

    /** The SIP status code (RFC 8224 §6.2.2). */
    public int sipCode() {
        return sipCode;
    }

    /** The SIP reason phrase for {@link #sipCode()} (ERR-01, docs/requirements.md). */
    public String phrase() {
        return switch (sipCode) {
            case 403 -> "Stale Date";
            case 428 -> "Use Identity Header";
            case 436 -> "Bad Identity Info";
            case 437 -> "Unsupported Credential";
            case 438 -> "Invalid Identity Header";
            default -> "Server Internal Error";
        };
    }

    /**
     * Whether the failure lies in the infrastructure (cert server down or slow, CRL unavailable, an
     * internal error) rather than in what the caller sent. Policy may treat these more leniently; note
     * that a spoofer can point x5u at a dead server, so "allow" on infrastructure errors is a risk.
     */
    public boolean infrastructure() {
        return infrastructure;
    }

    /**
     * The reason a parse failure of the Identity header or PASSporT gives a call: the one place where the
     * passport package's {@link ParseFailure} codes become verdict reasons.
     */
    public static Reason of(ParseFailure failure) {
        return switch (failure) {
            case IDENTITY_SYNTAX -> MALFORMED_IDENTITY;
            case HEADER_TOO_LONG -> OVERSIZE;
            case INFO_PARAMETER -> BAD_INFO;
            case TOKEN_ENCODING -> MALFORMED_TOKEN;
            case JSON_SYNTAX -> MALFORMED_JSON;
            case DUPLICATE_JSON_MEMBER -> DUPLICATE_MEMBER;
        };
    }

    public static Reason fromCode(String code) {
        for (Reason r : values()) {
            if (r.code.equals(code)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown reason code: " + code);
    }
}
