package org.stirshield.cert;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP server on 127.0.0.1 below HTTP and TLS, for faults a web server does not make: {@link Mode#HANG} accepts
 * and never sends a byte (the TLS handshake waits forever); {@link Mode#RESET} reads the client's first bytes
 * (the TLS ClientHello) and resets the connection (RST). Public for the FastAGI tests, whose certificate fetch
 * must hang ({@code x5u_timeout}).
 */
public final class RawTcpServer implements AutoCloseable {
    /** What the server does with each connection. */
    public enum Mode { HANG, RESET }

    private final ServerSocket server;
    private final Mode mode;
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    public RawTcpServer(Mode mode) throws IOException {
        this.mode = mode;
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1000);
        acceptor = Thread.ofVirtual().start(this::acceptLoop);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                accepted.incrementAndGet();
                if (mode == Mode.HANG) {
                    held.add(s);
                } else {
                    Thread.ofVirtual().start(() -> reset(s));
                }
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private static void reset(Socket s) {
        try (s) {
            s.setSoTimeout(5000);
            s.getInputStream().read(new byte[512]); // the ClientHello
            s.setSoLinger(true, 0); // close() now sends RST
        } catch (IOException ignored) {
            // the client gave up first
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    int accepted() {
        return accepted.get();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : held) {
            s.close();
        }
        acceptor.interrupt();
    }
}
