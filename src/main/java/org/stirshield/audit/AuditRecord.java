package org.stirshield.audit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
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
 * Strings from the call are hostile: they are escaped ({@link JsonLines}), each is cut to {@link #MAX_STRING}
 * chars, lists to {@link #MAX_VALUES} values, and the Identity headers together to
 * {@link AuditEvidence#maxIdentityBytes()}. Written straight into the writer's batch buffer as UTF-8, byte for
 * byte what the Jackson generator of release 1 wrote ({@code AuditRecordGoldenTest}).
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


    private AuditRecord() {
    }

    /** The record with the default evidence settings, as one line of JSON without the line terminator. */
    static String format(Decision d, StageTimings timings, Instant at) {
        return format(d, timings, at, AuditEvidence.DEFAULT);
    }

    /** The record as one line of JSON, without the line terminator. */
    static String format(Decision d, StageTimings timings, Instant at, AuditEvidence evidence) {
        JsonLines out = new JsonLines(2048);
        write(out, d, timings, at, evidence);
        return new String(out.bytes(), 0, out.end(0) - 1, StandardCharsets.UTF_8);
    }

    /**
     * Appends the record to {@code out} as one line (with its {@code '\n'}). If formatting fails (a bug), nothing
     * of it stays in {@code out} and the exception is thrown.
     */
    static void write(JsonLines out, Decision d, StageTimings timings, Instant at, AuditEvidence evidence) {
        try {
            fields(out, d, timings == null ? StageTimings.NONE : timings, at,
                    evidence == null ? AuditEvidence.DEFAULT : evidence);
            out.endLine();
        } catch (RuntimeException | Error e) {
            out.abortLine();
            throw e;
        }
    }

    private static void fields(JsonLines g, Decision d, StageTimings t, Instant at, AuditEvidence evidence) {
        CallAttempt call = d.call();
        SipRequest sip = call == null ? SipRequest.NONE : call.sip();
        Verdict v = d.verdict();
        ProtectedMatch m = d.match();
        g.startObject();
        g.name("ts");
        if (at == null) {
            g.nul();
        } else {
            AuditTimestamp.write(g, at);
        }
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
        g.name("sip_code");
        if (d.sipCode() == null) {
            g.nul();
        } else {
            g.number(d.sipCode());
        }
        str(g, "verify", v == null || v.status() == null ? null : v.status().name());
        str(g, "verify_reason", v == null || v.reason() == null ? null : v.reason().code());
        str(g, "verstat", v == null || v.status() == null ? null : v.verstat());
        str(g, "attest", v == null ? null : v.attest());
        str(g, "origid", v == null ? null : v.origid());
        str(g, "x5u", v == null ? null : v.x5u());
        str(g, "spc", v == null ? null : v.spc());
        str(g, "cert_fp", v == null ? null : v.certFingerprint());
        Long iat = v == null ? null : v.iat();
        g.name("iat");
        if (iat == null) {
            g.nul();
        } else {
            g.number(iat);
        }
        g.name("iat_age_s");
        if (iat == null || at == null) {
            g.nul();
        } else {
            g.number(at.getEpochSecond() - iat);
        }
        g.name("tn_authorized");
        if (v == null || v.tnAuthorized() == null) {
            g.nul();
        } else {
            g.bool(v.tnAuthorized());
        }
        str(g, "passport", v == null ? null : v.passportDigest());
        g.name("replay_count");
        g.number(d.replayCount());
        str(g, "caller_name", d.callerName());
        g.name("verify_us");
        g.number(t.verifyMicros());
        g.name("policy_us");
        g.number(t.policyMicros());
        g.name("total_us");
        g.number(t.totalMicros());
        strings(g, "history_info", sip.historyInfo());
        strings(g, "diversion", sip.diversion());
        List<String> identity = call == null ? List.of() : call.identityHeaders();
        g.name("identity_count");
        g.number(identity.size());
        g.name("identity");
        if (evidence.identityHeaders()) {
            identity(g, identity, evidence.maxIdentityBytes());
        } else {
            g.nul(); // not recorded (audit.evidence.identity_headers: false)
        }
        g.name("headers");
        g.startArray();
        if (v != null) {
            int n = 0;
            for (Verdict.HeaderResult h : v.headers()) {
                if (n++ == MAX_HEADERS) {
                    break;
                }
                // compact: only what is known for this header
                g.startObject();
                g.name("i");
                g.number(h.index());
                opt(g, "ppt", h.ppt(), 32);
                g.name("result");
                g.string(h.reason() == null ? "pass" : h.reason().code());
                opt(g, "attest", h.attest(), 8);
                opt(g, "x5u", h.x5u(), MAX_STRING);
                opt(g, "detail", h.detail(), MAX_DETAIL);
                g.endObject();
            }
        }
        g.endArray();
        writeDiversion(g, v == null ? null : v.diversion());
        writeRichCallData(g, v == null ? null : v.rcd());
        g.endObject();
    }

    // ---- forwarded calls (RFC 8946) and Rich Call Data (RFC 9795): compact, only what is known

    /**
     * {@code div}: null, or {@code {"chained":…,"orig_dest":…,"hops":[{"i","from","to","spc","result"}],
     * "sip":[…],"sip_header":…,"reason":…,"shaken_passport":…}} (absent values omitted).
     */
    private static void writeDiversion(JsonLines g, Verdict.Diversion d) {
        g.name("div");
        if (d == null) {
            g.nul();
            return;
        }
        g.startObject();
        g.name("chained");
        g.bool(d.chained());
        opt(g, "orig_dest", d.originalDest(), 32);
        g.name("hops");
        g.startArray();
        int n = 0;
        for (Verdict.DivHop h : d.hops()) {
            if (n++ == MAX_HEADERS) {
                break;
            }
            g.startObject();
            g.name("i");
            g.number(h.index());
            opt(g, "from", h.from(), 32);
            g.name("to");
            g.startArray();
            for (int i = 0; i < h.to().size() && i < 4; i++) {
                g.string(h.to().get(i), 32);
            }
            g.endArray();
            opt(g, "spc", h.spc(), 64);
            g.name("result");
            g.string(h.reason() == null ? "pass" : h.reason().code());
            g.endObject();
        }
        g.endArray();
        g.name("sip");
        g.startArray();
        for (int i = 0; i < d.sipDiverting().size() && i < MAX_HEADERS; i++) {
            g.string(d.sipDiverting().get(i), 32);
        }
        g.endArray();
        opt(g, "sip_header", d.sipHeader(), 32);
        opt(g, "reason", d.reason() == null ? null : d.reason().code(), 64);
        opt(g, "shaken_passport", d.shakenDigest(), 64);
        g.endObject();
    }

    /**
     * {@code rcd}: null, or {@code {"verified":…,"name":…,"crn":…,"header":…,"problem":…,"claimed":[…],
     * "rcdi":[{"p","url","result"}]}} (absent values omitted).
     */
    private static void writeRichCallData(JsonLines g, Verdict.RichCallData r) {
        g.name("rcd");
        if (r == null) {
            g.nul();
            return;
        }
        g.startObject();
        g.name("verified");
        g.bool(r.verified());
        opt(g, "name", r.name(), 256);
        opt(g, "crn", r.callReason(), 256);
        if (r.header() >= 0) {
            g.name("header");
            g.number(r.header());
        }
        opt(g, "problem", r.problem(), 64);
        g.name("claimed");
        g.startArray();
        for (String name : r.claimedNames()) {
            g.string(name, 256);
        }
        g.endArray();
        g.name("rcdi");
        g.startArray();
        for (int i = 0; i < r.integrity().size() && i < MAX_HEADERS; i++) {
            Verdict.RcdIntegrity e = r.integrity().get(i);
            g.startObject();
            g.name("p");
            g.string(e.pointer(), 256);
            opt(g, "url", e.url(), MAX_STRING);
            g.name("result");
            g.string(e.result());
            g.endObject();
        }
        g.endArray();
        g.endObject();
    }

    private static void opt(JsonLines g, String name, String value, int max) {
        if (value != null) {
            g.name(name);
            g.string(value, max);
        }
    }

    private static void str(JsonLines g, String name, String value) {
        g.name(name);
        if (value == null) {
            g.nul();
        } else {
            g.string(value, MAX_STRING);
        }
    }

    /** A list of header values: at most {@link #MAX_VALUES}, each cut to {@link #MAX_STRING}. */
    private static void strings(JsonLines g, String name, List<String> values) {
        g.name(name);
        g.startArray();
        int n = 0;
        for (String v : values) {
            if (v == null) {
                continue;
            }
            if (n++ == MAX_VALUES) {
                break;
            }
            g.string(v, MAX_STRING);
        }
        g.endArray();
    }

    /**
     * The Identity header values as received, in order, together at most {@code budget} UTF-8 bytes: a value
     * that does not fit is cut (ending with {@code …}) and later ones are left out.
     */
    private static void identity(JsonLines g, List<String> headers, int budget) {
        g.startArray();
        int left = budget;
        int n = 0;
        for (int i = 0; i < headers.size(); i++) {
            String h = headers.get(i);
            if (h == null) {
                continue;
            }
            if (n++ == MAX_VALUES || left <= 0) {
                break;
            }
            if (i == headers.size() - 1 && (long) h.length() * 3 <= left) {
                g.string(h); // the last, and it fits however it encodes (at most 3 bytes per char): no need to count
                break;
            }
            int length = utf8Length(h);
            if (length <= left) {
                g.string(h);
                left -= length;
            } else {
                String v = cutUtf8(h, left);
                left -= utf8Length(v);
                g.string(v);
            }
        }
        g.endArray();
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

    static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
