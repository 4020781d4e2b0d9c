package org.stirshield.agi;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.stirshield.verify.Reason;

/**
 * The environment block Asterisk sends first on a FastAGI connection ({@code agi_name: value} lines,
 * then a blank line), read with bounds and never given up on: whatever goes wrong, as much of the call
 * as could be read is kept, and {@link #problem()} says what went wrong, so that the call can still be
 * answered and recorded.
 *
 * <p>Bounds: {@link #MAX_LINES} lines and {@link #MAX_BYTES} bytes are kept; lines beyond are read and
 * thrown away until the blank line ({@code request_too_large}); a line longer than
 * {@link LineReader#MAX_LINE} is cut ({@code header_too_large}); a line that is not
 * {@code name: value} with a name of {@code [a-z0-9_]} is {@code malformed_request}; a block that never
 * ends (silence for read_timeout, the connection closed, the session's byte or time limit) is
 * {@code incomplete_request}.
 */
final class EnvironmentBlock {
    /** Most lines kept (Asterisk 22 sends 22 plus one per AGI argument, and cuts arguments near 8 KiB). */
    static final int MAX_LINES = 256;
    /** Most bytes of lines kept. */
    static final int MAX_BYTES = 128 * 1024;

    private final Map<String, String> values;
    private final List<String> arguments;
    private final boolean complete;
    private final boolean writable;
    private final long bytes;
    private final Reason problem;
    private final String detail;

    private EnvironmentBlock(Map<String, String> values, List<String> arguments, boolean complete, boolean writable,
            long bytes, Reason problem, String detail) {
        this.values = values;
        this.arguments = arguments;
        this.complete = complete;
        this.writable = writable;
        this.bytes = bytes;
        this.problem = problem;
        this.detail = detail;
    }

    /**
     * Reads one environment block line by line as it arrives (the FastAGI server's event loop feeds it).
     * Never throws: whatever ends the block early becomes its problem.
     */
    static final class Reader {
        private final Map<String, String> values = new HashMap<>(48);
        private final Problem problem = new Problem();
        private int kept;
        private long keptBytes;

        /** Takes one line ({@code tooLong}: cut at {@link LineReader#MAX_LINE}); true when it ends the block. */
        boolean line(String line, boolean tooLong) {
            if (line.isEmpty() && !tooLong) {
                return true;
            }
            int colon = line.indexOf(':');
            String name = colon > 0 ? line.substring(0, colon) : null;
            if (tooLong) { // the value is cut: never used
                problem.note(Reason.HEADER_TOO_LARGE, (name != null && validName(name) ? name : "an environment line")
                        + " longer than " + LineReader.MAX_LINE + " bytes");
            } else if (kept >= MAX_LINES || keptBytes + line.length() > MAX_BYTES) {
                problem.note(Reason.REQUEST_TOO_LARGE, "environment block longer than " + MAX_LINES + " lines or "
                        + MAX_BYTES + " bytes");
            } else if (name == null || !validName(name)) {
                problem.note(Reason.MALFORMED_REQUEST, "environment line " + (kept + 1) + " is not 'agi_name: value'");
            } else {
                kept++;
                keptBytes += line.length();
                String value = line.substring(colon + 1);
                values.putIfAbsent(name, value.startsWith(" ") ? value.substring(1) : value);
            }
            return false;
        }

        /** The block, ended by its blank line. */
        EnvironmentBlock complete(long bytesRead) {
            return build(true, true, bytesRead);
        }

        /**
         * The block as far as it came, ended early: {@code problem} says why; {@code writable}: whether the
         * connection can still carry an answer.
         */
        EnvironmentBlock cutOff(Reason why, String detail, boolean writable, long bytesRead) {
            problem.note(why, detail);
            return build(false, writable, bytesRead);
        }

        private EnvironmentBlock build(boolean complete, boolean writable, long bytesRead) {
            List<String> args = new ArrayList<>(4);
            for (int i = 1; i <= MAX_LINES; i++) {
                String a = values.get("agi_arg_" + i);
                if (a == null) {
                    break;
                }
                args.add(a);
            }
            return new EnvironmentBlock(values, args, complete, writable, bytesRead, problem.reason, problem.detail);
        }
    }

    /** The problem that explains most: a size bound over a cut-off block over a malformed line. */
    private static final class Problem {
        Reason reason;
        String detail;

        void note(Reason r, String why) {
            if (reason == null || rank(r) > rank(reason)) {
                reason = r;
                detail = why;
            }
        }

        private static int rank(Reason r) {
            return switch (r) {
                case HEADER_TOO_LARGE, REQUEST_TOO_LARGE -> 3;
                case INCOMPLETE_REQUEST -> 2;
                default -> 1;
            };
        }
    }

    /** An environment block given as lines (tests, the CLI). */
    static EnvironmentBlock of(List<String> lines) {
        Map<String, String> values = new HashMap<>();
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                String value = line.substring(colon + 1);
                values.putIfAbsent(line.substring(0, colon).trim(), value.startsWith(" ") ? value.substring(1) : value);
            }
        }
        List<String> args = new ArrayList<>();
        for (int i = 1; values.containsKey("agi_arg_" + i); i++) {
            args.add(values.get("agi_arg_" + i));
        }
        return new EnvironmentBlock(values, args, true, true, 0, null, null);
    }

    private static boolean validName(String name) {
        if (name.isEmpty() || name.length() > 64) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) {
                return false;
            }
        }
        return true;
    }

    /** The value of {@code name} as sent, or null. */
    String get(String name) {
        return values.get(name);
    }

    /** {@code agi_arg_1}, {@code agi_arg_2} … in order (an empty argument is an empty string). */
    List<String> arguments() {
        return arguments;
    }

    /** Whether the block ended with its blank line. */
    boolean complete() {
        return complete;
    }

    /** Whether the connection can still carry an answer (false after a reset or another I/O failure). */
    boolean writable() {
        return writable;
    }

    /** Whether the peer sent anything at all. */
    boolean empty() {
        return bytes == 0;
    }

    /** What went wrong, or null when the block is complete and well-formed. */
    Reason problem() {
        return problem;
    }

    /** What went wrong, in words (for logs and the audit record), or null. */
    String detail() {
        return detail;
    }

    /**
     * The script the AGI URL names: {@code agi_network_script}, else the path of {@code agi_request}
     * ({@code agi://host:port/verify?x=y} → {@code verify}), or null.
     */
    String script() {
        String s = values.get("agi_network_script");
        if (s == null || s.isEmpty()) {
            String request = values.get("agi_request");
            if (request == null) {
                return null;
            }
            int scheme = request.indexOf("://");
            int slash = scheme < 0 ? -1 : request.indexOf('/', scheme + 3);
            if (slash < 0) {
                return null;
            }
            s = request.substring(slash + 1);
        }
        int q = s.indexOf('?');
        if (q >= 0) {
            s = s.substring(0, q);
        }
        while (s.startsWith("/")) {
            s = s.substring(1);
        }
        return s.isEmpty() ? null : s;
    }
}
