package org.stirshield.agi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The Asterisk side of FastAGI over real TCP, for tests: the exact Asterisk 22 environment block (as
 * docs/asterisk.md describes it), then a blank line; every command answered as Asterisk does and recorded. The
 * protocol code is {@link AgiClient} (also used by {@code ./stirshield call}); this class adds the
 * misbehaving peers (silent, half a block, gone mid-call).
 */
final class FakeAsterisk {
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final InetSocketAddress server;

    FakeAsterisk(InetSocketAddress server) {
        this.server = server;
    }

    /** A call with the Identity headers as arguments: {@code AGI(agi://…/verify,${PJSIP_HEADER(read,Identity)})}. */
    AgiClient.Call call(String callerTn, String calledTn, List<String> args) {
        return AgiClient.call(server, "verify", callerTn, calledTn, "from-carrier", args);
    }

    AgiClient.Result run(AgiClient.Call call) {
        return AgiClient.run(server, call, TIMEOUT);
    }

    AgiClient.Result run(AgiClient.Call call, InetAddress from) {
        return AgiClient.run(server, from, call, TIMEOUT);
    }

    /** Connects and sends {@code text} as is (no blank line added). */
    Socket open(String text) throws IOException {
        Socket s = new Socket();
        s.connect(server, (int) TIMEOUT.toMillis());
        s.setSoTimeout((int) TIMEOUT.toMillis());
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return s;
    }

    /** Reads what the server sends until it closes the connection. */
    static String readToEnd(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    static String environmentBlock(AgiClient.Call call) {
        return AgiClient.environmentBlock(call);
    }

    static Map<String, String> vars(AgiClient.Result r) {
        return r.variables();
    }
}
