package org.stirshield.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stirshield.agi.AgiServer;
import org.stirshield.agi.ServerSettings;
import org.stirshield.audit.LogFormat;
import org.stirshield.audit.Metrics;
import org.stirshield.config.ConfigValues;
import org.stirshield.service.StirShieldService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./stirshield serve}: the FastAGI server Asterisk calls for every inbound call. Runs until
 * SIGTERM/SIGINT, then stops accepting and lets the calls in flight finish ({@code server.shutdown_grace}).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the FastAGI server (AGI(agi://127.0.0.1:4573/verify,$${PJSIP_HEADER(read,Identity)})).")
final class ServeCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    @Option(names = "--config", paramLabel = "FILE", description = "stirshield.yaml (default: built-in defaults)")
    Path config;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "overrides server.listen (default 127.0.0.1:4573)")
    String listen;

    @Option(names = "--audit", paramLabel = "FILE", description = "overrides audit.file")
    Path audit;

    @Option(names = "--metrics", paramLabel = "HOST:PORT", description = "overrides metrics.listen (and enables metrics)")
    String metrics;

    @Override
    public Integer call() throws Exception {
        JsonNode tree = config == null ? JsonNodeFactory.instance.objectNode() : ConfigValues.readYaml(config);
        ServerSettings settings;
        try {
            LogFormat.from(tree).apply(); // logging.format: json from here on
            settings = ServerSettings.from(ConfigValues.section(tree, "server"));
            if (listen != null) {
                settings = settings.withListen(ServerSettings.parseListen(listen));
            }
        } catch (IllegalArgumentException e) {
            System.err.println("stirshield serve: " + (config == null ? "" : config + ": ") + e.getMessage());
            return 2;
        }
        StirShieldService service;
        try {
            service = StirShieldService.start(new StirShieldService.Options(config, tree, audit, metrics));
        } catch (IllegalArgumentException | java.io.IOException e) {
            System.err.println("stirshield serve: " + (config == null ? "" : config + ": ") + e.getMessage());
            return 2;
        }
        AgiServer server;
        try {
            server = AgiServer.start(settings, service.screener(), service.signer());
            service.metrics().bindAgi(server::activeSessions, () -> {
                AgiServer.Stats st = server.stats();
                return new Metrics.AgiCounts(st.accepted(), st.refusedNotAllowed(), st.refusedBusy(), st.deadlineFailsafe());
            });
        } catch (java.io.IOException e) {
            service.close();
            System.err.println("stirshield serve: cannot listen on " + settings.listen() + ": " + e.getMessage());
            return 2;
        }
        ServerSettings s = settings;
        Thread hook = new Thread(() -> {
            LOG.info("shutting down: draining calls in flight (up to {} ms)", s.shutdownGrace().toMillis());
            boolean drained = server.shutdown(s.shutdownGrace());
            service.close();
            LOG.info("stopped ({}): {}", drained ? "drained" : "grace period over", server.stats());
        }, "stirshield-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        server.awaitTermination();
        // Accepting stopped: the hook is draining (SIGTERM); the JVM exits when it returns.
        hook.join();
        return 0;
    }
}
