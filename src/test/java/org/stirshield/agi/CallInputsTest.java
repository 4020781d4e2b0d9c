package org.stirshield.agi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading the call from Asterisk's environment block (the input contract of docs/asterisk.md). */
class CallInputsTest {
    private static final InetSocketAddress SERVER = new InetSocketAddress("127.0.0.1", 4573);

    private static CallInputs inputs(AgiClient.Call call) {
        String block = AgiClient.environmentBlock(call);
        List<String> lines = Arrays.stream(block.split("\n")).filter(l -> !l.isEmpty()).toList();
        return CallInputs.from(lines);
    }

    private static AgiClient.Call call(List<String> args) {
        return AgiClient.call(SERVER, "verify", "+861012308", "+8613800138000", "from-carrier", args);
    }

    @Test
    void noArgumentsMeansAskAsterisk() {
        assertFalse(inputs(call(List.of())).identityPassed());
        assertFalse(inputs(call(List.of("caller=+861012308"))).identityPassed(), "only overrides: still ask");
    }

    @Test
    void emptyFirstArgumentIsACallWithoutIdentity() {
        CallInputs in = inputs(call(List.of("")));
        assertTrue(in.identityPassed());
        assertEquals(List.of(), in.call().identityHeaders());
    }

    @Test
    void callIdAndSourceArgumentsFillTheSipRequest() {
        CallInputs in = inputs(call(List.of("", "callid=a84b4c76e66710@pc33.example.com", "source=[2001:db8::7]:5061")));
        assertTrue(in.callIdPassed());
        assertTrue(in.sourcePassed());
        assertEquals("a84b4c76e66710@pc33.example.com", in.call().sip().callId());
        assertEquals("[2001:db8::7]:5061", in.call().sip().source());
        assertEquals("1763900000.1", in.call().callId(), "the Asterisk unique id stays the call's id");
    }

    @Test
    void whatOneFetchBroughtIsMergedWithoutOverridingArguments() {
        CallInputs in = inputs(call(List.of("callid=from-dialplan")));
        java.util.Map<SipHeaderFetch.Field, List<String>> got = new java.util.EnumMap<>(SipHeaderFetch.Field.class);
        got.put(SipHeaderFetch.Field.IDENTITY, List.of("id1", "id2"));
        got.put(SipHeaderFetch.Field.FROM, List.of("\"Alice, \\\"the\\\" caller\" <sip:+12025550123@carrier.example>;tag=9fx"));
        got.put(SipHeaderFetch.Field.ASSERTED_IDENTITY, List.of("<sip:+12025550123@carrier.example>", "<tel:+12025550123>"));
        got.put(SipHeaderFetch.Field.CALL_ID, List.of("from-asterisk"));
        got.put(SipHeaderFetch.Field.SOURCE, List.of("203.0.113.7:5060"));
        CallInputs merged = in.with(got, true);
        assertEquals(List.of("id1", "id2"), merged.call().identityHeaders());
        assertEquals("from-dialplan", merged.call().sip().callId(), "the dialplan's argument wins");
        assertEquals("203.0.113.7:5060", merged.call().sip().source());
        assertEquals("\"Alice, \\\"the\\\" caller\" <sip:+12025550123@carrier.example>;tag=9fx", merged.call().sip().from());
        assertEquals(2, merged.call().sip().assertedIdentities().size());
        assertEquals(List.of(), merged.call().sip().historyInfo());
    }

    @Test
    void headersInOrderEmptyOnesSkippedAndBounded() {
        CallInputs in = inputs(call(List.of("h1", "", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "h9", "h10")));
        assertEquals(List.of("h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8"), in.call().identityHeaders());
    }

    @Test
    void unknownMeansAbsentAndCalledFallsBackToExtension() {
        AgiClient.Call c = call(List.of("x")).with("agi_callerid", "unknown").with("agi_dnid", "unknown")
                .with("agi_extension", "100").with("agi_uniqueid", "unknown");
        CallInputs in = inputs(c);
        assertNull(in.call().callerTn());
        assertEquals("100", in.call().calledTn());
        assertNull(in.call().callId());
        assertNull(in.call().callerName());
        assertEquals("from-carrier", in.call().trunk());
    }
}
