package org.stirshield.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.stirshield.agi.ServerSettings;
import org.stirshield.config.ConfigException;
import org.stirshield.config.ConfigValues;
import org.stirshield.config.LocatedYaml;
import org.stirshield.policy.PolicyException;
import org.stirshield.policy.PolicyLoader;
import org.stirshield.policy.PolicyReport;
import org.stirshield.service.StirShieldService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code stirshield check-config FILE}: validates a whole stirshield.yaml exactly as {@code serve} reads it
 * (every section and value, the files it names, the audit and cache directories, the trust anchors, the
 * policy and its CSVs) or a policy file alone, and prints the resolved absolute paths and a policy summary.
 * Exit 0 valid, 1 invalid ({@code /abs/file:line: reason} on stderr).
 */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = {"Validate a stirshield.yaml or a policy file alone, as serve reads it.",
            "Checks every section, the files and directories it names, the trust anchors, the policy and its CSVs;",
            "prints the resolved absolute paths and a policy summary (entries per agency and policy, duplicates,",
            "overlapping and shadowed entries). What check-config accepts, serve starts with. Exit 0 when valid,",
            "1 when invalid (file:line: reason on stderr)."})
final class CheckConfigCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "stirshield.yaml, or a policy YAML file")
    Path file;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path abs = file.toAbsolutePath().normalize();
        try {
            if (isPolicyFile(abs)) {
                PolicyLoader.check(abs).print(out);
                out.flush();
                return 0;
            }
            return checkConfiguration(abs, out, err);
        } catch (PolicyException | IllegalArgumentException e) {
            return invalid(err, List.of(e.getMessage()));
        }
    }

    private int checkConfiguration(Path abs, PrintWriter out, PrintWriter err) throws PolicyException {
        JsonNode tree;
        try {
            tree = ConfigValues.readYaml(abs);
        } catch (IOException e) {
            return invalid(err, List.of(abs + ": " + ConfigValues.why(e)));
        }
        // the same readers, in the same order, as serve
        ServerSettings server;
        try {
            server = ServerSettings.from(ConfigValues.section(tree, "server"));
        } catch (IllegalArgumentException e) {
            throw ConfigValues.locate(tree, e);
        }
        StirShieldService.Prepared p = StirShieldService.prepare(new StirShieldService.Options(abs, tree, null, null));
        List<String> errors = new ArrayList<>();
        p.strictProblems().forEach(e -> errors.add(abs + ": " + e));
        if (!errors.isEmpty()) {
            return invalid(err, errors);
        }
        out.println("OK " + abs);
        out.printf("  %-32s %s%n", "server.listen", server.listen().getHostString() + ":" + server.listen().getPort()
                + " (sessions " + server.maxSessions() + ", decision deadline " + server.decisionDeadline().toMillis()
                + " ms)");
        for (Map.Entry<String, String> e : p.paths().entrySet()) {
            out.printf("  %-32s %s%n", e.getKey(), e.getValue());
        }
        for (String w : p.warnings()) {
            out.println("warning: " + w);
        }
        PolicyReport report = p.policyReport();
        if (report != null) {
            report.print(out);
        } else {
            out.println("policy: " + p.policySummary());
        }
        out.flush();
        return 0;
    }

    private static int invalid(PrintWriter err, List<String> messages) {
        messages.forEach(err::println);
        err.println("INVALID");
        err.flush();
        return 1;
    }

    /**
     * Whether {@code f} is a policy file rather than a stirshield.yaml: its top level has a policy-file key
     * ({@code policies}, {@code protected}, {@code csv}, ...). Anything unreadable is checked as a
     * stirshield.yaml, whose reader reports it with the path and line.
     */
    static boolean isPolicyFile(Path f) {
        if (!Files.isRegularFile(f)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(f)) {
            JsonNode root = LocatedYaml.parse(f.toString(), in).root;
            for (String k : PolicyLoader.TOP_KEYS) {
                if (root.has(k)) {
                    return true;
                }
            }
            return false;
        } catch (IOException | ConfigException e) {
            return false;
        }
    }
}
