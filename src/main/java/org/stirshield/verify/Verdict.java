package org.stirshield.verify;

import java.util.List;

/**
 * The result of verifying one call's Identity headers (RFC 8224 §6.2, ATIS-1000074 §5.3).
 *
 * @param status PASS, FAIL or NO_IDENTITY
 * @param attest the attestation of the passing PASSporT (A, B or C), else null
 * @param reason why it did not pass (null on PASS); for FAIL the reason of the header that got furthest
 * @param x5u the certificate URL of the deciding header, or null
 * @param origid the origid claim of the deciding header, or null
 * @param spc the signer's service provider code from the certificate's TNAuthList, or null
 * @param certFingerprint SHA-256 of the signer's leaf certificate, lowercase hex, or null
 * @param iat the iat claim of the deciding header (epoch seconds), or null
 * @param passportDigest SHA-256 (hex) over the signed content ({@code BASE64URL(header) "." BASE64URL(claims)})
 *     of the deciding header, or null; the key for replay detection (never the signature: PPT-15)
 * @param tnAuthorized whether the certificate's TNAuthList covers the caller TN: true/false when it
 *     holds TN entries, null when it is SPC-only or no certificate was obtained (CRT-09)
 * @param callerTn the canonical calling TN the claims were checked against, or null
 * @param calledTn the canonical called TN, or null
 * @param headers what happened to each Identity header, in order (HDR-07)
 */
public record Verdict(
        Status status,
        String attest,
        Reason reason,
        String x5u,
        String origid,
        String spc,
        String certFingerprint,
        Long iat,
        String passportDigest,
        Boolean tnAuthorized,
        String callerTn,
        String calledTn,
        List<HeaderResult> headers) {

    public enum Status { PASS, FAIL, NO_IDENTITY }

    public Verdict {
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    /** The 3GPP TS 24.229 verstat value (VER-01). */
    public String verstat() {
        return switch (status) {
            case PASS -> "TN-Validation-Passed";
            case FAIL -> "TN-Validation-Failed";
            case NO_IDENTITY -> "No-TN-Validation";
        };
    }

    /** The SIP status code for a failure, or null on PASS. */
    public Integer sipCode() {
        return reason == null ? null : reason.sipCode();
    }

    /**
     * What happened to one Identity header.
     *
     * @param index position among the call's Identity headers, from 0
     * @param ppt the ppt parameter/header value, or null
     * @param reason null when this header passed, else why it failed, or
     *     {@link Reason#UNSUPPORTED_PPT_IGNORED} when it was skipped (HDR-06)
     * @param attest the attest claim when it was read, else null
     * @param x5u the info/x5u URI when it was read, else null
     * @param detail a short human-readable explanation (for logs and analysts), never a stack trace
     */
    public record HeaderResult(int index, String ppt, Reason reason, String attest, String x5u, String detail) {
        public boolean passed() {
            return reason == null;
        }
    }
}
