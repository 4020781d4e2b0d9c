package org.stirshield.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real DNS server for the tests: Debian's dnsmasq ({@code dnsmasq-base}; {@code .ci/run} installs it) on a
 * free loopback port, answering only the records given (no upstream, no /etc/hosts), stopped on close.
 */
public final class Dnsmasq implements AutoCloseable {
    private final Process process;
    private final int port;

    private Dnsmasq(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** One SRV record: {@code _agi._tcp.NAME} pointing at {@code target:port}. */
    public record Srv(String name, String target, int port, int priority, int weight) {
    }

    /** An A record. */
    public record Host(String name, String address) {
    }

    public static Dnsmasq start(Path dir, List<Srv> srv, List<Host> hosts) throws IOException, InterruptedException {
        String exe = null;
        for (String p : List.of("/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/usr/local/sbin/dnsmasq")) {
            if (Files.isExecutable(Path.of(p))) {
                exe = p;
            }
        }
        if (exe == null) {
            throw new IOException("dnsmasq not found: install Debian's dnsmasq-base package (.ci/run does)");
        }
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port;
            try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Path log = dir.resolve("dnsmasq-" + port + ".log");
            List<String> cmd = new ArrayList<>(List.of(exe, "--keep-in-foreground", "--conf-file=/dev/null",
                    "--port=" + port, "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
                    "--pid-file=", "--log-facility=" + log, "--cache-size=0"));
            for (Srv r : srv) {
                cmd.add("--srv-host=_agi._tcp." + r.name() + "," + r.target() + "," + r.port() + "," + r.priority()
                        + "," + r.weight());
            }
            for (Host h : hosts) {
                cmd.add("--host-record=" + h.name() + "," + h.address());
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("dnsmasq-" + port
                    + ".out").toFile()).start();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < end && p.isAlive()) {
                if (Files.exists(log) && Files.readString(log).contains("started")) {
                    return new Dnsmasq(p, port);
                }
                Thread.sleep(20);
            }
            p.destroyForcibly();
            last = new IOException("dnsmasq did not start on port " + port + ": "
                    + (Files.exists(log) ? Files.readString(log) : "") + Files.readString(dir.resolve("dnsmasq-" + port + ".out")));
        }
        throw last;
    }

    /** {@code 127.0.0.1:PORT}, for {@code --dns}. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
