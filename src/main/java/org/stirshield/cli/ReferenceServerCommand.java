package org.stirshield.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.stirshield.agi.ServerSettings;
import org.stirshield.agi.StockAgiServer;
import org.stirshield.config.ConfigValues;
import org.stirshield.service.StirShieldService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./stirshield bench-reference-server}: the benchmark's reference, started by {@code bench} in its
 * own process: asterisk-java's stock {@code DefaultAgiServer} serving the same script over the same
 * pipeline as {@code serve}, from the same configuration file. Not for production.
 */
@Command(name = "bench-reference-server", hidden = true, mixinStandardHelpOptions = true,
        description = "asterisk-java's DefaultAgiServer serving StirShield's verify script (benchmark reference).")
final class ReferenceServerCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", required = true, description = "stirshield.yaml")
    Path config;

    @Override
    public Integer call() throws Exception {
        JsonNode tree = ConfigValues.readYaml(config);
        ServerSettings settings = ServerSettings.from(ConfigValues.section(tree, "server"));
        StirShieldService service = StirShieldService.start(new StirShieldService.Options(config, tree, null, null));
        System.err.println("reference server listening on " + settings.listen());
        StockAgiServer.serve(settings.listen(), service.screener(), settings.decisionDeadline(), settings.readSipHeaders());
        return 0;
    }
}
