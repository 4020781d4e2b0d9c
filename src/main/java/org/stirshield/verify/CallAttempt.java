package org.stirshield.verify;

import java.util.List;

/**
 * One inbound call as the verifier sees it: no Asterisk or SIP-stack types.
 *
 * @param callerTn the calling number as presented (P-Asserted-Identity or From user part, or a tel URI), raw
 * @param calledTn the called number (To / Request-URI user part, or the dialled extension), raw
 * @param identityHeaders zero or more SIP Identity header values, in the order received
 * @param date the SIP Date header (RFC 7231 HTTP-date), or null
 * @param trunk the inbound trunk or dialplan context the call arrived on, or null
 * @param callId an id of the call that stays the same across re-invocations for the same call
 *     (Asterisk's unique id, or the SIP Call-ID), or null; used to tell a replay from a retry
 * @param channel the Asterisk channel name, or null (audit only)
 * @param callerName the caller name (display name) as presented, or null; policy builds the tagged name from it
 * @param sip the SIP request's other headers and its source (several PAIs, diversion, traceback evidence);
 *     never null ({@link SipRequest#NONE} when nothing is known)
 */
public record CallAttempt(
        String callerTn,
        String calledTn,
        List<String> identityHeaders,
        String date,
        String trunk,
        String callId,
        String channel,
        String callerName,
        SipRequest sip) {

    public CallAttempt {
        identityHeaders = identityHeaders == null ? List.of() : List.copyOf(identityHeaders);
        sip = sip == null ? SipRequest.NONE : sip;
    }

    /** A call of which nothing beyond the numbers, headers and Asterisk's view is known. */
    public CallAttempt(String callerTn, String calledTn, List<String> identityHeaders, String date, String trunk,
            String callId, String channel, String callerName) {
        this(callerTn, calledTn, identityHeaders, date, trunk, callId, channel, callerName, SipRequest.NONE);
    }

    /** A call whose caller name is not known. */
    public CallAttempt(String callerTn, String calledTn, List<String> identityHeaders, String date, String trunk,
            String callId, String channel) {
        this(callerTn, calledTn, identityHeaders, date, trunk, callId, channel, null);
    }

    /** A call with just the numbers and the headers. */
    public static CallAttempt of(String callerTn, String calledTn, List<String> identityHeaders) {
        return new CallAttempt(callerTn, calledTn, identityHeaders, null, null, null, null);
    }

    public CallAttempt withIdentityHeaders(List<String> headers) {
        return new CallAttempt(callerTn, calledTn, headers, date, trunk, callId, channel, callerName, sip);
    }

    public CallAttempt withDate(String date) {
        return new CallAttempt(callerTn, calledTn, identityHeaders, date, trunk, callId, channel, callerName, sip);
    }

    public CallAttempt withTrunk(String trunk) {
        return new CallAttempt(callerTn, calledTn, identityHeaders, date, trunk, callId, channel, callerName, sip);
    }

    public CallAttempt withCall(String callId, String channel) {
        return new CallAttempt(callerTn, calledTn, identityHeaders, date, trunk, callId, channel, callerName, sip);
    }

    public CallAttempt withSip(SipRequest sip) {
        return new CallAttempt(callerTn, calledTn, identityHeaders, date, trunk, callId, channel, callerName, sip);
    }

    public CallAttempt withCallerName(String name) {
        return new CallAttempt(callerTn, calledTn, identityHeaders, date, trunk, callId, channel, name, sip);
    }
}
