package org.stirshield.policy;

import java.util.Set;

/**
 * One named policy of the policy file ({@code policies: NAME: ...}), or the rule for unprotected numbers.
 *
 * @param name the policy name
 * @param minAttest the lowest attestation accepted: {@code A}, {@code B} or {@code C}
 * @param allowedSpcs SPCs (uppercase) allowed to sign for the numbers; empty = any
 * @param allowedFingerprints SHA-256 leaf fingerprints (64 lowercase hex) allowed to sign; empty = any.
 *     When both sets are non-empty a signer matching either is allowed.
 * @param inboundOnly the numbers never call out: every call presenting one is rejected
 * @param denyTrunks inbound trunks/contexts that may never present these numbers
 * @param allowTrunks when non-empty, the only trunks/contexts that may present them
 * @param onFailure what to do when verification fails (or a signer, attestation or replay rule fails)
 * @param onMissingIdentity what to do when the call has no (supported) Identity header
 * @param onInfrastructureError what to do when verification failed for an infrastructure reason
 *     ({@link org.stirshield.verify.Reason#infrastructure()}: cert server down, deadline hit)
 * @param tag the text put in front of the caller name when the action is {@link Action#TAG}
 * @param verifiedName whether a verified call gets the agency name as its caller name
 * @param onForwarded what to do with a forwarded call presenting these numbers (verified through div
 *     PASSporTs, RFC 8946, or showing History-Info / Diversion): {@code allow} (default) lets the other
 *     rules decide; {@code tag} or {@code reject} applies whenever it is stricter than they are
 */
public record PolicyRule(
        String name,
        String minAttest,
        Set<String> allowedSpcs,
        Set<String> allowedFingerprints,
        boolean inboundOnly,
        Set<String> denyTrunks,
        Set<String> allowTrunks,
        Action onFailure,
        Action onMissingIdentity,
        Action onInfrastructureError,
        String tag,
        boolean verifiedName,
        Action onForwarded) {

    public static final String DEFAULT_TAG = "[UNVERIFIED] ";

    public PolicyRule {
        allowedSpcs = Set.copyOf(allowedSpcs);
        allowedFingerprints = Set.copyOf(allowedFingerprints);
        denyTrunks = Set.copyOf(denyTrunks);
        allowTrunks = Set.copyOf(allowTrunks);
    }

    /** The built-in rule for unprotected numbers: verify when signed, report, allow everything. */
    public static PolicyRule unprotectedDefault() {
        return new PolicyRule("unprotected", "C", Set.of(), Set.of(), false, Set.of(), Set.of(),
                Action.ALLOW, Action.ALLOW, Action.ALLOW, DEFAULT_TAG, false, Action.ALLOW);
    }

    /** Whether the signer (SPC from the certificate, leaf fingerprint) may sign for these numbers. */
    boolean signerAllowed(String spc, String fingerprint) {
        if (allowedSpcs.isEmpty() && allowedFingerprints.isEmpty()) {
            return true;
        }
        if (spc != null && allowedSpcs.contains(spc.trim().toUpperCase(java.util.Locale.ROOT))) {
            return true;
        }
        return fingerprint != null
                && allowedFingerprints.contains(fingerprint.replace(":", "").strip().toLowerCase(java.util.Locale.ROOT));
    }

    /** Whether a call arriving on {@code trunk} (null = unknown) may present these numbers. */
    boolean originAllowed(String trunk) {
        if (trunk != null && denyTrunks.contains(trunk)) {
            return false;
        }
        return allowTrunks.isEmpty() || (trunk != null && allowTrunks.contains(trunk));
    }

    /** Whether {@code attest} (A best, C worst) is at least {@link #minAttest()}. */
    boolean attestAtLeastMinimum(String attest) {
        return attest != null && attest.length() == 1 && "ABC".contains(attest)
                && attest.compareTo(minAttest) <= 0;
    }
}
