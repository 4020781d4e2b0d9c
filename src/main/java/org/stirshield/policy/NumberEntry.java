package org.stirshield.policy;

/**
 * One protected entry as read from the policy YAML or a CSV file.
 *
 * @param kind exact number, prefix, or range
 * @param start the digits (the number, the prefix, or the first number of the range)
 * @param end the last number of a range (same length as start), else equal to start
 * @param group index of the (agency, policy) pair in the policy's group table
 * @param file the file it came from
 * @param line the 1-based line in that file
 */
record NumberEntry(Kind kind, String start, String end, int group, String file, int line) {

    enum Kind { EXACT, PREFIX, RANGE }

    /** The entry as reported in {@link ProtectedMatch#entry()}: {@code 525536865100}, {@code 86400*}, {@code 861065610000..861065610099}. */
    String text() {
        return switch (kind) {
            case EXACT -> start;
            case PREFIX -> start + "*";
            case RANGE -> start + ".." + end;
        };
    }

    String where() {
        return file + ":" + line;
    }

    /**
     * Parses the compact syntax of CSV files (and YAML {@code entry:}): {@code +52 55 3686 5100} (exact),
     * {@code +86 400*} (prefix), {@code +86 10 6561 0000..+86 10 6561 0099} (range).
     */
    static NumberEntry parse(String text, int group, String file, int line) {
        String t = text.strip();
        int dots = t.indexOf("..");
        if (dots >= 0) {
            return range(t.substring(0, dots), t.substring(dots + 2), group, file, line);
        }
        if (t.endsWith("*")) {
            return new NumberEntry(Kind.PREFIX, Numbers.digits(t.substring(0, t.length() - 1)), null, group, file, line)
                    .withEnd();
        }
        return new NumberEntry(Kind.EXACT, Numbers.digits(t), null, group, file, line).withEnd();
    }

    static NumberEntry range(String from, String to, int group, String file, int line) {
        String a = Numbers.digits(from);
        String b = Numbers.digits(to);
        if (a.length() != b.length()) {
            throw new IllegalArgumentException("range ends must have the same number of digits: " + a + ".." + b);
        }
        if (a.compareTo(b) > 0) {
            throw new IllegalArgumentException("range start is after its end: " + a + ".." + b);
        }
        return new NumberEntry(Kind.RANGE, a, b, group, file, line);
    }

    NumberEntry withStartAsEnd() {
        return withEnd();
    }

    private NumberEntry withEnd() {
        return new NumberEntry(kind, start, start, group, file, line);
    }
}
