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
        assertTrue(inputs(call(List.of())).fetchIdentity());
        assertTrue(inputs(call(List.of("caller=+861012308"))).fetchIdentity(), "only overrides: still ask");
    }

    @Test
    void emptyFirstArgumentIsACallWithoutIdentity() {
        CallInputs in = inputs(call(List.of("")));
        assertFalse(in.fetchIdentity());
        assertEquals(List.of(), in.call().identityHeaders());
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
