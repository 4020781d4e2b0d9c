package org.stirshield.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The JDK's {@code jcmd} against another JVM (a full GC, its heap in use): for the benchmark and the soak run. */
public final class Jcmd {
    private Jcmd() {
    }

    /**
     * The Java heap's "used" lines of {@code GC.heap_info}: G1's one heap line, or each generation of the serial
     * and parallel collectors (whose first line is the young generation alone, empty after a full GC); not
     * Metaspace and its class space.
     */
    private static final Pattern HEAP_USED = Pattern.compile(
            "^\\s*(?:garbage-first heap|def new generation|tenured generation|DefNew|Tenured|PSYoungGen|ParOldGen)\\s+total \\d+K, used (\\d+)K",
            Pattern.MULTILINE);

    /** Bytes of heap in use in process {@code pid} right after a full GC, or -1. */
    public static long heapUsedAfterGc(long pid) throws IOException, InterruptedException {
        run(pid, "GC.run");
        return heapUsed(run(pid, "GC.heap_info"));
    }

    /** The heap in use that {@code GC.heap_info} output says, in bytes, or -1 when it names none. */
    static long heapUsed(String heapInfo) {
        Matcher m = HEAP_USED.matcher(heapInfo);
        long kb = 0;
        boolean any = false;
        while (m.find()) {
            kb += Long.parseLong(m.group(1));
            any = true;
        }
        return any ? kb * 1024 : -1;
    }

    /** What {@code jcmd PID COMMAND} prints (waits at most a minute for it). */
    public static String run(long pid, String command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }
}
