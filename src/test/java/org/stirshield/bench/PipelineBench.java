package org.stirshield.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.stirshield.cert.Deadline;
import org.stirshield.config.ConfigValues;
import org.stirshield.passport.Es256;
import org.stirshield.policy.Decision;
import org.stirshield.service.CallScreener;
import org.stirshield.service.StirShieldService;
import org.stirshield.verify.CallAttempt;
import org.stirshield.verify.SipRequest;

/**
 * The screening pipeline exactly as {@code serve} builds it ({@link StirShieldService} from a configuration
 * file: the bench's lab STI PKI with the carrier's certificate pinned, the bench policy protecting the
 * calling number, the audit log writing to a file in a temporary directory, replay detection in memory,
 * metrics on), one call at a time on one thread, without the FastAGI server: what StirShield's own work
 * costs per call, beside the exchange the floor measures ({@code bench}).
 *
 * <ul>
 *   <li>{@code call=signed}: every call carries its own freshly signed PASSporT (its own {@code origid}, so
 *       neither the replay window nor the verified-PASSporT cache short-cuts it), certificate warm:
 *       {@code PASS};</li>
 *   <li>{@code call=unsigned}: no Identity header, the protected number is rejected ({@code NO_IDENTITY}).</li>
 * </ul>
 *
 * <p>Besides the calls/s of the calling thread, {@link PerCallProfiler} (which {@code scripts/bench} adds) reports
 * what the <b>process</b> spends per call: CPU time of all its threads ({@code cpu.us/call}: the caller, the
 * audit writer formatting and writing the records, the garbage collector, the JIT), bytes allocated
 * ({@code alloc.B/call}) and collections, over the measured part of each iteration. The PASSporTs of an
 * iteration are signed in its set-up, outside that window. Compare builds by {@code cpu.us/call}, several
 * runs interleaved: wall-clock calls/s moves with the machine's load.
 *
 * <pre>scripts/bench PipelineBench                      # both kinds, 5 x 2 s warm-up, 5 x 2 s measured
 * scripts/bench PipelineBench -p call=signed</pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PipelineBench {
    /** More calls than one thread screens in an iteration (signed calls: about 15,000/s): each signed once. */
    private static final int SIGNED_PER_SECOND_BOUND = 30_000;
    /** The same for unsigned calls (about 100,000/s), which cost nothing to prepare. */
    private static final int UNSIGNED_PER_SECOND_BOUND = 300_000;

    /** The service {@code serve} would run, and this iteration's calls. */
    @State(Scope.Thread)
    public static class Pipeline {
        @Param({"signed", "unsigned"})
        public String call;

        private Path dir;
        private BenchSetup setup;
        private StirShieldService service;
        private CallScreener screener;
        private CallAttempt[] calls;
        private int next;
        private long serial;
        private long signedLate;
        private PerCallProfiler.Meter window;

        @Setup(Level.Trial)
        public void start() throws Exception {
            dir = Files.createTempDirectory("stirshield-pipeline-bench");
            setup = new BenchSetup(dir);
            Path config = setup.config("pipeline", ServerProcess.freePort(), null, dir.resolve("policy.yaml"),
                    ServerProcess.freePort());
            JsonNode tree = ConfigValues.readYaml(config);
            service = StirShieldService.start(new StirShieldService.Options(config, tree, null, null));
            screener = service.screener();
            Es256.awaitFastest(Duration.ofSeconds(30)); // ACCP, as serve runs once it has loaded
            Decision d = service.screener().screen(call(signed() ? setup.identity(BenchSetup.PINNED_X5U) : null, 0),
                    Deadline.in(Duration.ofSeconds(10)));
            String expected = signed() ? "PASS" : "NO_IDENTITY";
            if (!expected.equals(d.status())) {
                throw new IllegalStateException("the bench call was decided " + d.status() + " " + d.reason()
                        + ", expected " + expected + " (ES256 via " + service.verifier().cryptoProvider() + ")");
            }
        }

        /** This iteration's calls, each with its own unique id (and, signed, its own PASSporT signed now). */
        @Setup(Level.Iteration)
        public void prepare(IterationParams iteration) throws Exception {
            int n = (int) Math.min(Integer.MAX_VALUE - 8,
                    (signed() ? SIGNED_PER_SECOND_BOUND : UNSIGNED_PER_SECOND_BOUND)
                            * Math.max(1, iteration.getTime().convertTo(TimeUnit.SECONDS) + 1));
            List<String> identities = signed() ? setup.identities(n, BenchSetup.PINNED_X5U) : null;
            calls = new CallAttempt[n];
            for (int i = 0; i < n; i++) {
                calls[i] = call(identities == null ? null : identities.get(i), ++serial);
            }
            next = 0;
            signedLate = 0;
            System.gc(); // the previous iteration's calls, not this one's collector
            window = PerCallProfiler.start();
        }

        @TearDown(Level.Iteration)
        public void measured() {
            window.stop(next);
            if (signedLate > 0) {
                System.out.printf("%n%d of %d calls were made during the iteration: raise the PER_SECOND_BOUND%n",
                        signedLate, next);
            }
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException {
            if (service != null) {
                service.close();
            }
            if (dir != null && System.getenv("STIRSHIELD_BENCH_KEEP") == null) {
                try (var files = Files.walk(dir)) {
                    for (Path p : files.sorted((a, b) -> b.compareTo(a)).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }

        /** The next call of this iteration. */
        CallAttempt next() {
            if (next < calls.length) {
                return calls[next++];
            }
            next++; // more calls than the bound: signed on this thread (reported, inflating the figures)
            signedLate++;
            return call(signed() ? setup.identityNow(BenchSetup.PINNED_X5U, ++serial) : null, ++serial);
        }

        private boolean signed() {
            return "signed".equals(call);
        }
    }

    /** One call, as the FastAGI server hands it to the pipeline: screened within the default 1 s deadline. */
    @Benchmark
    public Decision screen(Pipeline p) {
        return p.screener.screen(p.next(), Deadline.in(Duration.ofSeconds(1)));
    }

    /**
     * A call as the recommended dialplan line makes it (the bench's {@code Benchmark.call}): the trunk, the
     * channel and unique id from the environment, From, P-Asserted-Identity, Call-ID and source read by the
     * server, and the Identity header when signed.
     */
    private static CallAttempt call(String identity, long serial) {
        SipRequest sip = new SipRequest("bench-" + serial + "@carrier.example", "198.51.100.7:5060",
                "\"Bench Caller\" <sip:" + BenchSetup.CALLER + "@carrier.example>;tag=b3nch",
                List.of("<sip:" + BenchSetup.CALLER + "@carrier.example;user=phone>"), List.of(), List.of());
        return new CallAttempt(BenchSetup.CALLER, BenchSetup.CALLED, identity == null ? List.of() : List.of(identity),
                null, "from-carrier", "1763900000." + serial, "PJSIP/carrier-" + Long.toHexString(0x1_0000_0000L | serial).substring(1), null,
                sip);
    }
}
