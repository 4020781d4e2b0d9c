package org.stirshield.agi;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.stirshield.fuzz.Invariant;

/**
 * The FastAGI request reader: whatever a client sends (the environment block Asterisk would send, mutated) is read
 * through the bounded AgiConnection from a real loopback socket into an EnvironmentBlock (which never throws: a line
 * or block too long, a malformed or cut-off block is its problem, the call's reason) and turned into CallInputs:
 * never an exception, within bounded time and memory. Seeds: environment blocks as Asterisk 22 sends them (SeedCorpus).
 */
class AgiRequestFuzzTest {
    private static final ServerSocket SERVER;

    static {
        try {
            SERVER = new ServerSocket();
            SERVER.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void environmentBlock(byte[] request) throws IOException {
        // the connection is the harness's own, to the loopback listener above (Jazzer flags connections as SSRF)
        try (SilentCloseable loopback = BugDetectors.allowNetworkConnections(
                (host, port) -> port == SERVER.getLocalPort());
                Socket client = new Socket(InetAddress.getLoopbackAddress(), SERVER.getLocalPort());
                Socket accepted = SERVER.accept()) {
            // the whole input, then end of stream (a client that sends and hangs up)
            Thread writer = Thread.ofVirtual().start(() -> {
                try (OutputStream out = client.getOutputStream()) {
                    out.write(request);
                } catch (IOException ignored) {
                    // the reader gave up first (a bound was hit)
                }
            });
            Invariant.holds(() -> {
                AgiConnection c = new AgiConnection(accepted, new byte[8192], 1000,
                        System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(2));
                EnvironmentBlock env = EnvironmentBlock.read(c); // never throws: a problem is a reason
                CallInputs in = CallInputs.from(env);
                in.call().identityHeaders().size();
                if (env.problem() == null && !env.complete()) {
                    throw new AssertionError("an environment block that did not end must say why");
                }
            }, IOException.class);
            accepted.close(); // a writer still blocked on a full socket buffer gets an error and ends
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
