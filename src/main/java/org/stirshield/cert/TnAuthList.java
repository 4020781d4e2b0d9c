package org.stirshield.cert;

import java.util.List;
import java.util.Objects;

/**
 * The TNAuthList certificate extension (RFC 8226 §9, OID 1.3.6.1.5.5.7.1.26): the service provider
 * codes and telephone numbers the certificate holder is authorised for.
 *
 * @param spcs service provider codes ({@code spc [0]})
 * @param ranges telephone number ranges ({@code range [1]})
 * @param numbers single telephone numbers ({@code one [2]})
 */
public record TnAuthList(List<String> spcs, List<Range> ranges, List<String> numbers) {

    /** The OID of the TNAuthList extension. */
    public static final String OID = "1.3.6.1.5.5.7.1.26";

    public TnAuthList {
        spcs = List.copyOf(spcs);
        ranges = List.copyOf(ranges);
        numbers = List.copyOf(numbers);
    }

    /**
     * A range of telephone numbers: the numeric strings of the same length as {@code start}, from
     * {@code start} to {@code start + count - 1} inclusive (RFC 8226 §9, CRT-10).
     */
    public record Range(String start, long count) {
        public Range {
            Objects.requireNonNull(start);
        }

        /** Whether {@code tn} (canonical, digits only) lies in this range. */
        public boolean covers(String tn) {
            if (tn.length() != start.length() || !isDigits(tn) || !isDigits(start)) {
                return false;
            }
            // Compare as equal-length digit strings: no overflow for 15-digit TNs.
            if (tn.compareTo(start) < 0) {
                return false;
            }
            java.math.BigInteger offset = new java.math.BigInteger(tn).subtract(new java.math.BigInteger(start));
            return offset.compareTo(java.math.BigInteger.valueOf(count)) < 0;
        }
    }

    /** Whether the list holds any TN entries (one or range), as opposed to SPC only (CRT-09). */
    public boolean hasTnEntries() {
        return !ranges.isEmpty() || !numbers.isEmpty();
    }

    /** Whether {@code tn} (canonical) is one of the numbers or lies in one of the ranges (CRT-09/10). */
    public boolean covers(String tn) {
        if (numbers.contains(tn)) {
            return true;
        }
        for (Range r : ranges) {
            if (r.covers(tn)) {
                return true;
            }
        }
        return false;
    }

    /** The first SPC, or null when the list holds none. */
    public String spc() {
        return spcs.isEmpty() ? null : spcs.get(0);
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
