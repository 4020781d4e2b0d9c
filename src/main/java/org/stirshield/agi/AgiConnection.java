package org.stirshield.agi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One FastAGI TCP connection, read and written line by line with hard bounds, so that a hostile or
 * broken peer can hold neither a session slot nor the heap:
 * <ul>
 *   <li>a line is at most {@link #MAX_LINE} bytes: the rest of a longer one is read and thrown away (the
 *       session goes on, {@link #lineTooLong()} says so), so the call can still be answered;</li>
 *   <li>a session reads at most {@link #MAX_SESSION_BYTES} in all ({@link SessionLimitException});</li>
 *   <li>every read waits at most {@code server.read_timeout} and the whole session at most its time limit,
 *       so a peer that trickles a byte at a time cannot keep it open ({@link SocketTimeoutException},
 *       {@link #timedOut()}).</li>
 * </ul>
 * The read buffer belongs to the server thread and is reused from session to session.
 */
final class AgiConnection {
    /** Longest line kept: an AGI argument or a GET FULL VARIABLE reply carrying SIP headers. */
    static final int MAX_LINE = 64 * 1024;
    /** Most bytes read in one session (enough to read past a 1 MB environment block and still answer). */
    static final int MAX_SESSION_BYTES = 2 * 1024 * 1024;

    /** The session read more than {@link #MAX_SESSION_BYTES}: stop reading, answer if possible. */
    static final class SessionLimitException extends IOException {
        private static final long serialVersionUID = 1L;

        SessionLimitException() {
            super("session exceeds " + MAX_SESSION_BYTES + " bytes");
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buf;
    private int pos;
    private int limit;
    private byte[] longLine; // a line longer than the buffer, being assembled (up to MAX_LINE)
    private int longLength;
    private boolean tooLong;
    private boolean timedOut;
    private long bytesRead;
    private final int readTimeoutMillis;
    private final long endNanos;

    /**
     * @param buffer the thread's read buffer (reused; its size is the usual read size)
     * @param readTimeoutMillis the longest wait for any read
     * @param endNanos when the whole session must be over ({@link System#nanoTime()})
     */
    AgiConnection(Socket socket, byte[] buffer, int readTimeoutMillis, long endNanos) throws IOException {
        this.socket = socket;
        this.buf = buffer;
        this.readTimeoutMillis = readTimeoutMillis;
        this.endNanos = endNanos;
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(readTimeoutMillis);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    Socket socket() {
        return socket;
    }

    /** Whether the last line read was longer than {@link #MAX_LINE} (its first MAX_LINE bytes were returned). */
    boolean lineTooLong() {
        return tooLong;
    }

    /** Whether a read timed out ({@code server.read_timeout} or the session's time limit). */
    boolean timedOut() {
        return timedOut;
    }

    /** Bytes read so far in this session. */
    long bytesRead() {
        return bytesRead;
    }

    /**
     * The next line without its line end ({@code \n} or {@code \r\n}), decoded as UTF-8 (malformed bytes
     * become U+FFFD), or null at the end of the stream. A line longer than {@link #MAX_LINE} is cut there,
     * the rest of it discarded, and {@link #lineTooLong()} set.
     */
    String readLine() throws IOException {
        return readLine(false);
    }

    /**
     * As {@link #readLine()}, but {@code bytes} keeps one character per byte (ISO-8859-1), for replies
     * whose fields are counted in bytes.
     */
    String readLine(boolean bytes) throws IOException {
        tooLong = false;
        longLength = 0;
        while (true) {
            for (int i = pos; i < limit; i++) {
                if (buf[i] == '\n') {
                    String line = take(i, bytes);
                    pos = i + 1;
                    return line;
                }
            }
            keep(pos, limit); // no line end in the buffer yet
            pos = 0;
            limit = 0;
            if (fill() < 0) {
                return longLength == 0 && !tooLong ? null : take(0, bytes);
            }
        }
    }

    /** The line ending at {@code end} in the buffer (after what {@link #keep} collected). */
    private String take(int end, boolean bytes) {
        if (longLength == 0 && !tooLong) {
            int e = end > pos && buf[end - 1] == '\r' ? end - 1 : end;
            return decode(buf, pos, e - pos, bytes);
        }
        keep(pos, end);
        int e = longLength > 0 && longLine[longLength - 1] == '\r' && !tooLong ? longLength - 1 : longLength;
        String line = decode(longLine, 0, e, bytes);
        if (longLine.length > 4 * buf.length) {
            longLine = null; // do not keep a big array for the rest of the session
        }
        longLength = 0;
        return line;
    }

    /** Appends {@code buf[from, to)} to the long line, up to {@link #MAX_LINE}; beyond it marks the line too long. */
    private void keep(int from, int to) {
        int n = to - from;
        if (n <= 0) {
            return;
        }
        int room = MAX_LINE - longLength;
        if (n > room) {
            tooLong = true;
            n = room;
        }
        if (n == 0) {
            return;
        }
        if (longLine == null || longLine.length < longLength + n) {
            int size = Math.min(MAX_LINE, Math.max(longLength + n, 2 * Math.max(buf.length, longLength)));
            longLine = longLine == null ? new byte[size] : Arrays.copyOf(longLine, size);
        }
        System.arraycopy(buf, from, longLine, longLength, n);
        longLength += n;
    }

    private static String decode(byte[] b, int off, int len, boolean bytes) {
        return new String(b, off, len, bytes ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
    }

    private int fill() throws IOException {
        long leftMillis = (endNanos - System.nanoTime()) / 1_000_000;
        if (leftMillis <= 0) {
            timedOut = true;
            throw new SocketTimeoutException("session longer than its time limit");
        }
        if (leftMillis < readTimeoutMillis) {
            socket.setSoTimeout((int) leftMillis);
        }
        int n;
        try {
            n = in.read(buf, 0, buf.length);
        } catch (SocketTimeoutException e) {
            timedOut = true;
            throw e;
        }
        if (n > 0) {
            bytesRead += n;
            if (bytesRead > MAX_SESSION_BYTES) {
                throw new SessionLimitException();
            }
            limit = n;
        }
        return n;
    }

    /** Writes one command line (a line end is added) and sends it. */
    void writeLine(String line) throws IOException {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        byte[] withEnd = Arrays.copyOf(b, b.length + 1);
        withEnd[b.length] = '\n';
        out.write(withEnd);
    }

    void closeQuietly() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
