package org.stirshield.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fields of one audit record that the report uses, read back from a JSON line (see {@link AuditRecord}).
 * Unknown fields are ignored and absent ones read as null (lists as empty), so older and newer records both
 * read. The repeated-header lists ({@code pai}, {@code identity}, {@code history_info}, {@code diversion}) are
 * only read when asked for ({@link #parse(String, boolean)}): the aggregating reports skip them.
 *
 * @param caller the canonical caller TN, or the raw one when the record has none
 * @param called the canonical called TN, or the raw one when the record has none
 * @param identity the Identity header values as recorded, or null when the record has none (not recorded,
 *     or the lists were not read)
 */
record AuditEntry(
        Instant ts, String uniqueId, String channel, String trunk, String sipCallId, String source, String from,
        List<String> pai, String callerRaw, String caller, String calledRaw, String called, String agency,
        String entry, String policy, String status, String action, String reason, Integer sipCode, String verify,
        String verstat, String attest, String origid, String x5u, String spc, String certFp, Long iat,
        String passport, int replayCount, List<String> historyInfo, List<String> diversion, int identityCount,
        List<String> identity) {

    private static final JsonFactory JSON = new JsonFactory();
    /** The list-valued fields read with {@code lists}. */
    private static final List<String> LISTS = List.of("pai", "identity", "history_info", "diversion");

    /** Why a line is not an audit record (for the report's error message), or null when it is one. */
    static String whyNot(String line) {
        Parsed p = read(line, false);
        return p.why;
    }

    /** The record on one line of JSON without its header lists, or null when the line is not an audit record. */
    static AuditEntry parse(String line) {
        return parse(line, false);
    }

    /**
     * The record on one line of JSON, or null when the line is not an audit record (not one whole JSON object,
     * or no valid {@code ts}). Streams over the line: only the fields used are kept.
     *
     * @param lists whether to read the repeated-header lists (traceback evidence)
     */
    static AuditEntry parse(String line, boolean lists) {
        return read(line, lists).entry;
    }

    private record Parsed(AuditEntry entry, String why) {
    }

    private static Parsed read(String line, boolean lists) {
        Map<String, String> f = new HashMap<>(64);
        Map<String, List<String>> l = lists ? new HashMap<>(8) : Map.of();
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return new Parsed(null, "not a JSON object");
            }
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                if (t != JsonToken.FIELD_NAME) {
                    return new Parsed(null, "not a JSON object");
                }
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (v == null) {
                    return new Parsed(null, "JSON object cut short");
                }
                if (v == JsonToken.START_ARRAY && lists && LISTS.contains(name)) {
                    l.put(name, strings(p));
                } else if (v.isStructStart()) {
                    p.skipChildren(); // headers, or lists not asked for (still checked for syntax)
                } else if (v != JsonToken.VALUE_NULL) {
                    f.put(name, p.getText());
                }
            }
            if (p.nextToken() != null) {
                return new Parsed(null, "something follows the JSON object");
            }
        } catch (IOException e) {
            return new Parsed(null, "not JSON"); // Jackson's parse errors are IOExceptions
        }
        String t = f.get("ts");
        if (t == null) {
            return new Parsed(null, "a JSON object without \"ts\"");
        }
        Instant ts;
        try {
            ts = Instant.parse(t);
        } catch (DateTimeParseException e) {
            return new Parsed(null, "\"ts\" is not an ISO-8601 time");
        }
        String callerRaw = f.get("caller_raw");
        String calledRaw = f.get("called_raw");
        String caller = f.get("caller");
        String called = f.get("called");
        return new Parsed(new AuditEntry(ts, f.get("unique_id"), f.get("channel"), f.get("trunk"), f.get("sip_call_id"),
                f.get("source"), f.get("from"), l.getOrDefault("pai", List.of()), callerRaw,
                caller != null ? caller : callerRaw, calledRaw, called != null ? called : calledRaw, f.get("agency"),
                f.get("protected_entry"), f.get("policy"), f.get("status"), f.get("action"), f.get("reason"),
                integer(f.get("sip_code")), f.get("verify"), f.get("verstat"), f.get("attest"), f.get("origid"),
                f.get("x5u"), f.get("spc"), f.get("cert_fp"), longValue(f.get("iat")), f.get("passport"),
                Math.max(0, orZero(integer(f.get("replay_count")))), l.getOrDefault("history_info", List.of()),
                l.getOrDefault("diversion", List.of()), Math.max(0, orZero(integer(f.get("identity_count")))),
                l.get("identity")), null);
    }

    /** The strings of an array (other values skipped), at most {@link AuditRecord#MAX_VALUES}. */
    private static List<String> strings(JsonParser p) throws IOException {
        List<String> out = new ArrayList<>(2);
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t == null) {
                throw new IOException("array cut short");
            }
            if (t.isStructStart()) {
                p.skipChildren();
            } else if (t == JsonToken.VALUE_STRING && out.size() < AuditRecord.MAX_VALUES) {
                out.add(p.getText());
            }
        }
        return out;
    }

    private static Integer integer(String s) {
        Long l = longValue(s);
        return l == null || l > Integer.MAX_VALUE || l < Integer.MIN_VALUE ? null : l.intValue();
    }

    private static Long longValue(String s) {
        if (s == null) {
            return null;
        }
        try {
            return Long.valueOf(s.trim());
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

    /** A failed or rejected call that claimed a protected number: a spoofing attempt, one traceback row. */
    boolean spoofed() {
        return isProtected() && failed();
    }
}
