package org.stirshield.agi;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.stirshield.config.ConfigValues;
import org.stirshield.policy.Action;

/**
 * The {@code server:} section of stirshield.yaml: the FastAGI listener.
 *
 * @param listen address and port to bind (default 127.0.0.1:4573, FastAGI's registered port)
 * @param allow the only client addresses/CIDR blocks that may open a session (FastAGI has no
 *     authentication); default loopback only
 * @param maxSessions sessions in progress at once; a connection beyond it is closed at accept
 * @param readTimeout how long the server waits for any line from Asterisk before it drops the session
 * @param decisionDeadline how long a call may wait for its decision (certificate fetch included)
 * @param shutdownGrace on SIGTERM, how long calls in flight may take to finish
 * @param backlog the listen backlog (pending connects the kernel queues)
 * @param failsafeAction the action written when the screener does not answer in time or fails
 */
public record ServerSettings(
        InetSocketAddress listen,
        List<String> allow,
        int maxSessions,
        Duration readTimeout,
        Duration decisionDeadline,
        Duration shutdownGrace,
        int backlog,
        Action failsafeAction) {

    public static final int DEFAULT_PORT = 4573;
    public static final String DEFAULT_LISTEN = "127.0.0.1:" + DEFAULT_PORT;

    public ServerSettings {
        allow = List.copyOf(allow);
        allow.forEach(Cidr::parse); // fail at load time on a bad block
        if (maxSessions < 1) {
            throw new IllegalArgumentException("server.max_sessions must be at least 1");
        }
        if (backlog < 1) {
            throw new IllegalArgumentException("server.backlog must be at least 1");
        }
        requirePositive("server.read_timeout", readTimeout);
        requirePositive("server.decision_deadline", decisionDeadline);
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("server.shutdown_grace must not be negative");
        }
    }

    /** The defaults: loopback only, 1 s decision deadline. */
    public static ServerSettings defaults() {
        return from(null);
    }

    /** Reads the {@code server:} section (null or missing: all defaults). */
    public static ServerSettings from(JsonNode server) {
        String listen = ConfigValues.string(server, "listen", DEFAULT_LISTEN);
        InetSocketAddress address;
        try {
            address = parseListen(listen);
        } catch (IllegalArgumentException e) {
            throw ConfigValues.fail(server, "listen", e.getMessage());
        }
        List<String> allow = ConfigValues.strings(server, "allow", List.of("127.0.0.0/8", "::1/128"), true);
        for (String a : allow) {
            try {
                Cidr.parse(a);
            } catch (IllegalArgumentException e) {
                throw ConfigValues.fail(server, "allow", e.getMessage().replaceFirst("^server\\.allow: ", ""));
            }
        }
        String failsafe = ConfigValues.choice(server, "failsafe_action", "tag", "allow", "tag", "reject");
        return new ServerSettings(
                address,
                allow,
                ConfigValues.integer(server, "max_sessions", 1024, 1, 1_000_000),
                ConfigValues.duration(server, "read_timeout", Duration.ofSeconds(5)),
                ConfigValues.duration(server, "decision_deadline", Duration.ofSeconds(1)),
                ConfigValues.duration(server, "shutdown_grace", Duration.ofSeconds(10)),
                ConfigValues.integer(server, "backlog", 1024, 1, 65_535),
                Action.valueOf(failsafe.toUpperCase(Locale.ROOT)));
    }

    public ServerSettings withListen(InetSocketAddress l) {
        return new ServerSettings(l, allow, maxSessions, readTimeout, decisionDeadline, shutdownGrace, backlog,
                failsafeAction);
    }

    public ServerSettings withAllow(List<String> a) {
        return new ServerSettings(listen, a, maxSessions, readTimeout, decisionDeadline, shutdownGrace, backlog,
                failsafeAction);
    }

    public ServerSettings withLimits(int sessions, Duration read, Duration deadline, Duration grace) {
        return new ServerSettings(listen, allow, sessions, read, deadline, grace, backlog, failsafeAction);
    }

    /** {@code HOST:PORT}, {@code [v6]:PORT}, or {@code :PORT} / {@code PORT} (loopback). */
    public static InetSocketAddress parseListen(String text) {
        String t = text.trim();
        String host;
        String port;
        if (t.startsWith("[")) {
            int close = t.indexOf("]:");
            if (close < 0) {
                throw new IllegalArgumentException("expected [IPv6]:PORT, got " + text);
            }
            host = t.substring(1, close);
            port = t.substring(close + 2);
        } else {
            int colon = t.lastIndexOf(':');
            host = colon < 0 ? "127.0.0.1" : t.substring(0, colon);
            port = colon < 0 ? t : t.substring(colon + 1);
            if (host.isEmpty()) {
                host = "127.0.0.1";
            }
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected HOST:PORT with a numeric port, got " + text);
        }
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port out of range (0..65535) in " + text);
        }
        return new InetSocketAddress(host, p);
    }

    private static void requirePositive(String name, Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
