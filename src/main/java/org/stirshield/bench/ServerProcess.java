package org.stirshield.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A FastAGI server under test in its own JVM, started from this one's Java, class path and JVM options
 * ({@code ./stirshield serve} or the reference server), so that its CPU time is its own: read from
 * {@code /proc/PID/stat} (user and system time of all its threads: the server, the garbage collector, the
 * JIT, the audit writer).
 */
final class ServerProcess implements AutoCloseable {
    /** Clock ticks per second of /proc/PID/stat (USER_HZ: 100 on Linux). */
    private static final double TICKS = 100.0;

    /**
     * The servers started and not closed yet: stopped when this JVM exits (the end, an error, Ctrl-C, SIGTERM;
     * not SIGKILL, which runs no hook), so that an interrupted bench leaves no server behind on its port.
     */
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();
    /** Guards {@link #stopping} against a server started while the hook runs. */
    private static final Object LOCK = new Object();
    private static boolean stopping;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ServerProcess::stopAll, "bench-stop-servers"));
    }

    final Process process;
    final InetSocketAddress address;
    final Path log;

    private ServerProcess(Process process, InetSocketAddress address, Path log) {
        this.process = process;
        this.address = address;
        this.log = log;
    }

    /** A free loopback port (for a child to bind). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Starts {@code stirshield <args>} in a new JVM (on the CPUs {@code cpus} only, through {@code taskset -c},
     * unless null) and waits until it accepts connections on {@code port}.
     */
    static ServerProcess start(String cpus, List<String> args, int port, Path log, Duration startTimeout)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (cpus != null) {
            cmd.addAll(List.of("taskset", "-c", cpus));
        }
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-Xrunjdwp")
                    && !a.startsWith("-XX:SharedArchiveFile") && !a.startsWith("-XX:+AutoCreateSharedArchive")
                    && !a.startsWith("-XX:AOTCache")) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("org.stirshield.cli.Main");
        cmd.addAll(args);
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw cpus == null ? e : new IOException("--server-cpus runs the servers through taskset (util-linux), "
                    + "which could not be started: " + e.getMessage(), e);
        }
        synchronized (LOCK) {
            if (stopping) { // this JVM is exiting: the hook has taken its list already
                p.destroyForcibly();
                throw new IOException("the bench is stopping");
            }
            RUNNING.add(p);
        }
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        long end = System.nanoTime() + startTimeout.toNanos();
        while (true) {
            if (!p.isAlive()) {
                RUNNING.remove(p);
                throw new IOException("the server exited with " + p.exitValue() + ":\n" + tail(log));
            }
            try (Socket s = new Socket()) {
                s.connect(address, 200);
                break;
            } catch (IOException notYet) {
                if (System.nanoTime() - end > 0) {
                    p.destroyForcibly();
                    RUNNING.remove(p);
                    throw new IOException("the server did not listen on " + port + " within " + startTimeout.toSeconds()
                            + " s:\n" + tail(log));
                }
                Thread.sleep(20);
            }
        }
        return new ServerProcess(p, address, log);
    }

    /** User and system CPU time so far, seconds: {user, system}. */
    double[] cpu() throws IOException {
        return cpu(process.pid());
    }

    static double[] cpu(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new double[] {Long.parseLong(f[11]) / TICKS, Long.parseLong(f[12]) / TICKS};
    }

    /** Resident set size, bytes. */
    long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        RUNNING.remove(process);
    }

    /** At exit: SIGTERM to every server still running, SIGKILL to those still there 5 s later. */
    private static void stopAll() {
        List<Process> running;
        synchronized (LOCK) {
            stopping = true;
            running = List.copyOf(RUNNING);
        }
        for (Process p : running) {
            p.destroy();
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (Process p : running) {
            try {
                if (!p.waitFor(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
    }
}
