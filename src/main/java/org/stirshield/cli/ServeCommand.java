package org.stirshield.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stirshield.agi.AgiServer;
import org.stirshield.agi.ServerSettings;
import org.stirshield.audit.LogFormat;
import org.stirshield.audit.Metrics;
import org.stirshield.config.ConfigValues;
import org.stirshield.passport.Es256;
import org.stirshield.service.StirShieldService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code stirshield serve}: the FastAGI server Asterisk calls for every inbound call. Runs until
 * SIGTERM/SIGINT, then stops accepting and lets the calls in flight finish ({@code server.shutdown_grace}),
 * closes the service (every audit record written) and exits 0 (a clean stop, for systemd).
 * SIGHUP reloads the policy, the trust anchors, CRL files and pinned certificates. Exit 2: the configuration
 * is invalid (the unit does not restart on it); 1: it could not start for another reason (e.g. the port is
 * taken).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run the FastAGI server Asterisk calls for every inbound call.",
            "The dialplan line: AGI(agi://127.0.0.1:4573/verify,trunk=NAME); the server reads the Identity headers"
                    + " and the rest of the INVITE itself (docs/asterisk.md).",
            "Exit 2 when the configuration is invalid (the same errors check-config reports), 1 when it cannot start."})
final class ServeCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);
    /** Exit status for an invalid configuration (stirshield.service: RestartPreventExitStatus=2). */
    static final int CONFIG_ERROR = 2;

    @Option(names = "--config", paramLabel = "FILE",
            description = "stirshield.yaml; relative paths in it resolve against its directory (default: built-in "
                    + "defaults, relative to the working directory)")
    Path config;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "overrides server.listen (default 127.0.0.1:4573)")
    String listen;

    @Option(names = "--audit", paramLabel = "FILE", description = "overrides audit.file")
    Path audit;

    @Option(names = "--metrics", paramLabel = "HOST:PORT", description = "overrides metrics.listen (and enables metrics)")
    String metrics;

    /**
     * The command line parsed without picocli when it is plain: only {@code --config}, {@code --listen},
     * {@code --audit}, {@code --metrics}, each at most once, as {@code --opt VALUE} or {@code --opt=VALUE} with a
     * non-empty value that does not start with {@code -} or {@code @}. Anything else (help, version, a mistake, an
     * {@code @file}) returns null and goes through picocli, which says what is wrong. picocli's classes are of a
     * class-file version class-data sharing does not archive; building its model costs {@code serve} about a third
     * of a second at start-up (ServeCommandTest checks that both parsers agree).
     */
    static ServeCommand parsePlain(String[] args) {
        ServeCommand c = new ServeCommand();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            int eq = a.indexOf('=');
            String name = eq < 0 ? a : a.substring(0, eq);
            String value;
            if (eq >= 0) {
                value = a.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                return null;
            }
            if (value.isEmpty() || value.startsWith("-") || value.startsWith("@") || !seen.add(name)) {
                return null;
            }
            switch (name) {
                case "--config" -> c.config = Path.of(value);
                case "--listen" -> c.listen = value;
                case "--audit" -> c.audit = Path.of(value);
                case "--metrics" -> c.metrics = value;
                default -> {
                    return null;
                }
            }
        }
        return c;
    }

    /**
     * The launcher's start-up training run ({@code -Dstirshield.startup.training=true} with {@code -XX:AOTCacheOutput}
     * or {@code -XX:ArchiveClassesAtExit}): serve starts as always, waits until the TLS warm-up is done and the ES256
     * provider is chosen, takes one connection, and stops cleanly, so the JVM
     * writes its start-up cache from a quiet process.
     */
    static final String TRAINING = "stirshield.startup.training";

    private static void train(AgiServer server) throws InterruptedException {
        Es256.awaitFastest(java.time.Duration.ofMinutes(2));
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(server.address(), 5000);
        } catch (java.io.IOException e) {
            LOG.debug("training connection: {}", e.toString());
        }
        Thread.sleep(200); // the session sees the connection close
    }

    @Override
    public Integer call() throws Exception {
        // the ES256 provider upgrade (loading ACCP) waits until the listener is open (Es256.holdUpgrade)
        try (Es256.UpgradeHold upgrade = Es256.holdUpgrade()) {
            return start(upgrade);
        }
    }

    private Integer start(Es256.UpgradeHold upgrade) throws Exception {
        ServerSettings settings;
        StirShieldService.Prepared prepared;
        JsonNode tree = null;
        Path file = config == null ? null : config.toAbsolutePath().normalize();
        try {
            tree = file == null ? ConfigValues.emptyConfig(Path.of("")) : ConfigValues.readYaml(file);
            LogFormat.from(tree).apply(); // logging.format: json from here on
            settings = ServerSettings.from(ConfigValues.section(tree, "server"));
            if (listen != null) {
                try {
                    settings = settings.withListen(ServerSettings.parseListen(listen));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--listen: " + e.getMessage());
                }
            }
            prepared = StirShieldService.prepare(new StirShieldService.Options(file, tree, audit, metrics));
        } catch (IllegalArgumentException e) {
            if (String.valueOf(e.getMessage()).startsWith("--")) { // a command-line option's value, not the file's
                System.err.println("stirshield serve: " + e.getMessage());
                return CONFIG_ERROR;
            }
            System.err.println("stirshield serve: " + ConfigValues.locate(tree, e).getMessage());
            System.err.println("stirshield serve: invalid configuration, not started (check it with: stirshield "
                    + "check-config " + (file == null ? "FILE" : file) + ")");
            return CONFIG_ERROR;
        }
        StirShieldService service;
        try {
            service = StirShieldService.open(prepared);
            try {
                service.startEndpoint(); // before the listener: /health/ready answers as soon as calls are accepted
            } catch (java.io.IOException | RuntimeException e) {
                service.close();
                throw e;
            }
        } catch (java.io.IOException | IllegalArgumentException e) {
            System.err.println("stirshield serve: " + e.getMessage());
            return 1;
        }
        AgiServer server;
        try {
            server = AgiServer.start(settings, service.screener(), service.signer());
            service.metrics().bindAgi(server::activeSessions, () -> {
                AgiServer.Stats st = server.stats();
                return new Metrics.AgiCounts(st.accepted(), st.refusedNotAllowed(), st.refusedBusy(), st.deadlineFailsafe(),
                        st.evicted(), st.silent(), st.commandErrors(), st.decidedOffLoop());
            });
        } catch (java.io.IOException e) {
            service.close();
            System.err.println("stirshield serve: cannot listen on " + settings.listen() + " (server.listen): "
                    + e.getMessage());
            return 1;
        }
        upgrade.close(); // accepting: the ES256 provider upgrade may start
        boolean training = Boolean.getBoolean(TRAINING);
        ServerSettings s = settings;
        server.onDrain(service::startDrain); // /health/ready answers 503 from the first moment of the drain
        Runnable drain = () -> {
            LOG.info("shutting down: /health/ready answers 503, new connections are refused, draining calls in"
                    + " flight (up to {} ms)", s.shutdownGrace().toMillis());
            boolean drained = server.shutdown(s.shutdownGrace());
            service.close();
            LOG.info("stopped ({}): {}", drained ? "drained" : "grace period over", server.stats());
        };
        if (training) {
            service.awaitTlsWarmUp(java.time.Duration.ofMinutes(2));
            train(server);
            drain.run();
            return 0;
        }
        // SIGTERM/SIGINT: this thread drains and the command returns 0 (systemd sees a clean stop)
        CountDownLatch stop = new CountDownLatch(1);
        if (TermSignal.install(stop::countDown)) {
            stop.await();
            drain.run();
            return 0;
        }
        Thread hook = new Thread(drain, "stirshield-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        server.awaitTermination();
        // Accepting stopped: the hook is draining; the JVM exits when it returns.
        hook.join();
        return 0;
    }
}
