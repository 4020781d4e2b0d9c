package org.stirshield.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Longest-prefix match over exact numbers, prefixes and (nested) ranges. */
class NumberTableTest {
    private static final String[] AGENCIES = {"A0", "A1", "A2", "A3", "A4", "A5"};
    private static final String[] POLICIES = {"p0", "p1", "p2", "p3", "p4", "p5"};

    private static NumberTable table(List<String> warnings, String... entries) throws PolicyException {
        List<NumberEntry> list = new ArrayList<>();
        for (int i = 0; i < entries.length; i++) {
            String[] parts = entries[i].split("=");
            list.add(NumberEntry.parse(parts[0], Integer.parseInt(parts[1]), "t.csv", i + 1));
        }
        return NumberTable.build(list, AGENCIES, POLICIES, warnings);
    }

    private static String agency(NumberTable t, String tn) {
        ProtectedMatch m = t.lookup(tn);
        return m == null ? null : m.agency();
    }

    @Test
    void longestPrefixWinsAmongOverlappingPrefixes() throws Exception {
        NumberTable t = table(new ArrayList<>(), "+86*=0", "+86 10*=1", "+86 10 6561*=2", "+86 10 65612308=3");
        assertEquals("A3", agency(t, "861065612308"));
        assertEquals("A2", agency(t, "861065612309"));
        assertEquals("A2", agency(t, "8610656123081"), "an exact number does not match a longer TN");
        assertEquals("A1", agency(t, "861012308"));
        assertEquals("A0", agency(t, "862012345678"));
        assertNull(t.lookup("852123"));
        assertNull(t.lookup("8"));
        assertEquals("8610*", t.lookup("861012308").entry());
        assertEquals("861065612308", t.lookup("861065612308").entry());
    }

    @Test
    void exactNumbersOnlyMatchTheirOwnLength() throws Exception {
        NumberTable t = table(new ArrayList<>(), "156=0", "84156=1");
        assertEquals("A0", agency(t, "156"));
        assertEquals("A1", agency(t, "84156"));
        assertNull(t.lookup("1560"));
        assertNull(t.lookup("15"));
    }

    @Test
    void rangesCoverTheirEndsInclusiveAndBeatShorterPrefixes() throws Exception {
        NumberTable t = table(new ArrayList<>(), "+1 555*=0", "+1 555 010 0000..+1 555 010 0999=1",
                "+1 555 010 0500=2");
        assertEquals("A1", agency(t, "15550100000"));
        assertEquals("A1", agency(t, "15550100999"));
        assertEquals("A0", agency(t, "15550101000"));
        assertEquals("A2", agency(t, "15550100500"), "exact beats range");
        assertEquals("A0", agency(t, "155501000001"), "a range covers numbers of its own length only");
        assertEquals("15550100000..15550100999", t.lookup("15550100001").entry());
    }

    @Test
    void nestedRangesResolveToTheInnermost() throws Exception {
        NumberTable t = table(new ArrayList<>(), "1000..1999=0", "1200..1299=1", "1250..1259=2", "1500..1500=3",
                "1999..1999=4");
        assertEquals("A0", agency(t, "1000"));
        assertEquals("A0", agency(t, "1199"));
        assertEquals("A1", agency(t, "1200"));
        assertEquals("A1", agency(t, "1249"));
        assertEquals("A2", agency(t, "1255"));
        assertEquals("A1", agency(t, "1260"));
        assertEquals("A0", agency(t, "1300"));
        assertEquals("A3", agency(t, "1500"));
        assertEquals("A0", agency(t, "1501"));
        assertEquals("A4", agency(t, "1999"));
        assertNull(t.lookup("2000"));
        assertNull(t.lookup("0999"));
    }

    @Test
    void partiallyOverlappingRangesAreAnErrorWithFileAndLine() {
        PolicyException e = assertThrows(PolicyException.class,
                () -> table(new ArrayList<>(), "1000..1999=0", "1500..2500=1"));
        assertEquals("t.csv", e.file());
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("overlaps range 1000..1999"), e.getMessage());
    }

    @Test
    void duplicatesWarnWhenIdenticalAndFailWhenConflicting() throws Exception {
        List<String> warnings = new ArrayList<>();
        NumberTable t = table(warnings, "+52 55 3686 5100=0", "+52-55-3686-5100=0");
        assertEquals(1, t.size());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).startsWith("t.csv:2: duplicate entry 525536865100"), warnings.get(0));
        PolicyException e = assertThrows(PolicyException.class,
                () -> table(new ArrayList<>(), "525536865100=0", "86400*=1", "525536865100=2"));
        assertEquals(3, e.line());
    }

    @Test
    void nonDigitTnsOnlyMatchPrefixesOfTheirLeadingDigits() throws Exception {
        NumberTable t = table(new ArrayList<>(), "86400*=0", "86400123=1");
        assertEquals("A0", agency(t, "86400123#"));
        assertNull(t.lookup("#86400123"));
        assertNull(t.lookup(""));
        assertNull(t.lookup(null));
        assertEquals("A0", agency(t, "86400" + "9".repeat(30)), "longer than 15 digits still matches a prefix");
    }

    /** Random entries against a brute-force reference implementation of the precedence rules. */
    @Test
    void agreesWithBruteForceOnRandomData() throws Exception {
        Random rnd = new Random(42);
        List<NumberEntry> entries = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 3000; i++) {
            int len = 3 + rnd.nextInt(5);
            String digits = randomDigits(rnd, len);
            int g = rnd.nextInt(6);
            if (i % 3 == 0 && seen.add("p" + digits)) {
                entries.add(NumberEntry.parse(digits + "*", g, "r", i + 1));
            } else if (i % 3 == 1 && seen.add("e" + digits)) {
                entries.add(NumberEntry.parse(digits, g, "r", i + 1));
            }
        }
        // disjoint ranges of 6 digits
        for (int s = 100000; s < 990000; s += 7919) {
            entries.add(NumberEntry.range(Integer.toString(s), Integer.toString(s + 500 + rnd.nextInt(3000)),
                    rnd.nextInt(6), "r", 9999));
        }
        NumberTable t = NumberTable.build(entries, AGENCIES, POLICIES, new ArrayList<>());
        for (int i = 0; i < 20000; i++) {
            String tn = randomDigits(rnd, 3 + rnd.nextInt(6));
            assertEquals(bruteForce(entries, tn), t.lookup(tn) == null ? null : t.lookup(tn).entry(), tn);
        }
    }

    private static String bruteForce(List<NumberEntry> entries, String tn) {
        for (NumberEntry e : entries) {
            if (e.kind() == NumberEntry.Kind.EXACT && e.start().equals(tn)) {
                return e.text();
            }
        }
        NumberEntry best = null;
        for (NumberEntry e : entries) {
            if (e.kind() == NumberEntry.Kind.RANGE && e.start().length() == tn.length()
                    && e.start().compareTo(tn) <= 0 && e.end().compareTo(tn) >= 0
                    && (best == null || Long.parseLong(e.end()) - Long.parseLong(e.start())
                            < Long.parseLong(best.end()) - Long.parseLong(best.start()))) {
                best = e;
            }
        }
        if (best != null) {
            return best.text();
        }
        for (int l = tn.length(); l >= 1; l--) {
            String p = tn.substring(0, l);
            for (NumberEntry e : entries) {
                if (e.kind() == NumberEntry.Kind.PREFIX && e.start().equals(p)) {
                    return e.text();
                }
            }
        }
        return null;
    }

    private static String randomDigits(Random rnd, int len) {
        StringBuilder sb = new StringBuilder();
        sb.append((char) ('1' + rnd.nextInt(2)));
        while (sb.length() < len) {
            sb.append((char) ('0' + rnd.nextInt(10)));
        }
        return sb.toString();
    }
}
