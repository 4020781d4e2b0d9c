package org.stirshield.passport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The TNs read from raw P-Asserted-Identity, History-Info and Diversion values (hostile input, bounded). */
class SipHeaderValuesTest {
    private static final TnCanonicalizer US = new TnCanonicalizer("US", 15);

    @Test
    void commasInsideBracketsAndQuotesDoNotSplit() {
        List<String> parts = SipHeaderValues.split("\"Doe, John\" <sip:+12155550100@a.example;x=1,2>;tag=9, <tel:+12155550101>");
        assertEquals(2, parts.size());
        SipHeaderValues.Entry e = SipHeaderValues.entry(parts.get(0));
        assertEquals("sip:+12155550100@a.example;x=1,2", e.uri());
        assertEquals("9", e.params().get("tag"));
    }

    @Test
    void assertedIdentitiesTelAndSipDistinctInOrder() {
        List<String> tns = SipHeaderValues.assertedTns(List.of(
                "\"Agency\" <sip:+1-215-555-0100@gw.example;user=phone>",
                "<tel:+12155550100>", // same number again: once
                "sip:2155550177@gw.example", // addr-spec form, national digits
                "<sip:reception@gw.example>"), US); // not a TN
        assertEquals(List.of("12155550100", "12155550177"), tns);
    }

    @Test
    void assertedIdentitiesBounded() {
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            many.add("<tel:+1215555" + String.format("%04d", i) + ">");
        }
        assertEquals(SipHeaderValues.MAX_ASSERTED, SipHeaderValues.assertedTns(many, US).size());
        assertTrue(SipHeaderValues.assertedTns(List.of("<tel:+1" + "5".repeat(5000) + ">"), US).isEmpty());
        assertTrue(SipHeaderValues.entries(List.of("x".repeat(SipHeaderValues.MAX_VALUE_CHARS + 1))).isEmpty());
        assertEquals(SipHeaderValues.MAX_ENTRIES, SipHeaderValues.entries(List.of(String.join(",", java.util.Collections.nCopies(100,
                "<tel:+12155550100>")))).size());
    }

    @Test
    void historyInfoWithMpFollowsTheRetargets() {
        // RFC 7044 §4: A retargeted to B (mp=1), B's registered contact (rc, not a retarget), B retargeted to C
        List<String> hi = List.of(
                "<sip:+12155550111@a.example;user=phone>;index=1",
                "<sip:+12155550122@b.example;user=phone;cause=302>;index=1.1;mp=1",
                "<sip:bob@10.0.0.7>;index=1.1.1;rc=1.1",
                "<sip:+12155550133@c.example;user=phone;cause=408>;index=1.2;mp=1.1");
        assertEquals(List.of("12155550111", "12155550122"), SipHeaderValues.historyInfo(hi, US));
    }

    @Test
    void historyInfoIsOrderedByIndexNotByPosition() {
        List<String> hi = List.of("<tel:+12155550122>;index=1.1;mp=1", "<tel:+12155550111>;index=1");
        assertEquals(List.of("12155550111"), SipHeaderValues.historyInfo(hi, US));
    }

    @Test
    void historyInfoWithoutMpUsesTheOrder() {
        // RFC 4244 senders: each TN followed by a different one was diverted from
        List<String> hi = List.of("<tel:+12155550111>;index=1, <tel:+12155550122>;index=1.1, <tel:+12155550122>;index=1.1.1");
        assertEquals(List.of("12155550111"), SipHeaderValues.historyInfo(hi, US));
    }

    @Test
    void historyInfoOfANotForwardedCallIsEmpty() {
        assertTrue(SipHeaderValues.historyInfo(List.of("<sip:+12155550111@a.example>;index=1"), US).isEmpty());
    }

    @Test
    void diversionIsNewestFirstInSip() {
        List<String> d = List.of("<tel:+12155550122>;reason=no-answer;counter=1", "\"A\" <sip:+12155550111@a.example>;reason=unconditional");
        assertEquals(List.of("12155550111", "12155550122"), SipHeaderValues.diversion(d, US));
    }

    @Test
    void garbageIsIgnoredNotThrown() {
        assertNull(SipHeaderValues.entry("   "));
        assertNull(SipHeaderValues.entry("<sip:unterminated"));
        assertTrue(SipHeaderValues.historyInfo(List.of("<<<>>>;index=;mp=..", "\"unterminated"), US).isEmpty());
        assertTrue(SipHeaderValues.entries(null).isEmpty());
        java.util.List<String> withNull = new ArrayList<>();
        withNull.add(null);
        assertTrue(SipHeaderValues.entries(withNull).isEmpty());
    }
}
