package org.stirshield.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * A real redis-server (Debian's {@code redis-server}; {@code .ci/run} installs it) on a free loopback port,
 * started by the test: no persistence, its files in a temporary directory. It can be killed, restarted on
 * the same port, and frozen (SIGSTOP: accepts connections, never answers) and thawed.
 */
public final class RedisServer implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final String password;
    private final Tls tls;
    private Process process;

    /** TLS files (PEM) for a {@code rediss://} server: its certificate, its key, and the CA that issued it. */
    public record Tls(Path certificate, Path key, Path ca) {
    }

    private RedisServer(Path dir, int port, String password, Tls tls) {
        this.dir = dir;
        this.port = port;
        this.password = password;
        this.tls = tls;
    }

    /** Starts one without a password. */
    public static RedisServer start(Path dir) throws IOException, InterruptedException {
        return start(dir, null);
    }

    /** Starts one requiring {@code password} (null: none). */
    public static RedisServer start(Path dir, String password) throws IOException, InterruptedException {
        return start(dir, password, null);
    }

    /** Starts one speaking only TLS ({@code rediss://}) on its port, when {@code tls} is given. */
    public static RedisServer start(Path dir, String password, Tls tls) throws IOException, InterruptedException {
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            RedisServer r = new RedisServer(dir, freePort(), password, tls);
            try {
                r.launch();
                return r;
            } catch (IOException e) { // the free port was taken in between: another one
                last = e;
                r.close();
            }
        }
        throw last;
    }

    private void launch() throws IOException, InterruptedException {
        String exe = executable();
        List<String> cmd = new ArrayList<>(List.of(exe, "--port", Integer.toString(tls == null ? port : 0), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no",
                "--logfile", dir.resolve("redis-" + port + ".log").toString(), "--protected-mode", "no"));
        if (password != null) {
            cmd.addAll(List.of("--requirepass", password));
        }
        if (tls != null) {
            cmd.addAll(List.of("--tls-port", Integer.toString(port), "--tls-cert-file", tls.certificate().toString(),
                    "--tls-key-file", tls.key().toString(), "--tls-ca-cert-file", tls.ca().toString(),
                    "--tls-auth-clients", "no"));
        }
        Files.deleteIfExists(dir.resolve("redis-" + port + ".log"));
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis-" + port + ".out").toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited: " + log());
            }
            if (tls != null) {
                if (log().contains("Ready to accept connections")) {
                    return;
                }
            } else {
                try (Jedis j = client()) {
                    if ("PONG".equals(j.ping())) {
                        return;
                    }
                } catch (RuntimeException e) {
                    // not up yet
                }
            }
            if (System.nanoTime() > end) {
                throw new IOException("redis-server did not answer on port " + port + ": " + log());
            }
            Thread.sleep(20);
        }
    }

    private static String executable() throws IOException {
        for (String p : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        throw new IOException("redis-server not found: install Debian's redis-server package (.ci/run does)");
    }

    private String log() {
        try {
            Path f = dir.resolve("redis-" + port + ".log");
            return Files.exists(f) ? Files.readString(f) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:PORT/DB}. */
    public String url(int db) {
        return "redis://127.0.0.1:" + port + "/" + db;
    }

    /** A client for the test's own checks. */
    public Jedis client() {
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder().timeoutMillis(5000)
                .autoNegotiateProtocol(false); // RESP2, as the replay store speaks; no warning per client
        if (password != null) {
            b.password(password);
        }
        return new Jedis(new HostAndPort("127.0.0.1", port), b.build());
    }

    /** SIGKILL: the store vanishes at once, its data with it. */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Starts it again on the same port (empty: nothing was persisted). */
    public void restart() throws IOException, InterruptedException {
        kill();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                launch();
                return;
            } catch (IOException e) { // the port may linger a moment
                if (System.nanoTime() > end) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /** SIGSTOP: the kernel still accepts connections, the server never answers. */
    public void freeze() throws IOException, InterruptedException {
        signal("-STOP");
    }

    /** SIGCONT after {@link #freeze()}. */
    public void thaw() throws IOException, InterruptedException {
        signal("-CONT");
    }

    private void signal(String sig) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", sig, Long.toString(process.pid())).inheritIO().start();
        if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
            throw new IOException("kill " + sig + " " + process.pid() + " failed");
        }
    }

    @Override
    public void close() {
        if (process != null) {
            try {
                if (process.isAlive()) {
                    signal("-CONT"); // a frozen server must be able to die
                }
            } catch (IOException | InterruptedException ignored) {
                // killed below anyway
            }
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
