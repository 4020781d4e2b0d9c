package org.stirshield.agi;

/**
 * Asterisk's reply to one AGI command ({@code 200 result=1 (value)}), read with bounds: a reply line
 * longer than {@link LineReader#MAX_LINE} is {@link Kind#TOO_LONG}; {@code HANGUP} lines Asterisk
 * sends when the channel hangs up and {@code 100 Trying} lines are skipped (at most
 * {@link #MAX_SKIPPED}); a {@code 520-} usage text is read to its end (at most {@link #MAX_USAGE_LINES}).
 *
 * @param kind whether it is a usable reply
 * @param status the status code (200, 510, 511, 520), or -1 when there is none
 * @param result the {@code result=} value, or null
 * @param extra the text in parentheses after the result (GET FULL VARIABLE's value), or null
 * @param line the first reply line as received (for logs; cut to 200 characters)
 */
record AgiReply(Kind kind, int status, String result, String extra, String line) {
    static final int MAX_SKIPPED = 16;
    static final int MAX_USAGE_LINES = 64;

    enum Kind {
        /** {@code 200 result=...}: the command ran. */
        OK,
        /** A 5xx status: 510 invalid command, 511 dead channel, 520 usage. */
        ERROR,
        /** Not a reply line at all. */
        GARBAGE,
        /** Longer than {@link LineReader#MAX_LINE}. */
        TOO_LONG
    }

    boolean ok() {
        return kind == Kind.OK;
    }

    /**
     * Reads the reply to the command just sent, line by line as it arrives: {@link #line} returns the reply
     * once it is complete.
     */
    static final class Reader {
        private int skipped;
        private AgiReply usage; // a 520 reply whose usage text is still coming
        private int usageLines;

        /** Takes one line ({@code tooLong}: cut at {@link LineReader#MAX_LINE}); the reply once complete, else null. */
        AgiReply line(String line, boolean tooLong) {
            if (usage != null) { // usage text until "520 End of proper usage."
                return line.startsWith("520 ") || ++usageLines >= MAX_USAGE_LINES ? usage : null;
            }
            if (tooLong) {
                return new AgiReply(Kind.TOO_LONG, -1, null, null, shown(line));
            }
            if (line.startsWith("HANGUP") || line.startsWith("100 ") || line.startsWith("100-")) {
                return ++skipped > MAX_SKIPPED ? new AgiReply(Kind.GARBAGE, -1, null, null, shown(line)) : null;
            }
            AgiReply r = parse(line);
            if (r.status == 520 && line.startsWith("520-")) {
                usage = r;
                return null;
            }
            return r;
        }

        /** At the end of the stream: the reply if its usage text was all that was missing, else null (no reply). */
        AgiReply end() {
            return usage;
        }
    }

    /** Parses one reply line. */
    static AgiReply parse(String line) {
        if (line.length() < 3 || !digit(line.charAt(0)) || !digit(line.charAt(1)) || !digit(line.charAt(2))
                || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
            return new AgiReply(Kind.GARBAGE, -1, null, null, shown(line));
        }
        int status = (line.charAt(0) - '0') * 100 + (line.charAt(1) - '0') * 10 + (line.charAt(2) - '0');
        if (status != 200) {
            return new AgiReply(status >= 500 ? Kind.ERROR : Kind.GARBAGE, status, null, null, shown(line));
        }
        int r = line.indexOf("result=", 3);
        if (r < 0) {
            return new AgiReply(Kind.GARBAGE, status, null, null, shown(line));
        }
        int end = r + 7;
        while (end < line.length() && line.charAt(end) != ' ') {
            end++;
        }
        String result = line.substring(r + 7, end);
        String extra = null;
        int open = line.indexOf('(', end);
        if (open >= 0) {
            int close = line.lastIndexOf(')');
            if (close < open) {
                return new AgiReply(Kind.GARBAGE, status, result, null, shown(line));
            }
            extra = line.substring(open + 1, close);
        }
        return new AgiReply(Kind.OK, status, result, extra, line.length() <= 200 ? line : line.substring(0, 200));
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String shown(String line) {
        return ChannelVariables.clean(line.length() <= 200 ? line : line.substring(0, 200));
    }

    /** A reply that was no reply: for the log. */
    String describe() {
        return switch (kind) {
            case OK -> "ok";
            case ERROR -> "error " + status + " (" + line + ")";
            case GARBAGE -> "unreadable reply '" + line + "'";
            case TOO_LONG -> "reply longer than " + LineReader.MAX_LINE + " bytes";
        };
    }
}
