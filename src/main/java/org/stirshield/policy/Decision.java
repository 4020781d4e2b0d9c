package org.stirshield.policy;

import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Verdict;

/**
 * What StirShield decided for one call: the verification verdict with the operator's policy applied.
 * The agi adapter turns it into channel variables; the audit log records it.
 *
 * @param call the call as received
 * @param verdict the verification verdict
 * @param match the protected entry the caller TN matched, or null when it is not protected
 * @param status STIR_STATUS: PASS, FAIL, NO_IDENTITY, or NOT_PROTECTED
 * @param action STIR_ACTION
 * @param reason STIR_REASON: {@code verified} on a pass, else the verdict's reason code or a policy
 *     reason (e.g. {@code inbound_only}, {@code signer_not_allowed}, {@code attest_below_minimum},
 *     {@code origin_not_allowed})
 * @param sipCode STIR_SIP_CODE: the SIP status to reject with (or to report in a Reason header), null
 *     when there is none
 * @param callerName the caller name the dialplan sets (tag prefix, or the agency's verified name), or
 *     null to leave CALLERID(name) alone
 * @param replayCount how many other calls carried the same signed PASSporT content within its freshness
 *     window (0 = not a replay)
 */
public record Decision(
        CallAttempt call,
        Verdict verdict,
        ProtectedMatch match,
        String status,
        Action action,
        String reason,
        Integer sipCode,
        String callerName,
        int replayCount) {

    public static final String NOT_PROTECTED = "NOT_PROTECTED";

    public boolean isProtected() {
        return match != null;
    }

    /**
     * STIR_RCD_NAME: the Rich Call Data display name (RFC 9795) when the call passed (reason
     * {@code verified}) and its RCD verified (RCD-01), else null. A name the policy found spoofed
     * ({@code name_spoofed}) is never shown.
     */
    public String rcdName() {
        return Policy.VERIFIED.equals(reason) && verdict != null ? verdict.rcdName() : null;
    }

    /** STIR_RCD_REASON: the verified call reason ({@code crn}, RFC 9795), on the same terms as {@link #rcdName()}. */
    public String rcdReason() {
        return Policy.VERIFIED.equals(reason) && verdict != null && verdict.rcd() != null && verdict.rcd().verified()
                ? verdict.rcd().callReason() : null;
    }
}
