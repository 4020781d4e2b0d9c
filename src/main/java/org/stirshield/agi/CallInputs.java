package org.stirshield.agi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.stirshield.verify.CallAttempt;

/**
 * What the dialplan told us about a call, read from the FastAGI environment block: the input
 * contract of docs/asterisk.md.
 *
 * <ul>
 *   <li>{@code agi_arg_1}: the Identity header (may be empty: no Identity); {@code agi_arg_2}…: further
 *       Identity headers. An argument {@code caller=TN}, {@code called=TN}, {@code date=HTTP-DATE} or
 *       {@code trunk=NAME} overrides that input instead (a JWS is base64url, so an Identity header can
 *       never start with one of these prefixes).
 *   <li>No Identity argument at all (no arguments, or only overrides): the server asks Asterisk with
 *       {@code GET FULL VARIABLE ${PJSIP_HEADER(read,Identity)}} ({@link #fetchIdentity()}).
 *   <li>caller TN: {@code agi_callerid}; called TN: {@code agi_dnid}, else {@code agi_extension}; trunk:
 *       {@code agi_context}; call id {@code agi_uniqueid}; channel {@code agi_channel}. Asterisk writes
 *       {@code unknown} for an absent value.
 * </ul>
 *
 * @param call the call to screen (Identity headers filled in unless {@link #fetchIdentity()})
 * @param fetchIdentity whether the Identity headers must be read with GET FULL VARIABLE
 */
record CallInputs(CallAttempt call, boolean fetchIdentity) {
    /** Most Identity headers taken from one call (arguments or GET FULL VARIABLE). */
    static final int MAX_IDENTITY_HEADERS = 8;
    /** An HTTP-date that Asterisk split at its comma: "Mon" + " 23 Nov 2026 10:00:00 GMT". */
    private static final Pattern DATE_REST = Pattern.compile("\\s*\\d{1,2} [A-Za-z]{3} \\d{4} .*");

    static CallInputs from(List<String> environmentLines) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : environmentLines) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                String value = line.substring(colon + 1);
                env.putIfAbsent(line.substring(0, colon).trim(), value.startsWith(" ") ? value.substring(1) : value);
            }
        }
        List<String> args = new ArrayList<>();
        for (int i = 1; env.containsKey("agi_arg_" + i); i++) {
            args.add(env.get("agi_arg_" + i));
        }

        String caller = known(env.get("agi_callerid"));
        String called = known(env.get("agi_dnid"));
        if (called == null) {
            called = known(env.get("agi_extension"));
        }
        String trunk = known(env.get("agi_context"));
        String date = null;
        List<String> identity = new ArrayList<>();
        boolean identityArgument = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("caller=")) {
                caller = blankToNull(a.substring(7));
            } else if (a.startsWith("called=")) {
                called = blankToNull(a.substring(7));
            } else if (a.startsWith("trunk=")) {
                trunk = blankToNull(a.substring(6));
            } else if (a.startsWith("date=")) {
                date = blankToNull(a.substring(5));
                if (date != null && date.length() == 3 && i + 1 < args.size() && DATE_REST.matcher(args.get(i + 1)).matches()) {
                    date = date + "," + args.get(++i); // rejoin "Mon, 23 Nov 2026 ..." split at its comma
                }
            } else {
                identityArgument = true;
                if (!a.isBlank() && identity.size() < MAX_IDENTITY_HEADERS) {
                    identity.add(a.strip());
                }
            }
        }
        CallAttempt call = new CallAttempt(caller, called, identity, date, trunk,
                known(env.get("agi_uniqueid")), known(env.get("agi_channel")), known(env.get("agi_calleridname")));
        return new CallInputs(call, !identityArgument);
    }

    CallInputs withIdentity(List<String> headers) {
        return new CallInputs(call.withIdentityHeaders(headers), false);
    }

    private static String known(String v) {
        return v == null || v.isBlank() || v.equals("unknown") ? null : v;
    }

    private static String blankToNull(String v) {
        return v.isBlank() ? null : v.strip();
    }
}
