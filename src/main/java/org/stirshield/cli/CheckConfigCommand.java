package org.stirshield.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.stirshield.config.ConfigValues;
import org.stirshield.policy.PolicyException;
import org.stirshield.policy.PolicyLoader;
import org.stirshield.policy.PolicyReport;
import org.stirshield.policy.PolicySettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./stirshield check-config FILE}: validates a policy file (or the policy a stirshield.yaml
 * points to) and prints a summary. Exit 0 valid, 1 invalid ({@code file:line: reason} on stderr).
 */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = {"Validate a policy file (or the policy.file of a stirshield.yaml) and print a summary:",
            "entries per agency and per policy, duplicates, overlapping and shadowed entries.",
            "Exit 0 when valid, 1 when invalid (file:line: reason on stderr)."})
final class CheckConfigCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "policy YAML, or stirshield.yaml with policy.file")
    Path file;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isRegularFile(file)) {
            err.println(file + ": file not found");
            err.flush();
            return 1;
        }
        try {
            PolicyReport report;
            Path policyFile = policyFileOf(file);
            if (policyFile == null) {
                out.println(file + ": policy.file not set, checking the embedded example policy");
                report = PolicyLoader.checkEmbedded();
            } else {
                if (!policyFile.equals(file)) {
                    out.println(file + ": policy.file = " + policyFile);
                }
                report = PolicyLoader.check(policyFile);
            }
            report.print(out);
            return 0;
        } catch (PolicyException e) {
            err.println(e.getMessage());
            err.println("INVALID");
            err.flush();
            return 1;
        } catch (IllegalArgumentException e) {
            err.println(file + ": " + e.getMessage());
            err.println("INVALID");
            err.flush();
            return 1;
        }
    }

    /**
     * The policy file to check: {@code f} itself, or (for a stirshield.yaml, recognised by a top-level
     * {@code policy:} mapping and no policy-file keys) its {@code policy.file} resolved against its
     * directory, or null when that is not set (embedded policy).
     */
    static Path policyFileOf(Path f) {
        JsonNode root;
        try {
            root = ConfigValues.readYaml(f);
        } catch (IOException | RuntimeException e) {
            return f; // not readable as plain YAML: let the policy loader report it with its line
        }
        boolean policyFileKeys = root.has("protected") || root.has("policies") || root.has("csv");
        if (root.path("policy").isObject() && !policyFileKeys) {
            Path dir = f.toAbsolutePath().getParent();
            return PolicySettings.from(root.get("policy"), dir).file();
        }
        return f;
    }
}
