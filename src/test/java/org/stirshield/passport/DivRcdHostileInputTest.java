package org.stirshield.passport;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The new parsers of hostile input (SIP header values for several PAIs and diversion, JSON pointers and
 * rcdi digests) on generated garbage: they never throw, never exceed their bounds. Seeded: a failure
 * reproduces.
 */
class DivRcdHostileInputTest {
    private static final String ALPHABET = "<>\";,=:@+-.()~/\\ \t\r\n0123456789abcXYZtelsipTEL?&%\u00e9\uff11\u0660\u0000";
    private static final TnCanonicalizer US = new TnCanonicalizer("US", 15);

    private static String garbage(Random r, int max) {
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(max);
        for (int i = 0; i < n; i++) {
            b.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    @Test
    void sipHeaderValuesNeverThrowAndStayBounded() {
        Random r = new Random(14);
        for (int round = 0; round < 600; round++) {
            List<String> values = new ArrayList<>();
            for (int v = r.nextInt(20); v > 0; v--) {
                values.add(r.nextInt(50) == 0 ? null : garbage(r, 300));
            }
            assertTrue(SipHeaderValues.entries(values).size() <= SipHeaderValues.MAX_ENTRIES);
            assertTrue(SipHeaderValues.assertedTns(values, US).size() <= SipHeaderValues.MAX_ASSERTED);
            for (String tn : SipHeaderValues.historyInfo(values, US)) {
                assertTrue(TnCanonicalizer.isCanonicalClaim(tn) || tn.length() <= 15, tn);
            }
            SipHeaderValues.diversion(values, US);
        }
    }

    @Test
    void jsonPointersAndDigestsNeverThrowUnexpectedly() throws Exception {
        Random r = new Random(9795);
        var doc = new ObjectMapper().readTree("{\"icn\":\"https://x/i\",\"jcd\":[\"vcard\",[[\"fn\",{},\"text\",\"A\"]]],\"a/b\":{\"~\":1}}");
        for (int round = 0; round < 5_000; round++) {
            String text = (r.nextBoolean() ? "/" : "") + garbage(r, 40);
            try {
                JsonPointer p = JsonPointer.parse(text);
                p.resolve(doc); // null or a node, never an exception
                assertTrue(p.tokens().size() <= JsonPointer.MAX_TOKENS);
            } catch (IllegalArgumentException expected) {
                // refused with a message: fine
            }
            IntegrityDigest d = IntegrityDigest.parse(garbage(r, 80));
            assertTrue(d == null || d.digest().length >= 32);
        }
        assertNull(IntegrityDigest.parse("sha256-" + "A".repeat(500)));
        assertTrue(JsonPointer.parse("/a~1b/~0").resolve(doc).isNumber());
    }
}
