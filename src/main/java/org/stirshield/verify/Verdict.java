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
 * @param diversion the call's forwarding: the div PASSporT chain (RFC 8946) and the diverting numbers of
 *     History-Info / Diversion; null when the call shows no sign of forwarding
 * @param rcd the Rich Call Data (RFC 9795) the call carried and whether it verified; null when it carried none
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
        List<HeaderResult> headers,
        Diversion diversion,
        RichCallData rcd) {

    public enum Status { PASS, FAIL, NO_IDENTITY }

    public Verdict {
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    /** A verdict for a call that was not forwarded and carried no Rich Call Data. */
    public Verdict(Status status, String attest, Reason reason, String x5u, String origid, String spc,
            String certFingerprint, Long iat, String passportDigest, Boolean tnAuthorized, String callerTn,
            String calledTn, List<HeaderResult> headers) {
        this(status, attest, reason, x5u, origid, spc, certFingerprint, iat, passportDigest, tnAuthorized, callerTn,
                calledTn, headers, null, null);
    }

    /** This verdict with the caller and called TNs it names replaced (e.g. by their canonical forms). */
    public Verdict withTns(String caller, String called) {
        return new Verdict(status, attest, reason, x5u, origid, spc, certFingerprint, iat, passportDigest,
                tnAuthorized, caller, called, headers, diversion, rcd);
    }

    /** This verdict with its Rich Call Data outcome replaced. */
    public Verdict withRcd(RichCallData richCallData) {
        return new Verdict(status, attest, reason, x5u, origid, spc, certFingerprint, iat, passportDigest,
                tnAuthorized, callerTn, calledTn, headers, diversion, richCallData);
    }

    /** Whether the call was forwarded: it passed through a div chain, or History-Info / Diversion show a retarget. */
    public boolean forwarded() {
        return diversion != null && diversion.forwarded();
    }

    /** The verified RCD display name (RCD-01: only when the PASSporT carrying it verified), or null. */
    public String rcdName() {
        return rcd == null || !rcd.verified() ? null : rcd.name();
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

    /**
     * A forwarded call (DIV-01, RFC 8946 §4): the chain from the SHAKEN PASSporT's {@code dest} through
     * each div PASSporT to the called TN, and what SIP said about the diversion.
     *
     * @param originalDest the SHAKEN PASSporT's dest TN the chain starts at, or null when no chain was needed
     * @param hops the div PASSporTs of the chain, in order; when no chain links, every div PASSporT received
     * @param chained whether the call verified through this chain (its dest matched only via div)
     * @param sipDiverting the numbers the call was diverted from according to SIP, oldest first
     * @param sipHeader the header those came from ({@code History-Info} or {@code Diversion}), or null
     * @param reason why the chain did not verify, or null
     * @param shakenDigest SHA-256 (hex) of the SHAKEN PASSporT's signing input when the call was chained
     *     ({@link Verdict#passportDigest()} then covers the whole chain), else null
     */
    public record Diversion(String originalDest, List<DivHop> hops, boolean chained, List<String> sipDiverting,
            String sipHeader, Reason reason, String shakenDigest) {
        public Diversion {
            hops = hops == null ? List.of() : List.copyOf(hops);
            sipDiverting = sipDiverting == null ? List.of() : List.copyOf(sipDiverting);
        }

        /** Verified through a div chain, or SIP shows at least one diverting number. */
        public boolean forwarded() {
            return chained || !sipDiverting.isEmpty();
        }
    }

    /**
     * One div PASSporT (RFC 8946 §3).
     *
     * @param index its Identity header's position
     * @param from the diverting number ({@code div.tn}), or null when it could not be read
     * @param to the new destinations ({@code dest.tn})
     * @param x5u its certificate URL
     * @param spc its signer's SPC, or null
     * @param tnAuthorized whether its certificate's TNAuthList covers {@code from}; null for SPC-only
     * @param iat its iat, or null
     * @param reason null when it verified, else why not
     */
    public record DivHop(int index, String from, List<String> to, String x5u, String spc, Boolean tnAuthorized,
            Long iat, Reason reason) {
        public DivHop {
            to = to == null ? List.of() : List.copyOf(to);
        }
    }

    /**
     * The call's Rich Call Data (RFC 9795; RCD-01). It never changes the TN result: a problem here only
     * means the name and reason are not shown.
     *
     * @param verified whether the name and call reason may be shown: the PASSporT carrying them verified,
     *     the claims are well formed, and every {@code rcdi} digest matched the referenced content
     * @param name the {@code rcd.nam} of the chosen PASSporT (shown only when verified), or null
     * @param callReason the {@code crn} claim, or null
     * @param header the Identity header the RCD was taken from, or -1
     * @param problem why it is not verified (e.g. {@code rcdi_mismatch}), or null
     * @param claimedNames every {@code rcd.nam} any of the call's PASSporTs carried, verified or not (policy
     *     name pinning), at most a few
     * @param integrity each {@code rcdi} entry and its result
     */
    public record RichCallData(boolean verified, String name, String callReason, int header, String problem,
            List<String> claimedNames, List<RcdIntegrity> integrity) {
        public RichCallData {
            claimedNames = claimedNames == null ? List.of() : List.copyOf(claimedNames);
            integrity = integrity == null ? List.of() : List.copyOf(integrity);
        }
    }

    /**
     * One {@code rcdi} entry (RFC 9795).
     *
     * @param pointer the JSON pointer (RFC 6901) into the {@code rcd} claim
     * @param url the URL of the content digested, or null when the digest covers a JSON value of the claim
     * @param result {@code match}, {@code mismatch}, {@code unavailable} or {@code unsupported}
     */
    public record RcdIntegrity(String pointer, String url, String result) {
    }
}
