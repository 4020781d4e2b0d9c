package org.stirshield.agi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.SipRequest;

/**
 * What the dialplan told us about a call, read from the FastAGI environment block: the dialplan contract
 * (docs/asterisk.md).
 *
 * <ul>
 *   <li>{@code agi_arg_1}: the Identity header (may be empty: no Identity); {@code agi_arg_2}…: further
 *       Identity headers. An argument {@code caller=TN}, {@code called=TN}, {@code date=HTTP-DATE},
 *       {@code trunk=NAME}, {@code callid=CALL-ID} or {@code source=ADDRESS:PORT} sets that input instead (a
 *       JWS is base64url, so an Identity header never starts with {@code name=}).
 *   <li>No Identity argument at all (no arguments, or only {@code name=} ones): the server reads the
 *       Identity headers itself, with everything else it reads ({@link SipHeaderFetch}).
 *   <li>caller TN: {@code agi_callerid}; called TN: {@code agi_dnid}, else {@code agi_extension}; trunk:
 *       {@code agi_context}; call id {@code agi_uniqueid}; channel {@code agi_channel}; caller name
 *       {@code agi_calleridname}. Asterisk writes {@code unknown} for an absent value.
 *   <li>The SIP request ({@link SipRequest}): Call-ID and source from {@code callid=}/{@code source=} when
 *       given; From, P-Asserted-Identity, History-Info, Diversion (and Call-ID and source when not given)
 *       read in one round trip unless {@code server.read_sip_headers} is false.
 * </ul>
 *
 * @param call the call to screen (Identity headers and SIP request as far as known)
 * @param identityPassed whether the dialplan passed the Identity headers as arguments
 * @param callIdPassed whether {@code callid=} was given
 * @param sourcePassed whether {@code source=} was given
 */
record CallInputs(CallAttempt call, boolean identityPassed, boolean callIdPassed, boolean sourcePassed) {
    /** Most Identity headers taken from one call (arguments or GET FULL VARIABLE). */
    static final int MAX_IDENTITY_HEADERS = 8;
    /** An HTTP-date that Asterisk split at its comma: "Mon" + " 23 Nov 2026 10:00:00 GMT". */
    private static final Pattern DATE_REST = Pattern.compile("\\s*\\d{1,2} [A-Za-z]{3} \\d{4} .*");
    /** Longest {@code callid=} / {@code source=} value kept. */
    static final int MAX_SHORT_VALUE = 512;

    /** From the raw environment lines ({@code name: value}). */
    static CallInputs from(List<String> environmentLines) {
        return from(EnvironmentBlock.of(environmentLines));
    }

    static CallInputs from(EnvironmentBlock env) {
        List<String> args = env.arguments();
        String caller = known(env.get("agi_callerid"));
        String called = known(env.get("agi_dnid"));
        if (called == null) {
            called = known(env.get("agi_extension"));
        }
        String trunk = known(env.get("agi_context"));
        String date = null;
        String callId = null;
        String source = null;
        List<String> identity = new ArrayList<>(2);
        boolean identityArgument = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("caller=")) {
                caller = blankToNull(a.substring(7));
            } else if (a.startsWith("called=")) {
                called = blankToNull(a.substring(7));
            } else if (a.startsWith("trunk=")) {
                trunk = blankToNull(a.substring(6));
            } else if (a.startsWith("callid=")) {
                callId = bounded(blankToNull(a.substring(7)));
            } else if (a.startsWith("source=")) {
                source = bounded(blankToNull(a.substring(7)));
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
        SipRequest sip = callId == null && source == null ? SipRequest.NONE
                : new SipRequest(callId, source, null, List.of(), List.of(), List.of());
        CallAttempt call = new CallAttempt(caller, called, identity, date, trunk, known(env.get("agi_uniqueid")),
                known(env.get("agi_channel")), known(env.get("agi_calleridname")), sip);
        return new CallInputs(call, identityArgument, callId != null, source != null);
    }

    /** The call with what one {@link SipHeaderFetch} brought (values it did not read stay as they were). */
    CallInputs with(Map<SipHeaderFetch.Field, List<String>> fetched, boolean identityFetched) {
        CallAttempt c = call;
        if (identityFetched) {
            List<String> ids = new ArrayList<>(c.identityHeaders());
            for (String v : fetched.getOrDefault(SipHeaderFetch.Field.IDENTITY, List.of())) {
                if (ids.size() < MAX_IDENTITY_HEADERS) {
                    ids.add(v);
                }
            }
            c = c.withIdentityHeaders(ids);
        }
        SipRequest s = c.sip();
        String callId = s.callId() != null ? s.callId() : bounded(first(fetched, SipHeaderFetch.Field.CALL_ID));
        String source = s.source() != null ? s.source() : bounded(first(fetched, SipHeaderFetch.Field.SOURCE));
        String from = s.from() != null ? s.from() : first(fetched, SipHeaderFetch.Field.FROM);
        SipRequest sip = new SipRequest(callId, source, from,
                orElse(fetched.get(SipHeaderFetch.Field.ASSERTED_IDENTITY), s.assertedIdentities()),
                orElse(fetched.get(SipHeaderFetch.Field.HISTORY_INFO), s.historyInfo()),
                orElse(fetched.get(SipHeaderFetch.Field.DIVERSION), s.diversion()));
        return new CallInputs(c.withSip(sip), identityPassed || identityFetched, callIdPassed, sourcePassed);
    }

    /** The call with these Identity headers (read by the server). */
    CallInputs withIdentity(List<String> headers) {
        return new CallInputs(call.withIdentityHeaders(headers), true, callIdPassed, sourcePassed);
    }

    private static String first(Map<SipHeaderFetch.Field, List<String>> m, SipHeaderFetch.Field f) {
        List<String> v = m.get(f);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static List<String> orElse(List<String> v, List<String> other) {
        return v == null || v.isEmpty() ? other : v;
    }

    private static String known(String v) {
        return v == null || v.isBlank() || v.equals("unknown") ? null : v;
    }

    private static String blankToNull(String v) {
        return v.isBlank() ? null : v.strip();
    }

    private static String bounded(String v) {
        return v == null || v.length() <= MAX_SHORT_VALUE ? v : v.substring(0, MAX_SHORT_VALUE);
    }
}
