package org.stirshield.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The fields of one audit record that the report uses, read back from a JSON line (see {@link AuditRecord}).
 * Unknown fields are ignored and absent ones read as null, so older and newer records both read.
 */
record AuditEntry(
        Instant ts, String uniqueId, String trunk, String caller, String called, String agency, String entry,
        String status, String action, String reason, Integer sipCode, String verify, String attest, String origid,
        String x5u, String spc, String certFp, String passport, int replayCount) {

    /** The record of a JSON object, or null when it is not an audit record (no valid {@code ts}). */
    static AuditEntry of(JsonNode n) {
        if (n == null || !n.isObject()) {
            return null;
        }
        Instant ts;
        try {
            String t = text(n, "ts");
            if (t == null) {
                return null;
            }
            ts = Instant.parse(t);
        } catch (DateTimeParseException e) {
            return null;
        }
        JsonNode sip = n.get("sip_code");
        JsonNode replay = n.get("replay_count");
        String caller = text(n, "caller");
        String called = text(n, "called");
        return new AuditEntry(ts, text(n, "unique_id"), text(n, "trunk"),
                caller != null ? caller : text(n, "caller_raw"), called != null ? called : text(n, "called_raw"),
                text(n, "agency"), text(n, "protected_entry"), text(n, "status"), text(n, "action"), text(n, "reason"),
                sip != null && sip.canConvertToInt() ? sip.intValue() : null, text(n, "verify"), text(n, "attest"),
                text(n, "origid"), text(n, "x5u"), text(n, "spc"), text(n, "cert_fp"), text(n, "passport"),
                replay != null && replay.canConvertToInt() ? Math.max(0, replay.intValue()) : 0);
    }

    private static String text(JsonNode n, String name) {
        JsonNode v = n.get(name);
        return v == null || v.isNull() || v.isContainerNode() ? null : v.asText();
    }

    /** The caller claimed a protected number. */
    boolean isProtected() {
        return agency != null || entry != null;
    }

    /**
     * A failed call: verification failed (verdict or decision status FAIL) or the call was rejected. These are
     * the calls an analyst traces back.
     */
    boolean failed() {
        return "FAIL".equals(status) || "FAIL".equals(verify) || "reject".equals(action);
    }
}
