package org.stirshield.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
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

    private static final JsonFactory JSON = new JsonFactory();

    /**
     * The record on one line of JSON, or null when the line is not an audit record (not one whole JSON object,
     * or no valid {@code ts}). Streams over the line: only the fields used are kept.
     */
    static AuditEntry parse(String line) {
        java.util.Map<String, String> f = new java.util.HashMap<>(48);
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                if (t != JsonToken.FIELD_NAME) {
                    return null;
                }
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (v == null) {
                    return null;
                }
                if (v.isStructStart()) {
                    p.skipChildren(); // headers: not used by the report (still checked for syntax)
                } else if (v != JsonToken.VALUE_NULL) {
                    f.put(name, p.getText());
                }
            }
            if (p.nextToken() != null) {
                return null; // something after the object
            }
        } catch (IOException e) {
            return null; // Jackson's parse errors are IOExceptions
        }
        Instant ts;
        try {
            String t = f.get("ts");
            if (t == null) {
                return null;
            }
            ts = Instant.parse(t);
        } catch (DateTimeParseException e) {
            return null;
        }
        String caller = f.get("caller");
        String called = f.get("called");
        return new AuditEntry(ts, f.get("unique_id"), f.get("trunk"),
                caller != null ? caller : f.get("caller_raw"), called != null ? called : f.get("called_raw"),
                f.get("agency"), f.get("protected_entry"), f.get("status"), f.get("action"), f.get("reason"),
                integer(f.get("sip_code")), f.get("verify"), f.get("attest"), f.get("origid"), f.get("x5u"),
                f.get("spc"), f.get("cert_fp"), f.get("passport"), Math.max(0, orZero(integer(f.get("replay_count")))));
    }

    private static Integer integer(String s) {
        if (s == null) {
            return null;
        }
        try {
            return Integer.valueOf(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static int orZero(Integer i) {
        return i == null ? 0 : i;
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
