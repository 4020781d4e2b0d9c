package org.stirshield.agi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The floor of the FastAGI benchmark: a minimal FastAGI responder that does only the exchange itself. It
 * accepts, reads the environment block up to its blank line, sends the same commands StirShield's
 * {@code verify} script sends (the one {@code GET FULL VARIABLE} when the server reads the SIP request, then
 * an {@code EXEC MSet} of the same size as a decision's), reads each reply, and closes. No parsing beyond
 * line ends, no bounds, no decision, no audit, no watchdog: what the OS and the JVM charge for a FastAGI
 * call on this machine. Not for production.
 *
 * <p>Two threading models, so that the benchmark can show what the model alone costs:
 * <ul>
 *   <li>{@code nio}: one event loop per core, each with its own listener on the same port
 *       ({@code SO_REUSEPORT}: the kernel spreads connections over them), driving every session's steps
 *       itself with non-blocking sockets: no thread per session, no hand-off;</li>
 *   <li>{@code threads}: platform threads that each accept a connection and serve it with blocking reads
 *       (the leader/follower model of {@link AgiServer}).</li>
 * </ul>
 */
public final class FloorAgiServer {
    private final byte[] fetch;
    private final byte[] mset;

    private FloorAgiServer(boolean readSipHeaders, String status) {
        SipHeaderFetch f = SipHeaderFetch.of(1, SipHeaderFetch.IDENTITY_FIRST, readSipHeaders, readSipHeaders,
                readSipHeaders);
        this.fetch = f == null ? null : (f.command() + "\n").getBytes(StandardCharsets.UTF_8);
        // the variables a decision sets (ChannelVariables.of): the same command length as StirShield's answer
        java.util.Map<String, String> vars = new java.util.LinkedHashMap<>();
        vars.put("STIR_STATUS", status);
        vars.put("STIR_REASON", "PASS".equals(status) ? "verified" : "no_identity");
        vars.put("STIR_ATTEST", "PASS".equals(status) ? "A" : "");
        vars.put("STIR_ACTION", "PASS".equals(status) ? "allow" : "reject");
        vars.put("STIR_SIP_CODE", "PASS".equals(status) ? "" : "428");
        vars.put("STIR_VERSTAT", "PASS".equals(status) ? "TN-Validation-Passed" : "No-TN-Validation");
        vars.put("STIR_PROTECTED", "1");
        vars.put("STIR_LABEL", "Bench protected number");
        this.mset = (ChannelVariables.msetCommand(vars) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Serves until the process ends (blocks).
     *
     * @param model {@code nio} or {@code threads}
     * @param readSipHeaders send the {@code GET FULL VARIABLE} first (the recommended dialplan)
     * @param status the STIR_STATUS the answer carries
     */
    public static void serve(InetSocketAddress listen, String model, boolean readSipHeaders, String status)
            throws IOException, InterruptedException {
        FloorAgiServer f = new FloorAgiServer(readSipHeaders, status);
        List<Thread> threads = new ArrayList<>();
        if (model.equals("nio")) {
            for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
                ServerSocketChannel l = ServerSocketChannel.open();
                l.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                l.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                l.bind(listen, 1024);
                l.configureBlocking(false);
                threads.add(Thread.ofPlatform().name("floor-loop-" + i).start(() -> f.loop(l)));
            }
        } else if (model.equals("threads")) {
            ServerSocket l = new ServerSocket();
            l.setReuseAddress(true);
            l.bind(listen, 1024);
            for (int i = 0; i < 72; i++) {
                threads.add(Thread.ofPlatform().name("floor-" + i).start(() -> f.blocking(l)));
            }
        } else {
            throw new IllegalArgumentException("model: nio or threads, not " + model);
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    /** One session of the event loop. */
    private static final class Session {
        final SocketChannel channel;
        int step; // 0: environment block, 1: GET FULL VARIABLE sent, 2: MSet sent
        byte last = '\n'; // the byte before the buffer's first: a blank line is "\n\n"
        ByteBuffer pending;

        Session(SocketChannel channel) {
            this.channel = channel;
        }
    }

    private void loop(ServerSocketChannel listener) {
        ByteBuffer buf = ByteBuffer.allocateDirect(65536);
        try (Selector selector = Selector.open()) {
            listener.register(selector, SelectionKey.OP_ACCEPT);
            while (true) {
                selector.select();
                for (SelectionKey k : selector.selectedKeys()) {
                    try {
                        if (k.isAcceptable()) {
                            SocketChannel c;
                            while ((c = listener.accept()) != null) {
                                c.configureBlocking(false);
                                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                                c.register(selector, SelectionKey.OP_READ, new Session(c));
                            }
                        } else if (k.isValid()) {
                            step((Session) k.attachment(), k, buf);
                        }
                    } catch (IOException e) {
                        if (k.attachment() instanceof Session s) {
                            close(s.channel);
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void step(Session s, SelectionKey k, ByteBuffer buf) throws IOException {
        if (k.isWritable()) {
            s.channel.write(s.pending);
            if (s.pending.hasRemaining()) {
                return;
            }
            k.interestOps(SelectionKey.OP_READ);
        }
        if (!k.isReadable()) {
            return;
        }
        buf.clear();
        int n = s.channel.read(buf);
        if (n < 0) {
            close(s.channel);
            return;
        }
        for (int i = 0; i < n; i++) {
            byte b = buf.get(i);
            boolean end = b == '\n' && (s.step > 0 || s.last == '\n');
            s.last = b;
            if (!end) {
                continue;
            }
            if (s.step == 0 && fetch != null) {
                s.step = 1;
                send(s, k, fetch);
            } else if (s.step < 2) {
                s.step = 2;
                send(s, k, mset);
            } else {
                close(s.channel);
                return;
            }
        }
    }

    private static void send(Session s, SelectionKey k, byte[] line) throws IOException {
        s.pending = ByteBuffer.wrap(line);
        s.channel.write(s.pending);
        if (s.pending.hasRemaining()) {
            k.interestOps(SelectionKey.OP_WRITE);
        }
    }

    private void blocking(ServerSocket listener) {
        byte[] buf = new byte[65536];
        while (true) {
            try (Socket s = listener.accept()) {
                s.setTcpNoDelay(true);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                int step = 0;
                byte last = '\n';
                serve:
                while (true) {
                    int n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    for (int i = 0; i < n; i++) {
                        byte b = buf[i];
                        boolean end = b == '\n' && (step > 0 || last == '\n');
                        last = b;
                        if (!end) {
                            continue;
                        }
                        if (step == 0 && fetch != null) {
                            step = 1;
                            out.write(fetch);
                        } else if (step < 2) {
                            step = 2;
                            out.write(mset);
                        } else {
                            break serve;
                        }
                    }
                }
            } catch (IOException e) {
                // the next connection
            }
        }
    }

    private static void close(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
