package org.stirshield.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.stirshield.agi.FloorAgiServer;
import org.stirshield.agi.ServerSettings;
import org.stirshield.config.ConfigValues;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./stirshield bench-floor-server}: the benchmark's floor, started by {@code bench} in its own
 * process: a minimal FastAGI responder (the same commands as {@code serve}, no decision) on the address of
 * the configuration file. Not for production.
 */
@Command(name = "bench-floor-server", hidden = true, mixinStandardHelpOptions = true,
        description = "A minimal FastAGI responder: the exchange alone, no decision (benchmark floor).")
final class FloorServerCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", required = true, description = "stirshield.yaml (server.listen, server.read_sip_headers)")
    Path config;

    @Option(names = "--model", paramLabel = "nio|threads", defaultValue = "nio",
            description = "one event loop per core (default), or platform threads with blocking reads")
    String model;

    @Option(names = "--status", paramLabel = "STATUS", defaultValue = "PASS", description = "the STIR_STATUS it answers")
    String status;

    @Override
    public Integer call() throws Exception {
        JsonNode tree = ConfigValues.readYaml(config);
        ServerSettings settings = ServerSettings.from(ConfigValues.section(tree, "server"));
        System.err.println("floor server (" + model + ") listening on " + settings.listen());
        FloorAgiServer.serve(settings.listen(), model, settings.readSipHeaders(), status);
        return 0;
    }
}
