package org.stirshield.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.stirshield.policy.Decision;
import org.stirshield.policy.ProtectedMatch;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.SipRequest;
import org.stirshield.verify.Verdict;

/**
 * One audit record: a single JSON line per call decision, fields always in the same order, absent values
 * written as JSON {@code null} (so every line has every key; docs/audit.md documents each field). The record
 * carries the traceback evidence of the SIP request ({@code sip_call_id}, {@code source}, {@code from},
 * {@code pai}, the raw {@code identity} headers unless {@link AuditEvidence#identityHeaders()} is off).
 * Strings from the call are hostile: Jackson escapes them, each is cut to {@link #MAX_STRING} chars, lists to
 * {@link #MAX_VALUES} values, and the Identity headers together to {@link AuditEvidence#maxIdentityBytes()}.
 */
final class AuditRecord {
    /** Longest string value written; longer ones are cut and end with {@code …}. */
    static final int MAX_STRING = 1024;
    /** Longest per-header detail written. */
    static final int MAX_DETAIL = 200;
    /** At most this many per-header outcomes are written (a call may carry many Identity headers). */
    static final int MAX_HEADERS = 16;
    /** At most this many values of a repeated SIP header (P-Asserted-Identity, History-Info, Diversion, Identity). */
    static final int MAX_VALUES = 8;

    /** The field names in the order written; the report and docs/audit.md rely on it. */
    static final String[] FIELDS = {
        "ts", "unique_id", "channel", "trunk", "sip_call_id", "source", "from", "pai", "caller_raw", "caller",
        "called_raw", "called", "protected_entry", "agency", "policy", "status", "action", "reason", "sip_code",
        "verify", "verify_reason", "verstat", "attest", "origid", "x5u", "spc", "cert_fp", "iat", "iat_age_s",
        "tn_authorized", "passport", "replay_count", "caller_name", "verify_us", "policy_us", "total_us",
        "history_info", "diversion", "identity_count", "identity", "headers", "div", "rcd"
    };

    private static final JsonFactory JSON = new JsonFactory();
    private static final DateTimeFormatter TS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);

    private AuditRecord() {
    }

    /** The record with the default evidence settings, as one line of JSON without the line terminator. */
    static String format(Decision d, StageTimings timings, Instant at) {
        return format(d, timings, at, AuditEvidence.DEFAULT);
    }

    /** The record as one line of JSON, without the line terminator. */
    static String format(Decision d, StageTimings timings, Instant at, AuditEvidence evidence) {
        StringWriter out = new StringWriter(1024);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            write(g, d, timings == null ? StageTimings.NONE : timings, at,
                    evidence == null ? AuditEvidence.DEFAULT : evidence);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, Decision d, StageTimings t, Instant at, AuditEvidence evidence)
            throws IOException {
        CallAttempt call = d.call();
        SipRequest sip = call == null ? SipRequest.NONE : call.sip();
        Verdict v = d.verdict();
        ProtectedMatch m = d.match();
        g.writeStartObject();
        str(g, "ts", at == null ? null : TS.format(at.truncatedTo(ChronoUnit.MILLIS)));
        str(g, "unique_id", call == null ? null : call.callId());
        str(g, "channel", call == null ? null : call.channel());
        str(g, "trunk", call == null ? null : call.trunk());
        str(g, "sip_call_id", sip.callId());
        str(g, "source", sip.source());
        str(g, "from", sip.from());
        strings(g, "pai", sip.assertedIdentities());
        str(g, "caller_raw", call == null ? null : call.callerTn());
        str(g, "caller", v == null ? null : v.callerTn());
        str(g, "called_raw", call == null ? null : call.calledTn());
        str(g, "called", v == null ? null : v.calledTn());
        str(g, "protected_entry", m == null ? null : m.entry());
        str(g, "agency", m == null ? null : m.agency());
        str(g, "policy", m == null ? null : m.policy());
        str(g, "status", d.status());
        str(g, "action", d.action() == null ? null : d.action().token());
        str(g, "reason", d.reason());
        num(g, "sip_code", d.sipCode() == null ? null : d.sipCode().longValue());
        str(g, "verify", v == null || v.status() == null ? null : v.status().name());
        str(g, "verify_reason", v == null || v.reason() == null ? null : v.reason().code());
        str(g, "verstat", v == null || v.status() == null ? null : v.verstat());
        str(g, "attest", v == null ? null : v.attest());
        str(g, "origid", v == null ? null : v.origid());
        str(g, "x5u", v == null ? null : v.x5u());
        str(g, "spc", v == null ? null : v.spc());
        str(g, "cert_fp", v == null ? null : v.certFingerprint());
        Long iat = v == null ? null : v.iat();
        num(g, "iat", iat);
        num(g, "iat_age_s", iat == null || at == null ? null : at.getEpochSecond() - iat);
        g.writeFieldName("tn_authorized");
        if (v == null || v.tnAuthorized() == null) {
            g.writeNull();
        } else {
            g.writeBoolean(v.tnAuthorized());
        }
        str(g, "passport", v == null ? null : v.passportDigest());
        g.writeNumberField("replay_count", d.replayCount());
        str(g, "caller_name", d.callerName());
        g.writeNumberField("verify_us", t.verifyMicros());
        g.writeNumberField("policy_us", t.policyMicros());
        g.writeNumberField("total_us", t.totalMicros());
        strings(g, "history_info", sip.historyInfo());
        strings(g, "diversion", sip.diversion());
        List<String> identity = call == null ? List.of() : call.identityHeaders();
        g.writeNumberField("identity_count", identity.size());
        g.writeFieldName("identity");
        if (evidence.identityHeaders()) {
            identity(g, identity, evidence.maxIdentityBytes());
        } else {
            g.writeNull(); // not recorded (audit.evidence.identity_headers: false)
        }
        g.writeArrayFieldStart("headers");
        if (v != null) {
            int n = 0;
            for (Verdict.HeaderResult h : v.headers()) {
                if (n++ == MAX_HEADERS) {
                    break;
                }
                // compact: only what is known for this header
                g.writeStartObject();
                g.writeNumberField("i", h.index());
                if (h.ppt() != null) {
                    g.writeStringField("ppt", cut(h.ppt(), 32));
                }
                g.writeStringField("result", h.reason() == null ? "pass" : h.reason().code());
                if (h.attest() != null) {
                    g.writeStringField("attest", cut(h.attest(), 8));
                }
                if (h.x5u() != null) {
                    g.writeStringField("x5u", cut(h.x5u(), MAX_STRING));
                }
                if (h.detail() != null) {
                    g.writeStringField("detail", cut(h.detail(), MAX_DETAIL));
                }
                g.writeEndObject();
            }
        }
        g.writeEndArray();
        writeDiversion(g, v == null ? null : v.diversion());
        writeRichCallData(g, v == null ? null : v.rcd());
        g.writeEndObject();
    }

    // ---- forwarded calls (RFC 8946) and Rich Call Data (RFC 9795): compact, only what is known

    /**
     * {@code div}: null, or {@code {"chained":…,"orig_dest":…,"hops":[{"i","from","to","spc","result"}],
     * "sip":[…],"sip_header":…,"reason":…,"shaken_passport":…}} (absent values omitted).
     */
    private static void writeDiversion(JsonGenerator g, Verdict.Diversion d) throws IOException {
        g.writeFieldName("div");
        if (d == null) {
            g.writeNull();
            return;
        }
        g.writeStartObject();
        g.writeBooleanField("chained", d.chained());
        opt(g, "orig_dest", d.originalDest(), 32);
        g.writeArrayFieldStart("hops");
        int n = 0;
        for (Verdict.DivHop h : d.hops()) {
            if (n++ == MAX_HEADERS) {
                break;
            }
            g.writeStartObject();
            g.writeNumberField("i", h.index());
            opt(g, "from", h.from(), 32);
            g.writeArrayFieldStart("to");
            for (int i = 0; i < h.to().size() && i < 4; i++) {
                g.writeString(cut(h.to().get(i), 32));
            }
            g.writeEndArray();
            opt(g, "spc", h.spc(), 64);
            g.writeStringField("result", h.reason() == null ? "pass" : h.reason().code());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("sip");
        for (int i = 0; i < d.sipDiverting().size() && i < MAX_HEADERS; i++) {
            g.writeString(cut(d.sipDiverting().get(i), 32));
        }
        g.writeEndArray();
        opt(g, "sip_header", d.sipHeader(), 32);
        opt(g, "reason", d.reason() == null ? null : d.reason().code(), 64);
        opt(g, "shaken_passport", d.shakenDigest(), 64);
        g.writeEndObject();
    }

    /**
     * {@code rcd}: null, or {@code {"verified":…,"name":…,"crn":…,"header":…,"problem":…,"claimed":[…],
     * "rcdi":[{"p","url","result"}]}} (absent values omitted).
     */
    private static void writeRichCallData(JsonGenerator g, Verdict.RichCallData r) throws IOException {
        g.writeFieldName("rcd");
        if (r == null) {
            g.writeNull();
            return;
        }
        g.writeStartObject();
        g.writeBooleanField("verified", r.verified());
        opt(g, "name", r.name(), 256);
        opt(g, "crn", r.callReason(), 256);
        if (r.header() >= 0) {
            g.writeNumberField("header", r.header());
        }
        opt(g, "problem", r.problem(), 64);
        g.writeArrayFieldStart("claimed");
        for (String name : r.claimedNames()) {
            g.writeString(cut(name, 256));
        }
        g.writeEndArray();
        g.writeArrayFieldStart("rcdi");
        for (int i = 0; i < r.integrity().size() && i < MAX_HEADERS; i++) {
            Verdict.RcdIntegrity e = r.integrity().get(i);
            g.writeStartObject();
            g.writeStringField("p", cut(e.pointer(), 256));
            opt(g, "url", e.url(), MAX_STRING);
            g.writeStringField("result", e.result());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void opt(JsonGenerator g, String name, String value, int max) throws IOException {
        if (value != null) {
            g.writeStringField(name, cut(value, max));
        }
    }

    private static void str(JsonGenerator g, String name, String value) throws IOException {
        g.writeFieldName(name);
        if (value == null) {
            g.writeNull();
        } else {
            g.writeString(cut(value, MAX_STRING));
        }
    }

    /** A list of header values: at most {@link #MAX_VALUES}, each cut to {@link #MAX_STRING}. */
    private static void strings(JsonGenerator g, String name, List<String> values) throws IOException {
        g.writeArrayFieldStart(name);
        int n = 0;
        for (String v : values) {
            if (v == null) {
                continue;
            }
            if (n++ == MAX_VALUES) {
                break;
            }
            g.writeString(cut(v, MAX_STRING));
        }
        g.writeEndArray();
    }

    /**
     * The Identity header values as received, in order, together at most {@code budget} UTF-8 bytes: a value
     * that does not fit is cut (ending with {@code …}) and later ones are left out.
     */
    private static void identity(JsonGenerator g, List<String> headers, int budget) throws IOException {
        g.writeStartArray();
        int left = budget;
        int n = 0;
        for (String h : headers) {
            if (h == null) {
                continue;
            }
            if (n++ == MAX_VALUES || left <= 0) {
                break;
            }
            String v = cutUtf8(h, left);
            left -= utf8Length(v);
            g.writeString(v);
        }
        g.writeEndArray();
    }

    /** {@code s} itself when its UTF-8 form fits in {@code maxBytes}, else a prefix ending with {@code …} that does. */
    static String cutUtf8(String s, int maxBytes) {
        if (utf8Length(s) <= maxBytes) {
            return s;
        }
        int budget = maxBytes - 3; // the ellipsis is 3 bytes
        int bytes = 0;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + len > budget) {
                break;
            }
            bytes += len;
            i += Character.charCount(cp);
        }
        return s.substring(0, i) + "…";
    }

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    private static void num(JsonGenerator g, String name, Long value) throws IOException {
        g.writeFieldName(name);
        if (value == null) {
            g.writeNull();
        } else {
            g.writeNumber(value);
        }
    }

    static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
