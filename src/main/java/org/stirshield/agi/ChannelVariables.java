package org.stirshield.agi;

import java.util.LinkedHashMap;
import java.util.Map;
import org.stirshield.policy.Action;
import org.stirshield.policy.Decision;

/**
 * The dialplan contract: a {@link Decision} as channel variables, in a fixed order, all set by one
 * {@code EXEC MSet} (one round trip).
 *
 * <p>Always set (empty when there is no value, so a second AGI call on the same channel never leaves a
 * stale value): STIR_STATUS, STIR_ACTION, STIR_ATTEST, STIR_VERSTAT, STIR_SIP_CODE, STIR_REASON,
 * STIR_AGENCY. Set only when the call passed and its Rich Call Data (RFC 9795) verified
 * ({@link Decision#rcdName()}): STIR_RCD_NAME, the verified display name, and STIR_RCD_REASON, the verified
 * call reason (a dialplan that runs the AGI twice on one channel clears them first). Set only when the decision has a caller name: STIR_CALLER_NAME and CALLERID(name), both the
 * complete new name (policy builds it, e.g. {@code "[UNVERIFIED] " + the name the caller presented}, or the
 * agency's verified name).
 */
final class ChannelVariables {
    /** Longest value written (Asterisk reads an AGI command into a 2 KiB buffer). */
    static final int MAX_VALUE = 96;

    private ChannelVariables() {
    }

    static Map<String, String> of(Decision d) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("STIR_STATUS", nz(d.status()));
        v.put("STIR_ACTION", d.action() == null ? Action.ALLOW.token() : d.action().token());
        v.put("STIR_ATTEST", d.verdict() == null ? "" : nz(d.verdict().attest()));
        v.put("STIR_VERSTAT", d.verdict() == null ? "" : d.verdict().verstat());
        v.put("STIR_SIP_CODE", d.sipCode() == null ? "" : d.sipCode().toString());
        v.put("STIR_REASON", nz(d.reason()));
        v.put("STIR_AGENCY", d.match() == null ? "" : nz(d.match().agency()));
        putIfSet(v, "STIR_RCD_NAME", d.rcdName());
        putIfSet(v, "STIR_RCD_REASON", d.rcdReason());
        if (d.callerName() != null && !d.callerName().isEmpty()) {
            v.put("STIR_CALLER_NAME", d.callerName());
            v.put("CALLERID(name)", d.callerName());
        }
        v.replaceAll((k, val) -> clean(val));
        return v;
    }

    private static void putIfSet(Map<String, String> v, String name, String value) {
        if (value != null && !value.isBlank()) {
            v.put(name, value);
        }
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /** No control characters (a CR or LF would end the AGI command), bounded length. */
    static String clean(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_VALUE));
        s.codePoints().filter(c -> c >= 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0))
                .limit(MAX_VALUE).forEach(b::appendCodePoint);
        return b.toString();
    }

    /**
     * The MSet argument: {@code NAME=value,NAME=value}. MSet splits at commas outside quotes, brackets and
     * parentheses and removes quotes and backslashes (Asterisk's {@code ast_app_separate_args}), so each of
     * {@code \ " , ( ) [ ]} in a value is escaped with a backslash. The value after the first {@code =} is
     * taken verbatim. The AGI command-line quoting on top is asterisk-java's {@code ExecCommand}.
     */
    static String msetArgument(Map<String, String> vars) {
        StringBuilder b = new StringBuilder(256);
        for (Map.Entry<String, String> e : vars.entrySet()) {
            if (b.length() > 0) {
                b.append(',');
            }
            b.append(e.getKey()).append('=');
            for (int i = 0; i < e.getValue().length(); i++) {
                char c = e.getValue().charAt(i);
                if (c == '\\' || c == '"' || c == ',' || c == '(' || c == ')' || c == '[' || c == ']') {
                    b.append('\\');
                }
                b.append(c);
            }
        }
        return b.toString();
    }
}
