package org.stirshield.audit;

import com.fasterxml.jackson.databind.JsonNode;
import org.stirshield.config.ConfigValues;

/**
 * The {@code audit.evidence:} section of {@code stirshield.yaml}: how much of the received SIP request the
 * audit record keeps as traceback evidence. SIP Call-ID, source address, From and P-Asserted-Identity are
 * always recorded (each bounded, see {@link AuditRecord}); the raw Identity headers can be turned off for
 * operators who must not keep them.
 *
 * <pre>
 * audit:
 *   evidence:
 *     identity_headers: true     # write the received Identity header values verbatim (field "identity")
 *     max_identity_bytes: 16KiB  # at most this many bytes of them per record; a longer value is cut and
 *                                # ends with "…" (identity_count still says how many were received)
 * </pre>
 *
 * @param identityHeaders whether the raw Identity header values are written
 * @param maxIdentityBytes the most UTF-8 bytes of Identity header values written per record
 */
public record AuditEvidence(boolean identityHeaders, int maxIdentityBytes) {
    public static final int DEFAULT_MAX_IDENTITY_BYTES = 16 * 1024;
    /** Headers and the other evidence on by default. */
    public static final AuditEvidence DEFAULT = new AuditEvidence(true, DEFAULT_MAX_IDENTITY_BYTES);

    public AuditEvidence {
        if (maxIdentityBytes < 256 || maxIdentityBytes > 1024 * 1024) {
            throw new IllegalArgumentException("audit.evidence.max_identity_bytes: 256..1MiB: " + maxIdentityBytes);
        }
    }

    /** From the {@code evidence:} section under {@code audit:} (missing: the defaults). */
    public static AuditEvidence from(JsonNode evidence) {
        boolean headers = ConfigValues.bool(evidence, "identity_headers", true);
        long max = ConfigValues.bytes(evidence, "max_identity_bytes", DEFAULT_MAX_IDENTITY_BYTES);
        if (max > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("audit.evidence.max_identity_bytes: 256..1MiB: " + max);
        }
        return new AuditEvidence(headers, (int) max);
    }
}
