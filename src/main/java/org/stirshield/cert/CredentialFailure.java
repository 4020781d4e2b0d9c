package org.stirshield.cert;

/**
 * Why a credential (the certificate chain at x5u) could not be obtained or is not acceptable.
 * The cert package knows nothing of SIP; {@code verify} maps these to reason codes (docs/verification.md).
 */
public enum CredentialFailure {
    /** URL refused before any I/O: not https, bad port, userinfo/query/fragment, unparseable (CRT-01). → 436 */
    BAD_URL,
    /** Resolved address is loopback/private/link-local/... and not allow-listed (SSRF guard). → 436 */
    ADDRESS_REFUSED,
    /** The fetch did not finish within the call's deadline or the fetch timeout. → 436 x5u-timeout */
    TIMEOUT,
    /** Connect refused, TLS failure, reset, DNS failure, HTTP 5xx. → 436 (infrastructure) */
    UNREACHABLE,
    /** HTTP status other than 2xx (4xx), or a redirect that is not allowed. → 436 */
    HTTP_STATUS,
    /** Body larger than the configured limit. → 436 */
    TOO_LARGE,
    /** Body is not a PEM chain or DER certificate (CRT-02). → 436 */
    UNPARSEABLE,
    /** No path to a configured STI-CA trust anchor (CRT-03). → 437 */
    UNTRUSTED_CHAIN,
    /** A path exists but is invalid: an issuer without CA:TRUE/keyCertSign, bad signature in chain (CRT-06). → 437 */
    PATH_INVALID,
    /** A certificate in the path has expired at the verification time (CRT-04). → 437 */
    EXPIRED,
    /** A certificate in the path is not yet valid at the verification time (CRT-04). → 437 */
    NOT_YET_VALID,
    /** A certificate in the path is revoked by its CRL (CRT-05). → 437 */
    REVOKED,
    /** The CRL needed to check revocation could not be had and policy fails closed (CRT-05). → 437 */
    REVOCATION_UNAVAILABLE,
    /** Leaf lacks digitalSignature key usage (CRT-07). → 437 */
    BAD_KEY_USAGE,
    /** Leaf key is not EC P-256 (PPT-17). → 437/438 */
    UNSUPPORTED_KEY,
    /** Leaf lacks the TNAuthList extension 1.3.6.1.5.5.7.1.26 (CRT-08). → 437 */
    TNAUTHLIST_MISSING,
    /** TNAuthList present but not valid DER per RFC 8226 Appendix A (CRT-08). → 437 */
    TNAUTHLIST_MALFORMED
}
