package org.stirshield.cli;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.stirshield.agi.ServerSettings;
import org.stirshield.bench.Benchmark;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./stirshield bench}: the performance benchmark (docs/performance.md). Plays Asterisk over real
 * FastAGI sessions against a StirShield server it starts on loopback (or {@code --server}), beside the
 * references measured in the same run, and ends with {@code calls/s: N}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark the FastAGI server over real sessions on loopback, beside asterisk-java's stock "
                + "DefaultAgiServer serving the same script and `openssl speed ecdsap256`.",
            "Prints calls/s, decision latency p50/p99/p999, errors and the server's CPU ms per call; ends with "
                + "'calls/s: N'."})
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--server", paramLabel = "HOST:PORT",
            description = "load this running server instead of starting one (its CPU time is read when it runs on this machine)")
    String server;

    static final class Load {
        @Option(names = "--rate", paramLabel = "N", description = "offer N calls per second (open loop)")
        int rate;

        @Option(names = "--concurrency", paramLabel = "N", description = "keep N sessions in flight (default 64; --cold: 1000)")
        int concurrency;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Load load = new Load();

    @Option(names = "--duration", paramLabel = "S", defaultValue = "20", description = "seconds measured (default ${DEFAULT-VALUE})")
    int duration;

    @Option(names = "--warmup", paramLabel = "S", defaultValue = "20", description = "seconds of load before measuring (default ${DEFAULT-VALUE})")
    int warmup;

    static final class Kind {
        @Option(names = "--signed", description = "signed calls, a fresh PASSporT each, certificate warm (default)")
        boolean signed;

        @Option(names = "--unsigned", description = "unsigned calls from a protected number (rejected 428)")
        boolean unsigned;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Kind kind = new Kind();

    @Option(names = "--cold", description = "one burst of --concurrency calls (default 1000) on one x5u not fetched yet: "
            + "counts the fetches and the calls answered within the deadline")
    boolean cold;

    @Option(names = "--memory", description = "heap and RSS of a server with 1,000,000 protected entries, 10,000 cached "
            + "certificates and a full replay window at --rate calls/s (default 1000), beside an idle one")
    boolean memory;

    @Option(names = "--one-round-trip", description = "the one-round-trip dialplan: the Identity header as an AGI argument, "
            + "server.read_sip_headers: false (default: the recommended dialplan, two round trips)")
    boolean oneRoundTrip;

    @Option(names = "--floor", paramLabel = "MODEL", split = ",", defaultValue = "nio", hidden = true,
            description = "the floor's threading models: nio (one event loop per core), threads (blocking platform threads)")
    java.util.List<String> floors;

    @Option(names = "--no-reference", description = "skip the references (stock DefaultAgiServer, OpenSSL)")
    boolean noReference;

    @Option(names = "--server-cpus", paramLabel = "LIST", description = "run every server this starts on these CPUs only "
            + "(taskset -c LIST, e.g. 2,3 or 2-3), so that the load generator (this process: start it under "
            + "taskset -c with other CPUs) does not share the servers' cores")
    String serverCpus;

    @Override
    public Integer call() throws Exception {
        InetSocketAddress address = null;
        if (server != null) {
            try {
                address = ServerSettings.parseListen(server);
            } catch (IllegalArgumentException e) {
                System.err.println("stirshield bench: --server: " + e.getMessage());
                return 2;
            }
        }
        if (load.rate < 0 || load.concurrency < 0 || duration < 1 || warmup < 0) {
            System.err.println("stirshield bench: --rate, --concurrency, --duration and --warmup must be positive");
            return 2;
        }
        if (cold && (kind.unsigned || address != null || load.rate > 0)) {
            System.err.println("stirshield bench: --cold plays signed calls against its own server, with --concurrency");
            return 2;
        }
        int concurrency = load.rate > 0 ? 0 : load.concurrency > 0 ? load.concurrency : cold ? 1000 : 64;
        if (serverCpus != null && !Benchmark.isCpuList(serverCpus)) {
            System.err.println("stirshield bench: --server-cpus: a CPU list like 1 or 2,3 or 2-3 expected, not '"
                    + serverCpus + "'");
            return 2;
        }
        if (serverCpus != null && address != null) {
            System.err.println("stirshield bench: --server-cpus pins the servers it starts itself, not --server");
            return 2;
        }
        if (memory && (cold || address != null || kind.unsigned)) {
            System.err.println("stirshield bench: --memory plays signed calls against its own server");
            return 2;
        }
        Benchmark.Options o = new Benchmark.Options(address, load.rate, concurrency, Duration.ofSeconds(duration),
                Duration.ofSeconds(warmup), !kind.unsigned, cold, !noReference && address == null, memory, oneRoundTrip,
                floors.stream().filter(f -> !f.isBlank() && !f.equals("none")).toList(), serverCpus);
        // the report goes to stdout; the servers log to their own files, this process only its warnings
        org.slf4j.Logger root = org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.classic.Logger logger = root instanceof ch.qos.logback.classic.Logger l
                && System.getenv("STIRSHIELD_LOG_LEVEL") == null ? l : null;
        ch.qos.logback.classic.Level before = logger == null ? null : logger.getLevel();
        if (logger != null) {
            logger.setLevel(ch.qos.logback.classic.Level.WARN);
        }
        try {
            new Benchmark(o, System.out).run();
        } finally {
            if (logger != null) {
                logger.setLevel(before);
            }
        }
        return 0;
    }
}
