package org.stirshield.agi;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.asteriskjava.util.SocketConnectionFacade;

/**
 * One FastAGI TCP connection as asterisk-java's reader and writer see it, with the bounds that
 * asterisk-java's own socket facade lacks: every read times out ({@code server.read_timeout}; its
 * default is 70 minutes), a line is at most {@link #MAX_LINE} bytes and a session at most
 * {@link #MAX_SESSION_BYTES}, and the whole session is time-limited (a peer trickling a byte at a time
 * cannot keep it open), so a hostile or broken peer cannot hold a session slot or the heap.
 * It also keeps the raw environment block: asterisk-java's request map drops empty values, and an empty
 * {@code agi_arg_1} (a call without Identity) must be told apart from no argument at all.
 */
final class AgiConnection implements SocketConnectionFacade {
    /** Longest line accepted: a GET FULL VARIABLE reply carries a whole Identity header. */
    static final int MAX_LINE = 64 * 1024;
    /** Most bytes read in one session. */
    static final int MAX_SESSION_BYTES = 512 * 1024;
    /** Most lines in the environment block (Asterisk 22 sends 22 plus one per AGI argument). */
    static final int MAX_ENV_LINES = 256;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final List<String> environment = new ArrayList<>();
    private boolean environmentDone;
    private volatile boolean timedOut;
    private long bytesRead;
    private final byte[] buf = new byte[8192];
    private int pos;
    private int limit;

    private final int readTimeoutMillis;
    private final long endNanos;

    /**
     * @param readTimeoutMillis the longest wait for any read
     * @param maxSessionMillis the longest the whole exchange may take, however it trickles in
     */
    AgiConnection(Socket socket, int readTimeoutMillis, long maxSessionMillis) throws IOException {
        this.socket = socket;
        this.readTimeoutMillis = readTimeoutMillis;
        this.endNanos = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(maxSessionMillis);
        socket.setSoTimeout(readTimeoutMillis);
        socket.setTcpNoDelay(true);
        this.in = socket.getInputStream();
        this.out = new BufferedOutputStream(socket.getOutputStream(), 4096);
    }

    /** The environment block lines as received ({@code name: value}), once it has been read. */
    List<String> environment() {
        return environment;
    }

    /** Whether the environment block ended with its blank line (not cut short by the peer). */
    boolean environmentComplete() {
        return environmentDone;
    }

    /** Whether a read timed out ({@code server.read_timeout}). */
    boolean timedOut() {
        return timedOut;
    }

    @Override
    public String readLine() throws IOException {
        ByteArrayOutputStream long_ = null; // only for a line longer than the buffer
        while (true) {
            for (int i = pos; i < limit; i++) {
                if (buf[i] == '\n') {
                    String line = take(long_, i);
                    pos = i + 1;
                    return record(line);
                }
            }
            if (limit > pos) { // no newline in the buffered bytes yet: keep them
                int pending = limit - pos + (long_ == null ? 0 : long_.size());
                if (pending > MAX_LINE) {
                    throw new IOException("line longer than " + MAX_LINE + " bytes");
                }
                if (long_ == null) {
                    long_ = new ByteArrayOutputStream(2 * (limit - pos));
                }
                long_.write(buf, pos, limit - pos);
            }
            pos = 0;
            limit = 0;
            int n = fill();
            if (n < 0) {
                return long_ == null || long_.size() == 0 ? null : record(take(long_, 0));
            }
        }
    }

    private String take(ByteArrayOutputStream long_, int end) throws IOException {
        if (long_ == null) {
            return new String(buf, pos, end - pos, StandardCharsets.UTF_8);
        }
        long_.write(buf, pos, end - pos);
        if (long_.size() > MAX_LINE) {
            throw new IOException("line longer than " + MAX_LINE + " bytes");
        }
        return long_.toString(StandardCharsets.UTF_8);
    }

    private int fill() throws IOException {
        int n;
        long leftMillis = (endNanos - System.nanoTime()) / 1_000_000;
        if (leftMillis <= 0) {
            timedOut = true;
            throw new java.net.SocketTimeoutException("session longer than its time limit");
        }
        socket.setSoTimeout((int) Math.min(readTimeoutMillis, leftMillis));
        try {
            n = in.read(buf, 0, buf.length);
        } catch (java.net.SocketTimeoutException e) {
            timedOut = true;
            throw e;
        }
        if (n > 0) {
            bytesRead += n;
            if (bytesRead > MAX_SESSION_BYTES) {
                throw new IOException("session exceeds " + MAX_SESSION_BYTES + " bytes");
            }
            limit = n;
        }
        return n;
    }

    private String record(String s) throws IOException {
        if (s.endsWith("\r")) {
            s = s.substring(0, s.length() - 1);
        }
        if (!environmentDone) {
            if (s.isEmpty()) {
                environmentDone = true;
            } else if (environment.size() >= MAX_ENV_LINES) {
                throw new IOException("environment block longer than " + MAX_ENV_LINES + " lines");
            } else {
                environment.add(s);
            }
        }
        return s;
    }

    @Override
    public void write(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    void closeQuietly() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public boolean isConnected() {
        return socket.isConnected() && !socket.isClosed();
    }

    @Override
    public InetAddress getLocalAddress() {
        return socket.getLocalAddress();
    }

    @Override
    public int getLocalPort() {
        return socket.getLocalPort();
    }

    @Override
    public InetAddress getRemoteAddress() {
        return socket.getInetAddress();
    }

    @Override
    public int getRemotePort() {
        return socket.getPort();
    }
}
