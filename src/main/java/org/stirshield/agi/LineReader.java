package org.stirshield.agi;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Splits what one FastAGI connection sends into lines, as the bytes arrive (nothing blocks, nothing waits
 * for a whole line), with hard bounds, so that a hostile or broken peer can hold neither a session slot nor
 * the heap:
 * <ul>
 *   <li>a line is at most {@link #MAX_LINE} bytes: the rest of a longer one is thrown away and the line is
 *       handed on cut, marked too long, so the call can still be answered;</li>
 *   <li>a session sends at most {@link #MAX_SESSION_BYTES} in all ({@link #feed} says when it is over).</li>
 * </ul>
 * A line ends at {@code \n}; a {@code \r} before it is dropped. Only a line that does not end within the
 * bytes received so far is copied (into a buffer of its own, grown as needed up to {@code MAX_LINE}).
 */
final class LineReader {
    /** Longest line kept: an AGI argument or a GET FULL VARIABLE reply carrying SIP headers. */
    static final int MAX_LINE = 64 * 1024;
    /** Most bytes read in one session (enough to read past a 1 MB environment block and still answer). */
    static final int MAX_SESSION_BYTES = 2 * 1024 * 1024;
    private static final int FIRST_PARTIAL = 1024;

    /** Where complete lines go. */
    interface Sink {
        /** One line, without its line end; {@code tooLong}: cut at {@link #MAX_LINE}. */
        void line(byte[] b, int off, int len, boolean tooLong);
    }

    private byte[] partial; // the start of a line not ended yet
    private int partialLength;
    private boolean tooLong;
    private long bytesRead;

    /** Bytes received so far. */
    long bytesRead() {
        return bytesRead;
    }

    /**
     * Hands every line that {@code in} completes to {@code sink} and keeps the rest for the next call;
     * returns false, without handing on anything, once the session has sent more than
     * {@link #MAX_SESSION_BYTES}.
     */
    boolean feed(ByteBuffer in, Sink sink) {
        int n = in.remaining();
        bytesRead += n;
        if (bytesRead > MAX_SESSION_BYTES) {
            in.position(in.limit());
            return false;
        }
        byte[] b = in.array();
        int start = in.arrayOffset() + in.position();
        int end = start + n;
        int from = start;
        for (int i = start; i < end; i++) {
            if (b[i] == '\n') {
                if (partialLength == 0 && !tooLong) {
                    int e = i > from && b[i - 1] == '\r' ? i - 1 : i;
                    sink.line(b, from, e - from, false);
                } else {
                    keep(b, from, i);
                    emitPartial(sink);
                }
                from = i + 1;
            }
        }
        keep(b, from, end);
        in.position(in.limit());
        return true;
    }

    /** At the end of the stream: the line not ended, if there is one, as the last line. */
    void end(Sink sink) {
        if (partialLength > 0 || tooLong) {
            emitPartial(sink);
        }
    }

    private void emitPartial(Sink sink) {
        int e = partialLength > 0 && partial[partialLength - 1] == '\r' && !tooLong ? partialLength - 1 : partialLength;
        boolean cut = tooLong;
        byte[] line = partial;
        partialLength = 0;
        tooLong = false;
        if (line != null && line.length > 4 * FIRST_PARTIAL) {
            partial = null; // do not keep a big array for the rest of the session
        }
        sink.line(line == null ? new byte[0] : line, 0, e, cut);
    }

    /** Appends {@code b[from, to)} to the line not ended yet, up to {@link #MAX_LINE}; beyond it marks it too long. */
    private void keep(byte[] b, int from, int to) {
        int n = to - from;
        if (n <= 0) {
            return;
        }
        int room = MAX_LINE - partialLength;
        if (n > room) {
            tooLong = true;
            n = room;
        }
        if (n == 0) {
            return;
        }
        if (partial == null || partial.length < partialLength + n) {
            int size = Math.min(MAX_LINE, Math.max(partialLength + n, 2 * Math.max(FIRST_PARTIAL, partialLength)));
            partial = partial == null ? new byte[size] : Arrays.copyOf(partial, size);
        }
        System.arraycopy(b, from, partial, partialLength, n);
        partialLength += n;
    }
}
