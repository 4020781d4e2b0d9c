package org.stirshield.verify;

import java.util.List;

/**
 * What the SIP INVITE carried beyond the two numbers, as received (raw header values, no Asterisk
 * types): the inputs for several P-Asserted-Identity values (SHK-06), for forwarded calls (RFC 8946
 * {@code div}: History-Info, RFC 7044, and Diversion, RFC 5806) and the traceback evidence written to
 * the audit record. Every field may be null or empty when the dialplan did not pass it and the server
 * could not read it.
 *
 * @param callId the SIP Call-ID header value, or null
 * @param source the address and port the INVITE came from ({@code 203.0.113.7:5060}, {@code [2001:db8::1]:5060}), or null
 * @param from the From header value as received, or null
 * @param assertedIdentities the P-Asserted-Identity header values as received (a tel: and a sip: URI may both
 *     be present), in order
 * @param historyInfo the History-Info header values (RFC 7044) as received, in order
 * @param diversion the Diversion header values (RFC 5806) as received, in order
 */
public record SipRequest(
        String callId,
        String source,
        String from,
        List<String> assertedIdentities,
        List<String> historyInfo,
        List<String> diversion) {

    /** Nothing known beyond the numbers. */
    public static final SipRequest NONE = new SipRequest(null, null, null, List.of(), List.of(), List.of());

    public SipRequest {
        assertedIdentities = assertedIdentities == null ? List.of() : List.copyOf(assertedIdentities);
        historyInfo = historyInfo == null ? List.of() : List.copyOf(historyInfo);
        diversion = diversion == null ? List.of() : List.copyOf(diversion);
    }
}
