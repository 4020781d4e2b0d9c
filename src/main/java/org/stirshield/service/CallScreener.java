package org.stirshield.service;

import org.stirshield.cert.Deadline;
import org.stirshield.policy.Decision;
import org.stirshield.verify.CallAttempt;

/**
 * The whole decision for one call: verify, detect replay, apply policy, write the audit record.
 * Never throws: an internal failure becomes a decision with reason {@code internal_error}.
 */
public interface CallScreener {
    Decision screen(CallAttempt call, Deadline deadline);
}
