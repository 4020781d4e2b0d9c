package org.stirshield.policy;

import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.Verdict;

/**
 * The operator's policy applied to a verification verdict. Implementations are immutable
 * ({@link Policy}) or hold the current immutable policy ({@link ReloadingPolicy}); all are thread-safe.
 */
public interface PolicyEngine {

    /**
     * Decides one call. {@link Decision#callerName()} is null (leave CALLERID(name) alone), the agency's
     * verified name, or for {@link Action#TAG} the tag followed by {@code originalName}; without an
     * {@code originalName} it is the tag alone, a prefix (it ends in a space) for the adapter to put in
     * front of the presented name. {@code originalName} is the caller name as received (Asterisk's
     * {@code agi_calleridname}; null, blank or {@code unknown} when there is none).
     *
     * @param call the call as received
     * @param verdict the verifier's verdict for it (not null); its {@code callerTn()} is the TN that is matched
     * @param replayCount how many other calls carried the same signed PASSporT content (0 = no replay)
     * @param originalName the caller name as received, or null
     */
    Decision decide(CallAttempt call, Verdict verdict, int replayCount, String originalName);

    /** {@link #decide(CallAttempt, Verdict, int, String)} without a received caller name. */
    default Decision decide(CallAttempt call, Verdict verdict, int replayCount) {
        return decide(call, verdict, replayCount, null);
    }

    /** The protected entry a canonical TN (digits, no {@code +}) matches by longest prefix, or null. */
    ProtectedMatch lookup(String canonicalTn);
}
